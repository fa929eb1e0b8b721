"""Step Functions engine time: Wait states and Retry intervals use the sandbox clock."""
from __future__ import annotations

import time as _time
from datetime import UTC
from typing import Any

from sandbox import registry
from sandbox.patches.base import patch


class _ScaledTime:
    """Stands in for the `time` module inside moto's retrier: sleep() in simulated seconds."""

    def sleep(self, seconds: float) -> None:
        registry.active().clock.sleep(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)


def install() -> None:
    """Why: moto's engine waits real seconds; a 1-hour polling Wait must take 3.6 s at scale 0.001.

    WaitFunction._wait_interval (Seconds / SecondsPath / Timestamp waits), Timestamp waits' distance
    from "now" (moto compares with the naive local time; the sandbox's simulated UTC is right) and the
    Retry back-off sleep (a module-level time.sleep in retrier_decl).
    """
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import timestamp as wait_timestamp
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    def _wait_interval(self: WaitFunction, env: Any, wait_seconds: int) -> None:
        deadline = _time.monotonic() + max(0, wait_seconds) * registry.active().clock.time_scale
        while env.is_running():
            remaining = deadline - _time.monotonic()
            if remaining <= 0:
                return
            if env.program_state_event.wait(remaining) and env.is_running():
                _time.sleep(min(remaining, 0.01))  # an unrelated wake-up: keep waiting

    def _get_wait_seconds(self: Any, env: Any) -> int:
        self.string.eval(env=env)
        timestamp_str: str = env.stack.pop()
        moment = self._from_timestamp_string(timestamp=timestamp_str)
        if moment is None:  # moto's own States.Runtime failure
            raise wait_timestamp.FailureEventException(self._create_failure_event(env, timestamp_str))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int((moment - registry.active().clock.now()).total_seconds())

    patch(WaitFunction, "_wait_interval", _wait_interval)
    patch(wait_timestamp.Timestamp, "_get_wait_seconds", _get_wait_seconds)
    patch(retrier_decl, "time", _ScaledTime())
