"""What a finished run cost, from its real counts: the lines ``runs.py show`` prints under ``cost:``.

Objects come from the run's summary; state transitions and Lambda seconds from its execution
history: every ``...StateEntered`` event is one transition, plus one per retried task (another
``TaskScheduled`` of the same state entry), since "each retry will be charged as an additional
state transition" (https://aws.amazon.com/step-functions/pricing/). A Lambda task's seconds run
from its ``TaskScheduled`` event to the event that ends it (its real duration, plus the
invocation's overhead: a slight overestimate). The prices and the breakdown are
``workflow.cost``'s, the same as ``deploy.py --dry-run`` prints before a run.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from operate.executions import ExecutionRow
from operate.follow import event_details, history
from workflow import cost

_TASK_ENDS = {"TaskSucceeded", "TaskFailed", "TaskTimedOut", "TaskSubmitFailed", "TaskStartFailed"}


def _function(details: dict[str, Any]) -> str:
    try:
        parameters = json.loads(details.get("parameters") or "{}")
    except ValueError:
        parameters = {}
    return str(parameters.get("FunctionName", details.get("resource", "?")))


@dataclass(frozen=True)
class HistoryCounts:
    transitions: int
    lambdas: list[cost.LambdaRun]
    athena_tasks: int  # Athena queries the state machine ran itself


def count_history(events: Iterable[dict[str, Any]]) -> HistoryCounts:
    """State transitions, Lambda runs and Athena tasks of one execution's history, oldest event first."""
    entered = athena = 0
    task_entries = 0
    scheduled = 0
    open_tasks: dict[int, tuple[str, Any]] = {}  # TaskScheduled id -> (function, timestamp), Lambda only
    by_id: dict[int, dict[str, Any]] = {}
    runs: dict[str, list[float]] = {}
    for event in events:
        by_id[event["id"]] = event
        kind = event["type"]
        if kind.endswith("StateEntered"):
            entered += 1
            task_entries += kind == "TaskStateEntered"
        elif kind == "TaskScheduled":
            scheduled += 1
            details = event_details(event)
            athena += details.get("resourceType") == "athena"
            if details.get("resourceType") == "lambda":
                open_tasks[event["id"]] = (_function(details), event["timestamp"])
        elif kind in _TASK_ENDS:
            previous = event.get("previousEventId")
            while previous is not None and previous not in open_tasks and previous in by_id:
                if by_id[previous]["type"] == "TaskScheduled":
                    break
                previous = by_id[previous].get("previousEventId")
            if previous in open_tasks:
                function, started = open_tasks.pop(previous)
                runs.setdefault(function, []).append((event["timestamp"] - started).total_seconds())
    lambdas = []
    for function, seconds in runs.items():
        suffix = cost._suffix(function)
        lambdas.append(cost.LambdaRun(suffix, cost.LAMBDA_MEMORY_MB.get(suffix, 1024), len(seconds),
                                      max(0.0, sum(seconds))))
    return HistoryCounts(entered + max(0, scheduled - task_entries), lambdas, athena)


def run_cost(sfn: Any, cfg: Any, row: ExecutionRow) -> cost.CostBreakdown | None:
    """The breakdown of an ended execution; None while it runs."""
    if row.status == "RUNNING":
        return None
    counts = count_history(history(sfn, row.arn))
    return cost.actual(cfg, row.summary or {}, counts.transitions, counts.lambdas, athena_tasks=counts.athena_tasks)


def cost_lines(sfn: Any, cfg: Any, row: ExecutionRow) -> list[str]:
    """``cost:`` and the breakdown's lines (nothing while the execution runs)."""
    breakdown = run_cost(sfn, cfg, row)
    if breakdown is None:
        return []
    lines = ["cost (from this run's counts; prices: workflow/prices.json):"]
    lines.extend(f"  {line}" for line in breakdown.text_lines())
    return lines
