"""Follow a Step Functions execution live: each state as it starts and ends, job counters while waiting."""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


@dataclass
class ExecutionOutcome:
    arn: str
    status: str
    output: dict | None
    error: str | None
    cause: str | None
    seconds: float
    events: int
    max_state_payload_bytes: int = 0
    states: list[str] = field(default_factory=list)


def history(sfn, arn: str, reverse: bool = False) -> Iterator[dict]:
    """Every event of the execution's history, oldest first (newest first with ``reverse``), all pages."""
    token = None
    while True:
        page = sfn.get_execution_history(executionArn=arn, reverseOrder=reverse, maxResults=1000,
                                         **({"nextToken": token} if token else {}))
        yield from page["events"]
        token = page.get("nextToken")
        if not token:
            return


def event_details(event: dict) -> dict:
    """The ``...EventDetails`` member of a history event ({} when it has none)."""
    return next((v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, dict)), {})


def _counters_line(output: str) -> str | None:
    """From a status check's output: 'InProgress: 12 labeled, 0 unlabeled, 0 failed'."""
    try:
        data = json.loads(output)
    except (TypeError, ValueError):
        return None
    job = data.get("job") if isinstance(data, dict) else None
    if not isinstance(job, dict) or not isinstance(job.get("LabelCounters"), dict):
        return None
    counters = job["LabelCounters"]
    return (f"{job.get('Status', '?')}: {counters.get('TotalLabeled', 0)} labeled, "
            f"{counters.get('Unlabeled', 0)} unlabeled, {counters.get('FailedNonRetryableError', 0)} failed")


def _wait_seconds(text: str) -> str:
    try:
        seconds = json.loads(text)["poll"]["seconds"]
    except (TypeError, ValueError, KeyError):
        return ""
    return f" {seconds} s" if seconds < 120 else f" {seconds / 60:.0f} min"


def describe_event(event: dict, started: dict) -> str | None:
    """One line for each event a person following the run cares about (None: not worth a line).

    Tasks: when they end, with their duration (and a labeling job's counters);
    waits: when they start, with the simulated or real wait; the final state;
    any failure with its cause.
    """
    kind, details = event["type"], event_details(event)
    stamp = event["timestamp"]
    name = details.get("name", "")
    if kind == "TaskStateEntered":
        started[name] = stamp
    elif kind == "TaskStateExited":
        took = (stamp - started.pop(name, stamp)).total_seconds()
        counters = _counters_line(details.get("output", ""))
        if counters == started.get("_counters"):
            counters = None  # unchanged since the last line: the job result just travels on
        elif counters:
            started["_counters"] = counters
        return f"  ok  {name} ({took:.1f} s)" + (f"  {counters}" if counters else "")
    elif kind == "WaitStateEntered":
        return f"  ..  {name}{_wait_seconds(details.get('input', ''))}"
    elif kind in ("SucceedStateEntered", "FailStateEntered"):
        return f"  {'==' if kind.startswith('Succeed') else '!!'}  {name}"
    elif kind in ("TaskFailed", "LambdaFunctionFailed", "TaskTimedOut", "ExecutionFailed"):
        return f"  !!  {kind}: {details.get('error', '')}: {details.get('cause', '')[:300]}"
    return None


def payload_sizes(events: list[dict]) -> Iterator[int]:
    """Sizes in bytes of every state input and output in the history."""
    for event in events:
        details = event_details(event)
        for key in ("input", "output"):
            if isinstance(details.get(key), str):
                yield len(details[key].encode())


def follow(sfn, arn: str, emit: Callable[[str], None] = print, poll_seconds: float = 0.2,
           timeout_seconds: float = 3600.0) -> ExecutionOutcome:
    """Print the execution's progress until it ends; return how it ended."""
    seen, max_payload = 0, 0
    started: dict = {}  # describe_event's memory of when each state started
    states: list[str] = []
    t0 = time.monotonic()
    while True:
        description = sfn.describe_execution(executionArn=arn)
        new = list(history(sfn, arn))[seen:]
        seen += len(new)
        max_payload = max([max_payload, *payload_sizes(new)])
        for event in new:
            if event["type"].endswith("StateEntered"):
                states.append(event_details(event)["name"])
            line = describe_event(event, started)
            if line:
                emit(line)
        if description["status"] in TERMINAL and not new:
            output = description.get("output")
            return ExecutionOutcome(
                arn=arn, status=description["status"], output=json.loads(output) if output else None,
                error=description.get("error"), cause=description.get("cause"),
                seconds=time.monotonic() - t0, events=seen, max_state_payload_bytes=max_payload, states=states,
            )
        if time.monotonic() - t0 > timeout_seconds:
            raise TimeoutError(f"execution {arn} still {description['status']} after {timeout_seconds:.0f} s")
        time.sleep(poll_seconds)
