"""A TIMED_OUT execution cannot act: the execution-ended rule (steps/stop_execution_jobs.py) stops its labeling job."""
from __future__ import annotations

import json

import pytest
from helpers_wait import wait_until

from reliability.pipeline import QUICK_JOBS, TIME_SCALE, SandboxPipeline
from sandbox import Sandbox
from sandbox.workforce import WorkforceProfile

# Real seconds: moto's engine times an execution out on the wall clock. The execution must have started its
# labeling job by then (about a second on an idle machine; 20 s leaves room for a loaded one), and the job's
# workers take a simulated week (2 real minutes), so the job is still running when the execution times out.
TIMEOUT_SECONDS = 20
WEEK = 7 * 24 * 3600


@pytest.fixture()
def sandbox():
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE,
                 workforce=WorkforceProfile(seed=3, approval_rate=1.0, **{**QUICK_JOBS, "labeling_seconds": WEEK})) as box:
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

    def jobs() -> dict[str, str]:
        return {j["LabelingJobName"]: j["LabelingJobStatus"] for j in sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]}

    assert len(jobs()) == 1, "the execution timed out before it started its labeling job"
    wait_until(lambda: set(jobs().values()) <= {"Stopping", "Stopped"}, "the job stopped by the rule")
    assert sandbox.faults.calls[("sagemaker", "StopLabelingJob")] == 1
