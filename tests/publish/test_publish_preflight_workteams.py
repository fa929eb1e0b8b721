"""The sandbox's SageMaker workteams (sandbox/workteams.py), which preflight's workteam check asks.

moto has none: CreateWorkteam, DescribeWorkteam and ListWorkteams answered NotImplementedError.
"""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from sandbox import Sandbox
from sandbox.workteams import MAX_WORKTEAMS, ensure_private_workteam

MEMBERS = [{"CognitoMemberDefinition": {"UserPool": "eu-west-1_abc", "UserGroup": "labelers", "ClientId": "client"}}]


def _create(sagemaker, name: str) -> str:
    return sagemaker.create_workteam(WorkteamName=name, MemberDefinitions=MEMBERS, Description="team")["WorkteamArn"]


def test_create_then_describe_and_list(sandbox):
    sagemaker = boto3.client("sagemaker")
    arn = _create(sagemaker, "scratch-inspectors")
    assert arn == f"arn:aws:sagemaker:eu-west-1:{sandbox.account_id}:workteam/private-crowd/scratch-inspectors"
    team = sagemaker.describe_workteam(WorkteamName="scratch-inspectors")["Workteam"]
    assert team["WorkteamArn"] == arn and team["MemberDefinitions"] == MEMBERS
    assert team["WorkforceArn"].startswith(f"arn:aws:sagemaker:eu-west-1:{sandbox.account_id}:workforce/")
    assert [t["WorkteamName"] for t in sagemaker.list_workteams()["Workteams"]] == ["scratch-inspectors"]


def test_unknown_and_duplicate_names_are_refused(sandbox):
    sagemaker = boto3.client("sagemaker")
    _create(sagemaker, "a-team")
    with pytest.raises(ClientError) as unknown:
        sagemaker.describe_workteam(WorkteamName="b-team")
    assert unknown.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as duplicate:
        _create(sagemaker, "a-team")
    assert duplicate.value.response["Error"]["Code"] == "ResourceInUse"


def test_at_most_25_workteams_per_account_and_region(sandbox):
    sagemaker = boto3.client("sagemaker")
    for number in range(MAX_WORKTEAMS):
        _create(sagemaker, f"team-{number}")
    with pytest.raises(ClientError) as error:
        _create(sagemaker, "one-too-many")
    assert error.value.response["Error"]["Code"] == "ResourceLimitExceeded"
    assert len(boto3.client("sagemaker", region_name="us-east-1").list_workteams()["Workteams"]) == 0


def test_list_pages_filters_and_sorts(sandbox):
    sagemaker = boto3.client("sagemaker")
    for name in ("night-shift", "day-shift", "auditors"):
        _create(sagemaker, name)
    first = sagemaker.list_workteams(MaxResults=2, SortBy="Name")
    assert [t["WorkteamName"] for t in first["Workteams"]] == ["auditors", "day-shift"]
    rest = sagemaker.list_workteams(MaxResults=2, SortBy="Name", NextToken=first["NextToken"])
    assert [t["WorkteamName"] for t in rest["Workteams"]] == ["night-shift"] and "NextToken" not in rest
    assert [t["WorkteamName"] for t in sagemaker.list_workteams(NameContains="shift", SortOrder="Descending")["Workteams"]] \
        == ["night-shift", "day-shift"]


def test_served_sandbox_answers_workteams_over_http(sandbox):
    sagemaker = boto3.client("sagemaker", endpoint_url=sandbox.serve(), region_name="eu-west-1")
    _create(sagemaker, "remote-team")
    assert sagemaker.describe_workteam(WorkteamName="remote-team")["Workteam"]["WorkteamName"] == "remote-team"


def test_ensure_private_workteam_creates_once_and_ignores_other_crowds(sandbox):
    sagemaker = boto3.client("sagemaker")
    arn = f"arn:aws:sagemaker:eu-west-1:{sandbox.account_id}:workteam/private-crowd/scratch-inspectors"
    assert ensure_private_workteam(sagemaker, arn) == "scratch-inspectors"
    assert ensure_private_workteam(sagemaker, arn) is None
    assert ensure_private_workteam(sagemaker, "arn:aws:sagemaker:eu-west-1:394669845002:workteam/public-crowd/default") is None
    assert ensure_private_workteam(sagemaker, None) is None
    assert len(sagemaker.list_workteams()["Workteams"]) == 1


def test_a_new_sandbox_starts_without_workteams():
    with Sandbox():
        _create(boto3.client("sagemaker"), "old-team")
    with Sandbox():
        assert boto3.client("sagemaker").list_workteams()["Workteams"] == []
