"""Manifest line -> feature record: JSON values, status, event time, unlabeled and bad lines."""
from __future__ import annotations

import json

import pytest
from steps_fakes import verified_line

from steps import contract
from steps.errors import ManifestError
from steps.records import RecordContext, event_time, parse_line, record_from_line, to_feature_values

CTX = RecordContext("scratch-boxes", "scratch-verdict", 0, "scratch-run-lbl", "scratch-run-vfy")


def parse(text: str, number: int = 1):
    return parse_line(number, text.encode("utf-8"), CTX)


def test_approved_line_becomes_a_full_json_record():
    boxes = [{"class_id": 0, "left": 1, "top": 2, "width": 3, "height": 4},
             {"class_id": 0, "left": 5, "top": 6, "width": 7, "height": 8}]
    record = parse(verified_line("s3://b/raw/ü 1.jpg", 0, boxes=boxes, feedback=["looks 'fine'", "ok"]))
    assert list(record) == [name for name, _ in contract.FEATURE_DEFINITIONS if name != "failure_reason"]
    assert record["image_uri"] == "s3://b/raw/ü 1.jpg"
    assert record["status"] == "APPROVED" and record["event_time"] == "2026-11-29T10:00:00.123Z"
    assert (record["width"], record["height"], record["depth"], record["box_count"]) == ("640", "480", "3", "2")
    assert json.loads(record["annotations"]) == boxes
    assert json.loads(record["class_map"]) == {"0": "scratch"}
    assert json.loads(record["worker_feedback"]) == ["looks 'fine'", "ok"]
    assert record["verification_confidence"] == "0.93"
    assert (record["labeling_job"], record["verification_job"]) == ("scratch-run-lbl", "scratch-run-vfy")
    assert "{'" not in record["annotations"]  # JSON, never Python repr


@pytest.mark.parametrize("verdict", [1, "1", 2])
def test_other_verdicts_reject(verdict):
    assert parse(verified_line("s3://b/x.jpg", verdict))["status"] == "REJECTED"


def test_string_zero_verdict_approves_as_in_the_ground_truth_docs():
    assert parse(verified_line("s3://b/x.jpg", "0"))["status"] == "APPROVED"


def test_no_boxes_and_no_feedback():
    record = parse(verified_line("s3://b/x.jpg", 0, boxes=[]))
    assert record["annotations"] == "[]" and record["box_count"] == "0" and record["worker_feedback"] == "[]"


@pytest.mark.parametrize("kwargs", [{"label_failure": True}, {"verify_failure": True}])
def test_failure_reason_lines_are_unlabeled(kwargs):
    assert parse(verified_line("s3://b/x.jpg", **kwargs)) is None


def test_line_without_the_verification_attribute_is_unlabeled():
    line = json.loads(verified_line("s3://b/x.jpg"))
    del line["scratch-verdict"]
    assert record_from_line(line, CTX) is None


@pytest.mark.parametrize(
    "raw, words",
    [
        ("{not json", "manifest line 7 is not valid JSON"),
        ("[1, 2]", "manifest line 7 is a JSON list"),
        ('{"scratch-boxes": {}}', "manifest line 7: source-ref must be an s3:// URI"),
        (verified_line("s3://b/x.jpg", "yes"), "manifest line 7: the verification label must be an integer"),
        (verified_line("s3://b/x.jpg", creation_date="yesterday"), "manifest line 7: Invalid isoformat"),
        (verified_line("s3://b/x.jpg", boxes=[{"class_id": 0, "left": "a"}]), "annotation left must be an integer"),
    ],
)
def test_malformed_lines_raise_manifest_error_naming_the_line(raw, words):
    with pytest.raises(ManifestError) as raised:
        parse(raw, number=7)
    assert words in str(raised.value)


def test_invalid_utf8_is_a_manifest_error():
    with pytest.raises(ManifestError, match="manifest line 3 is not valid JSON"):
        parse_line(3, b'{"source-ref": "\xff"}', CTX)


@pytest.mark.parametrize(
    "creation, expected",
    [
        ("2018-10-18T22:18:13.527256", "2018-10-18T22:18:13.527Z"),
        ("2018-10-18T22:18:13", "2018-10-18T22:18:13.000Z"),
        ("2018-10-18T22:18:13.9999Z", "2018-10-18T22:18:13.999Z"),
        ("2018-10-19T00:18:13.5+02:00", "2018-10-18T22:18:13.500Z"),
    ],
)
def test_event_time_is_normalised_to_utc_milliseconds(creation, expected):
    assert event_time(creation) == expected


def test_same_line_gives_the_same_record_and_feature_values():
    text = verified_line("s3://b/x.jpg", feedback=["a"])
    assert to_feature_values(parse(text)) == to_feature_values(parse(text))
    assert to_feature_values({"image_uri": "u"}) == [{"FeatureName": "image_uri", "ValueAsString": "u"}]
