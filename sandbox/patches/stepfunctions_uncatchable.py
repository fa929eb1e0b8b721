"""Step Functions errors that no Retry or Catch handles, and the payload size quota that raises one of them.

Rules (each as "Handling errors in Step Functions workflows" states it,
https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html):

- States.Runtime "isn't retriable, and will always cause the execution to fail. A retry or catch on
  States.ALL won't catch States.Runtime errors": no ErrorEquals matches it, an explicit
  ["States.Runtime"] included ("always").
- States.ALL "can't catch the States.DataLimitExceeded terminal error": States.ALL does not match it.
  Whether an explicit ["States.DataLimitExceeded"] catches it is not documented; the sandbox lets it.
- States.DataLimitExceeded is reported "when, after Parameters processing, the input of a state is
  larger than the payload size quota", as well as for a connector's and a state's output (moto's
  engine checks those two). The quota is "262,144 bytes of data as a UTF-8 encoded string"
  ("Step Functions service quotas", https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html):
  a payload of exactly 262,144 bytes is within it (moto's engine refuses it, and counts JSON spaces
  and escapes).

What AWS writes as the cause of an over-quota input is not documented; the sandbox words it like moto's
cause for an over-quota result.
"""
from __future__ import annotations

import json
from typing import Any, cast

from sandbox.patches.base import patch

RUNTIME = "States.Runtime"
DATA_LIMIT = "States.DataLimitExceeded"
MAX_PAYLOAD_BYTES = 262_144  # "Step Functions service quotas": maximum input or output size


def matches(error: str | None, error_equals: list[str | None]) -> bool | None:
    """Whether a Retrier's or Catcher's ``error_equals`` may handle ``error``; None: moto's own rule decides."""
    if error == RUNTIME:
        return False  # "will always cause the execution to fail" (concepts-error-handling, States.Runtime)
    if error == DATA_LIMIT:
        return DATA_LIMIT in error_equals  # States.ALL "can't catch" it; by name: undocumented (see module)
    return None


def within_quota(payload: Any) -> bool:
    """Whether ``payload`` (a JSON value) is at most 262,144 bytes in UTF-8 (service-quotas).

    A value is measured as the compact JSON text the execution history shows, characters as
    themselves (moto's engine measures ``json.dumps`` with spaces and ``\\u`` escapes). Which exact
    serialization AWS measures is not documented."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=_isoformat)
    return len(text.encode("utf-8")) <= MAX_PAYLOAD_BYTES


def _isoformat(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def install() -> None:
    """Why: moto's engine (5.2.5) lets States.ALL (and an explicit name) retry and catch States.Runtime
    and States.DataLimitExceeded raised inside a Task (a ResultSelector or Parameters path that is
    not found, States.StringToJson on text that is not JSON, a role Step Functions cannot assume, an
    over-quota task result): a graph relying on that catch passes in the sandbox and fails on AWS.
    It never checks a state's input after Parameters against the payload quota, and refuses a payload
    of exactly 262,144 bytes. The rules and their documentation are in the module docstring."""
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.common.parargs import Parargs
    from moto.stepfunctions.parser.asl.component.state import state
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_lambda
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    original_error_equals = ErrorEqualsDecl._eval_body

    def error_equals_eval(self: Any, env: Any) -> None:
        verdict = matches(getattr(env.stack[-1], "error_name", None),
                          [getattr(name, "error_name", None) for name in self.error_names])
        if verdict is None:
            original_error_equals(self, env)
            return
        env.stack.pop()
        env.stack.append(verdict)

    original_parargs = Parargs._eval_body

    def parargs_eval(self: Any, env: Any) -> None:
        original_parargs(self, env)
        if within_quota(env.stack[-1]):
            return
        name = env.states.context_object.context_object_data.get("State", {}).get("Name", "")
        cause = (f"The state/task '{name}' has an input, after Parameters, with a size exceeding the maximum "
                 "number of bytes service limit.")
        raise FailureEventException(failure_event=FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=StatesErrorNameType.StatesStatesDataLimitExceeded),
            event_type=HistoryEventType.TaskFailed,
            event_details=cast(EventDetails, {"taskFailedEventDetails": TaskFailedEventDetails(
                error=DATA_LIMIT, cause=cause)}),  # moto's EventDetails TypedDict is total; one key is what its engine sends
        ))

    patch(ErrorEqualsDecl, "_eval_body", error_equals_eval)
    patch(Parargs, "_eval_body", parargs_eval)
    # moto imports its quota check by name into each module that raises States.DataLimitExceeded.
    for module in (state, state_task_lambda, state_task_service):
        patch(module, "is_within_size_quota", within_quota)
