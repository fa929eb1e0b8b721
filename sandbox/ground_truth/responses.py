"""The wire layer: CreateLabelingJob, DescribeLabelingJob, ListLabelingJobs, StopLabelingJob and
RenderUiTemplate on moto.

Each function becomes a method of ``moto.sagemaker.responses.SageMakerResponse``
(see ``install``): moto routes boto3 calls, the state machine's native
``sagemaker:createLabelingJob`` task and ``aws-sdk:sagemaker:*`` tasks there.
Requests are shape-checked here (the Step Functions engine sends them without
botocore's validation) and handed to the per-account, per-region backend.
Planned faults are injected by the sandbox's generic request hook, not here.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from moto.core.responses import ActionResult, EmptyResult

from sandbox import registry
from sandbox.ground_truth import render
from sandbox.ground_truth.errors import ValidationError
from sandbox.ground_truth.models import GroundTruthBackend
from sandbox.ground_truth.shape import check_request
from sandbox.pagination import offset_token, token_offset

DEFAULT_MAX_RESULTS = 10


def _backend(response: Any) -> GroundTruthBackend:
    service = registry.ground_truth()  # the one installed (sandbox.ground_truth.install)
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
        result["NextToken"] = offset_token("labeling-jobs", start + limit)
    return ActionResult(result)


def render_ui_template(self) -> ActionResult:
    """RenderUiTemplate (API_RenderUiTemplate): the template rendered with ``Task.Input`` as
    ``task.input``, on the renderer labeling jobs use. Rendering problems come back in ``Errors``
    (Code, Message) with empty ``RenderedContent``, as the response shape documents; the codes are
    ours (AWS does not list them). Request problems are ValidationExceptions."""
    params = _params(self, "RenderUiTemplate")
    if params.get("HumanTaskUiArn"):
        raise ValidationError("HumanTaskUiArn is not rendered by this sandbox; pass UiTemplate.Content")
    content = (params.get("UiTemplate") or {}).get("Content")
    if content is None:
        raise ValidationError("UiTemplate.Content is required when HumanTaskUiArn is not given")
    try:
        task_input = json.loads(params["Task"]["Input"])
    except json.JSONDecodeError as error:
        raise ValidationError(f"Task.Input is not valid JSON ({error.msg}); it must be a JSON object (task.input)") from None
    if not isinstance(task_input, dict):
        raise ValidationError("Task.Input must be a JSON object: it becomes task.input")
    _check_role(self, params["RoleArn"])
    try:
        return ActionResult({"RenderedContent": render.render(content, task_input), "Errors": []})
    except render.TemplateError as error:
        return ActionResult({"RenderedContent": "", "Errors": [{"Code": error.code, "Message": error.message}]})


def _check_role(response: Any, role_arn: str) -> None:
    """RoleArn must name a role of the caller's account (it signs grant_read_access URLs)."""
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    try:
        iam_backends[response.current_account]["global"].get_role_by_arn(role_arn)
    except NotFoundException:
        raise ValidationError(f"RoleArn '{role_arn}' does not exist in account {response.current_account}") from None


def _utc(moment: datetime) -> datetime:
    """Parsed request timestamps are naive UTC; job times are aware."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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


def _decode_token(token: str | None) -> int:
    offset = token_offset("labeling-jobs", token)
    if offset is None:
        raise ValidationError(f"NextToken '{token}' is not a token returned by ListLabelingJobs")
    return offset


ACTIONS = {
    "create_labeling_job": create_labeling_job,
    "describe_labeling_job": describe_labeling_job,
    "list_labeling_jobs": list_labeling_jobs,
    "stop_labeling_job": stop_labeling_job,
    "render_ui_template": render_ui_template,
}
