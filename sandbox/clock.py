"""The sandbox's clock: simulated time that runs faster than real time.

Ground Truth jobs take hours or days and the workflow polls them with waits
of minutes; in the sandbox one simulated second lasts ``time_scale`` real
seconds (0.001: an hour passes in 3.6 s). Every stand-in that depends on time
(Wait states, job progress, Feature Store write times) reads this one clock.
"""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class SandboxClock:
    """Simulated UTC time: starts at the real time and runs 1/time_scale times faster."""

    def __init__(self, time_scale: float = 0.001, start: datetime | None = None) -> None:
        if not 0 < time_scale <= 1:
            raise ValueError(f"time_scale must be in (0, 1], got {time_scale}")
        self.time_scale = time_scale
        self._start = start or datetime.now(UTC)
        self._mono0 = time.monotonic()
        self._offset = 0.0  # simulated seconds added by advance()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current simulated time (timezone-aware UTC)."""
        with self._lock:
            elapsed = (time.monotonic() - self._mono0) / self.time_scale + self._offset
        return self._start + timedelta(seconds=elapsed)

    def sleep(self, simulated_seconds: float) -> None:
        """Block for ``simulated_seconds`` of simulated time."""
        if simulated_seconds > 0:
            time.sleep(simulated_seconds * self.time_scale)

    def advance(self, simulated_seconds: float) -> None:
        """Jump forward without sleeping (tests: finish a job at once)."""
        with self._lock:
            self._offset += simulated_seconds
