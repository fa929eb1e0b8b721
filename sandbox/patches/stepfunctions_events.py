"""Step Functions sends "Step Functions Execution Status Change" events to EventBridge."""
from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sandbox.patches.base import patch

LOG = logging.getLogger(__name__)
SOURCE = "aws.states"
DETAIL_TYPE = "Step Functions Execution Status Change"


def _millis(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def status_change_event(execution: Any) -> dict[str, Any]:
    """The PutEvents entry of an ended execution, shaped like the documented example events
    ("EventBridge (CloudWatch Events) for Step Functions execution status changes": ``detail`` with
    executionArn, stateMachineArn, name, status, startDate and stopDate in epoch milliseconds,
    input, output and their details; the execution ARN in ``resources``)."""
    status = getattr(execution.exec_status, "value", execution.exec_status)
    output = getattr(execution, "output", None)
    detail = {
        "executionArn": execution.exec_arn,
        "stateMachineArn": execution.state_machine.arn,
        "name": execution.name,
        "status": str(status),
        "startDate": _millis(execution.start_date),
        "stopDate": _millis(getattr(execution, "stop_date", None)),
        "input": json.dumps(execution.input_data),
        "output": None if output is None else json.dumps(output),
        "inputDetails": {"included": True},
        "outputDetails": None if output is None else {"included": True},
    }
    return {"Source": SOURCE, "DetailType": DETAIL_TYPE, "Detail": json.dumps(detail),
            "Resources": [execution.exec_arn]}


def install() -> None:
    """Why: moto's Step Functions emits no EventBridge events. On AWS a Standard workflow's
    execution sends one "Step Functions Execution Status Change" event to the default bus at each
    status change ("EventBridge (CloudWatch Events) for Step Functions execution status changes";
    delivery is best effort, "AWS Step Functions events" in the EventBridge reference). The sandbox
    sends the event of every ended execution (SUCCEEDED, FAILED, ABORTED, TIMED_OUT) through
    moto's EventBridge, whose rules deliver it (sandbox.patches.events_lambda_targets). The RUNNING
    event is not sent: nothing in the pipeline listens to it.
    """
    from moto.events.models import events_backends
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication

    original = BaseExecutionWorkerCommunication.terminated

    def terminated(self: BaseExecutionWorkerCommunication) -> None:
        original(self)
        execution = self.execution
        try:
            events_backends[execution.account_id][execution.region_name].put_events([status_change_event(execution)])
        except Exception:  # best effort, as on AWS: an undeliverable event never fails the execution
            LOG.exception("status change event of %s not delivered", execution.exec_arn)

    patch(BaseExecutionWorkerCommunication, "terminated", terminated)
