"""One Ground Truth job's stage: create (with its retries), poll with a growing wait, read the output."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workflow.graph.states import (
    CREATE_CAUGHT_ERRORS,
    CREATE_CLIENT_ERROR_CAUSE,
    CREATE_LABELING_JOB_RESOURCE,
    CREATE_RETRY_WAITS,
    CREATE_THROTTLING_CAUSES,
    CREATE_TRANSIENT_ERRORS,
    DESCRIBE_LABELING_JOB_RESOURCE,
    RESOURCE_IN_USE_ERRORS,
    _catch_all,
    _format,
    _sagemaker_retry,
    _step_failed,
    _stop_job,
)
from workflow.sdk import Catch, Choice, ChoiceRule, Pass, Retry, State, Wait
from workflow.sdk_ext import Fail, Task


@dataclass(frozen=True)
class _JobStage:
    """What differs between the labeling and the verification stage."""

    title: str  # "Labeling" / "Verification"
    noun: str  # "labeling job" / "verification job"
    key: str  # "labeling" / "verification": names the stage's own state keys
    request: dict[str, Any]
    name_path: str
    output_result_path: str
    empty_message: str  # Format template with {} for job name, unlabeled and failed counts
    # False beside another job (on_reject adjust): a job that labeled nothing hands on its output (every
    # line unlabeled) instead of failing the run, so that the other job's labels still reach verification.
    fail_when_empty: bool = True


def _job_stage(stage: _JobStage, schedule: list[int], next_step: State) -> State:
    """Start a Ground Truth job and poll it to completion; returns the first state.

    Loop per round: Wait -> describe (Task) -> Choice -> Pass that advances
    the wait (skipped once the wait is at its cap) -> Wait.
    """
    title, noun = stage.title, stage.noun
    start_name = f"Start {noun}"
    start = Task(start_name, resource=CREATE_LABELING_JOB_RESOURCE, parameters=stage.request, result_path=None)
    start.add_retry(Retry(error_equals=CREATE_TRANSIENT_ERRORS, interval_seconds=5, max_attempts=6, backoff_rate=2.0))

    start_polling = Pass(f"{title}: start polling", result={"round": 0, "seconds": schedule[0]}, result_path="$.poll")
    wait = Wait(f"{title}: wait", seconds_path="$.poll.seconds")
    describe_name = f"{title}: check status"
    describe = Task(
        describe_name,
        resource=DESCRIBE_LABELING_JOB_RESOURCE,
        parameters={"LabelingJobName.$": stage.name_path},
        result_selector={"Status.$": "$.LabelingJobStatus", "LabelCounters.$": "$.LabelCounters"},
        result_path="$.job",
    )
    describe.add_retry(_sagemaker_retry())
    status = Choice(f"{title}: status?")
    waits = ", ".join(str(seconds) for seconds in schedule)
    advance = Pass(
        f"{title}: next wait",
        parameters={
            "round.$": "States.MathAdd($.poll.round, 1)",
            "seconds.$": f"States.ArrayGetItem(States.Array({waits}), States.MathAdd($.poll.round, 1))",
        },
        result_path="$.poll",
    )

    nothing_labeled = Fail(
        f"{title}: nothing labeled",
        error=f"{title}NothingLabeled",
        cause_path=_format(stage.empty_message, stage.name_path, "$.job.LabelCounters.Unlabeled",
                           "$.job.LabelCounters.FailedNonRetryableError"),
    )
    output_name = f"{title}: get output manifest"
    get_output = Task(
        output_name,
        resource=DESCRIBE_LABELING_JOB_RESOURCE,
        parameters={"LabelingJobName.$": stage.name_path},
        result_selector={"manifest_uri.$": "$.LabelingJobOutput.OutputDatasetS3Uri"},
        result_path=stage.output_result_path,
    )
    get_output.add_retry(_sagemaker_retry())
    reason_name = f"{title}: get failure reason"
    get_reason = Task(
        reason_name,
        resource=DESCRIBE_LABELING_JOB_RESOURCE,
        parameters={"LabelingJobName.$": stage.name_path},
        result_selector={"reason.$": "$.FailureReason"},
        result_path="$.job_failure",
    )
    get_reason.add_retry(_sagemaker_retry())
    job_failed = Fail(
        f"{title} job failed",
        error=f"{title}JobFailed",
        cause_path=_format(f"{noun} {{}} failed: {{}}", stage.name_path, "$.job_failure.reason"),
    )
    job_stopped = Fail(
        f"{title} job stopped",
        error=f"{title}JobStopped",
        cause_path=_format(f"{noun} {{}} was stopped before it completed", stage.name_path),
    )

    # Wiring: a create that finds its own job (ResourceInUse) goes on polling it; SageMaker's
    # catch-all error is retried unless its cause says the request itself was refused.
    start.add_catch(Catch(error_equals=RESOURCE_IN_USE_ERRORS, next_step=start_polling, result_path="$.error"))
    retry_create = Choice(f"{title}: retry the create?")
    start.add_catch(Catch(error_equals=CREATE_CAUGHT_ERRORS, next_step=retry_create, result_path="$.error"))
    start_failed = _catch_all(start, start_name)
    _create_retries(stage, start, retry_create, start_failed, _stop_job(stage.name_path, start_name, start_failed))
    start.next(start_polling)
    start_polling.next(wait)
    wait.next(describe)
    describe_failed = _step_failed(describe_name)
    describe.add_catch(Catch(error_equals=["States.ALL"], next_step=_stop_job(stage.name_path, describe_name, describe_failed),
                             result_path="$.error"))
    describe.next(status)
    is_completed = ChoiceRule.StringEquals("$.job.Status", "Completed")
    if stage.fail_when_empty:
        status.add_choice(
            ChoiceRule.And([is_completed, ChoiceRule.NumericEquals("$.job.LabelCounters.TotalLabeled", 0)]),
            nothing_labeled,
        )
    status.add_choice(is_completed, get_output)
    status.add_choice(ChoiceRule.StringEquals("$.job.Status", "Failed"), get_reason)
    status.add_choice(ChoiceRule.StringEquals("$.job.Status", "Stopped"), job_stopped)
    status.add_choice(ChoiceRule.NumericGreaterThanEquals("$.poll.round", len(schedule) - 1), wait)
    status.default_choice(advance)
    advance.next(wait)
    _catch_all(get_output, output_name)
    get_output.next(next_step)
    _catch_all(get_reason, reason_name)
    get_reason.next(job_failed)
    return start


def _create_retries(stage: _JobStage, start: State, retry_create: Choice, start_failed: Fail, stop: State) -> None:
    """Wire ``retry_create``: fail on a refused request, else wait (growing) and create again, a bounded number of times.

    Once the retries run out, ``stop`` stops the job first: the last 5xx may have created it.
    """
    counter = f"$.{stage.key}_create_retry"
    first = Pass(f"{stage.title}: first create retry", result={"attempt": 1, "seconds": CREATE_RETRY_WAITS[0]},
                 result_path=counter)
    waits = ", ".join(str(seconds) for seconds in CREATE_RETRY_WAITS)
    following = Pass(
        f"{stage.title}: next create retry",
        parameters={
            "attempt.$": f"States.MathAdd({counter}.attempt, 1)",
            "seconds.$": f"States.ArrayGetItem(States.Array({waits}), {counter}.attempt)",
        },
        result_path=counter,
    )
    wait = Wait(f"{stage.title}: wait to retry the create", seconds_path=f"{counter}.seconds")
    refused = ChoiceRule.And([
        ChoiceRule.StringMatches("$.error.Cause", CREATE_CLIENT_ERROR_CAUSE),
        ChoiceRule.Not(ChoiceRule.Or([ChoiceRule.StringMatches("$.error.Cause", p) for p in CREATE_THROTTLING_CAUSES])),
    ])
    retry_create.add_choice(refused, start_failed)
    retry_create.add_choice(ChoiceRule.IsPresent(counter, False), first)
    retry_create.add_choice(ChoiceRule.NumericGreaterThanEquals(f"{counter}.attempt", len(CREATE_RETRY_WAITS)), stop)
    retry_create.default_choice(following)
    first.next(wait)
    following.next(wait)
    wait.next(start)
