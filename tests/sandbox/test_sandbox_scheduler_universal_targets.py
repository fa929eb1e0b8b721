"""EventBridge Scheduler universal targets: checked when the schedule is created, called as its role when fired."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from sandbox import Sandbox

REGION = "eu-west-1"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "scheduler.amazonaws.com"}}]}


@pytest.fixture()
def box():
    with Sandbox(region=REGION) as sandbox:
        yield sandbox


def _role(actions: list[str]) -> str:
    iam = boto3.client("iam")
    arn = iam.create_role(RoleName="maintenance", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    if actions:
        iam.put_role_policy(RoleName="maintenance", PolicyName="p", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
    return arn


def _schedule(arn: str, role: str, payload: dict) -> None:
    boto3.client("scheduler").create_schedule(
        Name="maintenance", ScheduleExpression="cron(0 3 * * ? *)", FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": arn, "RoleArn": role, "Input": json.dumps(payload)})


@pytest.mark.parametrize("action", ["getQueryExecution", "listQueryExecutions", "batchGetQueryExecution"])
def test_a_read_only_universal_target_is_refused(box, action):
    """managing-targets-universal: read-only actions (get, list, batchGet, ... prefixes) are not supported."""
    with pytest.raises(ClientError) as caught:
        _schedule(f"arn:aws:scheduler:::aws-sdk:athena:{action}", _role([]), {})
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "read-only" in caught.value.response["Error"]["Message"]


def test_a_malformed_universal_target_is_refused(box):
    with pytest.raises(ClientError) as caught:
        _schedule("arn:aws:scheduler:::aws-sdk:athena", _role([]), {})
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_firing_calls_the_api_with_the_input_as_the_schedules_role(box):
    boto3.client("s3").create_bucket(Bucket="h12b-results", CreateBucketConfiguration={"LocationConstraint": REGION})
    role = _role(["athena:StartQueryExecution", "s3:GetBucketLocation", "s3:PutObject"])
    _schedule("arn:aws:scheduler:::aws-sdk:athena:startQueryExecution", role,
              {"QueryString": "SELECT 1 AS one", "ResultConfiguration": {"OutputLocation": "s3://h12b-results/q/"}})
    fired = box.fire_schedule("maintenance")
    assert fired.delivered, fired.error_message
    execution = boto3.client("athena").get_query_execution(QueryExecutionId=fired.response["QueryExecutionId"])
    assert execution["QueryExecution"]["Query"] == "SELECT 1 AS one"
    assert execution["QueryExecution"]["Status"]["State"] == "SUCCEEDED"


def test_firing_without_permission_for_the_api_delivers_nothing(box):
    _schedule("arn:aws:scheduler:::aws-sdk:athena:startQueryExecution", _role(["s3:PutObject"]),
              {"QueryString": "SELECT 1"})
    fired = box.fire_schedule("maintenance")
    assert not fired.delivered and fired.error_code == "AccessDeniedException"
    assert "athena:StartQueryExecution" in fired.error_message
