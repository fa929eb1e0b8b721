"""deploy.py's publisher against the offline sandbox: complete, idempotent, honest about failures."""
from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from publish.aws import AwsClients
from publish.changes import DeployError
from publish.deployer import STEP_ORDER, Deployer
from workflow import resources
from workflow.config import replace

ROOT = Path(__file__).resolve().parents[2]
MUTATING = ("Create", "Put", "Update", "Delete", "Tag", "Untag", "Attach")


def _deploy(cfg, sandbox):
    clients = AwsClients(session=boto3.Session(), region=cfg.pipeline.region, endpoint_url=sandbox.endpoint)
    return Deployer(cfg, clients).run()


def _mutating_calls(sandbox) -> dict:
    return {key: n for key, n in sandbox.faults.calls.items() if key[1].startswith(MUTATING)}


def test_first_deploy_creates_every_resource(cfg, sandbox):
    result = _deploy(cfg, sandbox)
    actions = {(c.kind, c.name): c.action for c in result.report.changes}
    assert set(actions.values()) == {"created"}
    kinds = [c.kind for c in result.report.changes]
    assert kinds.count("iam role") == 9  # StopExecutionJobs has its own role; so do the compaction schedules
    assert kinds.count("lambda function") == 5  # check, filter, update, stop, write-unwritten
    assert kinds.count("s3 object") == 5  # categories, labeling, verification and adjustment templates
    assert {"s3 bucket", "feature group", "log group", "state machine", "eventbridge rule", "schedule"} <= set(kinds)
    assert result.state_machine_arn.endswith(":stateMachine:scratch-labeling")
    assert "states/home?region=eu-west-1#/statemachines/view/" in result.console_url()
    described = boto3.client("sagemaker").describe_feature_group(FeatureGroupName="scratch-labels")
    assert described["FeatureGroupStatus"] == "Created"
    function = boto3.client("lambda").get_function(FunctionName="scratch-labeling-check-missing-labels")
    assert function["Configuration"]["Runtime"] == "python3.12"
    assert function["Configuration"]["Handler"] == "steps.check_missing_labels.handler"


def test_second_deploy_changes_nothing_and_makes_no_update_call(cfg, sandbox):
    _deploy(cfg, sandbox)
    before = _mutating_calls(sandbox)
    result = _deploy(cfg, sandbox)
    assert {c.action for c in result.report.changes} == {"unchanged"}, [c.line() for c in result.report.changes]
    assert not result.report.changed
    assert _mutating_calls(sandbox) == before


def test_polling_change_updates_only_the_state_machine(cfg, sandbox):
    _deploy(cfg, sandbox)
    changed = replace(cfg, polling=replace(cfg.polling, max_interval_seconds=14400))
    result = _deploy(changed, sandbox)
    updated = [(c.kind, c.action, c.detail) for c in result.report.changes if c.action != "unchanged"]
    assert updated == [("state machine", "updated", "definition")]


def test_deploy_interrupted_after_the_lambdas_finishes_on_the_next_run(cfg, sandbox):
    sandbox.faults.add("sagemaker", "CreateFeatureGroup", error_code="AccessDeniedException",
                       status=400, message="not allowed today", times=1)
    with pytest.raises(DeployError) as failure:
        _deploy(cfg, sandbox)
    error = failure.value
    assert error.step == "feature group"
    assert error.remaining == list(STEP_ORDER[STEP_ORDER.index("feature group") + 1:])
    assert "not allowed today" in str(error) and "\n" not in str(error)
    assert {c.kind for c in error.done} >= {"lambda function", "iam role"}
    result = _deploy(cfg, sandbox)
    actions = {c.kind: c.action for c in result.report.changes}
    assert actions["lambda function"] == "unchanged"
    assert actions["feature group"] == "created"
    assert actions["state machine"] == "created"


def test_conflicting_feature_group_is_an_error_and_is_not_altered(cfg, sandbox):
    sm = boto3.client("sagemaker")
    boto3.client("s3").create_bucket(Bucket=cfg.storage.bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    sm.create_feature_group(
        FeatureGroupName="scratch-labels", RecordIdentifierFeatureName="image_uri", EventTimeFeatureName="event_time",
        FeatureDefinitions=[{"FeatureName": "image_uri", "FeatureType": "String"},
                            {"FeatureName": "event_time", "FeatureType": "String"},
                            {"FeatureName": "width", "FeatureType": "String"}],
        OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{cfg.storage.bucket}/other"}},
        RoleArn=boto3.client("iam").create_role(RoleName="someone-else", AssumeRolePolicyDocument=(
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", '
            '"Principal": {"Service": "sagemaker.amazonaws.com"}}]}'))["Role"]["Arn"],  # SageMaker checks the trust
    )
    with pytest.raises(DeployError) as failure:
        _deploy(cfg, sandbox)
    message = str(failure.value)
    assert "feature group scratch-labels already exists with other definitions" in message
    assert "feature width is String, ours is Integral" in message
    assert "feature status (String) is missing" in message
    definitions = sm.describe_feature_group(FeatureGroupName="scratch-labels")["FeatureDefinitions"]
    assert len(definitions) == 3


def test_turning_the_schedule_off_deletes_it(cfg, sandbox):
    _deploy(cfg, sandbox)
    off = replace(cfg, schedule=replace(cfg.schedule, expression=None))
    result = _deploy(off, sandbox)
    name = resources.schedule_name(cfg)  # the compaction schedules are publish.compaction's
    schedule = [c for c in result.report.changes if c.kind == "schedule" and c.name == name]
    assert [(c.action, c.detail) for c in schedule] == [("deleted", "schedule turned off")]
    assert name not in {s["Name"] for s in boto3.client("scheduler").list_schedules()["Schedules"]}
    again = _deploy(off, sandbox)
    assert [c.action for c in again.report.changes if c.kind == "schedule" and c.name == name] == ["absent"]


def test_configured_roles_are_used_not_created(cfg, sandbox):
    own = f"arn:aws:iam::{sandbox.account_id}:role/team/labeling-gt"
    boto3.client("iam").create_role(RoleName="labeling-gt", Path="/team/", AssumeRolePolicyDocument="{}")
    configured = replace(cfg, iam=replace(cfg.iam, ground_truth_role_arn=own))
    result = _deploy(configured, sandbox)
    roles = {c.name: c.action for c in result.report.changes if c.kind == "iam role"}
    assert roles[own] == "unchanged"
    assert "scratch-labeling-ground-truth" not in roles
