"""UNLABELABLE records: which failure reasons mean "the object itself", the ETag, and the update's second pass."""
from __future__ import annotations

import io
import json
from typing import Any

import pytest
from steps_fakes import BUCKET, FakeFeatureStore, verified_line
from test_steps_update_feature_store import FAST, MANIFEST_KEY, event, upload

from sandbox.ground_truth.simulation import EXPIRED_REASON
from steps import contract, layout
from steps import update_feature_store as step
from steps.errors import ManifestError
from steps.log import StepSummary
from steps.unlabelable import is_object_failure, parse_labeling_line, unlabelable_record

LABELING_KEY = "labeling/runs/r/labeling/r-lbl/manifests/output/output.manifest"
NOT_IMAGE = "ClientError: The data object s3://b/raw/x.png is not a supported image: the object is empty (0 bytes), not an image."


def failed_line(uri: str, reason: str, etag: str | None = "abc123", attribute: str = "scratch-boxes") -> dict[str, Any]:
    line: dict[str, Any] = {"source-ref": uri, f"{attribute}-metadata": {
        "failure-reason": reason, "type": "groundtruth/object-detection",
        "creation-date": "2026-11-29T10:00:00.123456", "job-name": "labeling-job/r-lbl"}}
    if etag is not None:
        line["source-etag"] = etag
    return line


@pytest.mark.parametrize("reason, unlabelable", [
    (NOT_IMAGE, True),
    ("ClientError: The data object s3://b/raw/n.png is not a supported image: not a PNG, JPEG, GIF, BMP or WebP "
     "image (unknown file signature).", True),
    (EXPIRED_REASON, False),  # the task expired: retry
    ("ClientError: The data object could not be read: Access Denied to s3://b/raw/x.png (...)", False),  # the role
    ("ClientError: The data object could not be read: object 's3://b/raw/x.png' does not exist.", False),
    ("ClientError: Task failed to render: [ ... ]", False),  # the template
    ("Something AWS has never documented", False),
    (None, False),
])
def test_only_reasons_about_the_object_itself_are_unlabelable(reason, unlabelable):
    assert is_object_failure(reason) is unlabelable


def test_the_record_carries_the_source_etag_and_the_reason():
    record = unlabelable_record(failed_line("s3://b/raw/x.png", NOT_IMAGE, etag='"abc123"'), "scratch-boxes", "r-lbl",
                                lambda uri: pytest.fail("HeadObject is not needed when the line has source-etag"))
    assert record == {"image_uri": "s3://b/raw/x.png", "event_time": "2026-11-29T10:00:00.123Z",
                      "status": contract.STATUS_UNLABELABLE, "labeling_job": "r-lbl", "image_etag": "abc123",
                      "failure_reason": NOT_IMAGE}


def test_without_source_etag_the_etag_comes_from_head_object_and_a_gone_object_gets_no_record():
    line = failed_line("s3://b/raw/x.png", NOT_IMAGE, etag=None)
    assert unlabelable_record(line, "scratch-boxes", "r-lbl", lambda uri: "fromhead")["image_etag"] == "fromhead"
    assert unlabelable_record(line, "scratch-boxes", "r-lbl", lambda uri: None) is None


def test_labeled_and_expired_lines_get_no_record_and_a_corrupt_line_names_its_number():
    labeled = json.loads(verified_line("s3://b/raw/a.png", 0))
    assert unlabelable_record(labeled, "scratch-boxes", "r-lbl", lambda uri: "e") is None
    assert unlabelable_record(failed_line("s3://b/raw/a.png", EXPIRED_REASON), "scratch-boxes", "r-lbl",
                              lambda uri: "e") is None
    with pytest.raises(ManifestError, match="labeling manifest line 7"):
        parse_labeling_line(7, b'{"source-ref": ', "scratch-boxes", "r-lbl", lambda uri: "e")


def _labeling_upload(s3: Any, lines: list[dict[str, Any]]) -> str:
    s3.put_object(Bucket=BUCKET, Key=LABELING_KEY, Body="".join(json.dumps(line) + "\n" for line in lines).encode())
    return f"s3://{BUCKET}/{LABELING_KEY}"


def test_the_update_writes_unlabelable_records_once_and_marks_both_outputs_complete(s3):
    store = FakeFeatureStore()
    upload(s3, [verified_line("s3://b/raw/a.jpg", 0)])
    s3.put_object(Bucket=BUCKET, Key="raw/empty.png", Body=b"")
    labeling = _labeling_upload(s3, [
        json.loads(verified_line("s3://b/raw/a.jpg", 0)),
        failed_line("s3://b/raw/x.png", NOT_IMAGE),
        failed_line(f"s3://{BUCKET}/raw/empty.png", NOT_IMAGE, etag=None),  # an older manifest: HeadObject
        failed_line("s3://b/raw/late.png", EXPIRED_REASON),
    ])
    evt = event(bucket=BUCKET, work_prefix="labeling/")
    evt.update(run_id="r", labeling_manifest_uri=labeling)
    result = step.update_feature_store(evt, s3, store, StepSummary("x", stream=io.StringIO()), FAST)
    assert (result["written"], result["approved"], result["unlabelable"]) == (3, 1, 2)
    assert store.records["s3://b/raw/x.png"]["status"] == "UNLABELABLE"
    assert store.records[f"s3://{BUCKET}/raw/empty.png"]["image_etag"] == s3.head_object(
        Bucket=BUCKET, Key="raw/empty.png")["ETag"].strip('"')
    assert "s3://b/raw/late.png" not in store.records
    for key in (layout.update_progress_key("labeling/", "r"), layout.unlabelable_progress_key("labeling/", "r")):
        assert json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())["complete"] is True
    again = step.update_feature_store(evt, s3, store, StepSummary("x", stream=io.StringIO()), FAST)
    assert (again["written"], again["skipped"], again["unlabelable"]) == (0, 1, 2)  # nothing written twice
    assert max(store.write_count.values()) == 1


def test_approved_records_carry_the_input_manifests_etag(s3):
    store = FakeFeatureStore()
    line = json.loads(verified_line("s3://b/raw/a.jpg", 0))
    line["source-etag"] = "e1"
    s3.put_object(Bucket=BUCKET, Key=MANIFEST_KEY, Body=(json.dumps(line) + "\n").encode())
    step.update_feature_store(event(), s3, store, StepSummary("x", stream=io.StringIO()), FAST)
    assert store.records["s3://b/raw/a.jpg"]["image_etag"] == "e1"
