"""Waiting in tests for what another thread does (moto's engine, the sandbox's jobs): on the condition itself.

Never a fixed sleep, never a short deadline. The deadline only bounds a hang: it is generous (60 s) so that
a loaded machine is never what decides pass or fail; whatever must still be running when the condition
is met is given a simulated duration that outlasts it (tests/e2e: workers that take a simulated week).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

DEADLINE_SECONDS = 60.0
T = TypeVar("T")


def wait_until(condition: Callable[[], T], what: str, timeout: float = DEADLINE_SECONDS, interval: float = 0.02) -> T:
    """The first truthy value of ``condition()``, polled every ``interval`` s; AssertionError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: still not so after {timeout:.0f} s")
        time.sleep(interval)


def execution_end(sfn: Any, execution_arn: str, timeout: float = DEADLINE_SECONDS) -> dict[str, Any]:
    """DescribeExecution of ``execution_arn`` once it is no longer RUNNING."""

    def ended() -> dict[str, Any] | None:
        described = sfn.describe_execution(executionArn=execution_arn)
        return None if described["status"] == "RUNNING" else described

    return wait_until(ended, f"execution {execution_arn} ended", timeout)


def execution_status(sfn: Any, execution_arn: str, status: str, timeout: float = DEADLINE_SECONDS) -> dict[str, Any]:
    """DescribeExecution of ``execution_arn`` once its status is ``status`` (e.g. ABORTED after StopExecution:
    moto's worker thread reflects the stop a moment later)."""

    def reached() -> dict[str, Any] | None:
        described = sfn.describe_execution(executionArn=execution_arn)
        return described if described["status"] == status else None

    return wait_until(reached, f"execution {execution_arn} {status}", timeout)
