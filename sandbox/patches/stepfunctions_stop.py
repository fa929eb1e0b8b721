"""A stopped (or timed-out) execution stays ABORTED (TIMED_OUT): nothing after the stop changes it."""
from __future__ import annotations

from typing import Any

from sandbox.patches.base import patch


def install() -> None:
    """Why: StopExecution ends an execution ABORTED ("StopExecution", Step Functions API
    reference). In moto's engine a stop that lands in a Wait with ``SecondsPath`` lets the Wait
    go on with a wrong stack, the engine raises, and ``Environment.set_error`` overwrites the
    stopped state: the execution ends FAILED. An error raised after the execution was stopped or
    timed out no longer changes its end.
    """
    from moto.stepfunctions.parser.asl.eval.environment import Environment
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped, ProgramTimedOut

    original = Environment.set_error

    def set_error(self: Environment, error: Any) -> None:
        with self._state_mutex:
            if isinstance(self._program_state, ProgramStopped | ProgramTimedOut):
                return
        original(self, error)

    patch(Environment, "set_error", set_error)
