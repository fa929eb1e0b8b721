"""verification.on_reject: adjust, end to end on the sandbox.

A second run sends the images whose newest verdict is REJECTED to an adjustment job with their
previous boxes, and the new images to a labeling job, side by side in the same run; both outputs
are verified together, and every record says which path its label took (label_path).
"""
from __future__ import annotations

import json

import boto3
import pytest
from adjust_helpers import adjust_config, half_rejecting_sandbox

from reliability.pipeline import QUICK_JOBS, SandboxPipeline
from reliability.reconcile import current_records
from sandbox.workforce import WorkforceProfile
from steps import layout, naming

IMAGES = 12
NEW_IMAGES = 3


@pytest.fixture()
def sandbox():
    with half_rejecting_sandbox() as box:
        yield box


def test_a_second_run_adjusts_rejected_images_and_labels_new_ones_in_the_same_run(sandbox, tmp_path):
    pipeline = SandboxPipeline(sandbox, adjust_config(tmp_path))
    uris = pipeline.upload_samples(IMAGES)
    first = pipeline.run()
    assert first.outcome.status == "SUCCEEDED", (first.outcome.error, first.outcome.cause)
    records = current_records(sandbox.offline_store_rows(pipeline.feature_group))
    rejected = {uri for uri, row in records.items() if row["status"] == "REJECTED"}
    assert 0 < len(rejected) < IMAGES
    assert {row["label_path"] for row in records.values()} == {"labeling"}
    # Nothing was rejected before the first run: no adjustment job, the labeling job alone.
    sagemaker = boto3.client("sagemaker")
    assert not sagemaker.list_labeling_jobs(NameContains=naming.adjustment_job_name(first.run_id))["LabelingJobSummaryList"]

    raw = pipeline.cfg.storage.raw_prefix
    body = pipeline.read(uris[0])
    new = {pipeline.put(f"{raw}line-c/new-{i}.png", body) for i in range(NEW_IMAGES)}
    sandbox.workforce = WorkforceProfile(seed=12, approval_rate=1.0, **QUICK_JOBS)
    second = pipeline.run()
    output = second.outcome.output
    assert second.outcome.status == "SUCCEEDED", (second.outcome.error, second.outcome.cause)
    assert output["selected"] == len(rejected) + NEW_IMAGES

    labeling_job, _ = naming.job_names(second.run_id)
    adjustment_job = naming.adjustment_job_name(second.run_id)
    labeling = sagemaker.describe_labeling_job(LabelingJobName=labeling_job)
    adjusting = sagemaker.describe_labeling_job(LabelingJobName=adjustment_job)
    assert adjusting["HumanTaskConfig"]["PreHumanTaskLambdaArn"].endswith(":function:PRE-AdjustmentBoundingBox")
    label_input = pipeline.manifest_lines(labeling["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"])
    adjust_input = pipeline.manifest_lines(adjusting["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"])
    assert {line["source-ref"] for line in label_input} == new
    assert {line["source-ref"] for line in adjust_input} == rejected
    attribute = pipeline.cfg.labeling.label_attribute
    for line in adjust_input:  # the previous label, as the rejected record holds it
        assert json.dumps(line[attribute]["annotations"], separators=(",", ":"), sort_keys=True) == \
            records[line["source-ref"]]["annotations"]
        assert line[f"{attribute}-metadata"]["type"] == "groundtruth/object-detection"
    # The two jobs ran at the same time.
    assert adjusting["CreationTime"] < labeling["LastModifiedTime"]
    assert labeling["CreationTime"] < adjusting["LastModifiedTime"]
    # The claim still covers every image of the run.
    assert pipeline.input_manifest(second.run_id) == rejected | new

    verification_input = pipeline.manifest_lines(pipeline.uri(
        layout.verification_input_key(pipeline.cfg.storage.work_prefix, second.run_id)))
    assert {line["source-ref"] for line in verification_input} == rejected | new
    adjusted_lines = [line for line in verification_input if line["source-ref"] in rejected]
    assert all("adjustment-status" in line[f"{attribute}-metadata"] for line in adjusted_lines)

    after = current_records(sandbox.offline_store_rows(pipeline.feature_group))
    assert all(after[uri]["status"] == "APPROVED" for uri in rejected | new)
    assert {uri for uri in rejected | new if after[uri]["label_path"] == "adjustment"} == rejected
    assert {uri for uri in rejected | new if after[uri]["label_path"] == "labeling"} == new
    assert {after[uri]["labeling_job"] for uri in rejected} == {adjustment_job}
    assert {after[uri]["labeling_job"] for uri in new} == {labeling_job}


def test_a_run_with_only_rejected_images_skips_the_labeling_job(sandbox, tmp_path):
    pipeline = SandboxPipeline(sandbox, adjust_config(tmp_path))
    pipeline.upload_samples(IMAGES)
    first = pipeline.run()
    assert first.outcome.status == "SUCCEEDED", (first.outcome.error, first.outcome.cause)
    rejected = first.outcome.output["rejected"]
    assert rejected > 0
    sandbox.workforce = WorkforceProfile(seed=12, approval_rate=1.0, **QUICK_JOBS)
    second = pipeline.run()
    assert second.outcome.status == "SUCCEEDED", (second.outcome.error, second.outcome.cause)
    assert second.outcome.output["approved"] == rejected
    sagemaker = boto3.client("sagemaker")
    labeling_job, _ = naming.job_names(second.run_id)
    assert not sagemaker.list_labeling_jobs(NameContains=labeling_job)["LabelingJobSummaryList"]
    assert sagemaker.describe_labeling_job(LabelingJobName=naming.adjustment_job_name(second.run_id))
