"""StopExecutionJobs: the jobs of an ended execution, named as the execution named them, stopped if running."""
from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from steps import naming
from steps.log import StepSummary
from steps.stop_execution_jobs import start_time_renderings, stop_execution_jobs

MACHINE = "arn:aws:states:eu-west-1:111122223333:stateMachine:scratch-labeling"
EXECUTION = "arn:aws:states:eu-west-1:111122223333:execution:scratch-labeling:nightly-1"
STARTED = datetime(2026, 11, 30, 7, 1, 2, 345678, tzinfo=UTC)


class FakeSfn:
    def __init__(self, status: str) -> None:
        self.status = status

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        return {"executionArn": executionArn, "name": "nightly-1", "status": self.status, "startDate": STARTED}


class FakeSageMaker:
    def __init__(self, jobs: dict[str, str]) -> None:
        self.jobs = jobs
        self.stopped: list[str] = []

    def describe_labeling_job(self, LabelingJobName: str) -> dict[str, Any]:
        if LabelingJobName not in self.jobs:
            raise ClientError({"Error": {"Code": "ResourceNotFound", "Message": "no"}}, "DescribeLabelingJob")
        return {"LabelingJobStatus": self.jobs[LabelingJobName]}

    def stop_labeling_job(self, LabelingJobName: str) -> None:
        self.stopped.append(LabelingJobName)


def _event(machine: str = MACHINE) -> dict[str, Any]:
    return {"source": "aws.states", "detail-type": "Step Functions Execution Status Change",
            "detail": {"executionArn": EXECUTION, "stateMachineArn": machine, "status": "ABORTED"}}


def _names() -> tuple[str, str]:
    # The state machine passed "$$.Execution.StartTime" as the context object renders it.
    return naming.job_names(naming.run_id("scratch", EXECUTION, "2026-11-30T07:01:02.345Z", "nightly-1"))


def _run(sfn: FakeSfn, sagemaker: FakeSageMaker, machine: str = MACHINE) -> dict[str, Any]:
    return stop_execution_jobs(_event(machine), sfn, sagemaker, MACHINE, "scratch", StepSummary("t", stream=io.StringIO()))


def test_start_time_rendered_as_the_context_object_renders_it() -> None:
    assert start_time_renderings(STARTED) == ["2026-11-30T07:01:02.345Z"]
    assert start_time_renderings(STARTED.replace(microsecond=0)) == ["2026-11-30T07:01:02.000Z", "2026-11-30T07:01:02Z"]


def test_a_running_labeling_job_is_stopped_and_a_missing_verification_job_ignored() -> None:
    labeling, _ = _names()
    sagemaker = FakeSageMaker({labeling: "InProgress"})
    result = _run(FakeSfn("ABORTED"), sagemaker)
    assert sagemaker.stopped == [labeling] and result["stopped"] == [labeling]


def test_jobs_that_ended_are_left_alone() -> None:
    labeling, verification = _names()
    sagemaker = FakeSageMaker({labeling: "Completed", verification: "Stopped"})
    result = _run(FakeSfn("TIMED_OUT"), sagemaker)
    assert sagemaker.stopped == [] and result["not_running"] == {labeling: "Completed", verification: "Stopped"}


def test_a_running_execution_or_another_state_machine_is_never_touched() -> None:
    labeling, _ = _names()
    sagemaker = FakeSageMaker({labeling: "InProgress"})
    assert _run(FakeSfn("RUNNING"), sagemaker)["stopped"] == []
    assert _run(FakeSfn("ABORTED"), sagemaker, machine=MACHINE + "-other")["stopped"] == []
    assert sagemaker.stopped == []
