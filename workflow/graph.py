"""The labeling state machine, built with the ``stepfunctions`` SDK from the config.

Check missing labels (Lambda) -> anything to label? -> labeling job (native
createLabelingJob, then a Wait/describe/Choice/Pass polling loop with a growing
wait) -> filter labeled objects (Lambda: the labeling output without the objects
labeling failed) -> anything to verify? -> verification job over those (same
loop) -> update the feature store (Lambda) -> a compact summary. Every task
retries transient errors with backoff and catches everything else into a Fail
state that names the step; a create that SageMaker rejects (4xx other than
throttling) fails at once. The state stays small whatever the number of images:
image lists live in S3 manifests, the state only carries counts, names and URIs.

State layout: ``$.check`` (CheckMissingLabels result), ``$.poll`` (round and
next wait), ``$.job`` (status and counters of the job being polled),
``$.labeling_output`` / ``$.verification_output`` (output manifest URIs),
``$.verification_input`` (FilterLabeledObjects result),
``$.labeling_create_retry`` / ``$.verification_create_retry`` (retries of a
create that failed transiently), ``$.job_failure``, ``$.update``
(UpdateFeatureStore result), ``$.error``, ``$.stop_error`` (a StopLabelingJob that
failed on the way to a Fail state). With ``verification.on_reject: adjust`` the labeling and the
adjustment job run side by side in a Parallel state (``_labeling_and_adjustment``): ``$.adjustment_output``
(its output manifest URI, null when skipped) joins ``$.labeling_output`` (null as well when skipped).

A job is stopped before the execution fails wherever it may still be running (workers keep
labeling, paid, and the next run sends the same images again): after its polling describe
fails past its retries, and after a create whose retries of SageMaker's catch-all error
(5xx) ran out (a 5xx does not prove the job was not created). No stop where no job can be
running: a refused create (4xx), a throttled create, the job's own terminal status
(Completed/Failed/Stopped), the filter step (the labeling job completed, verification not
created) and the update step (both jobs completed). With on_reject adjust, a failed Parallel
state stops both its jobs (the failed branch's and the one still running) before the run fails.
ABORTED and TIMED_OUT executions cannot act; an EventBridge rule stops their jobs
(steps/stop_execution_jobs.py).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from steps import contract, task_types
from workflow import job_requests
from workflow.config import PipelineConfig, adjustment_attribute
from workflow.inventory import inventory_names
from workflow.polling import wait_schedule
from workflow.resources import ResourceArns, athena_output_uri
from workflow.sdk import Catch, Choice, ChoiceRule, Graph, Pass, Retry, State, Succeed, Wait
from workflow.sdk_ext import Fail, LambdaStep, Parallel, Task, Workflow

CREATE_LABELING_JOB_RESOURCE = "arn:aws:states:::sagemaker:createLabelingJob"
DESCRIBE_LABELING_JOB_RESOURCE = "arn:aws:states:::aws-sdk:sagemaker:describeLabelingJob"
STOP_LABELING_JOB_RESOURCE = "arn:aws:states:::aws-sdk:sagemaker:stopLabelingJob"

# Lambda's transient errors as Step Functions names them: the four service exceptions of "Handle Lambda
# service exceptions" (Step Functions best practices, bp-lambda-serviceexception,
# https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html), whose Retry
# example lists exactly these, and the invocation limit, "Lambda.TooManyRequestsException" (same page).
# A status Invoke's model does not name (a 503, say) is the SDK's catch-all, Lambda.AWSLambdaException.
LAMBDA_TRANSIENT_ERRORS = [
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
# Throttling and service-side errors of SageMaker. The optimized integration
# reports service errors as "SageMaker.AmazonSageMakerException" (the name AWS's
# own examples retry); the aws-sdk integration reports unmodelled errors
# (throttling among them) as "SageMaker.SageMakerException". Modelled client
# errors (ResourceNotFound, ResourceLimitExceeded, ResourceInUse) are not retried.
SAGEMAKER_TRANSIENT_ERRORS = [
    "SageMaker.ThrottlingException",
    "SageMaker.AmazonSageMakerException",
    "SageMaker.SageMakerException",
    "ThrottlingException",
]
# createLabelingJob (optimized integration) reports every error SageMaker's model
# does not name as "SageMaker.AmazonSageMakerException": ValidationException (a
# wrong workteam, template or role) and AccessDeniedException as well as
# throttling and 5xx. A Retry matches names only, so the create task catches it
# and a Choice reads the cause, the Java SDK's message (as moto's and
# LocalStack's Step Functions engines render it for the other optimized
# integrations; AWS documents no example for SageMaker):
#   "<message> (Service: AmazonSageMaker; Status Code: 400; Error Code:
#    ValidationException; Request ID: <id>; Proxy: null)"
# 4xx other than throttling fails at once; throttling, 5xx and any cause of
# another form are retried with backoff (CREATE_RETRY_WAITS), as before.
CREATE_CAUGHT_ERRORS = ["SageMaker.AmazonSageMakerException"]
CREATE_TRANSIENT_ERRORS = ["SageMaker.ThrottlingException", "ThrottlingException"]
CREATE_RETRY_WAITS = (5, 10, 20, 40, 80, 160)  # the former Retry: 5 s, backoff 2.0, 6 retries (~5 min)
CREATE_CLIENT_ERROR_CAUSE = "*(Service: AmazonSageMaker; Status Code: 4*"
CREATE_THROTTLING_CAUSES = (
    "*(Service: AmazonSageMaker; Status Code: 429;*",
    *(f"*; Error Code: {code};*" for code in ("ThrottlingException", "Throttling", "TooManyRequestsException",
                                              "RequestLimitExceeded")),
)
# A retried createLabelingJob whose first attempt did create the job gets
# ResourceInUse: job names are unique per execution, so the job is ours.
# Assumed names: the optimized integration's "SageMaker.ResourceInUseException"
# (like its documented "SageMaker.ResourceLimitExceededException"), and the
# bare "SageMaker.ResourceInUse" in case the code is passed through unchanged.
RESOURCE_IN_USE_ERRORS = ["SageMaker.ResourceInUseException", "SageMaker.ResourceInUse"]

LAMBDA_MAX_CONCURRENCY = 10  # BatchWriteRecord calls in flight; bench/run.py measures the same
APPROVED_INDEX = 0

CHECK_RESULT_FIELDS = (
    "images_found",
    "already_labeled",
    "missing",
    "in_flight",
    "selected",
    "backlog",
    "max_images",
    "run_id",
    "manifest_uri",
    "labeling_job_name",
    "verification_job_name",
    "labeling_output_uri",
    "verification_output_uri",
)
# on_reject adjust: the check result's adjustment fields (steps.adjustment.result_fields).
ADJUSTMENT_RESULT_FIELDS = ("adjustment_selected", "adjustment_manifest_uri", "adjustment_job_name")


def check_result_fields(cfg: PipelineConfig) -> tuple[str, ...]:
    """The CheckMissingLabels result fields the state keeps under ``$.check`` (the adjustment ones in every
    mode: with on_reject relabel they say that nothing went to adjustment)."""
    return (*CHECK_RESULT_FIELDS, *ADJUSTMENT_RESULT_FIELDS)


UPDATE_RESULT_FIELDS = ("lines_read", "approved", "rejected", "unlabeled", "written", "skipped", "unlabelable",
                        "seconds")
FILTER_RESULT_FIELDS = ("lines_read", "kept", "left_out", "manifest_uri")

EXECUTION_CONTEXT = {
    "id.$": "$$.Execution.Id",
    "name.$": "$$.Execution.Name",
    "start_time.$": "$$.Execution.StartTime",
}

NAME_CHECK = "Check missing labels"
NAME_UPDATE = "Update feature store"
NAME_FILTER = "Filter labeled objects"


def _lambda_retry() -> Retry:
    return Retry(error_equals=LAMBDA_TRANSIENT_ERRORS, interval_seconds=2, max_attempts=6, backoff_rate=2.0)


def _sagemaker_retry() -> Retry:
    return Retry(error_equals=SAGEMAKER_TRANSIENT_ERRORS, interval_seconds=5, max_attempts=6, backoff_rate=2.0)


def _format(template: str, *paths: str) -> str:
    """A ``States.Format`` call: ``template`` with one ``{}`` per path, escaped for ASL."""
    if template.count("{}") != len(paths):
        raise ValueError(f"template {template!r} needs {template.count('{}')} paths, got {len(paths)}")
    pieces = [
        piece.replace("\\", "\\\\").replace("'", "\\'").replace("{", "\\{").replace("}", "\\}")
        for piece in template.split("{}")
    ]
    return f"States.Format('{'{}'.join(pieces)}', {', '.join(paths)})"


STEP_FAILED_ERROR = "PipelineStepFailed"
# UpdateFeatureStore rewrites the same records when run again, so failures that may pass are worth
# one more try before the verified labels of this run are given up: a timeout, an unknown Lambda
# failure, and writes that still failed after the step's own retries.
UPDATE_RETRYABLE_ERRORS = [contract.WRITE_FAILED_ERROR, "Sandbox.Timedout", "Lambda.Unknown"]


def _step_failed(step_name: str) -> Fail:
    """The Fail state a task's catch-all leads to: names the step; the cause keeps the original error.

    The error name is fixed: the caught error may be a reserved ``States.*`` name, which a Fail
    state must not raise as its own.
    """
    return Fail(
        f"{step_name} failed",
        error=STEP_FAILED_ERROR,
        cause_path=_format(f"{step_name} failed with {{}}: {{}}", "$.error.Error", "$.error.Cause"),
    )


def _catch_all(task: State, step_name: str) -> Fail:
    fail = _step_failed(step_name)
    task.add_catch(Catch(error_equals=["States.ALL"], next_step=fail, result_path="$.error"))
    return fail


def _stop_job(name_path: str, step_name: str, fail: Fail) -> Task:
    """StopLabelingJob of the job at ``name_path``, then ``fail`` (the step's own Fail state).

    ``$.error`` (the step's error) is kept: the stop's result is discarded and its own error
    goes to ``$.stop_error``. A job that already ended (Completed, Failed, Stopped) or was never
    created answers with an error (ValidationException, ResourceNotFound): caught, and the
    execution fails as it would have.
    """
    stop = Task(f"{step_name} failed: stop job", resource=STOP_LABELING_JOB_RESOURCE,
                parameters={"LabelingJobName.$": name_path}, result_path=None)
    # A stopped or finished job answers ValidationException, which the aws-sdk integration names
    # like its transient errors (SageMaker.SageMakerException): a short retry, not the describe's 5 minutes.
    stop.add_retry(Retry(error_equals=SAGEMAKER_TRANSIENT_ERRORS, interval_seconds=2, max_attempts=3, backoff_rate=2.0))
    stop.add_catch(Catch(error_equals=["States.ALL"], next_step=fail, result_path="$.stop_error"))
    stop.next(fail)
    return stop


def _adjust(cfg: PipelineConfig) -> bool:
    """verification.on_reject: adjust: REJECTED images go to an adjustment job beside the labeling job."""
    return cfg.verification.on_reject == "adjust"


def check_settings(cfg: PipelineConfig) -> dict[str, Any]:
    """``settings`` of the CheckMissingLabels event (steps/contract.py)."""
    settings: contract.CheckMissingLabelsSettings = {
        "bucket": cfg.storage.bucket,
        "raw_prefix": cfg.storage.raw_prefix,
        "image_extensions": list(cfg.storage.image_extensions),
        "work_prefix": cfg.storage.work_prefix,
        "feature_group_name": cfg.feature_store.feature_group_name,
        "athena_workgroup": cfg.feature_store.athena_workgroup,
        "athena_output_uri": athena_output_uri(cfg),
        "max_images_per_run": cfg.labeling.max_images_per_run,
        "job_name_prefix": cfg.pipeline.job_name_prefix,
        "kms_key_arn": cfg.storage.kms_key_arn,
    }
    # steps.adjustment: with on_reject adjust, rejected images go to the adjustment job with their previous label
    settings["on_reject"] = cfg.verification.on_reject
    settings["label_attribute"] = cfg.labeling.label_attribute
    settings["task_type"] = cfg.labels.task_type  # which previous label steps.adjustment reads (boxes or a mask)
    return {**settings, **inventory_settings(cfg)}  # storage.listing and the inventory's names (steps.inventory)


def filter_settings(cfg: PipelineConfig) -> dict[str, Any]:
    """``settings`` of the FilterLabeledObjects event (steps/contract.py)."""
    settings: contract.FilterLabeledObjectsSettings = {
        "bucket": cfg.storage.bucket,
        "work_prefix": cfg.storage.work_prefix,
        "label_attribute": cfg.labeling.label_attribute,
        "kms_key_arn": cfg.storage.kms_key_arn,
    }
    settings["adjustment_attribute"] = adjustment_attribute(cfg.labeling.label_attribute)  # used with on_reject adjust
    return dict(settings)


def update_settings(cfg: PipelineConfig) -> dict[str, Any]:
    """``settings`` of the UpdateFeatureStore event (steps/contract.py)."""
    settings: contract.UpdateFeatureStoreSettings = {
        "feature_group_name": cfg.feature_store.feature_group_name,
        "label_attribute": cfg.labeling.label_attribute,
        "verification_attribute": cfg.verification.label_attribute,
        "approved_index": APPROVED_INDEX,
        "task_type": cfg.labels.task_type,
        "min_confidence": cfg.labels.min_confidence,
        "unlabelable_reasons": list(cfg.labeling.unlabelable_reasons),  # steps.unlabelable.markers
        "max_concurrency": LAMBDA_MAX_CONCURRENCY,
        "bucket": cfg.storage.bucket,
        "work_prefix": cfg.storage.work_prefix,
        "kms_key_arn": cfg.storage.kms_key_arn,
    }
    return dict(settings)


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


SUMMARY_UPDATE_FIELDS = ("approved", "rejected", "unlabeled", "written", "unlabelable")


def _summary(state_id: str = "Summarize", *, labeled: bool = True, verified: bool = True) -> Pass:
    """The execution's output: the same keys whether or not anything was labeled (or verified:
    classification has no verification job, so nothing is left out and no verification job is named)."""
    check = {f"{name}.$": f"$.check.{name}" for name in ("images_found", "already_labeled", "missing", "selected", "backlog")}
    if labeled:
        update: dict[str, Any] = {f"{name}.$": f"$.update.{name}" for name in SUMMARY_UPDATE_FIELDS}
        update["left_out.$"] = "$.verification_input.left_out"
        jobs: dict[str, Any] = {
            "labeling_job_name.$": job_requests.LABELING_JOB_NAME_PATH,
            "verification_job_name.$": job_requests.VERIFICATION_JOB_NAME_PATH,
        }
        if not verified:
            del update["left_out.$"], jobs["verification_job_name.$"]
            update["left_out"], jobs["verification_job_name"] = 0, None
    else:
        update = dict.fromkeys((*SUMMARY_UPDATE_FIELDS, "left_out"), 0)
        jobs = {"labeling_job_name": None, "verification_job_name": None}
    return Pass(state_id, parameters={**check, **update, "run_id.$": "$.check.run_id", **jobs}, result_path="$")


def _filter_step(cfg: PipelineConfig, arns: ResourceArns, verification: State) -> State:
    """FilterLabeledObjects, then verification if any object was labeled; returns the first state.

    Objects the labeling job failed carry no label, and a verification job's input must
    (sms-data-verify-adjust-prereq): they are left out, counted, and stay missing.
    """
    step = LambdaStep(
        NAME_FILTER,
        parameters={
            "FunctionName": arns.filter_lambda,
            "Payload": {
                "run_id.$": "$.check.run_id",
                "manifest_uri.$": job_requests.LABELED_MANIFEST_PATH,
                "settings": filter_settings(cfg),
                # on_reject adjust: the adjustment job's output manifest (null when it was skipped); else no job.
                **({"adjustment_manifest_uri.$": job_requests.ADJUSTED_MANIFEST_PATH} if _adjust(cfg)
                   else {"adjustment_manifest_uri": None}),
            },
        },
        result_selector={f"{name}.$": f"$.Payload.{name}" for name in FILTER_RESULT_FIELDS},
        result_path="$.verification_input",
    )
    step.add_retry(_lambda_retry())
    _catch_all(step, NAME_FILTER)
    anything = Choice("Anything to verify?")
    nothing = Fail(
        "Labeling: nothing to verify",
        error="LabelingNothingLabeled",
        cause_path=_format("labeling job {} completed with no labeled objects ({} of {} output lines carry no label); "
                           "the images stay missing and are retried next run",
                           job_requests.LABELING_JOB_NAME_PATH, "$.verification_input.left_out",
                           "$.verification_input.lines_read"),
    )
    step.next(anything)
    anything.add_choice(ChoiceRule.NumericEquals("$.verification_input.kept", 0), nothing)
    anything.default_choice(verification)
    return step


WRITE_UNWRITTEN_RESULT_FIELDS = ("runs_examined", "runs_written", "written", "unlabelable", "left", "not_written")
NAME_WRITE_UNWRITTEN = "Write unwritten earlier output"
UNWRITTEN_MAX_RUNS = 50  # failed, aborted or timed-out executions examined per run
# Records written per run: 100,000 take under a minute at the benchmarked ~2,000 records/s and about
# 200 s at a group throttled to 500/s, well inside Lambda's 15 minutes; the rest waits for the next run.
UNWRITTEN_MAX_RECORDS = 100_000


def write_unwritten_settings(cfg: PipelineConfig) -> dict[str, Any]:
    """``settings`` of the update function's write-unwritten event (steps/contract.py WriteUnwrittenSettings)."""
    return {**update_settings(cfg), "job_name_prefix": cfg.pipeline.job_name_prefix,
            "max_runs": UNWRITTEN_MAX_RUNS, "max_records": UNWRITTEN_MAX_RECORDS}


def _write_unwritten_start(cfg: PipelineConfig, arns: ResourceArns, check: State) -> State:
    """The first states: write what earlier runs verified but never wrote, then ``check``.

    The write-unwritten function (the update's code and role, steps.unwritten_output) writes the outputs of failed,
    aborted and timed-out executions that never reached the feature group. Records reach the
    offline store (what the check reads) only some minutes after the write ("within 15 minutes",
    feature-store-offline), so when it wrote any, the run waits as long as steps.in_flight waits
    for a succeeded run's records before it selects: else it would pay to label them again. The
    state then becomes the execution input again for the check. A failure here fails the run
    before any job: the writes it could not do would fail the update step too.
    """
    from steps import in_flight

    step = LambdaStep(
        NAME_WRITE_UNWRITTEN,
        parameters={
            "FunctionName": arns.unwritten_lambda or arns.update_lambda,
            "Payload": {"action": contract.WRITE_UNWRITTEN_ACTION, "execution": EXECUTION_CONTEXT,
                        "settings": write_unwritten_settings(cfg)},
        },
        result_selector={f"{name}.$": f"$.Payload.{name}" for name in WRITE_UNWRITTEN_RESULT_FIELDS},
        result_path="$.unwritten",
    )
    step.add_retry(_lambda_retry())
    step.add_retry(Retry(error_equals=UPDATE_RETRYABLE_ERRORS, interval_seconds=30, max_attempts=2, backoff_rate=2.0))
    _catch_all(step, NAME_WRITE_UNWRITTEN)
    wrote = Choice("Wrote earlier output?")
    wait = Wait("Wait for the offline store", seconds=in_flight.OFFLINE_STORE_LAG_SECONDS)
    restore = Pass("Restore execution input", parameters={"input.$": "$$.Execution.Input"}, output_path="$.input")
    step.next(wrote)
    wrote.add_choice(ChoiceRule.NumericGreaterThan("$.unwritten.written", 0), wait)
    wrote.default_choice(restore)
    wait.next(restore)
    restore.next(check)
    return step


ATHENA_QUERY_SYNC_RESOURCE = "arn:aws:states:::athena:startQueryExecution.sync"
# Athena's throttling and service errors as the optimized integration names them (sandbox.patches.stepfunctions_athena);
# a query that fails is States.TaskFailed and is not retried: the same SQL would fail again.
ATHENA_TRANSIENT_ERRORS = ["Athena.TooManyRequestsException", "Athena.InternalServerException",
                           "Athena.AmazonAthenaException"]
NAME_QUERY = "Check missing labels: query the inventory"
NAME_SELECT = "Check missing labels: select"


def inventory_settings(cfg: PipelineConfig) -> dict[str, Any]:
    """The check settings' listing keys (steps/contract.py): where the inventory reports and table are."""
    names = inventory_names(cfg)
    return {"listing": cfg.storage.listing, "inventory_config_id": names.config_id,
            "inventory_database": names.database, "inventory_table": names.table}


def _inventory_check(cfg: PipelineConfig, arns: ResourceArns, anything: State, read_input_error: State,
                     read_group_error: State) -> State:
    """storage.listing auto/inventory: prepare (Lambda) -> the one query (Athena, .sync) -> select (Lambda).

    The same check function runs both phases (steps/check_missing_labels.py); the first state keeps the
    list mode's name and ``$.check``. Before the first inventory report exists, ``auto``'s prepare phase
    does the whole list-mode check (``$.check`` set, ``$.prepare`` null) and the Choice skips the query;
    a Lambda decides, not a Choice on a listing by Step Functions, because finding the newest report
    and the images other runs hold takes several S3 and Step Functions calls. Returns the first state.
    """
    settings = check_settings(cfg)
    prepare = LambdaStep(
        NAME_CHECK,
        parameters={"FunctionName": arns.check_lambda,
                    "Payload": {"execution": EXECUTION_CONTEXT, "input.$": "$", "phase": "prepare",
                                "settings": settings}},
        result_selector={"check.$": "$.Payload.check", "prepare.$": "$.Payload.prepare"},
        result_path="$",
    )
    prepare.add_retry(_lambda_retry())
    prepare.add_catch(Catch(error_equals=[contract.INVALID_INPUT_ERROR], next_step=read_input_error,
                            result_path="$.error"))
    prepare.add_catch(Catch(error_equals=[contract.FEATURE_GROUP_MISSING_ERROR], next_step=read_group_error,
                            result_path="$.error"))
    _catch_all(prepare, NAME_CHECK)
    source = Choice("Image list from the inventory?")
    kms = cfg.storage.kms_key_arn
    encryption = {"EncryptionOption": "SSE_KMS", "KmsKey": kms} if kms else {"EncryptionOption": "SSE_S3"}
    query = Task(
        NAME_QUERY,
        resource=ATHENA_QUERY_SYNC_RESOURCE,
        parameters={"QueryString.$": "$.prepare.query", "WorkGroup": cfg.feature_store.athena_workgroup,
                    "ResultConfiguration": {"OutputLocation": athena_output_uri(cfg),
                                            "EncryptionConfiguration": encryption}},
        result_selector={"result_uri.$": "$.QueryExecution.ResultConfiguration.OutputLocation"},
        result_path="$.query",
    )
    query.add_retry(Retry(error_equals=ATHENA_TRANSIENT_ERRORS, interval_seconds=5, max_attempts=4, backoff_rate=2.0))
    _catch_all(query, NAME_QUERY)
    select = LambdaStep(
        NAME_SELECT,
        parameters={"FunctionName": arns.check_lambda,
                    "Payload": {"execution": EXECUTION_CONTEXT, "phase": "select", "prepared.$": "$.prepare",
                                "result_uri.$": "$.query.result_uri", "settings": settings}},
        result_selector={"check": {f"{name}.$": f"$.Payload.{name}" for name in check_result_fields(cfg)}},
        result_path="$",
    )
    select.add_retry(_lambda_retry())
    _catch_all(select, NAME_SELECT)
    prepare.next(source)
    source.add_choice(ChoiceRule.IsPresent("$.prepare", False), anything)
    source.add_choice(ChoiceRule.IsNull("$.prepare", True), anything)  # listed: $.check is the result
    source.default_choice(query)
    query.next(select)
    select.next(anything)
    return prepare


def build_definition(cfg: PipelineConfig, arns: ResourceArns) -> Graph:
    """The state machine graph for ``cfg``, using the resources in ``arns``."""
    schedule = wait_schedule(cfg.polling)

    check = LambdaStep(
        NAME_CHECK,
        parameters={
            "FunctionName": arns.check_lambda,
            "Payload": {"execution": EXECUTION_CONTEXT, "input.$": "$", "settings": check_settings(cfg)},
        },
        # Replace the state with the small result: the execution input is not carried on.
        result_selector={"check": {f"{name}.$": f"$.Payload.{name}" for name in check_result_fields(cfg)}},
        result_path="$",
    )
    check.add_retry(_lambda_retry())
    read_input_error = Pass(
        "Read input error",
        parameters={"cause.$": "States.StringToJson($.error.Cause)"},
        result_path="$.invalid_input",
    )
    invalid_input = Fail(
        "Invalid execution input",
        error=contract.INVALID_INPUT_ERROR,
        cause_path="$.invalid_input.cause.errorMessage",
    )
    check.add_catch(Catch(error_equals=[contract.INVALID_INPUT_ERROR], next_step=read_input_error, result_path="$.error"))
    # A missing feature group would make every image look unlabeled: fail at once, before any job is paid for.
    read_group_error = Pass(
        "Read feature group error",
        parameters={"cause.$": "States.StringToJson($.error.Cause)"},
        result_path="$.error",  # replaces the error it parses: no new key in the state
    )
    group_missing = Fail(
        "Feature group missing",
        error=contract.FEATURE_GROUP_MISSING_ERROR,
        cause_path="$.error.cause.errorMessage",
    )
    check.add_catch(Catch(error_equals=[contract.FEATURE_GROUP_MISSING_ERROR], next_step=read_group_error,
                          result_path="$.error"))
    _catch_all(check, NAME_CHECK)
    read_input_error.next(invalid_input)
    read_group_error.next(group_missing)

    anything = Choice("Anything to label?")
    nothing = _summary("Summarize: nothing to label", labeled=False)
    nothing.next(Succeed("Nothing to label"))
    check.next(anything)
    if cfg.storage.listing != "list":  # the image list from S3 Inventory, the set difference in Athena
        check = _inventory_check(cfg, arns, anything, read_input_error, read_group_error)
    anything.add_choice(ChoiceRule.NumericEquals("$.check.selected", 0), nothing)

    verified = task_types.has_verification(cfg.labels.task_type)  # classification: no verification job
    update = LambdaStep(
        NAME_UPDATE,
        parameters={
            "FunctionName": arns.update_lambda,
            "Payload": {
                "execution": EXECUTION_CONTEXT,
                "manifest_uri.$": "$.verification_output.manifest_uri" if verified else "$.labeling_output.manifest_uri",
                "labeling_job_name.$": job_requests.LABELING_JOB_NAME_PATH,
                "verification_job_name.$": job_requests.VERIFICATION_JOB_NAME_PATH,
                "run_id.$": "$.check.run_id",
                "settings": update_settings(cfg),
                # objects Ground Truth cannot label become UNLABELABLE records (steps.unlabelable); under
                # on_reject adjust a skipped labeling job leaves it null, and the step then writes none
                "labeling_manifest_uri.$": "$.labeling_output.manifest_uri",
            },
        },
        result_selector={f"{name}.$": f"$.Payload.{name}" for name in UPDATE_RESULT_FIELDS},
        result_path="$.update",
    )
    update.add_retry(_lambda_retry())
    update.add_retry(Retry(error_equals=UPDATE_RETRYABLE_ERRORS, interval_seconds=30, max_attempts=2, backoff_rate=2.0))
    _catch_all(update, NAME_UPDATE)
    summary = _summary(verified=verified)
    update.next(summary)
    summary.next(Succeed("Done"))
    labeled_next: State = update if not verified else _filter_step(cfg, arns, _verification_stage(cfg, arns, schedule, update))
    labeling_stage = _JobStage(
        title="Labeling",
        noun="labeling job",
        key="labeling",
        request=job_requests.labeling_request(cfg, arns),
        name_path=job_requests.LABELING_JOB_NAME_PATH,
        output_result_path="$.labeling_output",
        empty_message="labeling job {} completed with no labeled objects ({} expired, {} failed: "
        "unreadable or not images); "
        "the images stay missing and are retried next run",
    )
    if _adjust(cfg):  # on_reject adjust: the labeling and the adjustment job side by side
        labeling = _labeling_and_adjustment(cfg, arns, schedule, labeling_stage, labeled_next)
    else:
        labeling = _job_stage(labeling_stage, schedule, labeled_next)
    anything.default_choice(labeling)
    return Graph(_write_unwritten_start(cfg, arns, check), comment=f"{cfg.pipeline.name}: label missing images with Ground Truth, verify, store in Feature Store")


def _verification_stage(cfg: PipelineConfig, arns: ResourceArns, schedule: list[int], update: State) -> State:
    """The verification job's stage (bounding boxes and semantic segmentation), then ``update``."""
    return _job_stage(
        _JobStage(
            title="Verification",
            noun="verification job",
            key="verification",
            request=job_requests.verification_request(cfg, arns),
            name_path=job_requests.VERIFICATION_JOB_NAME_PATH,
            output_result_path="$.verification_output",
            empty_message="verification job {} completed with no verified objects ({} expired, {} failed); "
            "the images stay missing and are retried next run",
        ),
        schedule,
        update,
    )


NAME_JOBS = "Labeling and adjustment"
PARALLEL_STOP_WAIT_SECONDS = 30  # a CreateLabelingJob call returns in seconds; then the stops find its job


def _labeling_and_adjustment(cfg: PipelineConfig, arns: ResourceArns, schedule: list[int], labeling: _JobStage,
                             next_step: State) -> State:
    """on_reject adjust: a Parallel state running the labeling job (new images) and the adjustment job
    (rejected images with their previous label, steps.adjustment); a branch whose input manifest is null
    has nothing to do and is skipped. Both output manifest URIs (null for a skipped job) then go to
    ``next_step``, with the state shaped as after the labeling stage alone plus ``$.adjustment_output``.

    A job that completes with nothing labeled does not fail the run here: the other job's labels
    still go on (FilterLabeledObjects counts the unlabeled lines, "Anything to verify?" ends a run
    with none). A branch that fails (job failed, stopped, refused, its describe failing) fails the
    Parallel state and stops the other branch, not the SageMaker job that branch started: the catch
    stops both jobs (``_stop_parallel_jobs``), then the run fails naming this state, with the
    branch's error and cause in its cause.
    """
    adjustment = _JobStage(
        title="Adjustment",
        noun="adjustment job",
        key="adjustment",
        request=job_requests.adjustment_request(cfg, arns),
        name_path=job_requests.ADJUSTMENT_JOB_NAME_PATH,
        output_result_path="$.adjustment_output",
        empty_message="adjustment job {} completed with no adjusted objects ({} expired, {} failed); "
        "the images stay missing and are retried next run",
        fail_when_empty=False,
    )
    stages = ((replace(labeling, fail_when_empty=False), job_requests.INPUT_MANIFEST_PATH),
              (adjustment, job_requests.ADJUSTMENT_INPUT_PATH))
    # Each branch's output is its job's output ({"manifest_uri"}); "$[0]" and "$[1]" pick them from the
    # Parallel state's array (whole elements: paths into an element, "$[0].x", are not read alike by
    # every engine: moto's returns a one-element list), and a Pass puts them where one job would.
    jobs = Parallel(NAME_JOBS, result_selector={"labeling.$": "$[0]", "adjustment.$": "$[1]"}, result_path="$.jobs")
    gather = Pass(f"{NAME_JOBS}: outputs", parameters={
        "check.$": "$.check", "labeling_output.$": "$.jobs.labeling", "adjustment_output.$": "$.jobs.adjustment",
    }, result_path="$")
    for stage, manifest_path in stages:
        done = Pass(f"{stage.title}: done", output_path=stage.output_result_path)
        skip = Pass(f"{stage.title}: nothing to do", result={"manifest_uri": None}, result_path=stage.output_result_path)
        skip.next(done)
        anything = Choice(f"{stage.title}: anything to do?")
        anything.add_choice(ChoiceRule.IsNull(manifest_path, True), skip)
        anything.default_choice(_job_stage(stage, schedule, done))
        jobs.add_branch(anything)
    jobs.add_catch(Catch(error_equals=["States.ALL"], next_step=_stop_parallel_jobs(stages, _step_failed(NAME_JOBS)),
                         result_path="$.error"))
    jobs.next(gather)
    gather.next(next_step)
    return jobs


def _stop_parallel_jobs(stages: tuple[tuple[_JobStage, str], ...], fail: Fail) -> State:
    """After the Parallel state failed: StopLabelingJob on each job of ``stages`` that was started, then ``fail``.

    "If any branch fails ... the entire Parallel state is considered to have failed and all its
    branches are stopped", but what a branch started goes on ("invoked Lambda functions continue to
    run", Parallel workflow state, Error Handling: https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html):
    a labeling job keeps its workers labeling objects nobody reads. The page's advice for cleanup is
    a Wait first, so that a call in flight (here: the other branch's createLabelingJob) lands before
    the stop. A job whose input manifest is null was never created: no call. A job that already ended
    (the failed branch's own: Failed, Stopped) or does not exist answers ValidationException or
    ResourceNotFound: as in ``_stop_job``, caught into ``$.stop_error``, and the next job is stopped all
    the same; ``$.error`` (the branch's error) reaches ``fail``. Returns the first state.
    """
    first: State = fail
    for stage, manifest_path in reversed(stages):
        stop = Task(f"{NAME_JOBS} failed: stop {stage.noun}", resource=STOP_LABELING_JOB_RESOURCE,
                    parameters={"LabelingJobName.$": stage.name_path}, result_path=None)
        stop.add_retry(Retry(error_equals=SAGEMAKER_TRANSIENT_ERRORS, interval_seconds=2, max_attempts=3,
                             backoff_rate=2.0))
        stop.add_catch(Catch(error_equals=["States.ALL"], next_step=first, result_path="$.stop_error"))
        stop.next(first)
        started = Choice(f"{NAME_JOBS} failed: {stage.noun} started?")
        started.add_choice(ChoiceRule.IsNull(manifest_path, True), first)
        started.default_choice(stop)
        first = started
    settle = Wait(f"{NAME_JOBS} failed: let a create in flight land", seconds=PARALLEL_STOP_WAIT_SECONDS)
    settle.next(first)
    return settle


def render_definition(cfg: PipelineConfig, arns: ResourceArns) -> dict[str, Any]:
    """The Amazon States Language definition as a dict."""
    return build_definition(cfg, arns).to_dict()


def build_workflow(
    cfg: PipelineConfig,
    arns: ResourceArns,
    client: Any = None,
    *,
    log_group_arn: str | None = None,
    tracing: bool = False,
    log_level: str = "ERROR",
) -> Workflow:
    """The SDK Workflow (name, definition, role, tags, logging) for deploying ``cfg``.

    Creating the object makes no AWS call; ``client`` defaults to a Step
    Functions client in the config's region.
    """
    if client is None:
        import boto3

        client = boto3.client("stepfunctions", region_name=cfg.pipeline.region)
    logging_configuration = None
    if log_group_arn:
        logging_configuration = {
            "level": log_level,
            "includeExecutionData": False,  # state payloads name images and jobs: keep them out of logs
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": log_group_arn}}],
        }
    return Workflow(
        name=cfg.pipeline.name,
        definition=build_definition(cfg, arns),
        role=arns.state_machine_role,
        tags=[{"key": key, "value": value} for key, value in sorted(cfg.pipeline.tags.items())],
        client=client,
        logging_configuration=logging_configuration,
        tracing_configuration={"enabled": tracing},  # always sent: turning tracing off must reach AWS too
    )
