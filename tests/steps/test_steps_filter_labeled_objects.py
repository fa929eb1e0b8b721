"""FilterLabeledObjects: the verification input keeps exactly the lines that carry the label."""
from __future__ import annotations

import io
import json
from typing import Any

import pytest
from steps_fakes import BUCKET

from steps import filter_labeled_objects as step
from steps.errors import ManifestError
from steps.log import StepSummary

ATTR = "scratch-boxes"
OUTPUT_KEY = "labeling/runs/r1/labeling/r1-lbl/manifests/output/output.manifest"
INPUT_KEY = "labeling/runs/r1/verification-input.manifest"


def labeled(uri: str) -> str:
    """A bounding-box output line as Ground Truth writes it (sms-data-output)."""
    return json.dumps({
        "source-ref": uri,
        ATTR: {"image_size": [{"width": 640, "height": 480, "depth": 3}],
               "annotations": [{"class_id": 0, "left": 1, "top": 2, "width": 3, "height": 4}]},
        f"{ATTR}-metadata": {"objects": [{"confidence": 0.9}], "class-map": {"0": "scratch"},
                             "type": "groundtruth/object-detection", "human-annotated": "yes",
                             "creation-date": "2026-11-29T10:00:00.000000", "job-name": "labeling-job/r1-lbl"},
    }, ensure_ascii=False)


def failed(uri: str) -> str:
    """An object the labeling job could not label: only ``-metadata`` with ``failure-reason``."""
    return json.dumps({"source-ref": uri, f"{ATTR}-metadata": {
        "failure-reason": "ClientError: The data object could not be read.", "type": "groundtruth/object-detection",
        "creation-date": "2026-11-29T10:00:00.000000", "job-name": "labeling-job/r1-lbl"}})


def event(**settings: Any) -> dict[str, Any]:
    base = {"bucket": BUCKET, "work_prefix": "labeling/", "label_attribute": ATTR, "kms_key_arn": None}
    return {"run_id": "r1", "manifest_uri": f"s3://{BUCKET}/{OUTPUT_KEY}", "settings": {**base, **settings}}


def run(s3: Any, lines: list[str], evt: dict[str, Any] | None = None) -> dict[str, Any]:
    s3.put_object(Bucket=BUCKET, Key=OUTPUT_KEY, Body=("\n".join(lines) + "\n").encode("utf-8"))
    return step.filter_labeled_objects(evt or event(), s3, StepSummary("x", stream=io.StringIO()))


def read_input(s3: Any) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=INPUT_KEY)["Body"].read()


def test_failed_objects_are_left_out_and_labeled_lines_kept_byte_for_byte(s3):
    lines = [labeled("s3://b/raw/a.png"), failed("s3://b/raw/b.png"), labeled("s3://b/raw/ü é.png"),
             failed("s3://b/raw/d.png")]
    result = run(s3, lines)
    assert result == {"lines_read": 4, "kept": 2, "left_out": 2,
                      "manifest_uri": f"s3://{BUCKET}/{INPUT_KEY}"}
    assert read_input(s3) == (lines[0] + "\n" + lines[2] + "\n").encode("utf-8")


def test_the_manifest_is_encrypted_as_configured(s3):
    run(s3, [labeled("s3://b/raw/a.png")])
    assert s3.head_object(Bucket=BUCKET, Key=INPUT_KEY)["ServerSideEncryption"] == "AES256"


@pytest.mark.parametrize("line", [
    json.dumps({"source-ref": "s3://b/raw/x.png"}),  # no label, no metadata
    json.dumps({"source-ref": "s3://b/raw/x.png", ATTR: {"annotations": []}}),  # label without metadata
    json.dumps({"source-ref": "s3://b/raw/x.png", ATTR: {"annotations": []},
                f"{ATTR}-metadata": {"failure-reason": "expired"}}),
])
def test_lines_without_a_usable_label_are_left_out(s3, line):
    assert run(s3, [labeled("s3://b/raw/a.png"), line])["left_out"] == 1


def test_nothing_kept_writes_no_manifest(s3):
    result = run(s3, [failed("s3://b/raw/a.png"), failed("s3://b/raw/b.png")])
    assert result == {"lines_read": 2, "kept": 0, "left_out": 2, "manifest_uri": None}
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=INPUT_KEY)


def test_crlf_and_blank_lines(s3):
    s3.put_object(Bucket=BUCKET, Key=OUTPUT_KEY,
                  Body=(labeled("s3://b/raw/a.png") + "\r\n\r\n" + failed("s3://b/raw/b.png") + "\r\n").encode())
    result = step.filter_labeled_objects(event(), s3, StepSummary("x", stream=io.StringIO()))
    assert (result["lines_read"], result["kept"]) == (2, 1)
    assert read_input(s3) == (labeled("s3://b/raw/a.png") + "\n").encode()


@pytest.mark.parametrize(("line", "message"), [
    ('{"source-ref": "s3://b/raw/a.png", ', r"line 2 of the labeling output manifest is not JSON"),
    ('["s3://b/raw/a.png"]', r"line 2 of the labeling output manifest is a list, not a JSON object"),
])
def test_a_corrupt_line_fails_the_step_naming_it(s3, line, message):
    with pytest.raises(ManifestError, match=message):
        run(s3, [labeled("s3://b/raw/a.png"), line])


def test_large_manifest_streams_through_a_spooled_file(s3, monkeypatch):
    monkeypatch.setattr(step, "SPOOL_BYTES", 4096)  # kept lines spill to a temporary file
    lines = [labeled(f"s3://b/raw/{i:05d}.png") if i % 3 else failed(f"s3://b/raw/{i:05d}.png") for i in range(3000)]
    result = run(s3, lines)
    assert (result["lines_read"], result["kept"], result["left_out"]) == (3000, 2000, 1000)
    kept = read_input(s3).decode().splitlines()
    assert kept == [line for i, line in enumerate(lines) if i % 3]


def test_the_handler_logs_one_summary_line(s3, capsys, monkeypatch):
    s3.put_object(Bucket=BUCKET, Key=OUTPUT_KEY, Body=(labeled("s3://b/raw/a.png") + "\n").encode())
    monkeypatch.setattr(step.aws, "client", lambda service, **_: s3)
    result = step.handler(event(), None)
    summary = json.loads(capsys.readouterr().out.strip())
    assert summary["step"] == "FilterLabeledObjects" and summary["kept"] == 1 == result["kept"]
