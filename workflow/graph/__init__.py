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
ABORTED and TIMED_OUT executions cannot act, and no Catch handles States.Runtime or
States.DataLimitExceeded; an EventBridge rule on ABORTED, TIMED_OUT and FAILED executions stops their
jobs (steps/stop_execution_jobs.py).

This module builds the main flow; its parts live beside it: ``states`` (names, error lists, retries,
the catch-all and the stop of a job), ``settings`` (each Lambda step's settings), ``jobs`` (one Ground
Truth job's stage), ``recovery`` (the first states), ``inventory_check`` (the Athena diff) and
``adjust`` (the Parallel labeling and adjustment stage).
"""
from __future__ import annotations

from typing import Any

from steps import contract, task_types
from workflow import job_requests
from workflow.config import PipelineConfig
from workflow.graph.adjust import NAME_JOBS, PARALLEL_STOP_WAIT_SECONDS, _labeling_and_adjustment
from workflow.graph.inventory_check import (
    ATHENA_QUERY_SYNC_RESOURCE,
    ATHENA_TRANSIENT_ERRORS,
    NAME_QUERY,
    NAME_SELECT,
    _inventory_check,
)
from workflow.graph.jobs import _job_stage, _JobStage
from workflow.graph.recovery import NAME_WRITE_UNWRITTEN, _write_unwritten_start, write_unwritten_settings
from workflow.graph.settings import _adjust, check_settings, filter_settings, inventory_settings, update_settings
from workflow.graph.states import (
    APPROVED_INDEX,
    CHECK_RESULT_FIELDS,
    CREATE_CAUGHT_ERRORS,
    CREATE_LABELING_JOB_RESOURCE,
    CREATE_RETRY_WAITS,
    CREATE_TRANSIENT_ERRORS,
    DESCRIBE_LABELING_JOB_RESOURCE,
    EXECUTION_CONTEXT,
    FILTER_RESULT_FIELDS,
    LAMBDA_TRANSIENT_ERRORS,
    NAME_CHECK,
    NAME_FILTER,
    NAME_UPDATE,
    RESOURCE_IN_USE_ERRORS,
    SAGEMAKER_TRANSIENT_ERRORS,
    STEP_FAILED_ERROR,
    STOP_LABELING_JOB_RESOURCE,
    UPDATE_RESULT_FIELDS,
    UPDATE_RETRYABLE_ERRORS,
    _catch_all,
    _format,
    _lambda_retry,
    check_result_fields,
)
from workflow.polling import wait_schedule
from workflow.resources import ResourceArns
from workflow.sdk import Catch, Choice, ChoiceRule, Graph, Pass, Retry, State, Succeed
from workflow.sdk_ext import Fail, LambdaStep, Workflow

__all__ = [  # the state machine's builders, and the names, errors and settings its tests and tools read
    "APPROVED_INDEX", "ATHENA_QUERY_SYNC_RESOURCE", "ATHENA_TRANSIENT_ERRORS", "CHECK_RESULT_FIELDS",
    "CREATE_CAUGHT_ERRORS", "CREATE_LABELING_JOB_RESOURCE", "CREATE_RETRY_WAITS", "CREATE_TRANSIENT_ERRORS",
    "DESCRIBE_LABELING_JOB_RESOURCE", "FILTER_RESULT_FIELDS", "LAMBDA_TRANSIENT_ERRORS", "NAME_CHECK", "NAME_FILTER",
    "NAME_JOBS", "NAME_LABELING_NEEDED", "NAME_QUERY", "NAME_SELECT", "NAME_UPDATE", "NAME_WRITE_UNWRITTEN", "PARALLEL_STOP_WAIT_SECONDS",
    "RESOURCE_IN_USE_ERRORS", "SAGEMAKER_TRANSIENT_ERRORS", "STEP_FAILED_ERROR", "STOP_LABELING_JOB_RESOURCE",
    "UPDATE_RESULT_FIELDS", "UPDATE_RETRYABLE_ERRORS", "build_definition", "build_workflow", "check_result_fields",
    "check_settings", "filter_settings", "inventory_settings", "render_definition", "update_settings",
    "write_unwritten_settings",
]

SUMMARY_UPDATE_FIELDS = ("approved", "rejected", "unlabeled", "written", "unlabelable")


def _summary(state_id: str = "Summarize", *, labeled: bool = True, verified: bool = True) -> Pass:
    """The execution's output: the same keys whether or not anything was labeled (or verified:
    classification has no verification job, so nothing is left out and no verification job is named)."""
    check = {f"{name}.$": f"$.check.{name}"
             for name in ("images_found", "already_labeled", "missing", "selected", "backlog", "carried")}
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
                # earlier runs' unverified labels this run verifies again (steps.carried_labels; null: none)
                "carried_manifest_uri.$": CARRIED_MANIFEST_PATH,
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
        if verified:
            labeling = _carried_only(labeling, labeled_next)
    anything.default_choice(labeling)
    return Graph(_write_unwritten_start(cfg, arns, check), comment=f"{cfg.pipeline.name}: label missing images with Ground Truth, verify, store in Feature Store")


CARRIED_MANIFEST_PATH = "$.check.carried_manifest_uri"
NAME_LABELING_NEEDED = "Anything new to label?"


def _carried_only(labeling: State, filter_step: State) -> State:
    """Skip the labeling job when every selected image carries an earlier run's unverified label
    (steps.carried_labels: ``$.check.manifest_uri`` is then null): the filter step gets no labeling output
    and builds the verification input from the carried labels alone. Returns the first state."""
    needed = Choice(NAME_LABELING_NEEDED)
    skip = Pass("Labeling: every image carries an earlier label", result={"manifest_uri": None},
                result_path="$.labeling_output")
    skip.next(filter_step)
    needed.add_choice(ChoiceRule.IsNull(job_requests.INPUT_MANIFEST_PATH, True), skip)
    needed.default_choice(labeling)
    return needed


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
            "the images stay missing and the next run verifies their labels again",
        ),
        schedule,
        update,
    )


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
