"""What ``runs.py`` does, as functions: find the state machine, start, list and explain executions.

Each function takes a Step Functions client, so it works alike against AWS, a
``deploy.py --local --serve`` sandbox (``endpoint_url``) or the in-process sandbox.
Problems a user can fix raise ``RunsError`` with a one-line message saying what to do.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from cli import CommandError
from operate.follow import event_details, history
from workflow.config import PipelineConfig
from workflow.resources import ResourceArns

# The execution output (the state machine's summary), in the order people read it.
SUMMARY_COUNTS = ("images_found", "already_labeled", "selected", "backlog", "left_out", "approved", "rejected",
                  "unlabeled", "unlabelable", "written")
SUMMARY_JOBS = ("labeling_job_name", "verification_job_name")
_COUNT_HEADINGS = {"images_found": "found", "already_labeled": "labeled", "selected": "sent",
                   "backlog": "backlog", "left_out": "left-out", "approved": "approved", "rejected": "rejected",
                   "unlabeled": "unlabeled", "unlabelable": "unlabelable", "written": "written"}


class RunsError(CommandError):
    """A problem the user can fix; ``exit_code`` 2 for bad arguments, 1 for the environment."""


def parse_input(text: str) -> dict[str, Any]:
    """The execution input from ``--input``: a JSON object, or ``RunsError`` (exit code 2)."""
    try:
        value = json.loads(text)
    except ValueError as error:
        raise RunsError(f"--input is not valid JSON ({error}); give an object such as '{{\"max_images\": 10}}'", 2) from None
    if not isinstance(value, dict):
        raise RunsError(f"--input must be a JSON object such as '{{\"max_images\": 10}}', got {type(value).__name__}", 2)
    return value


def find_state_machine(sfn: Any, cfg: PipelineConfig, account_id: str) -> str:
    """The deployed state machine's ARN; ``RunsError`` saying to deploy first when it does not exist."""
    arn = ResourceArns.for_account(cfg, account_id).state_machine
    try:
        sfn.describe_state_machine(stateMachineArn=arn)
    except ClientError as error:
        if error.response["Error"]["Code"] == "StateMachineDoesNotExist":
            raise RunsError(f"state machine {cfg.pipeline.name!r} does not exist in account {account_id}, region "
                            f"{cfg.pipeline.region}: run python deploy.py first") from None
        raise
    return arn


def execution_arn(state_machine_arn: str, reference: str) -> str:
    """The ARN of an execution given by name or ARN."""
    if reference.startswith("arn:"):
        return reference
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":" + reference


def describe(sfn: Any, state_machine_arn: str, reference: str) -> dict[str, Any]:
    """``DescribeExecution`` of an execution name or ARN; ``RunsError`` (exit code 2) if there is none."""
    arn = execution_arn(state_machine_arn, reference)
    try:
        return sfn.describe_execution(executionArn=arn)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("ExecutionDoesNotExist", "InvalidArn"):
            raise RunsError(f"no execution {reference!r} of state machine {state_machine_arn.rsplit(':', 1)[-1]!r}: "
                            "see the names with python runs.py list", 2) from None
        raise


@dataclass(frozen=True)
class ExecutionRow:
    """One execution as ``list`` and ``show`` print it."""

    name: str
    arn: str
    status: str
    started: datetime
    stopped: datetime | None
    summary: dict[str, Any] | None
    error: str | None = None
    cause: str | None = None

    @classmethod
    def from_description(cls, description: dict[str, Any]) -> ExecutionRow:
        output = description.get("output")
        summary = json.loads(output) if output else None
        return cls(
            name=description["name"], arn=description["executionArn"], status=description["status"],
            started=description["startDate"], stopped=description.get("stopDate"),
            summary=summary if isinstance(summary, dict) else None,
            error=description.get("error"), cause=description.get("cause"),
        )

    def duration_seconds(self, now: datetime | None = None) -> float:
        end = self.stopped or now or datetime.now(UTC)
        return (end - self.started).total_seconds()


def recent_executions(sfn: Any, state_machine_arn: str, max_items: int) -> list[ExecutionRow]:
    """The newest ``max_items`` executions (newest first), each with its summary."""
    listed: list[dict[str, Any]] = []
    paginator = sfn.get_paginator("list_executions")
    for page in paginator.paginate(stateMachineArn=state_machine_arn,
                                   PaginationConfig={"MaxItems": max_items, "PageSize": min(max_items, 1000)}):
        listed.extend(page["executions"])
    listed.sort(key=lambda item: item["startDate"], reverse=True)
    return [ExecutionRow.from_description(sfn.describe_execution(executionArn=item["executionArn"]))
            for item in listed[:max_items]]


def format_duration(seconds: float) -> str:
    """``42 s``, ``3 min 5 s``, ``2 h 14 min``, ``3 d 4 h``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def format_time(moment: datetime) -> str:
    """A timestamp in UTC, to the second: ``2026-11-29 15:51:14 UTC``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def table_lines(rows: list[ExecutionRow], now: datetime | None = None) -> list[str]:
    """An aligned table: name, status, start, duration and the summary's counts."""
    headings = ["NAME", "STATUS", "STARTED", "DURATION", *(_COUNT_HEADINGS[key].upper() for key in SUMMARY_COUNTS)]
    cells = [headings]
    for row in rows:
        counts = [str(row.summary.get(key, "-")) if row.summary else "-" for key in SUMMARY_COUNTS]
        cells.append([row.name, row.status, format_time(row.started), format_duration(row.duration_seconds(now)), *counts])
    widths = [max(len(line[column]) for line in cells) for column in range(len(headings))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in cells]


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The execution summary, one ``label  value`` line per count and job name present."""
    labels = {
        "images_found": "images found", "already_labeled": "already labeled", "selected": "sent to labeling",
        # of them, earlier runs' unverified labels sent to verification only (steps.carried_labels)
        "carried": "earlier labels verified again",
        "backlog": "backlog left", "left_out": "left out (labeling failed)",
        "approved": "approved", "rejected": "rejected (relabeled next run)",
        "unlabeled": "unlabeled (retried next run)",
        "unlabelable": "unlabelable (not sent again unless replaced)", "written": "feature store records written",
        "labeling_job_name": "labeling job", "verification_job_name": "verification job",
    }
    width = max(len(text) for text in labels.values())
    keys = list(SUMMARY_COUNTS)
    carried = summary.get("carried")
    if isinstance(carried, int) and carried > 0:  # only when a run verified earlier labels: older summaries have none
        keys.insert(keys.index("selected") + 1, "carried")
        selected = int(summary.get("selected") or 0)
        summary = {**summary, "selected": selected - carried}  # "selected" counts both; labeling got the others
        if selected == carried:
            summary["labeling_job_name"] = "none (every image carried an earlier label)"
    return [f"{labels[key].ljust(width)}  {summary[key]}"
            for key in (*keys, *SUMMARY_JOBS) if summary.get(key) is not None]


def failed_state(sfn: Any, arn: str) -> str | None:
    """The state the execution ended in: its Fail state, else the last state entered (None: no state ran)."""
    last_entered = None
    for event in history(sfn, arn, reverse=True):
        if event["type"] == "FailStateEntered":
            return event_details(event).get("name")
        if last_entered is None and event["type"].endswith("StateEntered"):
            last_entered = event_details(event).get("name")
    return last_entered


def plain_cause(error: str | None, cause: str | None) -> str:
    """The failure cause as a sentence: Fail states' causes already are; a raw Lambda error is unwrapped."""
    text = (cause or "").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("errorMessage"):
        text = str(data["errorMessage"])
    if not text:
        return f"{error or 'unknown error'} (no cause recorded)"
    return text


_ENDINGS = {
    "FAILED": "failed",
    "TIMED_OUT": "timed out",
    "ABORTED": "was stopped (aborted)",
}


def explain_lines(sfn: Any, row: ExecutionRow) -> list[str]:
    """For an execution that did not succeed: where and why it ended, in plain words."""
    if row.status not in _ENDINGS:
        return []
    state = failed_state(sfn, row.arn)
    where = f" in state {state!r}" if state else " before any state ran"
    lines = [f"the execution {_ENDINGS[row.status]}{where}"]
    if row.error or row.cause:
        lines.append(f"cause: {plain_cause(row.error, row.cause)}")
        if row.error:
            lines.append(f"error code: {row.error}")
    return lines


# The run's first state (workflow.graph): what it wrote of earlier runs' output, under $.unwritten.
WRITE_UNWRITTEN_STATE = "Write unwritten earlier output"


def unwritten_result(sfn: Any, arn: str) -> dict[str, Any] | None:
    """What the execution's first state wrote of earlier runs' output (None: the state did not finish)."""
    for event in history(sfn, arn):
        details = event_details(event)
        if event["type"] == "TaskStateExited" and details.get("name") == WRITE_UNWRITTEN_STATE:
            try:
                found = json.loads(details.get("output") or "{}").get("unwritten")
            except (ValueError, AttributeError):
                return None
            return found if isinstance(found, dict) else None
        if event["type"] == "TaskStateEntered" and details.get("name") not in (None, WRITE_UNWRITTEN_STATE):
            return None  # past the first state without it: an execution of an earlier release
    return None


def unwritten_lines(result: dict[str, Any]) -> list[str]:
    """``earlier runs' output written  N records (M unlabelable) of run a, run b; K runs left``."""
    runs = result.get("runs_written") or []
    written = result.get("written", 0)
    line = f"earlier runs' output written  {written} records"
    if result.get("unlabelable"):
        line += f" ({result['unlabelable']} unlabelable)"
    if runs:
        line += f" of {', '.join(str(run) for run in runs)}"
    lines = [line]
    if result.get("left"):
        lines.append(f"earlier runs' output left     {result['left']} runs (a cap was reached: the next run writes them)")
    lines += [f"earlier output not written    {problem}" for problem in result.get("not_written") or []]
    return lines


def show_lines(sfn: Any, row: ExecutionRow, now: datetime | None = None) -> list[str]:
    """Everything ``runs.py show`` prints about one execution."""
    lines = [
        f"execution  {row.name}",
        f"arn        {row.arn}",
        f"status     {row.status}",
        f"started    {format_time(row.started)}",
        f"duration   {format_duration(row.duration_seconds(now))}" + ("" if row.stopped else " (still running)"),
    ]
    if row.summary:
        lines.append("summary:")
        lines.extend(f"  {line}" for line in summary_lines(row.summary))
    unwritten = unwritten_result(sfn, row.arn)
    if unwritten and (unwritten.get("written") or unwritten.get("left") or unwritten.get("not_written")):
        lines.extend(f"  {line}" for line in unwritten_lines(unwritten))
    lines.extend(explain_lines(sfn, row))
    return lines
