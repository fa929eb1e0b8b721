"""Names, error lists and the small state builders every part of the labeling state machine shares:
retries, the catch-all into a Fail state that names the step, and the stop of a job that may be running."""
from __future__ import annotations

from steps import contract
from workflow.config import PipelineConfig
from workflow.sdk import Catch, Retry, State
from workflow.sdk_ext import Fail, Task

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
    "carried",  # steps.carried_labels: earlier runs' unverified labels this run verifies again
    "carried_manifest_uri",
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
