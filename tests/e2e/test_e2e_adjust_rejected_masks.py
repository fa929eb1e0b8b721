"""verification.on_reject: adjust with labels.task_type semantic_segmentation, end to end on the sandbox.

A second run sends the images whose newest verdict is REJECTED to an AdjustmentSemanticSegmentation job with
their previous mask (the mask PNG's S3 URI and its internal-color-map), and the new images to a labeling job,
side by side in the same run; both outputs are verified together, and every record says which path its label
took (label_path).
"""
from __future__ import annotations

import io
import json

import boto3
import pytest
from adjust_helpers import half_rejecting_sandbox
from PIL import Image
from task_type_configs import write_config

from reliability.pipeline import QUICK_JOBS, SandboxPipeline
from reliability.reconcile import current_records
from sandbox.ground_truth import masks
from sandbox.workforce import WorkforceProfile
from steps import layout, naming

IMAGES = 12
NEW_IMAGES = 3


@pytest.fixture()
def sandbox():
    with half_rejecting_sandbox() as box:
        yield box


def test_a_second_run_adjusts_rejected_masks_and_labels_new_images_in_the_same_run(sandbox, tmp_path):
    config = write_config(tmp_path, "semantic_segmentation",
                          **{"verification.on_reject": "adjust", "storage.listing": "list"})
    pipeline = SandboxPipeline(sandbox, config)
    attribute = pipeline.cfg.labeling.label_attribute
    assert attribute == "scratch-boxes-ref"
    uris = pipeline.upload_samples(IMAGES)
    first = pipeline.run()
    assert first.outcome.status == "SUCCEEDED", (first.outcome.error, first.outcome.cause)
    records = current_records(sandbox.offline_store_rows(pipeline.feature_group))
    rejected = {uri for uri, row in records.items() if row["status"] == "REJECTED"}
    assert 0 < len(rejected) < IMAGES
    assert {row["label_path"] for row in records.values()} == {"labeling"}

    raw = pipeline.cfg.storage.raw_prefix
    body = pipeline.read(uris[0])
    new = {pipeline.put(f"{raw}line-c/new-{i}.png", body) for i in range(NEW_IMAGES)}
    sandbox.workforce = WorkforceProfile(seed=12, approval_rate=1.0, **QUICK_JOBS)
    second = pipeline.run()
    assert second.outcome.status == "SUCCEEDED", (second.outcome.error, second.outcome.cause)
    assert second.outcome.output["selected"] == len(rejected) + NEW_IMAGES

    sagemaker = boto3.client("sagemaker")
    labeling_job, _ = naming.job_names(second.run_id)
    adjustment_job = naming.adjustment_job_name(second.run_id)
    labeling = sagemaker.describe_labeling_job(LabelingJobName=labeling_job)
    adjusting = sagemaker.describe_labeling_job(LabelingJobName=adjustment_job)
    assert adjusting["HumanTaskConfig"]["PreHumanTaskLambdaArn"].endswith(":function:PRE-AdjustmentSemanticSegmentation")
    assert adjusting["LabelAttributeName"] == "scratch-boxes-adjusted-ref"  # -ref last, as Ground Truth requires
    label_input = pipeline.manifest_lines(labeling["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"])
    adjust_input = pipeline.manifest_lines(adjusting["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"])
    assert {line["source-ref"] for line in label_input} == new
    assert {line["source-ref"] for line in adjust_input} == rejected
    for line in adjust_input:  # the previous mask, as the rejected record holds it
        record = records[line["source-ref"]]
        assert line[attribute] == record["mask_uri"]
        assert line[f"{attribute}-metadata"]["internal-color-map"] == json.loads(record["color_map"])
        assert line[f"{attribute}-metadata"]["type"] == "groundtruth/semantic-segmentation"
    # The two jobs ran in the run's Parallel state (their exact overlap depends on the machine's load: the
    # sandbox plans a segmentation job's masks when it is created), and one verification job checked both outputs.
    states = second.outcome.states
    assert {"Labeling and adjustment", "Start labeling job", "Start adjustment job"} <= set(states)
    _, verification_job = naming.job_names(second.run_id)
    verifying = sagemaker.describe_labeling_job(LabelingJobName=verification_job)
    assert verifying["CreationTime"] > max(labeling["LastModifiedTime"], adjusting["LastModifiedTime"])

    verification_input = pipeline.manifest_lines(pipeline.uri(
        layout.verification_input_key(pipeline.cfg.storage.work_prefix, second.run_id)))
    assert {line["source-ref"] for line in verification_input} == rejected | new
    adjusted_lines = [line for line in verification_input if line["source-ref"] in rejected]
    # sms-data-verify-manifest: adjusted or unadjusted, on every adjusted label (a KeyError if one has none).
    assert {line[f"{attribute}-metadata"]["adjustment-status"] for line in adjusted_lines} <= {"adjusted", "unadjusted"}

    after = current_records(sandbox.offline_store_rows(pipeline.feature_group))
    assert all(after[uri]["status"] == "APPROVED" for uri in rejected | new)
    assert {uri for uri in rejected | new if after[uri]["label_path"] == "adjustment"} == rejected
    assert {uri for uri in rejected | new if after[uri]["label_path"] == "labeling"} == new
    assert {after[uri]["labeling_job"] for uri in rejected} == {adjustment_job}
    assert {after[uri]["labeling_job"] for uri in new} == {labeling_job}
    for uri in rejected:  # a new mask, written by the adjustment job, of the image's size and the map's colours
        record = after[uri]
        assert f"/{adjustment_job}/annotations/" in record["mask_uri"] and record["mask_uri"] != records[uri]["mask_uri"]
        size, colours = masks.colours(pipeline.read(record["mask_uri"]))
        assert size == Image.open(io.BytesIO(pipeline.read(uri))).size
        assert colours <= {entry["hex-color"] for entry in json.loads(record["color_map"]).values()}
