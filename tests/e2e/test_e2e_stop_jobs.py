"""An execution that ends without finishing stops the Ground Truth jobs it left running.

A failure the execution can catch goes through StopLabelingJob on its way to the Fail state
(workflow/graph/); an aborted or timed-out execution, which cannot act, is handled by the
EventBridge rule the deployer creates (steps/stop_execution_jobs.py).
"""
from __future__ import annotations

import json

import pytest
from helpers_wait import wait_until

from reliability.pipeline import QUICK_JOBS, TIME_SCALE, SandboxPipeline
from sandbox import Sandbox
from sandbox.workforce import WorkforceProfile

DESCRIBE_ATTEMPTS = 1 + 6  # the polling describe's first attempt and its 6 retries
# Workers take a simulated week (2 real minutes, more than any wait below): the job is still running when the
# describe's retries (~5 minutes) run out and when the execution is stopped, however slow the machine.
SLOW_JOBS = {**QUICK_JOBS, "labeling_seconds": 7 * 24 * 3600}


@pytest.fixture()
def sandbox():
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE,
                 workforce=WorkforceProfile(seed=3, approval_rate=1.0, **SLOW_JOBS)) as box:
        yield box


@pytest.fixture()
def pipeline(sandbox):
    return SandboxPipeline(sandbox)


def _jobs(pipeline: SandboxPipeline) -> dict[str, str]:
    sagemaker = pipeline.clients.client("sagemaker")
    return {job["LabelingJobName"]: job["LabelingJobStatus"]
            for job in sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]}


def test_a_describe_failing_past_its_retries_stops_the_labeling_job(pipeline, sandbox):
    pipeline.upload_samples(3)
    sandbox.faults.add("sagemaker", "DescribeLabelingJob", error_code="InternalFailure", status=500,
                       message="We encountered an internal error", times=DESCRIBE_ATTEMPTS)
    run = pipeline.run()
    outcome = run.outcome
    assert outcome.status == "FAILED"
    # The original error and cause reach the Fail state unchanged.
    assert outcome.error == "PipelineStepFailed"
    assert outcome.cause.startswith("Labeling: check status failed with SageMaker.SageMakerException: ")
    assert "Labeling: check status failed: stop job" in outcome.states
    assert sandbox.faults.calls[("sagemaker", "StopLabelingJob")] == 1
    jobs = _jobs(pipeline)
    assert len(jobs) == 1 and set(jobs.values()) <= {"Stopping", "Stopped"}, jobs


def test_an_aborted_execution_has_its_labeling_job_stopped_by_the_rule(pipeline, sandbox):
    pipeline.upload_samples(3)
    sfn = pipeline.sfn
    started = sfn.start_execution(stateMachineArn=pipeline.deploy.state_machine_arn, name="aborted-run", input="{}")
    job = wait_until(lambda: next((name for name, status in _jobs(pipeline).items() if status == "InProgress"), None),
                     "a labeling job InProgress")
    sfn.stop_execution(executionArn=started["executionArn"], error="Operator", cause="stopped by hand")
    wait_until(lambda: sfn.describe_execution(executionArn=started["executionArn"])["status"] == "ABORTED",
               "the execution ABORTED")
    # The execution cannot act: the EventBridge rule's function stops the job.
    wait_until(lambda: _jobs(pipeline)[job] in ("Stopping", "Stopped"), "the job stopped by the rule")
    assert sandbox.faults.calls[("sagemaker", "StopLabelingJob")] == 1


def test_the_deployer_creates_the_rule_once(pipeline):
    events = pipeline.clients.client("events")
    rule = events.describe_rule(Name=f"{pipeline.cfg.pipeline.name}-execution-ended")
    pattern = json.loads(rule["EventPattern"])
    assert pattern["detail"] == {"status": ["ABORTED", "TIMED_OUT", "FAILED"],
                                 "stateMachineArn": [pipeline.deploy.state_machine_arn]}
    assert pattern["source"] == ["aws.states"] and pattern["detail-type"] == ["Step Functions Execution Status Change"]
    again = {(c.kind, c.name): c.action for c in pipeline.redeploy().report.changes}
    assert again[("eventbridge rule", rule["Name"])] == "unchanged"
    assert again[("lambda function", f"{pipeline.cfg.pipeline.name}-stop-execution-jobs")] == "unchanged"
