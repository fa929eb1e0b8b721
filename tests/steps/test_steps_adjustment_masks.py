"""steps.adjustment for semantic segmentation: the rejected mask (mask_uri, color_map) becomes the adjustment input.

sms-data-verify-adjust-prereq: the adjustment job's input lines carry the label to adjust under its attribute;
sms-data-output: a semantic segmentation label is the mask PNG's S3 URI (the attribute ends with -ref) with
``internal-color-map`` in its metadata.
"""
from __future__ import annotations

import json

import boto3
import pytest

from sandbox import Sandbox
from steps import adjustment, contract, layout, task_types

GROUP = "scratch-masks"
BUCKET = "work-bucket-masks"
ATTRIBUTE = "scratch-boxes-ref"
COLOR_MAP = {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.0},
             "1": {"class-name": "scratch", "hex-color": "#1f77b4", "confidence": 0.0}}
SETTINGS: contract.CheckMissingLabelsSettings = {
    "bucket": BUCKET, "raw_prefix": "raw/", "image_extensions": [".png"], "work_prefix": "work/",
    "feature_group_name": GROUP, "athena_workgroup": "primary", "athena_output_uri": f"s3://{BUCKET}/work/athena/",
    "max_images_per_run": 100, "job_name_prefix": "scratch", "kms_key_arn": None,
    "on_reject": "adjust", "label_attribute": ATTRIBUTE, "task_type": "semantic_segmentation",
}


def put(uri: str, status: str, event_time: str, **extra: str) -> None:
    values = {"image_uri": uri, "event_time": event_time, "status": status,
              "mask_uri": f"s3://{BUCKET}/work/runs/r1/labeling/r1-lbl/annotations/consolidated-annotation/output/0.png",
              "color_map": json.dumps(COLOR_MAP), "class_map": '{"1":"scratch"}', "labeling_job": "r1-lbl",
              "label_path": "labeling", **extra}
    boto3.client("sagemaker-featurestore-runtime").put_record(
        FeatureGroupName=GROUP, Record=[{"FeatureName": k, "ValueAsString": v} for k, v in values.items()])


@pytest.fixture(scope="module")
def sb():
    with Sandbox(region="eu-west-1", iam_evaluation=False) as running:
        boto3.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        definitions = task_types.feature_definitions(task_types.SEMANTIC_SEGMENTATION)
        boto3.client("sagemaker").create_feature_group(
            FeatureGroupName=GROUP, RecordIdentifierFeatureName="image_uri", EventTimeFeatureName="event_time",
            FeatureDefinitions=[{"FeatureName": n, "FeatureType": t} for n, t in definitions],
            OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/feature-store"}},
            RoleArn="arn:aws:iam::123456789012:role/fs")
        put("s3://raw/a.png", "REJECTED", "2026-11-29T10:00:00.000Z")  # rejected: its mask is adjusted
        put("s3://raw/b.png", "REJECTED", "2026-11-29T10:00:00.000Z")
        put("s3://raw/b.png", "APPROVED", "2026-11-29T11:00:00.000Z")  # newer approval: not rejected
        put("s3://raw/c.png", "REJECTED", "2026-11-29T12:00:00.000Z", mask_uri="")  # no usable mask: labeled again
        put("s3://raw/e.png", "REJECTED", "2026-11-29T10:00:00.000Z", labeling_job="r1-adj",  # an adjusted mask
            mask_uri=f"s3://{BUCKET}/work/runs/r1/labeling/r1-adj/annotations/consolidated-annotation/output/3.png")
        yield running


def _read(s3, uri: str) -> list[dict]:
    body = s3.get_object(Bucket=BUCKET, Key=uri.split("/", 3)[3])["Body"].read()
    return [json.loads(line) for line in body.splitlines()]


def test_the_rejected_mask_and_its_colours_go_to_the_adjustment_input(sb):
    sagemaker, athena, s3 = boto3.client("sagemaker"), boto3.client("athena"), boto3.client("s3")
    key = layout.input_manifest_key("work/", "run-m1")
    lines = [{"source-ref": f"s3://raw/{name}.png", "source-etag": name} for name in ("a", "b", "c", "e", "new")]
    s3.put_object(Bucket=BUCKET, Key=key, Body="".join(json.dumps(line) + "\n" for line in lines).encode())
    split = adjustment.route(s3, sagemaker, athena, SETTINGS, "run-m1", f"s3://{BUCKET}/{key}",
                             adjustment.PollPolicy(first=0.01, longest=0.05, timeout=30))
    assert (split.labeling, split.adjustment) == (3, 2)
    assert {line["source-ref"] for line in _read(s3, split.labeling_manifest_uri)} == {
        "s3://raw/b.png", "s3://raw/c.png", "s3://raw/new.png"}
    adjust = {line["source-ref"]: line for line in _read(s3, split.adjustment_manifest_uri)}
    assert set(adjust) == {"s3://raw/a.png", "s3://raw/e.png"}
    first = adjust["s3://raw/a.png"]
    assert first[ATTRIBUTE] == f"s3://{BUCKET}/work/runs/r1/labeling/r1-lbl/annotations/consolidated-annotation/output/0.png"
    assert first[f"{ATTRIBUTE}-metadata"] == {
        "internal-color-map": COLOR_MAP, "type": "groundtruth/semantic-segmentation", "human-annotated": "yes",
        "creation-date": "2026-11-29T10:00:00.000000", "job-name": "labeling-job/r1-lbl"}
    assert first["source-etag"] == "a"  # other keys of the input line are kept
    assert adjust["s3://raw/e.png"][ATTRIBUTE].endswith("/r1-adj/annotations/consolidated-annotation/output/3.png")


@pytest.mark.parametrize("row", [
    {"mask_uri": "", "color_map": json.dumps(COLOR_MAP)},
    {"mask_uri": "https://x/0.png", "color_map": json.dumps(COLOR_MAP)},
    {"mask_uri": "s3://b/0.png", "color_map": ""},
    {"mask_uri": "s3://b/0.png", "color_map": "{}"},
    {"mask_uri": "s3://b/0.png", "color_map": '{"0": "BACKGROUND"}'},
    {"mask_uri": "s3://b/0.png", "color_map": '{"0": {"class-name": "BACKGROUND"}}'},
])
def test_a_record_without_a_usable_mask_is_labeled_again_instead(row):
    assert adjustment.previous_mask(row) is None


def test_without_a_task_type_the_previous_label_is_boxes():
    assert adjustment.rejected_labels_query(adjustment.OfflineTable("db", "t")).count('"annotations"') == 2
    masks = adjustment.rejected_labels_query(adjustment.OfflineTable("db", "t"), adjustment.PREVIOUS_MASK_COLUMNS)
    assert '"mask_uri", "color_map"' in masks and "annotations" not in masks
