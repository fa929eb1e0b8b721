"""The generated IAM documents are least privilege (issue: security)."""
from __future__ import annotations

from pathlib import Path

import pytest

from publish.iam_policies import WILDCARD_RESOURCE_ACTIONS, PolicyContext, role_documents
from workflow.config import load_config, replace

ROOT = Path(__file__).resolve().parents[2]


def _context(cfg) -> PolicyContext:
    return PolicyContext(
        cfg=cfg, account_id="111122223333",
        check_function_name="scratch-labeling-check-missing-labels",
        update_function_name="scratch-labeling-update-feature-store",
        state_machine_name="scratch-labeling",
        ground_truth_role_arn="arn:aws:iam::111122223333:role/scratch-labeling-ground-truth",
    )


@pytest.fixture(scope="module")
def cfg():
    return load_config(ROOT / "config.yaml")


def _statements(documents):
    for role, docs in documents.items():
        for statement in docs.policy["Statement"]:
            yield role, statement


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_no_wildcard_actions(cfg):
    for role, statement in _statements(role_documents(_context(cfg))):
        for action in _as_list(statement["Action"]):
            assert "*" not in action, f"{role}: wildcard action {action}"


def test_wildcard_resources_only_for_actions_without_resource_level_permissions(cfg):
    for role, statement in _statements(role_documents(_context(cfg))):
        if "*" in _as_list(statement["Resource"]):
            extra = set(_as_list(statement["Action"])) - WILDCARD_RESOURCE_ACTIONS
            assert not extra, f"{role}: {sorted(extra)} granted on every resource"


def test_pass_role_only_for_ground_truth_role_and_only_to_sagemaker(cfg):
    ctx = _context(cfg)
    grants = [(role, s) for role, s in _statements(role_documents(ctx)) if "iam:PassRole" in _as_list(s["Action"])]
    assert [role for role, _ in grants] == ["state_machine"]
    statement = grants[0][1]
    assert statement["Resource"] == [ctx.ground_truth_role_arn]
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_s3_access_stays_inside_the_pipeline_prefixes(cfg):
    bucket = f"arn:aws:s3:::{cfg.storage.bucket}"
    allowed = (cfg.storage.raw_prefix, cfg.storage.work_prefix, cfg.feature_store.offline_store_prefix)
    for role, statement in _statements(role_documents(_context(cfg))):
        for resource in _as_list(statement["Resource"]):
            if not resource.startswith("arn:aws:s3"):
                continue
            if resource == bucket:
                continue
            key_pattern = resource.removeprefix(bucket + "/")
            assert key_pattern.startswith(allowed), f"{role}: {resource} is outside the pipeline's prefixes"
            assert key_pattern != "*", f"{role}: whole bucket {resource}"
        if "s3:ListBucket" in statement["Action"] and role != "ground_truth":  # GT: AWS's documented minimum
            assert "s3:prefix" in statement["Condition"]["StringLike"], f"{role}: unrestricted listing"


def test_labeling_jobs_are_limited_to_the_job_name_prefix(cfg):
    docs = role_documents(_context(cfg))
    statement = next(s for s in docs["state_machine"].policy["Statement"] if s["Sid"] == "RunPipelineLabelingJobs")
    assert statement["Resource"] == [f"arn:aws:sagemaker:{cfg.pipeline.region}:111122223333:labeling-job/{cfg.pipeline.job_name_prefix}-*"]


def test_each_role_trusts_one_service_with_only_the_documented_confused_deputy_keys(cfg):
    """Step Functions (procedure-create-iam-role) and EventBridge Scheduler
    (cross-service-confused-deputy-prevention) document aws:SourceAccount/aws:SourceArn in the
    execution role's trust policy; nothing documents Lambda or SageMaker sending them."""
    region = cfg.pipeline.region
    expected = {
        "state_machine": ("states.amazonaws.com", {
            "StringEquals": {"aws:SourceAccount": "111122223333"},
            "ArnLike": {"aws:SourceArn": f"arn:aws:states:{region}:111122223333:stateMachine:scratch-labeling"}}),
        "check_lambda": ("lambda.amazonaws.com", None),
        "update_lambda": ("lambda.amazonaws.com", None),
        "filter_lambda": ("lambda.amazonaws.com", None),
        "stop_lambda": ("lambda.amazonaws.com", None),
        "ground_truth": ("sagemaker.amazonaws.com", None),
        "feature_store": ("sagemaker.amazonaws.com", None),
        "scheduler": ("scheduler.amazonaws.com", {
            "StringEquals": {"aws:SourceAccount": "111122223333"},
            "ArnLike": {"aws:SourceArn": f"arn:aws:scheduler:{region}:111122223333:schedule-group/default"}}),
    }
    expected["compaction"] = expected["scheduler"]  # the compaction schedules' role (publish.compaction)
    for role, docs in role_documents(_context(cfg)).items():
        (statement,) = docs.trust["Statement"]
        service, condition = expected[role]
        assert statement["Principal"] == {"Service": service}, role
        assert statement["Action"] == "sts:AssumeRole", role
        assert statement.get("Condition") == condition, role


def test_ground_truth_role_has_the_documented_minimum_for_built_in_task_types(cfg):
    """sms-security-permission-execution-role, "Built-In Task Types (Non-streaming) Execution Role
    Requirements": ListBucket and GetBucketLocation on the bucket (no prefix condition); GetObject,
    PutObject, AbortMultipartUpload on objects; cloudwatch:PutMetricData and the logs actions."""
    bucket = f"arn:aws:s3:::{cfg.storage.bucket}"
    policy = role_documents(_context(cfg))["ground_truth"].policy
    granted: dict[str, list[dict]] = {}
    for statement in policy["Statement"]:
        for action in _as_list(statement["Action"]):
            granted.setdefault(action, []).append(statement)
    for action in ("s3:ListBucket", "s3:GetBucketLocation"):
        assert any(bucket in _as_list(s["Resource"]) and "Condition" not in s for s in granted.get(action, [])), action
    for action in ("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"):
        assert any(r.startswith(bucket + "/") for s in granted.get(action, []) for r in _as_list(s["Resource"])), action
    outputs = f"{bucket}/{cfg.storage.work_prefix}runs/*"
    assert any(outputs in _as_list(s["Resource"]) for s in granted["s3:AbortMultipartUpload"])
    for action in ("cloudwatch:PutMetricData", "logs:CreateLogStream", "logs:CreateLogGroup",
                   "logs:DescribeLogStreams", "logs:PutLogEvents"):
        assert action in granted, action
    assert "cloudwatch:PutMetricData" in WILDCARD_RESOURCE_ACTIONS


def test_ground_truth_kms_actions_are_the_documented_ones_when_a_key_is_configured(cfg):
    """sms-security-kms-permissions: Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*, DescribeKey."""
    key = f"arn:aws:kms:{cfg.pipeline.region}:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    with_key = replace(cfg, storage=replace(cfg.storage, kms_key_arn=key))
    policy = role_documents(_context(with_key))["ground_truth"].policy
    (kms,) = [s for s in policy["Statement"] if s["Sid"] == "UseTheKmsKey"]
    assert set(kms["Action"]) >= {"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
                                  "kms:GenerateDataKey", "kms:DescribeKey"}
    assert kms["Resource"] == [key]


def test_kms_key_is_granted_only_when_configured(cfg):
    docs = role_documents(_context(cfg))
    assert not any("kms:" in a for _, s in _statements(docs) for a in _as_list(s["Action"]))
    key = f"arn:aws:kms:{cfg.pipeline.region}:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    with_key = replace(cfg, storage=replace(cfg.storage, kms_key_arn=key))
    kms = [s for _, s in _statements(role_documents(_context(with_key))) if s["Sid"] == "UseTheKmsKey"]
    assert kms and all(s["Resource"] == [key] for s in kms)


def test_check_function_may_claim_images_and_read_other_runs_claims_only(cfg):
    ctx = _context(cfg)
    statements = {s["Sid"]: s for s in role_documents(ctx)["check_lambda"].policy["Statement"]}
    bucket, work = f"arn:aws:s3:::{cfg.storage.bucket}", cfg.storage.work_prefix
    claims = statements["ClaimImagesInFlight"]
    assert claims["Action"] == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert claims["Resource"] == [f"{bucket}/{work}active/*"]
    manifests = statements["ReadAndWithdrawRunManifests"]
    assert manifests["Action"] == ["s3:DeleteObject", "s3:GetObject"]
    assert manifests["Resource"] == [f"{bucket}/{work}runs/*/input.manifest"]
    listing = next(s for s in statements.values() if s["Action"] == ["s3:ListBucket"])
    assert f"{work}active/*" in listing["Condition"]["StringLike"]["s3:prefix"]
    describe = statements["DescribeOwnExecutions"]
    assert describe["Action"] == ["states:DescribeExecution"]
    assert describe["Resource"] == [f"arn:aws:states:{cfg.pipeline.region}:111122223333:execution:scratch-labeling:*"]
    deleting = [s for s in statements.values() if "s3:DeleteObject" in s["Action"]]
    assert {r for s in deleting for r in s["Resource"]} == {f"{bucket}/{work}active/*", f"{bucket}/{work}runs/*/input.manifest"}
    for role, statement in _statements(role_documents(ctx)):
        if any(a.startswith("states:") for a in _as_list(statement["Action"])):
            assert role in {"check_lambda", "scheduler", "stop_lambda", "update_lambda"}, f"{role}: {statement['Action']}"
            if role == "update_lambda":  # steps.unwritten_output: the ended executions of this state machine
                assert statement["Action"] == ["states:ListExecutions"]
                assert statement["Resource"] == [f"arn:aws:states:{cfg.pipeline.region}:111122223333:stateMachine:scratch-labeling"]


def test_xray_is_granted_only_when_tracing_is_on(cfg):
    traced = {role for role, s in _statements(role_documents(_context(cfg))) if s["Sid"] == "SendTraces"}
    assert traced == {"state_machine", "check_lambda", "update_lambda", "filter_lambda", "stop_lambda"}
    off = replace(cfg, observability=replace(cfg.observability, tracing=False))
    assert not [s for _, s in _statements(role_documents(_context(off))) if s["Sid"] == "SendTraces"]


def test_update_function_writes_and_lists_only_its_progress_markers(cfg):
    statements = {s["Sid"]: s for s in role_documents(_context(cfg))["update_lambda"].policy["Statement"]}
    bucket, work = f"arn:aws:s3:::{cfg.storage.bucket}", cfg.storage.work_prefix
    writes = [s for s in statements.values() if any(a in _as_list(s["Action"]) for a in ("s3:PutObject", "s3:DeleteObject"))]
    assert [(w["Action"], w["Resource"]) for w in writes] == [(["s3:PutObject"], [
        f"{bucket}/{work}runs/*/update-progress.json", f"{bucket}/{work}runs/*/unlabelable-progress.json",
        f"{bucket}/{work}runs/*/unverified-labels.manifest"])]  # labels left without a verdict (steps.unverified_labels)
    listing = statements["ListUpdateProgress"]
    assert listing["Condition"]["StringLike"]["s3:prefix"] == [
        f"{work}runs/*/update-progress.json", f"{work}runs/*/unlabelable-progress.json",
        f"{work}runs/*/labeling/*/manifests/output/output.manifest",
        f"{work}runs/*/verification/*/manifests/output/output.manifest"]
    # HeadObject of a raw image (its ETag for an UNLABELABLE record): read-only, raw prefix only
    assert statements["ReadRawImageEtags"]["Resource"] == [f"{bucket}/{cfg.storage.raw_prefix}*"]


def test_stop_function_reads_executions_and_stops_the_pipelines_jobs_only(cfg):
    statements = {s["Sid"]: s for s in role_documents(_context(cfg))["stop_lambda"].policy["Statement"]}
    region = cfg.pipeline.region
    assert statements["ReadPipelineExecutions"]["Action"] == ["states:DescribeExecution"]
    assert statements["ReadPipelineExecutions"]["Resource"] == [
        f"arn:aws:states:{region}:111122223333:execution:scratch-labeling:*"]
    assert statements["StopPipelineLabelingJobs"]["Action"] == ["sagemaker:DescribeLabelingJob", "sagemaker:StopLabelingJob"]
    assert statements["StopPipelineLabelingJobs"]["Resource"] == [f"arn:aws:sagemaker:{region}:111122223333:labeling-job/scratch-*"]
