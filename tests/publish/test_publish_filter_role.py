"""The FilterLabeledObjects function's role: its own least-privilege policy, like the other functions'."""
from __future__ import annotations

from pathlib import Path

import pytest

from publish.iam_policies import PolicyContext, role_documents
from workflow.config import load_config, replace
from workflow.resources import ResourceArns

ROOT = Path(__file__).resolve().parents[2]
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def cfg():
    return load_config(ROOT / "config.yaml")


def _filter_policy(cfg) -> dict[str, dict]:
    ctx = PolicyContext.for_config(cfg, ResourceArns.for_account(cfg, "111122223333"))
    return {s["Sid"]: s for s in role_documents(ctx)["filter_lambda"].policy["Statement"]}


def test_reads_labeling_outputs_and_writes_verification_inputs_under_runs_only(cfg):
    statements = _filter_policy(cfg)
    runs = f"arn:aws:s3:::{cfg.storage.bucket}/{cfg.storage.work_prefix}runs/"
    assert statements["ReadLabelingOutputManifests"]["Action"] == ["s3:GetObject"]
    assert statements["ReadLabelingOutputManifests"]["Resource"] == [
        f"{runs}*/labeling/*/manifests/output/output.manifest"]
    assert statements["WriteVerificationInputManifests"]["Action"] == ["s3:PutObject"]
    assert statements["WriteVerificationInputManifests"]["Resource"] == [f"{runs}*/verification-input.manifest"]
    group = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/scratch-labeling-filter-labeled-objects"
    assert statements["WriteOwnLogs"]["Resource"] == [group, f"{group}:*"]
    actions = {a for s in statements.values() for a in s["Action"]}
    assert actions == {"s3:GetObject", "s3:PutObject", "logs:CreateLogGroup", "logs:CreateLogStream",
                       "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_xray_only_with_tracing_and_kms_only_when_configured(cfg):
    untraced = replace(cfg, observability=replace(cfg.observability, tracing=False))
    assert "SendTraces" not in _filter_policy(untraced)
    assert "UseTheKmsKey" not in _filter_policy(cfg)
    keyed = replace(cfg, storage=replace(cfg.storage, kms_key_arn=KEY))
    kms = _filter_policy(keyed)["UseTheKmsKey"]
    assert kms["Resource"] == [KEY] and set(kms["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey"}


def test_the_state_machine_may_invoke_it(cfg):
    ctx = PolicyContext.for_config(cfg, ResourceArns.for_account(cfg, "111122223333"))
    invoke = next(s for s in role_documents(ctx)["state_machine"].policy["Statement"]
                  if s["Sid"] == "InvokePipelineFunctions")
    arn = "arn:aws:lambda:eu-west-1:111122223333:function:scratch-labeling-filter-labeled-objects"
    assert arn in invoke["Resource"] and f"{arn}:*" in invoke["Resource"]
