"""Step Functions executions started without a name get one."""
from __future__ import annotations

import uuid
from typing import Any

from sandbox.patches.base import patch


def install() -> None:
    """Why: moto's engine keeps a missing execution name as None: the ARN ends in ":None",
    $$.Execution.Name is null, and a second unnamed execution with the same input is taken for a
    retry of the first (name idempotency) and never runs. AWS names it with a UUID."""
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.start_execution

    def start_execution(self: Any, state_machine_arn: str, name: Any = None, *args: Any, **kwargs: Any) -> Any:
        return original(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    patch(StepFunctionsParserBackend, "start_execution", start_execution)
