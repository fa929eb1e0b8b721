"""The state machine, published through the stepfunctions SDK's Workflow."""
from __future__ import annotations

import json

from publish.changes import Change
from publish.iam_propagation import RolePropagation
from workflow.sdk_ext import Workflow


def _find(sfn, name: str) -> str | None:
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == name:
                return machine["stateMachineArn"]
    return None


def _settings_differ(current: dict, wanted: dict) -> list[str]:
    stale = []
    for key, value in wanted.items():
        have = current.get(key) or {}
        if {k: have.get(k) for k in value} != value:
            stale.append(key)
    return stale


def ensure_state_machine(workflow: Workflow, propagation: RolePropagation | None = None) -> tuple[Change, str]:
    """Create the workflow, or update it when its definition, role, logging or tracing differ; while
    IAM propagates a new role, ``propagation`` waits (publish.iam_propagation)."""
    propagation = propagation or RolePropagation()
    sfn = workflow.client
    desired = json.loads(workflow.definition.to_json())
    arn = _find(sfn, workflow.name)
    if arn is None:
        arn = propagation.call(workflow.create, workflow.role, "Step Functions")
        return Change("state machine", workflow.name, "created", f"{len(desired['States'])} states"), arn
    current = sfn.describe_state_machine(stateMachineArn=arn)
    stale = []
    if json.loads(current["definition"]) != desired:
        stale.append("definition")
    if current["roleArn"] != workflow.role:
        stale.append("role")
    stale += _settings_differ(current, workflow._observability_parameters())
    if not stale:
        return Change("state machine", workflow.name, "unchanged"), arn
    workflow.state_machine_arn = arn
    propagation.call(lambda: workflow.update(definition=workflow.definition, role=workflow.role),
                     workflow.role, "Step Functions")
    return Change("state machine", workflow.name, "updated", ", ".join(stale)), arn
