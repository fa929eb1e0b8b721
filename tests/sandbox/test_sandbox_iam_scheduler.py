"""Sandbox.fire_schedule: EventBridge Scheduler starts the pipeline as the schedule's role."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from helpers_wait import wait_until

from publish.iam_roles import INLINE_POLICY_NAME
from reliability.pipeline import SandboxPipeline
from sandbox import Sandbox
from workflow import resources


@pytest.fixture()
def pipeline():
    with Sandbox(region="eu-west-1") as box:
        yield SandboxPipeline(box)


def test_a_due_schedule_starts_an_execution_as_its_role(pipeline):
    fired = pipeline.sandbox.fire_schedule(resources.schedule_name(pipeline.cfg))
    assert fired.delivered, fired.error_message
    described = boto3.client("stepfunctions").describe_execution(executionArn=fired.execution_arn)
    assert described["stateMachineArn"] == pipeline.deploy.state_machine_arn
    assert json.loads(described["input"]) == {}
    _wait_until_running(fired.execution_arn)


def _wait_until_running(execution_arn: str) -> None:
    """Let the engine build the execution (stopping one that is still being set up fails in moto)."""
    sfn = boto3.client("stepfunctions")
    wait_until(lambda: len(sfn.get_execution_history(executionArn=execution_arn)["events"]) >= 2,
               "the scheduled execution past its first event")


def test_without_states_start_execution_the_invocation_is_denied(pipeline):
    """setting-up / managing-targets: the execution role must allow the target's API operation."""
    role = pipeline.deploy.arns.scheduler_role.rsplit("/", 1)[-1]
    iam = boto3.client("iam")
    iam.put_role_policy(RoleName=role, PolicyName=INLINE_POLICY_NAME, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "states:StartExecution",
                                                 "Resource": pipeline.deploy.state_machine_arn + "-other"}]}))
    before = boto3.client("stepfunctions").list_executions(stateMachineArn=pipeline.deploy.state_machine_arn)
    fired = pipeline.sandbox.fire_schedule(resources.schedule_name(pipeline.cfg))
    assert not fired.delivered and fired.error_code == "AccessDeniedException"
    assert fired.error_message.startswith("User: arn:aws:sts::")
    assert f"states:StartExecution on resource: {pipeline.deploy.state_machine_arn} because" in fired.error_message
    after = boto3.client("stepfunctions").list_executions(stateMachineArn=pipeline.deploy.state_machine_arn)
    assert after["executions"] == before["executions"]


def test_a_role_scheduler_may_not_assume_starts_nothing(pipeline):
    role = pipeline.deploy.arns.scheduler_role.rsplit("/", 1)[-1]
    boto3.client("iam").update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}))
    fired = pipeline.sandbox.fire_schedule(resources.schedule_name(pipeline.cfg))
    assert not fired.delivered and "sts:AssumeRole" in fired.error_message


def test_an_unknown_schedule_is_schedulers_not_found_error(pipeline):
    with pytest.raises(ClientError) as caught:
        pipeline.sandbox.fire_schedule("no-such-schedule")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
