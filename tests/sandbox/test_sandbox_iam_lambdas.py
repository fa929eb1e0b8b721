"""The deployed Lambdas call AWS as their execution roles: every permission they use is checked.

For each statement of publish.iam_policies' check and update policies that the functions use, the
statement is removed from the deployed role and the function must fail with AWS's access denial.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest

from publish.iam_roles import INLINE_POLICY_NAME
from reliability.pipeline import SandboxPipeline
from sandbox import Sandbox
from workflow.graph import check_settings, update_settings


@pytest.fixture()
def pipeline():
    with Sandbox(region="eu-west-1") as box:
        deployed = SandboxPipeline(box)
        deployed.upload_samples(3)
        yield deployed


def _role_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _without(pipeline: SandboxPipeline, role_arn: str, sid: str) -> None:
    """Remove statement ``sid`` from the deployed role's inline policy."""
    iam = boto3.client("iam")
    name = _role_name(role_arn)
    document = iam.get_role_policy(RoleName=name, PolicyName=INLINE_POLICY_NAME)["PolicyDocument"]
    document = document if isinstance(document, dict) else json.loads(document)
    kept = [s for s in document["Statement"] if s.get("Sid") != sid]
    assert len(kept) == len(document["Statement"]) - 1, f"no statement {sid}"
    iam.put_role_policy(RoleName=name, PolicyName=INLINE_POLICY_NAME,
                        PolicyDocument=json.dumps({**document, "Statement": kept}))


def _invoke(pipeline: SandboxPipeline, function_arn: str, event: dict) -> tuple[str | None, dict]:
    response = boto3.client("lambda").invoke(FunctionName=function_arn, Payload=json.dumps(event).encode())
    return response.get("FunctionError"), json.loads(response["Payload"].read() or b"null")


def _execution(pipeline: SandboxPipeline, name: str) -> dict:
    arns = pipeline.deploy.arns
    arn = f"arn:aws:states:{arns.region}:{arns.account_id}:execution:{pipeline.cfg.pipeline.name}:{name}"
    return {"id": arn, "name": name, "start_time": datetime.now(UTC).isoformat()}


def _check(pipeline: SandboxPipeline, name: str = "exec-1") -> tuple[str | None, dict]:
    """Invoke CheckMissingLabels as the state machine would, after leaving a stale claim of an older
    run (so reading, judging and deleting markers is exercised too)."""
    cfg = pipeline.cfg
    old = _execution(pipeline, "exec-0")
    marker = {"execution_arn": old["id"], "run_id": "scratch-old", "created": old["start_time"],
              "manifest_uri": pipeline.uri(f"{cfg.storage.work_prefix}runs/scratch-old/input.manifest")}
    pipeline.put(f"{cfg.storage.work_prefix}active/scratch-old.json", json.dumps(marker).encode())
    event = {"execution": _execution(pipeline, name), "input": {}, "settings": check_settings(cfg)}
    return _invoke(pipeline, pipeline.deploy.arns.check_lambda, event)


def test_the_check_lambda_runs_with_its_documented_policy(pipeline):
    error, payload = _check(pipeline)
    assert error is None, payload
    assert payload["selected"] == 3
    assert pipeline.keys(f"{pipeline.cfg.storage.work_prefix}active/scratch-old.json") == []  # stale claim released


@pytest.mark.parametrize("sid, denied", [
    ("ListRawImagesOfflineStoreAndActiveRuns", "s3:ListBucket"),
    ("DescribeFeatureGroup", "sagemaker:DescribeFeatureGroup"),
    ("RunAthenaQueries", "athena:StartQueryExecution"),
    ("LocateBucket", "Unable to verify/create output bucket"),  # Athena, as its caller
    ("ReadOfflineStoreTable", "glue:GetDatabase"),  # Athena, as its caller
    ("WriteRunManifestsAndQueryResults", "Access denied when writing output to url"),  # Athena, as its caller
    ("ReadOfflineStoreAndQueryResults", "s3:GetObject"),  # the result CSV
    ("ClaimImagesInFlight", "s3:GetObject"),  # the older run's marker
    ("DescribeOwnExecutions", "states:DescribeExecution"),
])
def test_each_check_lambda_permission_is_needed(pipeline, sid, denied):
    arns = pipeline.deploy.arns
    _without(pipeline, arns.check_lambda_role, sid)
    error, payload = _check(pipeline)
    assert error == "Unhandled", payload
    assert denied in payload["errorMessage"], payload["errorMessage"]
    if denied.count(":") == 1:  # an API call the function made itself: AWS's message, its role's session
        session = f"assumed-role/{_role_name(arns.check_lambda_role)}/{arns.check_lambda.rsplit(':', 1)[-1]}"
        assert session in payload["errorMessage"]


def _verification_manifest(pipeline: SandboxPipeline) -> str:
    cfg = pipeline.cfg
    label, verdict = cfg.labeling.label_attribute, cfg.verification.label_attribute
    line = {
        "source-ref": pipeline.uri(f"{cfg.storage.raw_prefix}line-a/part-0001.png"),
        label: {"image_size": [{"width": 64, "height": 48, "depth": 3}],
                "annotations": [{"class_id": 0, "left": 1, "top": 2, "width": 3, "height": 4}]},
        f"{label}-metadata": {"objects": [{"confidence": 0.9}], "class-map": {"0": "scratch"},
                              "type": "groundtruth/object-detection", "human-annotated": "yes",
                              "creation-date": "2026-11-28T09:00:00.000001", "job-name": "labeling-job/l"},
        verdict: 0,
        f"{verdict}-metadata": {"class-name": "Boxes are correct", "confidence": 0.93, "human-annotated": "yes",
                                "type": "groundtruth/label-verification", "job-name": "labeling-job/v",
                                "creation-date": "2026-11-29T10:00:00.123456"},
    }
    key = f"{cfg.storage.work_prefix}runs/scratch-r/verification/scratch-r-vfy/manifests/output/output.manifest"
    return pipeline.put(key, (json.dumps(line) + "\n").encode())


def _update(pipeline: SandboxPipeline) -> tuple[str | None, dict]:
    event = {"execution": _execution(pipeline, "exec-1"), "manifest_uri": _verification_manifest(pipeline),
             "labeling_job_name": "scratch-r-lbl", "verification_job_name": "scratch-r-vfy",
             "settings": update_settings(pipeline.cfg)}
    return _invoke(pipeline, pipeline.deploy.arns.update_lambda, event)


def test_the_update_lambda_runs_with_its_documented_policy(pipeline):
    error, payload = _update(pipeline)
    assert error is None, payload
    assert payload["written"] == 1


@pytest.mark.parametrize("sid, denied", [
    ("ReadJobOutputs", "s3:GetObject"),
    ("WriteFeatureRecords", "sagemaker:BatchWriteRecord"),
])
def test_each_update_lambda_permission_is_needed(pipeline, sid, denied):
    _without(pipeline, pipeline.deploy.arns.update_lambda_role, sid)
    error, payload = _update(pipeline)
    assert error == "Unhandled", payload
    assert denied in payload["errorMessage"], payload["errorMessage"]
