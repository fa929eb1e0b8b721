"""sandbox.iam.actions for the deployer's calls: every DEPLOY_CALLS operation has a row; tag-on-create,
"*"-only list actions, role passing; and requests signed with AssumeRole credentials are evaluated."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from publish import codebuild_role
from sandbox import Sandbox
from sandbox.iam.actions import ROWS, Check, checks_for
from sandbox.iam.requests import Call

ACCOUNT, REGION = "123456789012", "eu-west-1"
FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:check"


@pytest.fixture(autouse=True)
def sandbox():
    with Sandbox(region=REGION) as box:
        yield box


def _checks(service: str, operation: str, **params) -> list[Check]:
    found = checks_for(Call(service, operation, ACCOUNT, REGION, params))
    assert found is not None
    return found


def test_every_call_the_deployer_makes_has_an_iam_rule():
    assert set(codebuild_role.DEPLOY_CALLS) - set(ROWS) == set()


def test_tag_on_create_needs_the_tagging_action_only_when_tags_are_given():
    role = f"arn:aws:iam::{ACCOUNT}:role/pipe-states"
    # IAM is a query-protocol service: a tag list arrives flattened
    assert _checks("iam", "CreateRole", RoleName="pipe-states", **{"Tags.member.1.Key": "owner"}) == [
        Check("iam:CreateRole", role), Check("iam:TagRole", role)]
    assert _checks("iam", "CreateRole", RoleName="pipe-states") == [Check("iam:CreateRole", role)]
    passed = {"iam:PassedToService": "lambda.amazonaws.com"}
    assert _checks("lambda", "CreateFunction", FunctionName="check", Role="arn:aws:iam::1:role/r", Tags={"a": "b"}) == [
        Check("lambda:CreateFunction", FUNCTION), Check("lambda:TagResource", FUNCTION),
        Check("iam:PassRole", "arn:aws:iam::1:role/r", passed)]
    machine = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:pipe"
    assert [c.action for c in _checks("stepfunctions", "CreateStateMachine", name="pipe", roleArn="arn:r",
                                      tags=[{"key": "a", "value": "b"}])] == [
        "states:CreateStateMachine", "states:TagResource", "iam:PassRole"]
    assert _checks("stepfunctions", "CreateStateMachine", name="pipe", roleArn="arn:r")[0] == Check("states:CreateStateMachine", machine)
    group = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:feature-group/labels"
    assert [c.action for c in _checks("sagemaker", "CreateFeatureGroup", FeatureGroupName="Labels", RoleArn="arn:r",
                                      Tags=[{"Key": "a", "Value": "b"}])] == [
        "sagemaker:CreateFeatureGroup", "sagemaker:AddTags", "iam:PassRole"]
    assert _checks("sagemaker", "CreateFeatureGroup", FeatureGroupName="Labels")[0] == Check("sagemaker:CreateFeatureGroup", group)


def test_list_actions_without_a_resource_type_are_checked_on_star():
    assert _checks("logs", "DescribeLogGroups", logGroupNamePrefix="/aws/vendedlogs/states/pipe") == [
        Check("logs:DescribeLogGroups", "*")]
    assert _checks("stepfunctions", "ListStateMachines") == [Check("states:ListStateMachines", "*")]


def test_resource_arns_of_the_deployers_resources():
    assert _checks("events", "PutTargets", Rule="pipe-ended") == [
        Check("events:PutTargets", f"arn:aws:events:{REGION}:{ACCOUNT}:rule/pipe-ended")]
    assert _checks("scheduler", "CreateSchedule", Name="pipe-run", Target={"RoleArn": "arn:aws:iam::1:role/s"}) == [
        Check("scheduler:CreateSchedule", f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/pipe-run"),
        Check("iam:PassRole", "arn:aws:iam::1:role/s", {"iam:PassedToService": "scheduler.amazonaws.com"})]
    assert [c.resource for c in _checks("glue", "CreateTable", DatabaseName="inv", TableInput={"Name": "t"})] == [
        f"arn:aws:glue:{REGION}:{ACCOUNT}:catalog", f"arn:aws:glue:{REGION}:{ACCOUNT}:database/inv",
        f"arn:aws:glue:{REGION}:{ACCOUNT}:table/inv/t"]
    assert _checks("s3", "PutBucketCors", Bucket="images") == [Check("s3:PutBucketCORS", "arn:aws:s3:::images")]
    assert _checks("logs", "CreateLogGroup", logGroupName="/aws/x", tags={"a": "b"}) == [
        Check("logs:CreateLogGroup", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/x")]


def test_get_function_of_a_tagged_function_also_needs_list_tags():
    lam = boto3.client("lambda")
    role = boto3.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    for name, tags in (("check", {"owner": "ml"}), ("plain", {})):
        lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="h.h",
                            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18}, Tags=tags)
    assert _checks("lambda", "GetFunction", FunctionName="check") == [
        Check("lambda:GetFunction", FUNCTION), Check("lambda:ListTags", FUNCTION)]
    assert _checks("lambda", "GetFunction", FunctionName="plain") == [
        Check("lambda:GetFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:plain")]


def _role_session(policy: dict) -> boto3.Session:
    iam = boto3.client("iam")
    iam.create_role(RoleName="builder", AssumeRolePolicyDocument=json.dumps(codebuild_role.codebuild_trust()))
    iam.put_role_policy(RoleName="builder", PolicyName="p", PolicyDocument=json.dumps(policy))
    creds = boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/builder", RoleSessionName="build")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"], region_name=REGION)


def test_requests_signed_with_assume_role_credentials_are_evaluated_as_that_role():
    session = _role_session({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"}]})
    session.client("logs").describe_log_groups()
    with pytest.raises(ClientError) as denied:
        session.client("logs").create_log_group(logGroupName="/aws/x")
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert ("User: arn:aws:sts::123456789012:assumed-role/builder/build is not authorized to perform: logs:CreateLogGroup "
            "on resource: arn:aws:logs:eu-west-1:123456789012:log-group:/aws/x") in str(denied.value)
    boto3.client("logs").create_log_group(logGroupName="/aws/x")  # the sandbox's own credentials: not evaluated


def test_a_list_action_granted_on_a_log_group_pattern_is_not_granted_on_star():
    session = _role_session({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*"}]})
    with pytest.raises(ClientError, match=r"perform: logs:DescribeLogGroups on resource: \*"):
        session.client("logs").describe_log_groups()
