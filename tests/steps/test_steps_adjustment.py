"""steps.adjustment: the previous label of REJECTED images, and the two job inputs of an adjust run."""
from __future__ import annotations

import json

import boto3
import pytest

from sandbox import Sandbox
from steps import adjustment, contract, layout
from steps.errors import ManifestError
from steps.labeled_images import PollPolicy

GROUP = "scratch-labels"
BUCKET = "work-bucket"
BOXES = [{"class_id": 0, "left": 1, "top": 2, "width": 30, "height": 40}]
SETTINGS: contract.CheckMissingLabelsSettings = {
    "bucket": BUCKET, "raw_prefix": "raw/", "image_extensions": [".png"], "work_prefix": "work/",
    "feature_group_name": GROUP, "athena_workgroup": "primary", "athena_output_uri": f"s3://{BUCKET}/work/athena/",
    "max_images_per_run": 100, "job_name_prefix": "scratch", "kms_key_arn": None,
    "on_reject": "adjust", "label_attribute": "scratch-boxes",
}
FAST = PollPolicy(first=0.01, longest=0.05, timeout=30)


def put(uri: str, status: str, event_time: str, **extra: str) -> None:
    values = {"image_uri": uri, "event_time": event_time, "status": status, "width": "64", "height": "48",
              "depth": "3", "annotations": json.dumps(BOXES), "class_map": '{"0":"scratch"}',
              "labeling_job": "old-lbl", **extra}
    boto3.client("sagemaker-featurestore-runtime").put_record(
        FeatureGroupName=GROUP, Record=[{"FeatureName": k, "ValueAsString": v} for k, v in values.items()])


@pytest.fixture(scope="module")
def sb():
    with Sandbox(region="eu-west-1", iam_evaluation=False) as running:
        boto3.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        boto3.client("sagemaker").create_feature_group(
            FeatureGroupName=GROUP, RecordIdentifierFeatureName="image_uri", EventTimeFeatureName="event_time",
            FeatureDefinitions=[{"FeatureName": n, "FeatureType": t} for n, t in contract.FEATURE_DEFINITIONS],
            OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/feature-store"}},
            RoleArn="arn:aws:iam::123456789012:role/fs")
        put("s3://raw/a.png", "REJECTED", "2026-11-29T10:00:00.000Z")  # rejected: adjusted
        put("s3://raw/b.png", "REJECTED", "2026-11-29T10:00:00.000Z")
        put("s3://raw/b.png", "APPROVED", "2026-11-29T11:00:00.000Z")  # newer approval: not rejected
        put("s3://raw/c.png", "APPROVED", "2026-11-29T10:00:00.000Z")
        put("s3://raw/c.png", "REJECTED", "2026-11-29T12:00:00.000Z", annotations="not json")  # no usable label
        put("s3://raw/d.png", "REJECTED", "2026-11-29T10:00:00.000Z", labeling_job="d-lbl")  # not wanted
        yield running


def clients():
    return boto3.client("sagemaker"), boto3.client("athena"), boto3.client("s3")


def test_the_newest_rejected_record_holds_the_previous_label(sb):
    sagemaker, athena, s3 = clients()
    wanted = {"s3://raw/a.png", "s3://raw/b.png", "s3://raw/c.png", "s3://raw/new.png"}
    found = adjustment.rejected_labels(sagemaker, athena, s3, SETTINGS, wanted, FAST)
    assert set(found) == {"s3://raw/a.png"}
    label = found["s3://raw/a.png"]
    assert (label.annotations, label.class_map, label.width, label.height, label.depth, label.job) == (
        BOXES, {"0": "scratch"}, 64, 48, 3, "old-lbl")
    assert label.event_time == "2026-11-29T10:00:00.000Z"


def test_nothing_wanted_queries_nothing(sb):
    assert adjustment.rejected_labels(None, None, None, SETTINGS, set()) == {}


def test_split_writes_the_labeling_and_the_adjustment_input(sb):
    sagemaker, athena, s3 = clients()
    key = layout.input_manifest_key("work/", "run-1")
    lines = [{"source-ref": "s3://raw/a.png", "source-etag": "e1"}, {"source-ref": "s3://raw/new.png"}]
    s3.put_object(Bucket=BUCKET, Key=key, Body="".join(json.dumps(line) + "\n" for line in lines).encode())
    split = adjustment.route(s3, sagemaker, athena, SETTINGS, "run-1", f"s3://{BUCKET}/{key}", FAST)
    assert (split.labeling, split.adjustment) == (1, 1)
    assert split.labeling_manifest_uri == f"s3://{BUCKET}/{layout.labeling_input_key('work/', 'run-1')}"
    assert split.adjustment_manifest_uri == f"s3://{BUCKET}/{layout.adjustment_input_key('work/', 'run-1')}"
    read = lambda uri: [json.loads(x) for x in s3.get_object(Bucket=BUCKET, Key=uri.split("/", 3)[3])["Body"].read().splitlines()]  # noqa: E731
    assert read(split.labeling_manifest_uri) == [{"source-ref": "s3://raw/new.png"}]
    (adjust,) = read(split.adjustment_manifest_uri)
    assert adjust["source-etag"] == "e1"  # other keys of the input line are kept
    assert adjust["scratch-boxes"] == {"image_size": [{"width": 64, "height": 48, "depth": 3}], "annotations": BOXES}
    assert adjust["scratch-boxes-metadata"] == {
        "class-map": {"0": "scratch"}, "type": "groundtruth/object-detection", "human-annotated": "yes",
        "creation-date": "2026-11-29T10:00:00.000000", "job-name": "labeling-job/old-lbl"}
    # The input manifest (the run's claim) is left as it was.
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().count(b"\n") == 2
    fields = adjustment.result_fields("run-1", split)
    assert fields["manifest_uri"] == split.labeling_manifest_uri and fields["adjustment_selected"] == 1
    assert fields["adjustment_job_name"] == "run-1-adj"


def test_only_rejected_images_leave_no_labeling_input(sb):
    sagemaker, athena, s3 = clients()
    key = layout.input_manifest_key("work/", "run-2")
    s3.put_object(Bucket=BUCKET, Key=key, Body=b'{"source-ref": "s3://raw/a.png"}\n')
    split = adjustment.route(s3, sagemaker, athena, SETTINGS, "run-2", f"s3://{BUCKET}/{key}", FAST)
    assert split.labeling_manifest_uri is None and split.adjustment == 1


def test_without_a_rejected_image_the_labeling_job_keeps_the_input_manifest(sb):
    sagemaker, athena, s3 = clients()
    key = layout.input_manifest_key("work/", "run-3")
    s3.put_object(Bucket=BUCKET, Key=key, Body=b'{"source-ref": "s3://raw/new.png"}\n')
    uri = f"s3://{BUCKET}/{key}"
    split = adjustment.route(s3, sagemaker, athena, SETTINGS, "run-3", uri, FAST)
    assert (split.labeling_manifest_uri, split.adjustment_manifest_uri, split.adjustment) == (uri, None, 0)


def test_relabel_and_an_empty_run_change_nothing():
    relabel = {**SETTINGS, "on_reject": "relabel"}
    assert adjustment.apply(None, relabel, "run", "s3://b/k") == {
        "manifest_uri": "s3://b/k", "adjustment_selected": 0, "adjustment_manifest_uri": None,
        "adjustment_job_name": "run-adj"}
    split = adjustment.route(None, None, None, SETTINGS, "run", None)
    assert (split.labeling_manifest_uri, split.adjustment_manifest_uri) == (None, None)


def test_a_corrupt_input_line_is_a_manifest_error(sb):
    _, _, s3 = clients()
    key = layout.input_manifest_key("work/", "run-4")
    s3.put_object(Bucket=BUCKET, Key=key, Body=b'{"source-ref": "s3://raw/a.png"}\n[1, 2]\n')
    with pytest.raises(ManifestError, match="line 2"):
        adjustment.split_input(s3, SETTINGS, "run-4", f"s3://{BUCKET}/{key}", {})


@pytest.mark.parametrize("row", [
    {"annotations": "[]", "class_map": "{}", "width": "0", "height": "1", "depth": "3"},
    {"annotations": "{}", "class_map": "{}", "width": "1", "height": "1", "depth": "3"},
    {"annotations": "[1]", "class_map": "{}", "width": "1", "height": "1", "depth": "3"},
    {"annotations": "[]", "class_map": "[]", "width": "1", "height": "1", "depth": "3"},
    {"annotations": "[]", "class_map": "{}", "width": "", "height": "1", "depth": "3"},
])
def test_a_record_without_a_usable_box_label_is_relabeled_instead(row):
    assert adjustment.previous_label(row) is None
