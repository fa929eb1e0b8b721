"""runs.py show's cost lines: counted from a finished run's history and summary; and against a real sandbox run."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

import runs
from operate.run_cost import count_history
from publish.aws import AwsClients
from publish.deployer import Deployer
from sandbox import Sandbox
from sandbox.sample_images import generate_sample_images
from sandbox.workforce import WorkforceProfile
from workflow import cost
from workflow.config import load_config
from workflow.graph import render_definition
from workflow.resources import ResourceArns, in_account

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "config.yaml")
T0 = datetime(2026, 11, 29, 12, tzinfo=UTC)


def _event(number: int, kind: str, seconds: float, previous: int | None = None, **details) -> dict:
    event = {"id": number, "type": kind, "timestamp": T0 + timedelta(seconds=seconds)}
    if previous is not None:
        event["previousEventId"] = previous
    if details:
        event[kind[0].lower() + kind[1:] + "EventDetails"] = details
    return event


def _lambda_scheduled(number: int, seconds: float, function: str) -> dict:
    return _event(number, "TaskScheduled", seconds, number - 1, resourceType="lambda", resource="invoke",
                  parameters=json.dumps({"FunctionName": f"arn:aws:lambda:eu-west-1:1:function:{function}"}))


def test_history_counts_states_entered_retries_and_lambda_seconds():
    events = [
        _event(1, "ExecutionStarted", 0),
        _event(2, "TaskStateEntered", 0, 1),
        _lambda_scheduled(3, 0, "scratch-labeling-check-missing-labels"),
        _event(4, "TaskStarted", 0.1, 3),
        _event(5, "TaskFailed", 1.0, 4),  # a retried attempt: one more transition
        _lambda_scheduled(6, 2.0, "scratch-labeling-check-missing-labels"),
        _event(7, "TaskStarted", 2.1, 6),
        _event(8, "TaskSucceeded", 5.0, 7),
        _event(9, "TaskStateExited", 5.0, 8),
        _event(10, "ChoiceStateEntered", 5.0, 9),
        _event(11, "TaskStateEntered", 5.0, 10),
        _event(12, "TaskScheduled", 5.0, 11, resourceType="athena", resource="startQueryExecution.sync"),
        _event(13, "SucceedStateEntered", 6.0, 12),
    ]
    counts = count_history(events)
    assert counts.transitions == 4 + 1  # four states entered, one retry
    assert counts.athena_tasks == 1
    [check] = counts.lambdas
    assert (check.function, check.memory_mb, check.invocations) == ("check-missing-labels", 1024, 2)
    assert check.seconds == pytest.approx(1.0 + 3.0)


def test_a_running_execution_has_no_cost_lines_yet():
    from operate.executions import ExecutionRow
    from operate.run_cost import cost_lines

    row = ExecutionRow("r", "arn:aws:states:eu-west-1:1:execution:m:r", "RUNNING", T0, None, None)
    assert cost_lines(None, None, row) == []  # no history is read while it runs


@pytest.fixture(scope="module")
def deployed():
    jobs = {"initializing_seconds": 60, "labeling_seconds": 600, "verification_seconds": 300}
    with Sandbox(region="eu-west-1", time_scale=0.0002, workforce=WorkforceProfile(seed=3, approval_rate=0.8, **jobs)) as box:
        cfg, _ = in_account(load_config(CONFIG), box.account_id)
        Deployer(cfg, AwsClients(session=boto3.Session(), region=cfg.pipeline.region)).run()
        generate_sample_images(boto3.client("s3"), cfg.storage.bucket, cfg.storage.raw_prefix, 6)
        lines: list[str] = []
        code = runs.main(["start", "--config", CONFIG, "--name", "costed", "--poll-seconds", "0.05"], out=lines.append)
        assert code == 0, lines
        yield box, cfg


def test_show_prints_the_cost_of_the_finished_run(deployed):
    lines: list[str] = []
    assert runs.main(["show", "--config", CONFIG, "costed"], out=lines.append) == 0
    start = lines.index("cost (from this run's counts; prices: workflow/prices.json):")
    rows = {line.split("  ")[1].strip(): line for line in lines[start + 1:]}
    sent = next(int(line.split()[-1]) for line in lines if line.strip().startswith("sent to labeling"))
    left_out = next(int(line.split()[-1]) for line in lines if line.strip().startswith("left out"))
    assert f"{sent - left_out:,} objects" in rows["Ground Truth labeling"]
    assert "state transitions" in rows["Step Functions"] and "invocations" in rows["Lambda"]
    assert lines[-1].split()[0] == "total"


def test_history_transitions_lie_within_the_estimate_for_the_runs_polling_rounds(deployed):
    box, cfg = deployed
    sfn = boto3.client("stepfunctions")
    arn = f"arn:aws:states:eu-west-1:{box.account_id}:execution:{cfg.pipeline.name}:costed"
    from operate.follow import history

    events = list(history(sfn, arn))
    counts = count_history(events)
    entered = [e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")]
    rounds = [entered.count("Labeling: wait"), entered.count("Verification: wait")]
    definition = render_definition(cfg, ResourceArns.for_account(cfg, box.account_id))
    path = cost.run_path(definition)
    # The walk counts each round as the longest (4 states); the last rounds of a schedule take 3.
    upper = path.transitions + sum(4 * (r - 1) for r in rounds)
    lower = path.transitions + sum(3 * (r - 1) for r in rounds) - len(path.states)  # branches not taken
    assert lower <= counts.transitions <= upper
    assert {run.function for run in counts.lambdas} >= {"check-missing-labels", "filter-labeled-objects",
                                                          "update-feature-store"}


def test_lambda_memory_in_the_estimate_is_what_the_deployer_sets(deployed):
    _, cfg = deployed
    lam = boto3.client("lambda")
    for suffix, memory in cost.LAMBDA_MEMORY_MB.items():
        assert lam.get_function_configuration(FunctionName=f"{cfg.pipeline.name}-{suffix}")["MemorySize"] == memory
