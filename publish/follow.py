"""Follow a Step Functions execution live: each state as it starts and ends, job counters while waiting."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterator

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


def _history(sfn, arn: str, seen: int) -> list[dict]:
    """Every event after the first ``seen`` ones, oldest first."""
    events, token = [], None
    while True:
        kwargs = {"executionArn": arn, "maxResults": 1000}
        if token:
            kwargs["nextToken"] = token
        page = sfn.get_execution_history(**kwargs)
        events.extend(page["events"])
        token = page.get("nextToken")
        if not token:
            return events[seen:]


def _details(event: dict) -> dict:
    return next((v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, dict)), {})


def _counters_line(output: str) -> str | None:
    """From a describeLabelingJob result: 'InProgress: 12/40 labeled'."""
    try:
        data = json.loads(output)
    except (TypeError, ValueError):
        return None
    for stage in ("labeling", "verification"):
        job = (data.get(stage) or {}).get("job") if isinstance(data, dict) else None
        if isinstance(job, dict) and "LabelCounters" in job:
            counters = job["LabelCounters"]
            total = sum(counters.get(k, 0) for k in ("TotalLabeled", "Unlabeled", "FailedNonRetryableError"))
            return (f"{stage} job {job.get('Status', '?')}: {counters.get('TotalLabeled', 0)} labeled, "
                    f"{counters.get('Unlabeled', 0)} unlabeled, {counters.get('FailedNonRetryableError', 0)} failed"
                    f" (of {total} counted so far)")
    return None


def describe_event(event: dict, started: dict[str, datetime]) -> str | None:
    """One human line for the events a person following the run cares about."""
    kind, details = event["type"], _details(event)
    stamp = event["timestamp"]
    if kind.endswith("StateEntered"):
        started[details["name"]] = stamp
        return f"  -> {details['name']}"
    if kind.endswith("StateExited"):
        name = details["name"]
        took = (stamp - started.pop(name, stamp)).total_seconds()
        counters = _counters_line(details.get("output", ""))
        suffix = f"  [{counters}]" if counters else ""
        return f"  <- {name} ({took:.1f} s){suffix}"
    if kind in ("TaskFailed", "LambdaFunctionFailed", "ExecutionFailed", "TaskTimedOut"):
        return f"  !! {kind}: {details.get('error', '')} {details.get('cause', '')[:300]}"
    return None


def payload_sizes(events: list[dict]) -> Iterator[int]:
    """Sizes in bytes of every state input and output in the history."""
    for event in events:
        details = _details(event)
        for key in ("input", "output"):
            if isinstance(details.get(key), str):
                yield len(details[key].encode())


def follow(sfn, arn: str, emit: Callable[[str], None] = print, poll_seconds: float = 0.2,
           timeout_seconds: float = 3600.0) -> ExecutionOutcome:
    """Print the execution's progress until it ends; return how it ended."""
    seen, started, states = 0, {}, []
    max_payload = 0
    t0 = time.monotonic()
    while True:
        description = sfn.describe_execution(executionArn=arn)
        new = _history(sfn, arn, seen)
        seen += len(new)
        max_payload = max([max_payload, *payload_sizes(new)])
        for event in new:
            if event["type"].endswith("StateEntered"):
                states.append(_details(event)["name"])
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
