"""A scripted Feature Store runtime, and Ground Truth output lines, for the step tests.

Athena is the sandbox's (see conftest.py: the ``athena`` and ``offline`` fixtures). FakeFeatureStore validates
every BatchWriteRecord request against botocore's own model and can be told to throttle,
return entries in Errors or UnprocessedEntries, or add latency.
"""
from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from typing import Any

import botocore.session
from botocore.exceptions import ClientError
from botocore.validate import validate_parameters

from steps import contract

BUCKET = "factory-images"  # the step tests' bucket (conftest.py creates it)
FEATURE_GROUP = "scratch-labels"


def client_error(code: str, operation: str, status: int = 400, message: str = "") -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message or code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        operation,
    )


_FS_MODEL = botocore.session.get_session().get_service_model("sagemaker-featurestore-runtime")


class FakeFeatureStore:
    """BatchWriteRecord with scripted failures; ``records`` holds what was written."""

    def __init__(self, feature_group: str = "scratch-labels", latency: float = 0.0) -> None:
        self.feature_group = feature_group
        self.latency = latency
        self.records: dict[str, dict[str, str]] = {}
        self.write_count: dict[str, int] = defaultdict(int)
        self.calls = 0
        self.throttle_next_calls = 0
        self.server_error_next_calls = 0
        self.entry_errors: dict[str, deque[str]] = defaultdict(deque)  # uri -> codes to return in turn
        self.unprocessed: dict[str, int] = defaultdict(int)  # uri -> times to leave unprocessed
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()

    def batch_write_record(self, **params: Any) -> dict[str, Any]:
        validate_parameters(params, _FS_MODEL.operation_model("BatchWriteRecord").input_shape)
        with self._lock:
            self.calls += 1
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            throttle = self.throttle_next_calls > 0
            self.throttle_next_calls -= throttle
            server_error = not throttle and self.server_error_next_calls > 0
            self.server_error_next_calls -= server_error
        try:
            if self.latency:
                time.sleep(self.latency)
            if throttle:
                raise client_error("ThrottlingException", "BatchWriteRecord", 400, "Rate exceeded")
            if server_error:
                raise client_error("ServiceUnavailable", "BatchWriteRecord", 503)
            return self._write(params["Entries"])
        finally:
            with self._lock:
                self._in_flight -= 1

    def _write(self, entries: list[dict[str, Any]]) -> dict[str, Any]:
        errors, unprocessed = [], []
        known = {name for name, _ in contract.FEATURE_DEFINITIONS}
        with self._lock:
            for entry in entries:
                values = {v["FeatureName"]: v["ValueAsString"] for v in entry["Record"]}
                uri = values.get(contract.RECORD_IDENTIFIER, "")
                if entry["FeatureGroupName"] != self.feature_group:
                    errors.append(self._error(entry, "ResourceNotFound", "feature group not found"))
                elif set(values) - known or contract.EVENT_TIME not in values or not uri:
                    errors.append(self._error(entry, "ValidationError", f"bad features {sorted(values)}"))
                elif self.entry_errors[uri]:
                    code = self.entry_errors[uri].popleft()
                    errors.append(self._error(entry, code, f"{code} for this record"))
                elif self.unprocessed[uri] > 0:
                    self.unprocessed[uri] -= 1
                    unprocessed.append(entry)
                else:
                    self.records[uri] = values
                    self.write_count[uri] += 1
        return {"Errors": errors, "UnprocessedEntries": unprocessed}

    @staticmethod
    def _error(entry: dict[str, Any], code: str, message: str) -> dict[str, Any]:
        return {"Entry": entry, "ErrorCode": code, "ErrorMessage": message}


def verified_line(
    uri: str,
    verdict: Any = 0,
    *,
    boxes: list[dict[str, int]] | None = None,
    creation_date: str = "2026-11-29T10:00:00.123456",
    feedback: list[str] | None = None,
    label_failure: bool = False,
    verify_failure: bool = False,
    label_attr: str = "scratch-boxes",
    verify_attr: str = "scratch-verdict",
) -> str:
    """One verification output manifest line as Ground Truth writes it."""
    if boxes is None:
        boxes = [{"class_id": 0, "left": 10, "top": 20, "width": 30, "height": 40}]
    line: dict[str, Any] = {"source-ref": uri}
    if label_failure:
        line[f"{label_attr}-metadata"] = {"failure-reason": "ClientError: task expired", "job-name": "labeling-job/l"}
    else:
        line[label_attr] = {"image_size": [{"width": 640, "height": 480, "depth": 3}], "annotations": boxes}
        line[f"{label_attr}-metadata"] = {
            "objects": [{"confidence": 0.9} for _ in boxes], "class-map": {"0": "scratch"},
            "type": "groundtruth/object-detection", "human-annotated": "yes",
            "creation-date": "2026-11-28T09:00:00.000001", "job-name": "labeling-job/l",
        }
    if verify_failure:
        line[f"{verify_attr}-metadata"] = {"failure-reason": "ClientError: task expired", "job-name": "labeling-job/v"}
    elif not label_failure:
        line[verify_attr] = verdict
        meta: dict[str, Any] = {
            "class-name": "Boxes are correct" if verdict in (0, "0") else "A scratch is missing",
            "confidence": 0.93, "type": "groundtruth/label-verification", "job-name": "labeling-job/v",
            "human-annotated": "yes", "creation-date": creation_date,
        }
        if feedback is not None:
            meta["worker-feedback"] = [{"comment": c} for c in feedback]
        line[f"{verify_attr}-metadata"] = meta
    return json.dumps(line, ensure_ascii=False)
