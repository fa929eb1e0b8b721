"""A TIMED_OUT execution cannot act: the execution-ended rule (steps/stop_execution_jobs.py) stops its labeling job."""
from __future__ import annotations

import json
import time

import pytest

from reliability.pipeline import QUICK_JOBS, TIME_SCALE, SandboxPipeline
from sandbox import Sandbox
from sandbox.workforce import WorkforceProfile

TIMEOUT_SECONDS = 6  # real seconds: moto's engine times an execution out on the wall clock


@pytest.fixture()
def sandbox():
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE,
                 workforce=WorkforceProfile(seed=3, approval_rate=1.0, **{**QUICK_JOBS, "labeling_seconds": 86_400})) as box:
        yield box


def test_a_timed_out_execution_has_its_labeling_job_stopped_by_the_rule(sandbox):
    pipeline = SandboxPipeline(sandbox)
    pipeline.upload_samples(3)
    sfn, arn = pipeline.sfn, pipeline.deploy.state_machine_arn
    definition = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps({**definition, "TimeoutSeconds": TIMEOUT_SECONDS}))
    run = pipeline.run()
    assert run.outcome.status == "TIMED_OUT"
    sagemaker = pipeline.clients.client("sagemaker")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        jobs = {j["LabelingJobName"]: j["LabelingJobStatus"] for j in sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]}
        if jobs and set(jobs.values()) <= {"Stopping", "Stopped"}:
            break
        time.sleep(0.05)
    assert len(jobs) == 1 and set(jobs.values()) <= {"Stopping", "Stopped"}, jobs
    assert sandbox.faults.calls[("sagemaker", "StopLabelingJob")] == 1
