"""The offline store's table format and its compaction schedules (issue 12 point 3).

New groups get feature_store.table_format (Iceberg by default); an existing group keeps its own format,
with a one-line note; only an Iceberg group gets the OPTIMIZE and VACUUM schedules, whose universal
target runs the statement on the sandbox's Athena as the least-privilege compaction role.
"""
from __future__ import annotations

import json

import boto3
import pytest

from deploy import main as deploy_main
from publish import compaction, feature_group
from publish.aws import AwsClients
from publish.deployer import Deployer
from publish.iam_policies import PolicyContext, role_documents
from publish.iam_roles import INLINE_POLICY_NAME
from sandbox.athena.maintenance import log_of
from workflow import resources
from workflow.config import replace
from workflow.resources import ResourceArns


def _deploy(cfg):
    return Deployer(cfg, AwsClients(session=boto3.Session(), region=cfg.pipeline.region)).run()


def _with_store(cfg, **changes):
    return replace(cfg, feature_store=replace(cfg.feature_store, **changes))


def test_the_request_carries_the_configured_table_format(cfg):
    for table_format in ("Iceberg", "Glue"):
        request = feature_group.feature_group_request(_with_store(cfg, table_format=table_format), "arn:aws:iam::1:role/x")
        assert request["OfflineStoreConfig"]["TableFormat"] == table_format


def test_a_new_group_is_iceberg_with_an_optimize_and_a_vacuum_schedule(cfg, sandbox):
    result = _deploy(cfg)
    described = boto3.client("sagemaker").describe_feature_group(FeatureGroupName=cfg.feature_store.feature_group_name)
    assert described["OfflineStoreConfig"]["TableFormat"] == "Iceberg"
    names = resources.compaction_schedule_names(cfg)
    scheduler = boto3.client("scheduler")
    for statement, expression in (("OPTIMIZE", "cron(0 3 * * ? *)"), ("VACUUM", "cron(0 5 * * ? *)")):
        schedule = scheduler.get_schedule(Name=names[statement])
        assert schedule["ScheduleExpression"] == expression
        assert schedule["Target"]["Arn"] == "arn:aws:scheduler:::aws-sdk:athena:startQueryExecution"
        assert schedule["Target"]["RoleArn"] == result.arns.compaction_role
        request = json.loads(schedule["Target"]["Input"])
        assert request["QueryString"] == compaction.statements("scratch_labels")[statement]
        assert request["WorkGroup"] == cfg.feature_store.athena_workgroup
        assert request["QueryExecutionContext"]["Database"] == "sagemaker_featurestore"
        assert request["ResultConfiguration"]["OutputLocation"] == "s3://my-factory-images/labeling/athena/compaction/"
    assert {(c.kind, c.name, c.action) for c in result.report.changes if c.kind == "schedule"} >= {
        ("schedule", names["OPTIMIZE"], "created"), ("schedule", names["VACUUM"], "created")}


def test_firing_the_schedules_runs_optimize_then_vacuum_on_the_sandbox_athena(cfg, sandbox):
    _deploy(cfg)
    athena = boto3.client("athena")
    for name in resources.compaction_schedule_names(cfg).values():
        fired = sandbox.fire_schedule(name)
        assert fired.delivered, fired.error_message
        status = athena.get_query_execution(QueryExecutionId=fired.response["QueryExecutionId"])["QueryExecution"]["Status"]
        assert status["State"] == "SUCCEEDED", status
    runs = log_of(sandbox.athena).runs
    assert [(r.statement, r.database, r.table, r.files_deleted) for r in runs] == [
        ("OPTIMIZE", "sagemaker_featurestore", "scratch_labels", False),
        ("VACUUM", "sagemaker_featurestore", "scratch_labels", True)]


def test_without_delete_the_vacuum_succeeds_but_deletes_nothing(cfg, sandbox):
    """vacuum-statement: without s3:DeleteObject "the VACUUM query will succeed, but the files will not be deleted"."""
    _deploy(cfg)
    _without(cfg, sandbox, "s3:DeleteObject")
    fired = sandbox.fire_schedule(resources.compaction_schedule_names(cfg)["VACUUM"])
    state = boto3.client("athena").get_query_execution(QueryExecutionId=fired.response["QueryExecutionId"])
    assert state["QueryExecution"]["Status"]["State"] == "SUCCEEDED"
    assert [r.files_deleted for r in log_of(sandbox.athena).runs] == [False]


def test_without_glue_update_table_the_optimize_fails(cfg, sandbox):
    _deploy(cfg)
    _without(cfg, sandbox, "glue:UpdateTable")
    fired = sandbox.fire_schedule(resources.compaction_schedule_names(cfg)["OPTIMIZE"])
    status = boto3.client("athena").get_query_execution(
        QueryExecutionId=fired.response["QueryExecutionId"])["QueryExecution"]["Status"]
    assert status["State"] == "FAILED"
    assert "glue:UpdateTable" in status["StateChangeReason"]


def test_a_role_without_start_query_execution_is_refused_by_athena(cfg, sandbox):
    """managing-targets-universal: the role "must have the permissions to call the API operation"."""
    _deploy(cfg)
    _without(cfg, sandbox, "athena:StartQueryExecution")
    fired = sandbox.fire_schedule(resources.compaction_schedule_names(cfg)["OPTIMIZE"])
    assert not fired.delivered and fired.error_code == "AccessDeniedException"
    assert "athena:StartQueryExecution" in fired.error_message


def _without(cfg, sandbox, action: str) -> None:
    """The compaction role's policy minus one action."""
    role = resources.role_names(cfg)["compaction"]
    policy = role_documents(PolicyContext.for_config(cfg, ResourceArns.for_account(cfg, sandbox.account_id)))["compaction"].policy
    for statement in policy["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != action]
    policy["Statement"] = [s for s in policy["Statement"] if s["Action"]]
    boto3.client("iam").put_role_policy(RoleName=role, PolicyName=INLINE_POLICY_NAME, PolicyDocument=json.dumps(policy))


def test_an_existing_glue_group_is_kept_with_a_note_and_gets_no_compaction(cfg, sandbox):
    _deploy(_with_store(cfg, table_format="Glue"))
    result = _deploy(cfg)  # the config now says Iceberg
    group = next(c for c in result.report.changes if c.kind == "feature group")
    assert group.action == "unchanged"
    assert group.detail == ("offline store stays Glue (feature_store.table_format Iceberg applies to new groups only: "
                            "the format is fixed at creation)")
    described = boto3.client("sagemaker").describe_feature_group(FeatureGroupName=cfg.feature_store.feature_group_name)
    assert described["OfflineStoreConfig"]["TableFormat"] == "Glue"
    schedules = {c.name: c for c in result.report.changes if c.kind == "schedule"}
    for name in resources.compaction_schedule_names(cfg).values():
        assert schedules[name].action == "absent"
        assert schedules[name].detail == "offline store is Glue: OPTIMIZE and VACUUM need Iceberg"
    assert ("iam role", resources.role_names(cfg)["compaction"]) not in {(c.kind, c.name) for c in result.report.changes}


def test_turning_compaction_off_deletes_the_schedules(cfg, sandbox):
    _deploy(cfg)
    result = _deploy(_with_store(cfg, compaction_schedule=None, vacuum_schedule=None))
    actions = {c.name: c.action for c in result.report.changes if c.kind == "schedule"}
    assert {actions[n] for n in resources.compaction_schedule_names(cfg).values()} == {"deleted"}


def test_a_second_deploy_changes_no_schedule(cfg, sandbox):
    _deploy(cfg)
    result = _deploy(cfg)
    names = set(resources.compaction_schedule_names(cfg).values())
    assert {c.action for c in result.report.changes if c.name in names} == {"unchanged"}


def test_dry_run_writes_the_schedule_requests_and_the_role(tmp_path, capsys):
    assert deploy_main(["--dry-run", "--out", str(tmp_path)]) == 0
    optimize = json.loads((tmp_path / "schedules" / "scratch-labeling-optimize-offline-store.json").read_text())
    assert optimize["Target"]["Arn"] == compaction.TARGET_ARN
    assert optimize["Target"]["RoleArn"] == "arn:aws:iam::000000000000:role/scratch-labeling-compaction"
    assert json.loads(optimize["Target"]["Input"])["QueryString"] == (
        "OPTIMIZE sagemaker_featurestore.scratch_labels REWRITE DATA USING BIN_PACK")
    assert (tmp_path / "schedules" / "scratch-labeling-vacuum-offline-store.json").exists()
    assert (tmp_path / "iam" / "compaction.json").exists()


def test_the_compaction_role_reaches_only_the_offline_store_its_table_and_its_workgroup(cfg):
    ctx = PolicyContext.for_config(cfg, ResourceArns.placeholder(cfg))
    statements = {s["Sid"]: s for s in role_documents(ctx)["compaction"].policy["Statement"]}
    assert statements["StartMaintenanceQueries"]["Action"] == ["athena:StartQueryExecution"]
    assert statements["StartMaintenanceQueries"]["Resource"] == ["arn:aws:athena:eu-west-1:000000000000:workgroup/primary"]
    assert statements["RewriteOfflineStoreFiles"]["Resource"] == ["arn:aws:s3:::my-factory-images/feature-store/*"]
    assert "s3:DeleteObject" in statements["RewriteOfflineStoreFiles"]["Action"]
    assert statements["CommitOfflineStoreTable"]["Resource"][-1] == (
        "arn:aws:glue:eu-west-1:000000000000:table/sagemaker_featurestore/scratch_labels")
    deleting = [s for s in statements.values() if "s3:DeleteObject" in s["Action"]]
    assert [r for s in deleting for r in s["Resource"]] == ["arn:aws:s3:::my-factory-images/feature-store/*"]


@pytest.mark.parametrize("table_format", ["Glue", "Iceberg"])
def test_no_schedule_request_when_off_or_not_iceberg(cfg, table_format):
    off = _with_store(cfg, compaction_schedule=None)
    requests = compaction.schedule_requests(off, "arn:aws:iam::1:role/r", "t", table_format)
    names = resources.compaction_schedule_names(cfg)
    assert requests[names["OPTIMIZE"]] is None
    assert (requests[names["VACUUM"]] is None) == (table_format == "Glue")


def test_preflight_checks_the_compaction_role_only_where_the_deployer_creates_it(cfg, sandbox):
    from publish.preflight import role_checks

    _deploy(cfg)
    arns = ResourceArns.for_account(cfg, sandbox.account_id)
    iam = boto3.client("iam")
    iceberg = {c.name: c for c in role_checks(cfg, arns, iam, None, "scratch_labels", "Iceberg")}
    assert iceberg["role compaction (scratch-labeling-compaction)"].ok
    glue = role_checks(cfg, arns, iam, None, "scratch_labels", "Glue")
    assert not [c for c in glue if c.name.startswith("role compaction")]
