"""A role created or changed seconds ago is not usable yet: the sandbox refuses it, the deployer waits.

The sandbox's window (Sandbox(iam_propagation_seconds=...)) is measured on its clock, which stands still
(tests/helpers_clock.py): real time never closes it, however slow the machine; the deployer's injected sleep
advances the clock instead.
"""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from helpers_clock import stop_sandbox_clock

from publish import feature_group, iam_roles
from publish.aws import AwsClients
from publish.changes import DeployError
from publish.deployer import Deployer
from sandbox import Sandbox
from workflow import resources
from workflow.config import replace

ROOT = Path(__file__).resolve().parents[2]
WINDOW = 60.0  # simulated seconds


@pytest.fixture()
def sandbox(monkeypatch):
    stop_sandbox_clock(monkeypatch)
    with Sandbox(region="eu-west-1", time_scale=1.0, iam_propagation_seconds=WINDOW) as box:
        yield box


class Waits:
    """The deployer's clock and sleep on the sandbox clock; the lines it prints."""

    def __init__(self, sandbox: Sandbox, max_wait: float = 120.0) -> None:
        from publish.iam_propagation import RolePropagation

        self.sandbox, self.elapsed, self.lines = sandbox, 0.0, []
        self.propagation = RolePropagation(max_wait=max_wait, sleep=self.sleep, clock=lambda: self.elapsed,
                                           say=self.lines.append)

    def sleep(self, seconds: float) -> None:
        self.elapsed += seconds
        self.sandbox.clock.advance(seconds)


def _deploy(cfg, waits: Waits):
    clients = AwsClients(session=boto3.Session(), region=cfg.pipeline.region)
    return Deployer(cfg, clients, propagation=waits.propagation).run()


def _touch(role_name: str) -> None:
    """Put the role's inline policy again, unchanged: IAM propagates it anew."""
    iam = boto3.client("iam")
    document = iam.get_role_policy(RoleName=role_name, PolicyName=iam_roles.INLINE_POLICY_NAME)["PolicyDocument"]
    document = document if isinstance(document, str) else json.dumps(document)
    iam.put_role_policy(RoleName=role_name, PolicyName=iam_roles.INLINE_POLICY_NAME, PolicyDocument=document)


def test_first_deploy_waits_for_the_new_lambda_role_then_succeeds(cfg, sandbox):
    waits = Waits(sandbox)
    result = _deploy(cfg, waits)
    assert {c.action for c in result.report.changes} == {"created"}
    role = resources.role_names(cfg)["check_lambda"]
    assert waits.lines[:2] == [f"waiting for IAM role {role} to be usable by Lambda (retry 1, 2 s)",
                               f"waiting for IAM role {role} to be usable by Lambda (retry 2, 4 s)"]
    assert all("\n" not in line for line in waits.lines)
    assert sum(float(line.rsplit(", ", 1)[1].split()[0]) for line in waits.lines) >= WINDOW


def test_without_waiting_the_first_deploy_fails_with_one_line(cfg, sandbox):
    waits = Waits(sandbox, max_wait=0.0)
    with pytest.raises(DeployError) as failure:
        _deploy(cfg, waits)
    message = str(failure.value)
    role = resources.role_names(cfg)["check_lambda"]
    assert failure.value.step == "lambdas" and "\n" not in message
    assert f"IAM role {role} is still not usable by Lambda after 0 s" in message
    assert "InvalidParameterValueException: The role defined for the function cannot be assumed by Lambda." in message
    assert waits.lines == []


def test_new_feature_group_waits_for_its_role(cfg, sandbox):
    _deploy(cfg, Waits(sandbox))
    boto3.client("sagemaker").delete_feature_group(FeatureGroupName=cfg.feature_store.feature_group_name)
    # the deleted group's table stays (API_DeleteFeatureGroup); the deployer adopts none: start afresh
    catalog = feature_group.data_catalog_config(cfg.feature_store.feature_group_name)
    boto3.client("glue").delete_table(DatabaseName=catalog["Database"], Name=catalog["TableName"])
    role = resources.role_names(cfg)["feature_store"]
    _touch(role)
    waits = Waits(sandbox)
    result = _deploy(cfg, waits)
    assert {(c.kind, c.action) for c in result.report.changes if c.action != "unchanged"} == {("feature group", "created")}
    assert waits.lines[0] == f"waiting for IAM role {role} to be usable by SageMaker Feature Store (retry 1, 2 s)"


def test_state_machine_create_and_update_wait_for_their_role(cfg, sandbox):
    first = _deploy(cfg, Waits(sandbox))
    role = resources.role_names(cfg)["state_machine"]
    _touch(role)
    changed = replace(cfg, polling=replace(cfg.polling, max_interval_seconds=14400))
    waits = Waits(sandbox)
    updated = _deploy(changed, waits)
    assert [(c.kind, c.action) for c in updated.report.changes if c.action != "unchanged"] == [
        ("state machine", "updated")]
    assert waits.lines[0] == f"waiting for IAM role {role} to be usable by Step Functions (retry 1, 2 s)"

    boto3.client("stepfunctions").delete_state_machine(stateMachineArn=first.state_machine_arn)
    _touch(role)
    waits = Waits(sandbox)
    created = _deploy(changed, waits)
    assert [(c.kind, c.action) for c in created.report.changes if c.action != "unchanged"] == [
        ("state machine", "created")]
    assert waits.lines[0] == f"waiting for IAM role {role} to be usable by Step Functions (retry 1, 2 s)"


def test_lambda_configuration_update_waits_for_a_changed_role(cfg, sandbox):
    _deploy(cfg, Waits(sandbox))
    untraced = replace(cfg, observability=replace(cfg.observability,
                                                                          tracing=not cfg.observability.tracing))
    waits = Waits(sandbox)
    result = _deploy(untraced, waits)  # the roles' policies change (X-Ray), then the functions' tracing
    kinds = {(c.kind, c.action) for c in result.report.changes if c.action != "unchanged"}
    assert ("lambda function", "updated") in kinds and ("iam role", "updated") in kinds
    assert "to be usable by Lambda (retry 1, 2 s)" in waits.lines[0]


def _trust() -> str:
    services = ["lambda.amazonaws.com", "states.amazonaws.com", "sagemaker.amazonaws.com"]
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": services}, "Action": "sts:AssumeRole"}]})


def _error(call) -> dict:
    with pytest.raises(ClientError) as failure:
        call()
    return failure.value.response["Error"]


def test_each_service_refuses_a_role_inside_the_window_with_its_own_error(sandbox):
    role = boto3.client("iam").create_role(RoleName="fresh", AssumeRolePolicyDocument=_trust())["Role"]["Arn"]
    boto3.client("s3").create_bucket(Bucket="fresh-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    lam, sfn, sm = boto3.client("lambda"), boto3.client("stepfunctions"), boto3.client("sagemaker")
    function = {"FunctionName": "f", "Runtime": "python3.12", "Handler": "x.handler", "Code": {"ZipFile": b"PK\x05\x06" + b"\0" * 18}}
    definition = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
    group = {"FeatureGroupName": "g", "RecordIdentifierFeatureName": "id", "EventTimeFeatureName": "t",
                 "FeatureDefinitions": [{"FeatureName": "id", "FeatureType": "String"},
                                     {"FeatureName": "t", "FeatureType": "String"}],
                 "OfflineStoreConfig": {"S3StorageConfig": {"S3Uri": "s3://fresh-bucket/fs"}}}

    assert _error(lambda: lam.create_function(Role=role, **function)) == {
        "Code": "InvalidParameterValueException",
        "Message": "The role defined for the function cannot be assumed by Lambda."}
    assert _error(lambda: sfn.create_state_machine(name="m", definition=definition, roleArn=role)) == {
        "Code": "AccessDeniedException",
        "Message": "Neither the global service principal states.amazonaws.com, nor the regional one is "
                   "authorized to assume the provided role."}
    refused = _error(lambda: sm.create_feature_group(RoleArn=role, **group))
    assert refused["Code"] == "ValidationException"
    assert refused["Message"].startswith("The execution role ARN is invalid.") and role in refused["Message"]

    sandbox.clock.advance(WINDOW + 1)
    lam.create_function(Role=role, **function)
    machine = sfn.create_state_machine(name="m", definition=definition, roleArn=role)["stateMachineArn"]
    sm.create_feature_group(RoleArn=role, **group)

    boto3.client("iam").update_assume_role_policy(RoleName="fresh", PolicyDocument=_trust())  # a change reopens it
    assert _error(lambda: lam.update_function_configuration(FunctionName="f", Role=role))["Code"] == \
        "InvalidParameterValueException"
    assert _error(lambda: sfn.update_state_machine(stateMachineArn=machine, roleArn=role))["Code"] == \
        "AccessDeniedException"


def test_the_default_sandbox_opens_no_window():
    with Sandbox(region="eu-west-1") as box:
        assert box.iam_propagation.seconds == 0.0
        role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument=_trust())["Role"]["Arn"]
        assert not box.iam_propagation.propagating(role)
