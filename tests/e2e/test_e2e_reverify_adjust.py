"""verification.on_reject: adjust: a failed run's labels *and* adjusted labels are verified again, never drawn again.

Run 1 rejects every label. Run 2 (two new images) adjusts the rejected labels and labels the new images,
then is aborted while its verification job runs (its workers take a simulated day, so the job is in
progress whenever the test looks; the execution-ended rule stops it). Run 3 creates neither a labeling nor an adjustment job: its verification
job verifies run 2's labels and adjusted labels (steps.carried_labels), and every record says which job
drew its label and which path it took.
"""
from __future__ import annotations

import time

import pytest
from adjust_helpers import adjust_config

from operate.follow import follow
from reliability.pipeline import QUICK_JOBS, TIME_SCALE, SandboxPipeline, workforce
from reliability.reconcile import current_records
from sandbox import Sandbox
from steps import naming

IMAGES = 4
NEW_IMAGES = 2


@pytest.fixture()
def sandbox():
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE, workforce=workforce(approval_rate=0.0, **QUICK_JOBS)) as box:
        yield box


def _inputs(pipeline: SandboxPipeline) -> dict[str, list[str]]:
    """Every job the sandbox's Ground Truth created -> the source-refs of its input manifest."""
    return {name: [line["source-ref"] for line in lines] for name, lines in pipeline.job_inputs().items()}


def _abort_while_verifying(pipeline: SandboxPipeline) -> str:
    """Start a run, abort it once its verification job is in progress, wait for the rule to stop the job."""
    pipeline.runs += 1
    arn = pipeline.sfn.start_execution(stateMachineArn=pipeline.deploy.state_machine_arn, name=f"run-{pipeline.runs}",
                                       input="{}")["executionArn"]
    sagemaker = pipeline.clients.client("sagemaker")

    def statuses() -> dict[str, str]:
        return {j["LabelingJobName"]: j["LabelingJobStatus"] for j in sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]}

    deadline = time.monotonic() + 120
    while not any(n.endswith("-vfy") and s == "InProgress" for n, s in statuses().items()) and time.monotonic() < deadline:
        time.sleep(0.05)
    pipeline.sfn.stop_execution(executionArn=arn, error="Operator", cause="aborted while verifying")
    outcome = follow(pipeline.sfn, arn, emit=lambda line: None, poll_seconds=0.05, timeout_seconds=60)
    assert outcome.status == "ABORTED"
    while {"Initializing", "InProgress"} & set(statuses().values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    run_id, _ = pipeline._from_history(arn)
    assert statuses()[naming.job_names(run_id or "")[1]] in ("Stopping", "Stopped")
    return run_id or ""


def test_the_next_run_verifies_the_failed_runs_labels_and_adjusted_labels_again(sandbox, tmp_path):
    pipeline = SandboxPipeline(sandbox, adjust_config(tmp_path))
    uris = pipeline.upload_samples(IMAGES, seed=5)
    first = pipeline.run()
    assert first.outcome.status == "SUCCEEDED" and first.outcome.output["rejected"] == IMAGES
    body = pipeline.read(uris[0])
    new = {pipeline.put(f"{pipeline.cfg.storage.raw_prefix}line-c/new-{i}.png", body + bytes([i])) for i in range(NEW_IMAGES)}
    sandbox.workforce = workforce(**{**QUICK_JOBS, "verification_seconds": 86_400})
    second = _abort_while_verifying(pipeline)
    sandbox.workforce = workforce(**QUICK_JOBS)

    third = pipeline.run()
    assert third.outcome.status == "SUCCEEDED", (third.outcome.error, third.outcome.cause)
    inputs = _inputs(pipeline)
    labeling, verification = naming.job_names(third.run_id or "")
    assert labeling not in inputs and naming.adjustment_job_name(third.run_id or "") not in inputs
    assert set(inputs[verification]) == set(uris) | new
    assert third.outcome.output["carried"] == IMAGES + NEW_IMAGES

    records = current_records(sandbox.offline_store_rows(pipeline.feature_group))
    assert {uri: row["status"] for uri, row in records.items()} == dict.fromkeys(set(uris) | new, "APPROVED")
    second_labeling = naming.job_names(second)[0]
    second_adjustment = naming.adjustment_job_name(second)
    assert {(records[uri]["label_path"], records[uri]["labeling_job"]) for uri in uris} == {("adjustment", second_adjustment)}
    assert {(records[uri]["label_path"], records[uri]["labeling_job"]) for uri in new} == {("labeling", second_labeling)}
