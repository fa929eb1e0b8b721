"""An execution that fails past its own Catch (States.Runtime) has its labeling job stopped by the execution rule.

States.Runtime "will always cause the execution to fail" and no Catch handles it ("Handling errors in Step
Functions workflows", concepts-error-handling; sandbox/patches/stepfunctions_uncatchable.py): the polling
describe's catch-all, which stops the job, never runs. One cause is a role Step Functions can no longer
assume (sandbox/patches/stepfunctions_role.py). The deployer's EventBridge rule (publish/execution_rule.py)
then has StopExecutionJobs (steps/stop_execution_jobs.py) stop the job of the FAILED execution.
"""
from __future__ import annotations

import json

import boto3
import pytest
from helpers_wait import wait_until

from reliability.pipeline import QUICK_JOBS, TIME_SCALE, SandboxPipeline
from sandbox import Sandbox
from sandbox.workforce import WorkforceProfile
from workflow import resources

# Workers take a simulated week: the job is still running when the execution fails, however slow the machine.
SLOW_JOBS = {**QUICK_JOBS, "labeling_seconds": 7 * 24 * 3600}


@pytest.fixture()
def pipeline():
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE,
                 workforce=WorkforceProfile(seed=3, approval_rate=1.0, **SLOW_JOBS)) as box:
        yield SandboxPipeline(box)


def _jobs(pipeline: SandboxPipeline) -> dict[str, str]:
    sagemaker = pipeline.clients.client("sagemaker")
    return {job["LabelingJobName"]: job["LabelingJobStatus"]
            for job in sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]}


def _distrust_step_functions(pipeline: SandboxPipeline) -> None:
    """The state machine's role trusts another state machine only: Step Functions may no longer assume it."""
    iam = boto3.client("iam")
    name = resources.role_names(pipeline.cfg)["state_machine"]
    document = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    document = document if isinstance(document, dict) else json.loads(document)
    condition = document["Statement"][0]["Condition"]["ArnLike"]
    condition["aws:SourceArn"] = condition["aws:SourceArn"] + "-other"
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(document))


def test_a_run_failing_with_states_runtime_has_its_job_stopped_by_the_rule(pipeline):
    pipeline.upload_samples(3)
    sfn = pipeline.sfn
    arn = sfn.start_execution(stateMachineArn=pipeline.deploy.state_machine_arn, name="runtime-run",
                              input="{}")["executionArn"]
    job = wait_until(lambda: next((name for name, status in _jobs(pipeline).items() if status == "InProgress"), None),
                     "a labeling job InProgress")
    _distrust_step_functions(pipeline)
    ended = wait_until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                       "the execution ended")
    assert ended["status"] == "FAILED" and ended["error"] == "States.Runtime", (ended.get("error"), ended.get("cause"))
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    entered = {event["stateEnteredEventDetails"]["name"] for event in events if "stateEnteredEventDetails" in event}
    assert not any(name.endswith("failed: stop job") for name in entered), "no Catch handles States.Runtime"
    wait_until(lambda: _jobs(pipeline)[job] in ("Stopping", "Stopped"), "the job stopped by the rule")
    assert pipeline.sandbox.faults.calls[("sagemaker", "StopLabelingJob")] == 1
