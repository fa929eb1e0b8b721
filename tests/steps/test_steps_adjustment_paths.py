"""The adjust path after the jobs: adjusted lines join the verification input, records say their path."""
from __future__ import annotations

import io
import json
from typing import Any

import pytest
from steps_fakes import BUCKET, verified_line

from steps import contract
from steps import filter_labeled_objects as step
from steps.errors import ManifestError
from steps.log import StepSummary
from steps.records import RecordContext, parse_line

ATTR = "scratch-boxes"
ADJ = "scratch-boxes-adjusted"
LABELING_KEY = "labeling/runs/r1/labeling/r1-lbl/manifests/output/output.manifest"
ADJUSTMENT_KEY = "labeling/runs/r1/labeling/r1-adj/manifests/output/output.manifest"
INPUT_KEY = "labeling/runs/r1/verification-input.manifest"
OLD = [{"class_id": 0, "left": 10, "top": 20, "width": 40, "height": 30}]
NEW = [{"class_id": 0, "left": 14, "top": 23, "width": 32, "height": 24}]


def _label(boxes: list[dict[str, int]], job: str, **extra: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    return ({"image_size": [{"width": 640, "height": 480, "depth": 3}], "annotations": boxes},
            {"class-map": {"0": "scratch"}, "type": "groundtruth/object-detection", "human-annotated": "yes",
             "creation-date": "2026-11-30T10:00:00.000000", "job-name": f"labeling-job/{job}", **extra})


def adjusted(uri: str, status: str = "adjusted") -> str:
    """An adjustment output line (sms-data-verify-manifest): the previous label, and the adjusted one."""
    old, old_meta = _label(OLD, "r0-lbl")
    new, new_meta = _label(NEW, "r1-adj", **{"adjustment-status": status})
    return json.dumps({"source-ref": uri, "source-etag": "e1", ATTR: old, f"{ATTR}-metadata": old_meta,
                       ADJ: new, f"{ADJ}-metadata": new_meta})


def failed_adjustment(uri: str) -> str:
    old, old_meta = _label(OLD, "r0-lbl")
    return json.dumps({"source-ref": uri, ATTR: old, f"{ATTR}-metadata": old_meta,
                       f"{ADJ}-metadata": {"failure-reason": "ClientError: expired", "job-name": "labeling-job/r1-adj"}})


def labeled(uri: str) -> str:
    new, meta = _label(OLD, "r1-lbl")
    return json.dumps({"source-ref": uri, ATTR: new, f"{ATTR}-metadata": meta})


def run(s3: Any, labeling: list[str] | None, adjustment: list[str] | None) -> dict[str, Any]:
    evt: dict[str, Any] = {"run_id": "r1", "manifest_uri": None, "adjustment_manifest_uri": None, "settings": {
        "bucket": BUCKET, "work_prefix": "labeling/", "label_attribute": ATTR, "kms_key_arn": None,
        "adjustment_attribute": ADJ}}
    for key, lines, field in ((LABELING_KEY, labeling, "manifest_uri"), (ADJUSTMENT_KEY, adjustment,
                                                                          "adjustment_manifest_uri")):
        if lines is not None:
            s3.put_object(Bucket=BUCKET, Key=key, Body=("\n".join(lines) + "\n").encode())
            evt[field] = f"s3://{BUCKET}/{key}"
    return step.filter_labeled_objects(evt, s3, StepSummary("x", stream=io.StringIO()))


def read_input(s3: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in s3.get_object(Bucket=BUCKET, Key=INPUT_KEY)["Body"].read().splitlines()]


def test_both_outputs_go_to_verification_the_adjusted_label_under_the_labeling_attribute(s3):
    result = run(s3, [labeled("s3://b/raw/new.png")],
                 [adjusted("s3://b/raw/a.png"), failed_adjustment("s3://b/raw/b.png")])
    assert result == {"lines_read": 3, "kept": 2, "left_out": 1, "manifest_uri": f"s3://{BUCKET}/{INPUT_KEY}"}
    new, fixed = read_input(s3)
    assert new["source-ref"] == "s3://b/raw/new.png"
    assert fixed["source-ref"] == "s3://b/raw/a.png" and fixed["source-etag"] == "e1"
    assert fixed[ATTR]["annotations"] == NEW
    assert fixed[f"{ATTR}-metadata"]["adjustment-status"] == "adjusted"
    assert ADJ not in fixed and f"{ADJ}-metadata" not in fixed  # one attribute for the one verification job


def test_a_run_without_a_labeling_job_verifies_the_adjusted_lines_alone(s3):
    result = run(s3, None, [adjusted("s3://b/raw/a.png", "unadjusted")])
    assert (result["lines_read"], result["kept"]) == (1, 1)
    assert read_input(s3)[0][f"{ATTR}-metadata"]["adjustment-status"] == "unadjusted"


def test_a_run_without_an_adjustment_job_is_todays_filter(s3):
    assert run(s3, [labeled("s3://b/raw/new.png")], None)["kept"] == 1


def test_a_corrupt_adjustment_line_fails_the_step(s3):
    with pytest.raises(ManifestError, match="line 2 of the adjustment output manifest"):
        run(s3, None, [adjusted("s3://b/raw/a.png"), "[1]"])


CTX = RecordContext(ATTR, "scratch-verdict", 0, "r1-lbl", "r1-vfy")


def _verified(line: dict[str, Any]) -> bytes:
    base = json.loads(verified_line(line["source-ref"], 0))
    base[ATTR], base[f"{ATTR}-metadata"] = line[ATTR], line[f"{ATTR}-metadata"]
    return json.dumps(base).encode()


def test_records_say_which_path_their_label_took(s3):
    run(s3, [labeled("s3://b/raw/new.png")], [adjusted("s3://b/raw/a.png")])
    new, fixed = (parse_line(1, _verified(line), CTX) for line in read_input(s3))
    assert new is not None and fixed is not None
    assert (new["label_path"], new["labeling_job"]) == (contract.LABEL_PATH_LABELING, "r1-lbl")
    assert (fixed["label_path"], fixed["labeling_job"]) == (contract.LABEL_PATH_ADJUSTMENT, "r1-adj")
    assert json.loads(fixed["annotations"]) == NEW


def test_label_path_is_a_feature_existing_groups_get_added():
    assert ("label_path", "String") in contract.FEATURE_DEFINITIONS
    assert ("label_path", "String") in contract.ADDED_FEATURES


def test_an_ended_run_has_its_adjustment_job_stopped_too():
    from datetime import UTC, datetime

    from steps import naming
    from steps.stop_execution_jobs import candidate_job_names

    names = candidate_job_names("scratch", "arn:aws:states:eu-west-1:1:execution:sm:run-1", "run-1",
                                datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    runs = {name.rsplit("-", 1)[0] for name in names}
    assert {naming.adjustment_job_name(run) for run in runs} <= set(names)
