"""The deployed roles read what their Athena queries read (sandbox.iam.athena_data), and need to.

The inventory-mode diff runs as the state machine's role (athena:startQueryExecution.sync) over the S3
Inventory table and the offline store; the list-mode query runs as the check Lambda's role over the
offline store. With publish.iam_policies' documents both succeed; without s3:GetObject on the offline
store the query, and so the run, fails with Athena's "Permission denied on S3 path".
"""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from publish.iam_roles import INLINE_POLICY_NAME
from reliability.pipeline import CLEAN_WORKFORCE, TIME_SCALE, SandboxPipeline, listing_config
from sandbox import Sandbox
from steps import layout
from workflow import resources
from workflow.graph import NAME_QUERY


def _deployed(tmp_path: Path, listing: str):
    """A deployed pipeline whose three images all have an APPROVED record: the run's query reads the
    offline store's rows, finds nothing missing and the run ends without a labeling job."""
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE, workforce=CLEAN_WORKFORCE) as box:
        pipeline = SandboxPipeline(box, listing_config(tmp_path, listing))
        runtime = boto3.client("sagemaker-featurestore-runtime")
        for uri in pipeline.upload_samples(3):
            runtime.put_record(FeatureGroupName=pipeline.feature_group, Record=[
                {"FeatureName": "image_uri", "ValueAsString": uri},
                {"FeatureName": "event_time", "ValueAsString": "2026-11-29T10:00:00.000Z"},
                {"FeatureName": "status", "ValueAsString": "APPROVED"}])
        if listing != "list":
            box.deliver_inventory_reports(pipeline.bucket)
        yield pipeline


@pytest.fixture()
def inventory_mode(tmp_path):
    yield from _deployed(tmp_path, "inventory")


@pytest.fixture()
def list_mode(tmp_path):
    yield from _deployed(tmp_path, "list")


def _replace(role_arn: str, sid: str, resources: list[str]) -> None:
    """Narrow statement ``sid`` of the deployed role's inline policy to ``resources``."""
    iam = boto3.client("iam")
    name = role_arn.rsplit("/", 1)[-1]
    document = iam.get_role_policy(RoleName=name, PolicyName=INLINE_POLICY_NAME)["PolicyDocument"]
    document = document if isinstance(document, dict) else json.loads(document)
    (statement,) = [s for s in document["Statement"] if s.get("Sid") == sid]
    statement["Resource"] = resources
    iam.put_role_policy(RoleName=name, PolicyName=INLINE_POLICY_NAME, PolicyDocument=json.dumps(document))


def _offline_prefix(pipeline: SandboxPipeline) -> str:
    return f"s3://{pipeline.bucket}/{pipeline.cfg.feature_store.offline_store_prefix}"


def test_the_state_machine_role_reads_the_inventory_and_the_offline_store(inventory_mode):
    run = inventory_mode.run()
    assert run.outcome.status == "SUCCEEDED", (run.outcome.error, run.outcome.cause)
    assert NAME_QUERY in run.outcome.states
    assert run.outcome.output["images_found"] == 3 and run.outcome.output["missing"] == 0


def test_without_get_object_on_the_offline_store_the_inventory_query_fails(inventory_mode):
    cfg = inventory_mode.cfg
    from workflow.inventory import inventory_names

    reports = layout.inventory_report_prefix(cfg.storage.work_prefix, cfg.storage.bucket, inventory_names(cfg).config_id)
    _replace(inventory_mode.deploy.arns.state_machine_role, "ReadInventoryAndOfflineStore",
             [f"arn:aws:s3:::{cfg.storage.bucket}/{reports}*"])  # the reports only
    run = inventory_mode.run()
    assert run.outcome.status == "FAILED"
    assert f"Permission denied on S3 path: {_offline_prefix(inventory_mode)}" in (run.outcome.cause or ""), run.outcome.cause
    assert "s3:GetObject" in run.outcome.cause


def test_without_get_object_on_the_inventory_reports_the_inventory_query_fails(inventory_mode):
    cfg = inventory_mode.cfg
    _replace(inventory_mode.deploy.arns.state_machine_role, "ReadInventoryAndOfflineStore",
             [f"arn:aws:s3:::{cfg.storage.bucket}/{cfg.feature_store.offline_store_prefix}*"])  # the offline store only
    run = inventory_mode.run()
    assert run.outcome.status == "FAILED"
    assert "/symlink.txt. User: " in (run.outcome.cause or ""), run.outcome.cause


def test_the_check_lambda_role_reads_the_offline_store(list_mode):
    run = list_mode.run()
    assert run.outcome.status == "SUCCEEDED", (run.outcome.error, run.outcome.cause)
    assert run.outcome.output["images_found"] == 3 and run.outcome.output["missing"] == 0


def test_without_get_object_on_the_offline_store_the_check_lambda_query_fails(list_mode):
    cfg = list_mode.cfg
    athena = layout.athena_prefix(cfg.storage.work_prefix)
    _replace(list_mode.deploy.arns.check_lambda_role, "ReadOfflineStoreAndQueryResults",
             [f"arn:aws:s3:::{cfg.storage.bucket}/{athena}*"])  # the query results only
    run = list_mode.run()
    assert run.outcome.status == "FAILED"
    assert f"Permission denied on S3 path: {_offline_prefix(list_mode)}" in (run.outcome.cause or ""), run.outcome.cause


def _optimize(pipeline: SandboxPipeline) -> dict:
    """Fire the OPTIMIZE schedule (run as the compaction role); the query's status."""
    fired = pipeline.sandbox.fire_schedule(resources.compaction_schedule_names(pipeline.cfg)["OPTIMIZE"])
    assert fired.delivered, fired.error_message
    return boto3.client("athena").get_query_execution(
        QueryExecutionId=fired.response["QueryExecutionId"])["QueryExecution"]["Status"]


def test_the_compaction_role_lists_the_offline_store_for_optimize(list_mode):
    """optimization-prerequisites (AWS Glue): s3:ListBucket on the bucket, besides the reads and writes."""
    assert list_mode.cfg.feature_store.table_format == "Iceberg"
    assert _optimize(list_mode)["State"] == "SUCCEEDED"
    role = f"arn:aws:iam::{list_mode.sandbox.account_id}:role/{resources.role_names(list_mode.cfg)['compaction']}"
    iam = boto3.client("iam")
    document = iam.get_role_policy(RoleName=role.rsplit("/", 1)[-1], PolicyName=INLINE_POLICY_NAME)["PolicyDocument"]
    document = document if isinstance(document, dict) else json.loads(document)
    (listing,) = [s for s in document["Statement"] if s.get("Sid") == "ListOfflineStore"]
    listing["Condition"] = {"StringLike": {"s3:prefix": [f"{list_mode.cfg.storage.raw_prefix}*"]}}
    iam.put_role_policy(RoleName=role.rsplit("/", 1)[-1], PolicyName=INLINE_POLICY_NAME, PolicyDocument=json.dumps(document))
    status = _optimize(list_mode)
    assert status["State"] == "FAILED"
    assert f"s3:ListBucket on resource: arn:aws:s3:::{list_mode.bucket} " in status["StateChangeReason"]
