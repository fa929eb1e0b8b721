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
failed on the way to a Fail state).

A job is stopped before the execution fails wherever it may still be running (workers keep
labeling, paid, and the next run sends the same images again): after its polling describe
fails past its retries, and after a create whose retries of SageMaker's catch-all error
(5xx) ran out (a 5xx does not prove the job was not created). No stop where no job can be
running: a refused create (4xx), a throttled create, the job's own terminal status
(Completed/Failed/Stopped), the filter step (the labeling job completed, verification not
created) and the update step (both jobs completed). ABORTED and TIMED_OUT executions cannot
act; an EventBridge rule stops their jobs (steps/stop_execution_jobs.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from steps import contract
from workflow import job_requests
from workflow.config import PipelineConfig
from workflow.polling import wait_schedule
from workflow.resources import ResourceArns, athena_output_uri
from workflow.sdk import Catch, Choice, ChoiceRule, Graph, Pass, Retry, State, Succeed, Wait
from workflow.sdk_ext import Fail, LambdaStep, Task, Workflow

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
UPDATE_RESULT_FIELDS = ("lines_read", "approved", "rejected", "unlabeled", "written", "skipped", "seconds")
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
    return dict(settings)


def filter_settings(cfg: PipelineConfig) -> dict[str, Any]:
    """``settings`` of the FilterLabeledObjects event (steps/contract.py)."""
    settings: contract.FilterLabeledObjectsSettings = {
        "bucket": cfg.storage.bucket,
        "work_prefix": cfg.storage.work_prefix,
        "label_attribute": cfg.labeling.label_attribute,
        "kms_key_arn": cfg.storage.kms_key_arn,
    }
    return dict(settings)


def update_settings(cfg: PipelineConfig) -> dict[str, Any]:
    """``settings`` of the UpdateFeatureStore event (steps/contract.py)."""
    settings: contract.UpdateFeatureStoreSettings = {
        "feature_group_name": cfg.feature_store.feature_group_name,
        "label_attribute": cfg.labeling.label_attribute,
        "verification_attribute": cfg.verification.label_attribute,
        "approved_index": APPROVED_INDEX,
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


SUMMARY_UPDATE_FIELDS = ("approved", "rejected", "unlabeled", "written")


def _summary(state_id: str = "Summarize", *, labeled: bool = True) -> Pass:
    """The execution's output: the same keys whether or not anything was labeled."""
    check = {f"{name}.$": f"$.check.{name}" for name in ("images_found", "already_labeled", "missing", "selected", "backlog")}
    if labeled:
        update: dict[str, Any] = {f"{name}.$": f"$.update.{name}" for name in SUMMARY_UPDATE_FIELDS}
        update["left_out.$"] = "$.verification_input.left_out"
        jobs: dict[str, Any] = {
            "labeling_job_name.$": job_requests.LABELING_JOB_NAME_PATH,
            "verification_job_name.$": job_requests.VERIFICATION_JOB_NAME_PATH,
        }
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
        result_selector={"check": {f"{name}.$": f"$.Payload.{name}" for name in CHECK_RESULT_FIELDS}},
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
    anything.add_choice(ChoiceRule.NumericEquals("$.check.selected", 0), nothing)

    update = LambdaStep(
        NAME_UPDATE,
        parameters={
            "FunctionName": arns.update_lambda,
            "Payload": {
                "execution": EXECUTION_CONTEXT,
                "manifest_uri.$": "$.verification_output.manifest_uri",
                "labeling_job_name.$": job_requests.LABELING_JOB_NAME_PATH,
                "verification_job_name.$": job_requests.VERIFICATION_JOB_NAME_PATH,
                "run_id.$": "$.check.run_id",
                "settings": update_settings(cfg),
            },
        },
        result_selector={f"{name}.$": f"$.Payload.{name}" for name in UPDATE_RESULT_FIELDS},
        result_path="$.update",
    )
    update.add_retry(_lambda_retry())
    update.add_retry(Retry(error_equals=UPDATE_RETRYABLE_ERRORS, interval_seconds=30, max_attempts=2, backoff_rate=2.0))
    _catch_all(update, NAME_UPDATE)
    summary = _summary()
    update.next(summary)
    summary.next(Succeed("Done"))

    verification = _job_stage(
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
    filter_labeled = _filter_step(cfg, arns, verification)
    labeling = _job_stage(
        _JobStage(
            title="Labeling",
            noun="labeling job",
            key="labeling",
            request=job_requests.labeling_request(cfg, arns),
            name_path=job_requests.LABELING_JOB_NAME_PATH,
            output_result_path="$.labeling_output",
            empty_message="labeling job {} completed with no labeled objects ({} expired, {} failed: "
            "unreadable or not images); "
            "the images stay missing and are retried next run",
        ),
        schedule,
        filter_labeled,
    )
    anything.default_choice(labeling)
    return Graph(check, comment=f"{cfg.pipeline.name}: label missing images with Ground Truth, verify, store in Feature Store")


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
