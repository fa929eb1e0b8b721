"""Contract 1 in list mode: an image is done when its newest record is APPROVED, or UNLABELABLE at the
object's current ETag; the input manifest carries each image's ETag (contract 5)."""
from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import boto3
from steps_fakes import BUCKET, FEATURE_GROUP

from sandbox.featurestore.catalog import schema_from_moto
from steps import check_missing_labels as step
from steps.log import StepSummary

EXECUTION = {"id": "arn:aws:states:eu-west-1:123456789012:execution:scratch-labeling:etag-run",
             "name": "etag-run", "start_time": "2026-11-29T06:00:00.000Z"}


def _event() -> dict[str, Any]:
    return {"execution": EXECUTION, "input": {}, "settings": {
        "bucket": BUCKET, "raw_prefix": "raw/", "image_extensions": [".jpg"], "work_prefix": "labeling/",
        "feature_group_name": FEATURE_GROUP, "athena_workgroup": "primary",
        "athena_output_uri": f"s3://{BUCKET}/labeling/athena/", "max_images_per_run": 1000,
        "job_name_prefix": "scratch", "kms_key_arn": None}}


def _record(sandbox: Any, uri: str, status: str, etag: str) -> None:
    schema = schema_from_moto(sandbox.account_id, sandbox.region, FEATURE_GROUP)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    sandbox.offline_store.append(schema, {"image_uri": uri, "status": status, "event_time": "2026-01-01T00:00:00.000Z",
                                          "image_etag": etag}, write_time=now, api_invocation_time=now)


def test_list_mode_honours_the_etag_of_unlabelable_records_and_manifests_carry_it(sandbox, s3, sagemaker, athena,
                                                                                   offline):
    etags = {}
    for name in ("approved", "same", "replaced", "rejected", "new"):
        s3.put_object(Bucket=BUCKET, Key=f"raw/{name}.jpg", Body=name.encode())
        etags[name] = s3.head_object(Bucket=BUCKET, Key=f"raw/{name}.jpg")["ETag"].strip('"')
    uri = {name: f"s3://{BUCKET}/raw/{name}.jpg" for name in etags}
    _record(sandbox, uri["approved"], "APPROVED", etags["approved"])
    _record(sandbox, uri["same"], "UNLABELABLE", etags["same"])  # unreadable as it is: done
    _record(sandbox, uri["replaced"], "UNLABELABLE", "0" * 32)  # the object changed since: missing again
    _record(sandbox, uri["rejected"], "REJECTED", etags["rejected"])
    summary = StepSummary("CheckMissingLabels", "req-1", io.StringIO())
    result = step.check_missing_labels(_event(), s3, sagemaker, athena, summary, boto3.client("stepfunctions"))
    assert (result["images_found"], result["already_labeled"], result["missing"]) == (5, 2, 3)
    key = result["manifest_uri"].split("/", 3)[3]
    lines = [json.loads(line) for line in s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode().splitlines()]
    assert {line["source-ref"]: line["source-etag"] for line in lines} == {
        uri[name]: etags[name] for name in ("replaced", "rejected", "new")}
