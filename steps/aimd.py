"""Additive increase, multiplicative decrease (AIMD) of a concurrency limit: pure logic, no threads.

The writer asks ``limit`` how many calls may be in flight. Each call that was not throttled adds
``increase / limit`` (about +``increase`` per round of ``limit`` calls, as TCP's congestion
avoidance); a throttled call multiplies the limit by ``decrease``. One throttling episode hits many
calls that were already in flight: only throttles of calls started after the last decrease count
(``epoch``), so a burst of throttles halves the limit once, not once per call.
Standard library only: this module ships in the Lambda zip.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Aimd:
    """A concurrency limit between ``minimum`` and ``maximum`` that adapts to throttling."""

    maximum: int
    minimum: int = 1
    increase: float = 1.0
    decrease: float = 0.5
    value: float = field(default=0.0)
    epoch: int = 0  # bumped at each decrease

    def __post_init__(self) -> None:
        if self.minimum < 1 or self.maximum < self.minimum:
            raise ValueError(f"limits must satisfy 1 <= minimum <= maximum, got {self.minimum}..{self.maximum}")
        if not 0 < self.decrease < 1 or self.increase <= 0:
            raise ValueError(f"decrease must be in (0, 1) and increase > 0, got {self.decrease}, {self.increase}")
        self.value = float(self.maximum if not self.value else min(max(self.value, self.minimum), self.maximum))

    @property
    def limit(self) -> int:
        """Calls allowed in flight now."""
        return max(self.minimum, min(self.maximum, int(self.value)))

    def on_success(self) -> None:
        """A call went through without throttling: grow by ``increase / limit``."""
        self.value = min(float(self.maximum), self.value + self.increase / self.limit)

    def on_throttle(self, started_epoch: int) -> bool:
        """A call started at ``started_epoch`` was throttled; return whether the limit was cut."""
        if started_epoch != self.epoch:
            return False  # sent before the last cut: part of the episode already answered
        self.value = max(float(self.minimum), self.value * self.decrease)
        self.epoch += 1
        return True
