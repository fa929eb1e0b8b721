"""Lambda StopExecutionJobs: stop the Ground Truth jobs of an execution that was aborted, timed out or failed.

An execution that fails with an error its Catch handles stops its own jobs (workflow/graph/); one that
is ABORTED (StopExecution) or TIMED_OUT cannot act, nor can one that FAILED with States.Runtime or
States.DataLimitExceeded, which no Catch handles (publish/execution_rule.py). An EventBridge rule
on the state machine's "Step Functions Execution Status Change" events (EventBridge (CloudWatch
Events) for Step Functions execution status changes, cw-events) invokes this function with the
event; its ``detail`` holds ``executionArn``, ``stateMachineArn``, ``name``, ``status`` and
``startDate`` (epoch milliseconds).

The job names derive from the execution (steps/naming.py: ARN, name, and ``$$.Execution.StartTime``
as the state machine passed it to CheckMissingLabels). The start time is read with
DescribeExecution (which also confirms the execution ended: a running one is never touched) and
rendered as the context object renders it ("2019-03-26T20:14:13.192Z", Context object page).
Whether a start on a whole second is rendered ".000Z" or "Z" is undocumented: both are tried.
Each candidate job is described; one that is Initializing or InProgress is stopped, one that does
not exist or already ended is left alone. Environment: ``STATE_MACHINE_ARN``, ``JOB_NAME_PREFIX``.
"""
from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from steps import aws, naming
from steps.log import StepSummary

STOPPABLE_STATUSES = frozenset({"Initializing", "InProgress"})
ENDED_EXECUTION_STATUSES = frozenset({"ABORTED", "TIMED_OUT", "FAILED", "SUCCEEDED"})


def start_time_renderings(start: datetime) -> list[str]:
    """``$$.Execution.StartTime`` as AWS renders it (milliseconds, "Z"); on a whole second also without them."""
    start = start.astimezone(UTC)
    whole = start.strftime("%Y-%m-%dT%H:%M:%S")
    millis = start.microsecond // 1000
    return [f"{whole}.{millis:03d}Z"] + ([f"{whole}Z"] if millis == 0 else [])


def candidate_job_names(prefix: str, execution_arn: str, name: str, start: datetime) -> list[str]:
    """Every job name the execution may have used, labeling job first."""
    names: list[str] = []
    for rendering in start_time_renderings(start):
        run = naming.run_id(prefix, execution_arn, rendering, name)
        names.extend((*naming.job_names(run), naming.adjustment_job_name(run)))  # adjustment: on_reject adjust
    return list(dict.fromkeys(names))


def stop_execution_jobs(event: dict[str, Any], sfn: Any, sagemaker: Any, state_machine_arn: str,
                        prefix: str, summary: StepSummary) -> dict[str, Any]:
    """Stop the running jobs of the execution the event names; returns what was found and done."""
    detail = event.get("detail") or {}
    execution_arn = detail.get("executionArn", "")
    result: dict[str, Any] = {"execution_arn": execution_arn, "stopped": [], "not_running": {}}
    if detail.get("stateMachineArn") != state_machine_arn or not execution_arn:
        summary.note("event of another state machine: ignored")
        return result
    execution = sfn.describe_execution(executionArn=execution_arn)
    result["status"] = execution["status"]
    if execution["status"] not in ENDED_EXECUTION_STATUSES:
        summary.note(f"execution is {execution['status']}: its jobs are left running")
        return result
    for job in candidate_job_names(prefix, execution_arn, execution["name"], execution["startDate"]):
        try:
            status = sagemaker.describe_labeling_job(LabelingJobName=job)["LabelingJobStatus"]
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("ResourceNotFound", "ResourceNotFoundException"):
                raise
            continue  # never created under this rendering
        if status not in STOPPABLE_STATUSES:
            result["not_running"][job] = status
            continue
        try:
            sagemaker.stop_labeling_job(LabelingJobName=job)
        except ClientError as error:  # ended between describe and stop
            result["not_running"][job] = error.response["Error"]["Code"]
            continue
        result["stopped"].append(job)
    summary.add(**result)
    return result


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """AWS Lambda entry point (EventBridge target)."""
    summary = StepSummary("StopExecutionJobs", getattr(context, "aws_request_id", None))
    try:
        result = stop_execution_jobs(event, aws.client("stepfunctions"), aws.client("sagemaker"),
                                     os.environ["STATE_MACHINE_ARN"], os.environ["JOB_NAME_PREFIX"], summary)
    except Exception as error:
        summary.emit(error)
        raise
    summary.emit()
    return result
