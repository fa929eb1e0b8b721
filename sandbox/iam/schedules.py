"""EventBridge Scheduler firing a schedule: assume the target's RoleArn, then call the target as it.

moto stores schedules but never fires them; ``fire_schedule(sandbox, name)`` does what one firing
does, so that the schedule's role is tested the way the Scheduler uses it:

- EventBridge Scheduler assumes ``Target.RoleArn`` as ``scheduler.amazonaws.com`` ("Set up the
  execution role", setting-up), sending ``aws:SourceAccount`` and ``aws:SourceArn`` = the ARN of the
  schedule's group ("Confused deputy prevention in EventBridge Scheduler",
  cross-service-confused-deputy-prevention: the ARN must be a schedule group's).
- It then invokes the target API as that role: for a Step Functions target, StartExecution of
  ``Target.Arn`` with ``Target.Input`` (API_Target; the request is judged by the role's policies
  through the request hook, ``sandbox.iam.guard``); for a universal target
  (``arn:aws:scheduler:::aws-sdk:<service>:<apiAction>``), that API with ``Target.Input`` as its
  request (``invoke_universal_target``).
- A failed invocation goes to the schedule's dead-letter queue when one is configured, with the
  error, after the retry policy is exhausted ("Configuring a schedule's dead-letter queue",
  configuring-schedule-dlq); otherwise it is dropped. The sandbox returns the failure instead of
  delivering it anywhere. The error AWS records when the role cannot be assumed is not documented.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sandbox.iam import trust
from sandbox.iam.identity import acting_as, detached


@dataclass(frozen=True)
class Firing:
    """What one firing did: the execution it started, or the error a dead-letter event would carry."""

    schedule: str
    execution_arn: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    response: dict[str, Any] | None = None  # a universal target's API answer (invoke_universal_target)

    @property
    def delivered(self) -> bool:
        return self.execution_arn is not None or self.response is not None


def schedule_group_arn(region: str, account: str, group: str) -> str:
    return f"arn:aws:scheduler:{region}:{account}:schedule-group/{group}"


def fire_schedule(sandbox: Any, name: str, group: str = "default") -> Firing:
    """Fire the schedule ``name`` once, now, as EventBridge Scheduler would."""
    import boto3
    from botocore.exceptions import ClientError

    with detached():
        schedule = boto3.client("scheduler", region_name=sandbox.region).get_schedule(Name=name, GroupName=group)
    target = schedule["Target"]
    role_arn, account = target["RoleArn"], sandbox.account_id
    source = schedule_group_arn(sandbox.region, account, group)
    if trust.services_checked() and not trust.may_assume(
            account, role_arn, trust.SCHEDULER, trust.confused_deputy_context(account, source)).allowed:
        return Firing(name, error_code="AccessDenied",
                      error_message=f"{trust.SCHEDULER} could not assume {role_arn}: its trust policy must allow "
                                    f"sts:AssumeRole with aws:SourceAccount {account} and aws:SourceArn {source}")
    if ":aws-sdk:" in target["Arn"]:
        return invoke_universal_target(sandbox, name, target)
    if ":states:" not in target["Arn"]:
        raise ValueError(f"schedule {name}: the sandbox fires Step Functions targets only, not {target['Arn']}")
    try:
        with acting_as(role_arn, f"scheduler-{name}"[:64]):
            started = boto3.client("stepfunctions", region_name=sandbox.region).start_execution(
                stateMachineArn=target["Arn"], input=target.get("Input") or json.dumps({}))
    except ClientError as error:
        return Firing(name, error_code=error.response["Error"]["Code"], error_message=error.response["Error"]["Message"])
    return Firing(name, execution_arn=started["executionArn"])


def invoke_universal_target(sandbox: Any, name: str, target: dict[str, Any]) -> Firing:
    """A universal target (``arn:aws:scheduler:::aws-sdk:<service>:<apiAction>``): call that API as the
    schedule's role with ``Target.Input`` as its request parameters ("Using universal targets",
    managing-targets-universal: "Input - A well-formed JSON you specify with the request parameters that
    EventBridge Scheduler sends to the target API"). The role is judged like any caller (sandbox.iam.guard);
    the API's error is what a dead-letter event would carry."""
    import boto3
    from botocore import xform_name
    from botocore.exceptions import ClientError

    service, action = target["Arn"].rsplit(":", 2)[-2:]
    try:
        parameters = json.loads(target.get("Input") or "{}")
    except ValueError as error:
        return Firing(name, error_code="ValidationException", error_message=f"Target.Input is not JSON: {error}")
    try:
        with acting_as(target["RoleArn"], f"scheduler-{name}"[:64]):
            client = boto3.client(service, region_name=sandbox.region)
            response = getattr(client, xform_name(action))(**parameters)
    except ClientError as error:
        return Firing(name, error_code=error.response["Error"]["Code"], error_message=error.response["Error"]["Message"])
    response.pop("ResponseMetadata", None)
    return Firing(name, response=response)
