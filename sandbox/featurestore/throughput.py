"""A feature group's write capacity on the sandbox clock: records per second, as a token bucket.

"Exceeding provisioned throughput will result in your requests being throttled" (SageMaker API
Reference, ThroughputConfig, https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ThroughputConfig.html;
Developer Guide, "Throughput modes", feature-store-throughput-mode). AWS documents neither the
size of a burst nor the window it measures: the bucket holds one second of capacity and refills
continuously (undocumented; an assumption).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime


class ThroughputLimit:
    """At most ``records_per_second`` records per simulated second, bursts up to one second's worth."""

    def __init__(self, records_per_second: float, now: Callable[[], datetime]) -> None:
        if records_per_second <= 0:
            raise ValueError(f"records_per_second must be > 0, got {records_per_second}")
        self.rate = float(records_per_second)
        self._now = now
        self._tokens = self.rate
        self._last = now()
        self._lock = threading.Lock()
        self.admitted = 0
        self.throttled = 0

    def take(self) -> bool:
        """Admit one record now, or refuse it (throttled)."""
        with self._lock:
            now = self._now()
            self._tokens = min(self.rate, self._tokens + (now - self._last).total_seconds() * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                self.admitted += 1
                return True
            self.throttled += 1
            return False
