"""The wire layer: CreateLabelingJob, DescribeLabelingJob, ListLabelingJobs, StopLabelingJob on moto.

Each function becomes a method of ``moto.sagemaker.responses.SageMakerResponse``
(see ``install``): moto routes boto3 calls, the state machine's native
``sagemaker:createLabelingJob`` task and ``aws-sdk:sagemaker:*`` tasks there.
Requests are shape-checked here (the Step Functions engine sends them without
botocore's validation) and handed to the per-account, per-region backend.
Planned faults are injected by the sandbox's generic request hook, not here.
"""
from __future__ import annotations

import base64
import binascii
from datetime import datetime, timezone
from typing import Any

from moto.core.responses import ActionResult, EmptyResult

from sandbox.ground_truth.errors import ValidationError
from sandbox.ground_truth.service import GroundTruthService
from sandbox.ground_truth.shape import check_request

DEFAULT_MAX_RESULTS = 10
_STATE: dict[str, GroundTruthService] = {}


def set_service(service: GroundTruthService | None) -> None:
    """Make ``service`` the one the SageMaker actions use (None: no Ground Truth)."""
    if service is None:
        _STATE.pop("service", None)
    else:
        _STATE["service"] = service


def _backend(response: Any):
    service = _STATE.get("service")
    if service is None:
        raise ValidationError("Ground Truth is not installed in this sandbox")
    return service.backend(response.current_account, response.region)


def _params(response: Any, operation: str) -> dict[str, Any]:
    params = dict(response.params or {})
    check_request(operation, params)
    return params


def create_labeling_job(self) -> ActionResult:
    params = _params(self, "CreateLabelingJob")
    job = _backend(self).create_labeling_job(params)
    return ActionResult({"LabelingJobArn": job.arn})


def describe_labeling_job(self) -> ActionResult:
    params = _params(self, "DescribeLabelingJob")
    return ActionResult(_backend(self).describe_labeling_job(params["LabelingJobName"]))


def stop_labeling_job(self) -> ActionResult:
    params = _params(self, "StopLabelingJob")
    _backend(self).stop_labeling_job(params["LabelingJobName"])
    return EmptyResult()


def list_labeling_jobs(self) -> ActionResult:
    params = _params(self, "ListLabelingJobs")
    summaries = [summary for _, summary in _backend(self).list_labeling_jobs() if _matches(summary, params)]
    sort_by = params.get("SortBy", "CreationTime")
    key = {"Name": "LabelingJobName", "CreationTime": "CreationTime", "Status": "LabelingJobStatus"}[sort_by]
    summaries.sort(key=lambda s: (s[key], s["LabelingJobName"]), reverse=params.get("SortOrder") == "Descending")
    start = _decode_token(params.get("NextToken"))
    limit = params.get("MaxResults", DEFAULT_MAX_RESULTS)
    page = summaries[start : start + limit]
    result: dict[str, Any] = {"LabelingJobSummaryList": page}
    if start + limit < len(summaries):
        result["NextToken"] = _encode_token(start + limit)
    return ActionResult(result)


def _utc(moment: datetime) -> datetime:
    """Parsed request timestamps are naive UTC; job times are aware."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _matches(summary: dict[str, Any], params: dict[str, Any]) -> bool:
    created, modified = summary["CreationTime"], summary["LastModifiedTime"]
    checks = (
        ("CreationTimeAfter", lambda t: created > _utc(t)),
        ("CreationTimeBefore", lambda t: created < _utc(t)),
        ("LastModifiedTimeAfter", lambda t: modified > _utc(t)),
        ("LastModifiedTimeBefore", lambda t: modified < _utc(t)),
        ("NameContains", lambda text: text.lower() in summary["LabelingJobName"].lower()),
        ("StatusEquals", lambda status: summary["LabelingJobStatus"] == status),
    )
    return all(test(params[name]) for name, test in checks if params.get(name) is not None)


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"labeling-jobs:{offset}".encode()).decode()


def _decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        prefix, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if prefix == "labeling-jobs" and offset.isdigit():
            return int(offset)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ValidationError(f"NextToken '{token}' is not a token returned by ListLabelingJobs")


ACTIONS = {
    "create_labeling_job": create_labeling_job,
    "describe_labeling_job": describe_labeling_job,
    "list_labeling_jobs": list_labeling_jobs,
    "stop_labeling_job": stop_labeling_job,
}
