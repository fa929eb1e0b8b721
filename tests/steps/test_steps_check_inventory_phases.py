"""CheckMissingLabels' inventory phases: prepare finds the newest report (or, in auto mode, lists) and
sizes the query; without a report, inventory mode fails with one line."""
from __future__ import annotations

import io

import boto3
import pytest
from steps_fakes import BUCKET, FEATURE_GROUP

from steps import check_missing_labels as step
from steps.inventory import InventoryMissing
from steps.log import StepSummary

EXECUTION = {"id": "arn:aws:states:eu-west-1:123456789012:execution:scratch-labeling:phases",
             "name": "phases", "start_time": "2026-11-29T06:00:00.000Z"}
HIVE = f"labeling/inventory/{BUCKET}/scratch-raw-images/hive/"


def _event(listing: str) -> dict:
    return {"execution": EXECUTION, "input": {"max_images": 5}, "phase": "prepare", "settings": {
        "bucket": BUCKET, "raw_prefix": "raw/", "image_extensions": [".jpg"], "work_prefix": "labeling/",
        "feature_group_name": FEATURE_GROUP, "athena_workgroup": "primary",
        "athena_output_uri": f"s3://{BUCKET}/labeling/athena/", "max_images_per_run": 1000,
        "job_name_prefix": "scratch", "kms_key_arn": None, "listing": listing,
        "inventory_config_id": "scratch-raw-images", "inventory_database": "labeling_inventory",
        "inventory_table": "scratch_raw_images"}}


def _prepare(s3, sagemaker, athena, listing: str) -> dict:
    summary = StepSummary("CheckMissingLabels", "req-1", io.StringIO())
    return step.prepare(_event(listing), s3, sagemaker, athena, summary, boto3.client("stepfunctions"))


def test_inventory_mode_without_a_report_fails_with_one_line(s3, sagemaker, athena, offline):
    with pytest.raises(InventoryMissing, match=r"no S3 Inventory report under .*48 hours.*auto or list"):
        _prepare(s3, sagemaker, athena, "inventory")


def test_auto_mode_without_a_report_lists(s3, sagemaker, athena, offline):
    s3.put_object(Bucket=BUCKET, Key="raw/a.jpg", Body=b"a")
    prepared = _prepare(s3, sagemaker, athena, "auto")
    assert prepared["prepare"] is None and prepared["check"]["images_found"] == 1


def test_prepare_queries_the_newest_report_with_room_for_the_cap(s3, sagemaker, athena, offline):
    for dt in ("2026-11-28-01-00", "2026-11-30-01-00", "2026-11-29-01-00"):
        s3.put_object(Bucket=BUCKET, Key=f"{HIVE}dt={dt}/symlink.txt", Body=b"")
    prepared = _prepare(s3, sagemaker, athena, "auto")
    assert prepared["check"] is None
    query = prepared["prepare"]["query"]
    assert "\"dt\" = '2026-11-30-01-00'" in query and "LIMIT 5" in query
    assert prepared["prepare"]["max_images"] == 5 and prepared["prepare"]["report"] == "2026-11-30-01-00"
