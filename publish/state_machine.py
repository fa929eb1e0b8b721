"""The state machine, published through the stepfunctions SDK's Workflow."""
from __future__ import annotations

import json

from botocore.exceptions import ClientError
from stepfunctions.workflow import Workflow

from publish.changes import Change


def _find(sfn, name: str) -> str | None:
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == name:
                return machine["stateMachineArn"]
    return None


def ensure_state_machine(workflow: Workflow, extra: dict | None = None) -> tuple[Change, str]:
    """Create the workflow, or update it when its definition, role or settings differ.

    ``extra`` holds UpdateStateMachine arguments the SDK cannot set itself
    (loggingConfiguration, tracingConfiguration); they are applied after the
    SDK's create/update and compared like the definition.
    """
    sfn, extra = workflow.client, extra or {}
    desired = json.loads(workflow.definition.to_json())
    arn = _find(sfn, workflow.name)
    if arn is None:
        arn = workflow.create()
        if extra:
            sfn.update_state_machine(stateMachineArn=arn, **extra)
        return Change("state machine", workflow.name, "created", f"{len(desired['States'])} states"), arn
    current = sfn.describe_state_machine(stateMachineArn=arn)
    stale = []
    if json.loads(current["definition"]) != desired:
        stale.append("definition")
    if current["roleArn"] != workflow.role:
        stale.append("role")
    stale += [key for key, value in extra.items() if current.get(key) != value]
    if not stale:
        return Change("state machine", workflow.name, "unchanged"), arn
    workflow.state_machine_arn = arn
    workflow.update(definition=workflow.definition, role=workflow.role)
    if extra:
        sfn.update_state_machine(stateMachineArn=arn, **extra)
    return Change("state machine", workflow.name, "updated", ", ".join(stale)), arn


def state_machine_exists(sfn, arn: str) -> bool:
    try:
        sfn.describe_state_machine(stateMachineArn=arn)
        return True
    except ClientError as error:
        if error.response["Error"]["Code"] == "StateMachineDoesNotExist":
            return False
        raise
