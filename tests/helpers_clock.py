"""A sandbox clock that moves only when a test advances it.

The sandbox clock runs at least at real speed (time_scale <= 1). A test about a window measured on it (a
write capacity per second, IAM's propagation delay) would depend on how fast the machine makes its calls;
with monotonic time standing still, only ``clock.advance()`` moves simulated time, and the test is exact.
"""
from __future__ import annotations

import time
from typing import Any

import pytest


class _StoppedTime:
    """Stands in for the ``time`` module of sandbox.clock: monotonic() stands still, the rest is ``time``."""

    def __init__(self) -> None:
        self._moment = time.monotonic()

    def monotonic(self) -> float:
        return self._moment

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def stop_sandbox_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now until the test ends, Sandbox clocks made from here on move only by ``advance()``."""
    monkeypatch.setattr("sandbox.clock.time", _StoppedTime())
