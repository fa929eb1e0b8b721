"""A create that SageMaker refuses fails the run at once; throttling and 5xx are still retried.

The optimized createLabelingJob integration reports every unmodelled SageMaker error as
"SageMaker.AmazonSageMakerException", ValidationException as well as ThrottlingException; the
state machine tells them apart by the cause (workflow/graph/).
"""
from __future__ import annotations

import pytest

from reliability.pipeline import QUICK_JOBS, TIME_SCALE, SandboxPipeline
from sandbox import Sandbox
from sandbox.workforce import WorkforceProfile
from workflow.config import replace

OTHER_ACCOUNT_TEAM = "arn:aws:sagemaker:eu-west-1:111122223333:workteam/private-crowd/not-ours"


@pytest.fixture()
def sandbox():
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE,
                 workforce=WorkforceProfile(seed=3, approval_rate=1.0, **QUICK_JOBS)) as box:
        yield box


@pytest.fixture()
def pipeline(sandbox):
    return SandboxPipeline(sandbox)


def test_a_wrong_workteam_fails_the_run_at_once_with_sagemakers_message(pipeline, sandbox):
    pipeline.cfg = replace(pipeline.cfg, workforce=replace(
        pipeline.cfg.workforce, workteam_arn=OTHER_ACCOUNT_TEAM))
    pipeline.redeploy()
    pipeline.upload_samples(3)
    run = pipeline.run()
    outcome = run.outcome
    assert outcome.status == "FAILED"
    # One attempt: no retry of a request SageMaker refused (the former Retry made 7 over ~5 minutes).
    assert run.failed_attempts == ["Start labeling job"]
    assert sandbox.faults.calls[("sagemaker", "CreateLabelingJob")] == 1
    assert outcome.error == "PipelineStepFailed"
    assert outcome.cause.startswith("Start labeling job failed with SageMaker.AmazonSageMakerException: ")
    assert OTHER_ACCOUNT_TEAM in outcome.cause
    assert "(Service: AmazonSageMaker; Status Code: 400; Error Code: ValidationException; Request ID: " in outcome.cause
    assert outcome.cause.endswith("; Proxy: null)")
    assert "Labeling: wait to retry the create" not in outcome.states


@pytest.mark.parametrize(("code", "status"), [("ThrottlingException", 400), ("InternalFailure", 500)])
def test_a_throttled_or_failing_create_is_retried_and_the_run_succeeds(pipeline, sandbox, code, status):
    pipeline.upload_samples(3)
    sandbox.faults.add("sagemaker", "CreateLabelingJob", error_code=code, status=status, message="Rate exceeded",
                       times=2)
    run = pipeline.run()
    assert run.outcome.status == "SUCCEEDED", (run.outcome.error, run.outcome.cause)
    assert run.failed_attempts.count("Start labeling job") == 2
    assert run.outcome.states.count("Labeling: wait to retry the create") == 2
    assert sandbox.faults.calls[("sagemaker", "CreateLabelingJob")] == 2 + 2  # labeling 3 attempts, verification 1
