"""CheckMissingLabels end to end: the in-process sandbox's S3, SageMaker and Athena."""
from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from steps_fakes import BUCKET, FEATURE_GROUP

from steps import check_missing_labels as step
from steps.errors import FeatureGroupMissing, InvalidExecutionInput
from steps.log import StepSummary

EXECUTION = {
    "id": "arn:aws:states:eu-west-1:123456789012:execution:scratch-labeling:nightly-2026-11-29",
    "name": "nightly-2026-11-29",
    "start_time": "2026-11-29T06:00:00.000Z",
}


def event(execution_input: Any = None, **settings: Any) -> dict[str, Any]:
    base = {
        "bucket": BUCKET, "raw_prefix": "raw/", "image_extensions": [".jpg", ".jpeg", ".png"],
        "work_prefix": "labeling/", "feature_group_name": FEATURE_GROUP, "athena_workgroup": "primary",
        "athena_output_uri": f"s3://{BUCKET}/labeling/athena/", "max_images_per_run": 1000,
        "job_name_prefix": "scratch", "kms_key_arn": None,
    }
    base.update(settings)
    return {"execution": EXECUTION, "input": {} if execution_input is None else execution_input, "settings": base}


def put(s3: Any, *keys: str) -> None:
    for key in keys:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"\xff\xd8")


def run(s3: Any, sagemaker: Any, athena: Any, evt: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    stream = io.StringIO()
    summary = StepSummary("CheckMissingLabels", "req-1", stream)
    result = step.check_missing_labels(evt, s3, sagemaker, athena, summary, boto3.client("stepfunctions"))
    return result, summary.emit()


def manifest_uris(s3: Any, uri: str) -> list[str]:
    bucket, key = uri[5:].split("/", 1)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("ascii")
    return [json.loads(line)["source-ref"] for line in body.splitlines()]


def test_no_images_writes_no_manifest_and_skips_the_query(s3, sagemaker, athena, offline):
    result, summary = run(s3, sagemaker, athena, event())
    assert (result["images_found"], result["missing"], result["selected"], result["manifest_uri"]) == (0, 0, 0, None)
    assert offline.queries() == []
    assert "not queried" in summary["notes"][0]


def _no_group(s3: Any, execution_input: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    sagemaker = boto3.client("sagemaker")
    with Stubber(sagemaker) as stub:  # moto raises a bare KeyError here, so stub the real error shape
        stub.add_client_error("describe_feature_group", service_error_code="ResourceNotFound", http_status_code=400)
        return run(s3, sagemaker, None, event(execution_input))


def test_no_feature_group_fails_fast_and_claims_nothing(s3):
    put(s3, "raw/a.jpg", "raw/b.png")
    with pytest.raises(FeatureGroupMissing, match=r"does not exist.*redeploy.*allow_empty_feature_group"):
        _no_group(s3, {})
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="labeling/")  # no manifest, no marker


def test_no_feature_group_with_allow_empty_means_every_image_is_missing(s3):
    put(s3, "raw/a.jpg", "raw/b.png")
    result, summary = _no_group(s3, {"allow_empty_feature_group": True})
    assert (result["images_found"], result["already_labeled"], result["missing"]) == (2, 0, 2)
    assert "does not exist" in summary["notes"][0] and "allow_empty_feature_group" in summary["notes"][0]


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_allow_empty_feature_group_must_be_a_boolean(s3, value):
    with pytest.raises(InvalidExecutionInput, match=r"allow_empty_feature_group is .*expected true or false"):
        _no_group(s3, {"allow_empty_feature_group": value})


def test_an_empty_feature_group_needs_no_flag(s3, sagemaker, athena, offline):
    put(s3, "raw/a.jpg", "raw/b.jpg")
    result, _ = run(s3, sagemaker, athena, event())
    assert (result["already_labeled"], result["missing"], result["selected"]) == (0, 2, 2)


def test_all_labeled_writes_no_manifest(s3, sagemaker, athena, offline):
    put(s3, "raw/a.jpg", "raw/b.jpg")
    for uri in (f"s3://{BUCKET}/raw/a.jpg", f"s3://{BUCKET}/raw/b.jpg"):
        offline.add_row(uri, "APPROVED", "2026-11-01T00:00:00.000Z")
    result, _ = run(s3, sagemaker, athena, event())
    assert (result["already_labeled"], result["missing"], result["selected"], result["backlog"]) == (2, 0, 0, 0)
    assert result["manifest_uri"] is None
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="labeling/runs/")


def test_newest_row_decides_rejected_deleted_and_approved(s3, sagemaker, athena, offline):
    put(s3, "raw/rejected-last.jpg", "raw/approved-last.jpg", "raw/deleted.jpg", "raw/tie.jpg", "raw/new.jpg")
    u = lambda name: f"s3://{BUCKET}/raw/{name}"  # noqa: E731
    offline.add_row(u("rejected-last.jpg"), "APPROVED", "2026-11-01T00:00:00.000Z")
    offline.add_row(u("rejected-last.jpg"), "REJECTED", "2026-11-02T00:00:00.000Z")
    offline.add_row(u("approved-last.jpg"), "REJECTED", "2026-11-01T00:00:00.000Z")
    offline.add_row(u("approved-last.jpg"), "APPROVED", "2026-11-02T00:00:00.000Z")
    offline.add_row(u("deleted.jpg"), "APPROVED", "2026-11-01T00:00:00.000Z")
    offline.add_row(u("deleted.jpg"), "APPROVED", "2026-11-03T00:00:00.000Z", is_deleted=True)
    # same event time: the later API invocation wins (REJECTED)
    offline.add_row(u("tie.jpg"), "APPROVED", "2026-11-01T00:00:00.000Z", api_invocation_time="2026-11-01 00:00:01.000")
    offline.add_row(u("tie.jpg"), "REJECTED", "2026-11-01T00:00:00.000Z", api_invocation_time="2026-11-01 00:00:02.000")
    result, _ = run(s3, sagemaker, athena, event())
    assert sorted(manifest_uris(s3, result["manifest_uri"])) == sorted(
        [u("rejected-last.jpg"), u("deleted.jpg"), u("tie.jpg"), u("new.jpg")]
    )
    assert (result["images_found"], result["already_labeled"], result["missing"]) == (5, 1, 4)


def test_labels_for_images_no_longer_in_s3_do_not_count(s3, sagemaker, athena, offline):
    put(s3, "raw/a.jpg")
    offline.add_row(f"s3://{BUCKET}/raw/gone.jpg", "APPROVED", "2026-11-01T00:00:00.000Z")
    result, _ = run(s3, sagemaker, athena, event())
    assert (result["images_found"], result["already_labeled"], result["missing"]) == (1, 0, 1)


def test_exotic_keys_round_trip_exactly_into_source_ref(s3, sagemaker, athena, offline):
    keys = ["raw/a b.jpg", "raw/ünïcødé 画像.jpg", "raw/plus+sign.jpg", "raw/100%.png", "raw/k=v&x=y.jpeg",
            "raw/a+b c%2B.jpg", "raw/tab\there.jpg"]
    put(s3, *keys)
    offline.add_row(f"s3://{BUCKET}/raw/plus+sign.jpg", "APPROVED", "2026-11-01T00:00:00.000Z")
    result, _ = run(s3, sagemaker, athena, event())
    expected = {f"s3://{BUCKET}/{k}" for k in keys} - {f"s3://{BUCKET}/raw/plus+sign.jpg"}
    assert set(manifest_uris(s3, result["manifest_uri"])) == expected


def test_extensions_placeholders_and_zero_byte_objects(s3, sagemaker, athena):
    put(s3, "raw/UPPER.JPG", "raw/Mixed.Png", "raw/notes.txt", "raw/jpg", "other/x.jpg")
    s3.put_object(Bucket=BUCKET, Key="raw/folder/", Body=b"")
    s3.put_object(Bucket=BUCKET, Key="raw/folder.jpg/", Body=b"")
    s3.put_object(Bucket=BUCKET, Key="raw/empty.jpg", Body=b"")
    result, _ = run(s3, sagemaker, athena, event())
    assert sorted(manifest_uris(s3, result["manifest_uri"])) == sorted(
        f"s3://{BUCKET}/raw/{k}" for k in ("UPPER.JPG", "Mixed.Png", "empty.jpg")
    )


def test_cap_selects_oldest_first_and_reports_backlog(s3, sagemaker, athena, monkeypatch):
    put(s3, *(f"raw/{i:03d}.jpg" for i in range(10)))
    ages = {f"s3://{BUCKET}/raw/{i:03d}.jpg": i for i in range(10)}
    base = datetime(2026, 1, 1, tzinfo=UTC)
    real_list = step.list_images

    def aged(*args: Any):  # moto stamps all objects with ~now: give them distinct ages, newest = 000
        for image in real_list(*args):
            yield image._replace(last_modified=base - timedelta(days=ages[image.uri]))

    monkeypatch.setattr(step, "list_images", aged)
    result, _ = run(s3, sagemaker, athena, event({"max_images": 3}))
    assert (result["missing"], result["selected"], result["backlog"], result["max_images"]) == (10, 3, 7, 3)
    assert manifest_uris(s3, result["manifest_uri"]) == [f"s3://{BUCKET}/raw/{i:03d}.jpg" for i in (9, 8, 7)]


def test_result_names_jobs_and_locations_and_manifest_is_encrypted(s3, sagemaker, athena):
    put(s3, "raw/a.jpg")
    result, _ = run(s3, sagemaker, athena, event())
    run_id = result["run_id"]
    assert result["labeling_job_name"] == f"{run_id}-lbl" and result["verification_job_name"] == f"{run_id}-vfy"
    assert result["manifest_uri"] == f"s3://{BUCKET}/labeling/runs/{run_id}/input.manifest"
    assert result["labeling_output_uri"] == f"s3://{BUCKET}/labeling/runs/{run_id}/labeling/"
    assert result["verification_output_uri"] == f"s3://{BUCKET}/labeling/runs/{run_id}/verification/"
    head = s3.head_object(Bucket=BUCKET, Key=f"labeling/runs/{run_id}/input.manifest")
    assert head["ServerSideEncryption"] == "AES256"
    again, _ = run(s3, sagemaker, athena, event())
    assert again == result  # a retried step yields the same run, names and manifest


def test_pagination_over_a_thousand_objects(s3, sagemaker, athena):
    put(s3, *(f"raw/{i:05d}.jpg" for i in range(1005)))
    result, _ = run(s3, sagemaker, athena, event(max_images_per_run=2000))
    assert (result["images_found"], result["selected"]) == (1005, 1005)
    assert len(set(manifest_uris(s3, result["manifest_uri"]))) == 1005


@pytest.mark.parametrize(
    "bad, words",
    [
        ({"max_images": 0}, "from 1 to 1000"),
        ({"max_images": 1001}, "from 1 to 1000"),
        ({"max_images": True}, "True"),
        ({"max_images": "5"}, "'5'"),
        ({"max_images": 2.0}, "2.0"),
        ({"max_image": 5}, "unknown key(s) 'max_image'"),
        (["max_images"], "JSON object"),
    ],
)
def test_invalid_execution_input_stops_before_touching_s3(bad, words):
    with pytest.raises(InvalidExecutionInput) as raised:
        step.check_missing_labels(event(bad), None, None, None, StepSummary("x", stream=io.StringIO()), None)
    message = str(raised.value)
    assert words in message and "\n" not in message


def test_handler_logs_one_json_line_and_returns_the_result(s3, sagemaker, athena, monkeypatch, capsys):
    put(s3, "raw/a.jpg")
    clients = {"s3": s3, "sagemaker": sagemaker, "athena": athena, "stepfunctions": boto3.client("stepfunctions")}
    monkeypatch.setattr(step.aws, "client", lambda name: clients[name])
    result = step.handler(event(), type("Context", (), {"aws_request_id": "req-9"})())
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    logged = json.loads(lines[0])
    assert logged["level"] == "INFO" and logged["request_id"] == "req-9" and logged["selected"] == result["selected"] == 1
    assert "s3://" + BUCKET + "/raw/a.jpg" not in lines[0]


def test_handler_logs_the_error_and_reraises(monkeypatch, capsys):
    monkeypatch.setattr(step.aws, "client", lambda name: None)
    with pytest.raises(InvalidExecutionInput):
        step.handler(event({"max_images": -1}), None)
    logged = json.loads(capsys.readouterr().out)
    assert logged["level"] == "ERROR" and logged["error"] == "InvalidExecutionInput"


def test_result_size_is_constant():
    from steps.missing import select_missing
    from steps.s3_images import ImageObject

    def size(n: int) -> int:
        when = datetime(2026, 1, 1, tzinfo=UTC)
        images = [ImageObject(when, f"s3://{BUCKET}/raw/line-7/camera-3/2026/11/29/img-{i:09d}.jpg") for i in range(n)]
        selection = select_missing(images, set(), 1000)
        result = step.build_result(selection, 1000, "scratch-nightly-0123456789", BUCKET, "labeling/",
                                   f"s3://{BUCKET}/labeling/runs/scratch-nightly-0123456789/input.manifest")
        return len(json.dumps(result))

    small, large = size(10), size(100_000)
    assert large - small <= 4 * 5  # only the digits of four counts grow (10 -> 100000)
    assert large < 4096
