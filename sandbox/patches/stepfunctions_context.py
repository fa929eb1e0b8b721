"""``$$.Execution.StartTime`` rendered as AWS renders it: ISO 8601, milliseconds, "Z"."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sandbox.patches.base import patch


def aws_timestamp(moment: datetime) -> str:
    """``2019-03-26T20:14:13.192Z``: the context object's StartTime format."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def install() -> None:
    """Why: moto puts the start datetime itself in the context object, which its JSON encoder
    renders with Python's isoformat ("2026-11-30T07:31:05.603123+00:00"). AWS renders
    ``$$.Execution.StartTime`` as "2019-03-26T20:14:13.192Z" (the example in "Context object in
    Step Functions"; milliseconds are also all DescribeExecution's startDate carries). Job names
    hash the StartTime (steps/naming.py), and StopExecutionJobs derives them again from
    DescribeExecution: both must see the same instant in the same form.
    """
    from moto.stepfunctions.parser.asl.eval.evaluation_details import ExecutionDetails
    from moto.stepfunctions.parser.backend.execution import Execution

    def get_start_execution_details(self: Execution) -> Any:
        return ExecutionDetails(arn=self.exec_arn, name=self.name, role_arn=self.role_arn, inpt=self.input_data,
                                start_time=aws_timestamp(self.start_date))

    patch(Execution, "get_start_execution_details", get_start_execution_details)
