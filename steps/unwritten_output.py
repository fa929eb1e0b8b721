"""Write what earlier runs labeled (and verified) or found unlabelable but never wrote, before a run selects images.

A run whose update step still failed after its retries (or that failed, was aborted or timed out
after its jobs produced output) leaves its output manifests in S3 and its images missing from the
feature group: without this step the next run would pay to label them again. This step runs first
in every execution, as its own function with the update's code and role, and for each ended execution
that did not succeed (``ListExecutions`` with status FAILED, TIMED_OUT or ABORTED, newest first;
running executions are never among them, so their outputs are left alone):

1. derives the run id and job names from the execution (steps.naming, as steps.stop_execution_jobs
   does; AWS renders ``$$.Execution.StartTime`` with milliseconds, both renderings are tried);
2. skips outputs whose progress marker says ``complete`` (steps.update_progress);
3. writes the lines of the output the update step writes records from, that its marker does not list
   (the update's own code, which skips written lines, so nothing is written twice), then the labeling
   output's UNLABELABLE lines (steps.unlabelable), and marks each output complete.

The output the records come from is the one the update step reads (workflow.graph, ``Update feature
store``): the verification job's output for bounding boxes and semantic segmentation; the labeling
job's own output for image classification and multi-label image classification, which have no
verification job (steps.task_types.has_verification), with ``labels.min_confidence`` deciding APPROVED
or REJECTED exactly as in the update (the same settings, the same steps.records code). So a
classification run that failed after its labeling job completed does not leave its paid labels to be
bought again. With ``verification.on_reject: adjust`` the adjustment job's labels reach the feature
group only through the verification job, whose input holds the labeling and the adjustment job's
labeled lines (steps.filter_labeled_objects) and whose output therefore holds both, each with its
``label_path``: recovering the verification output recovers both paths. Labels drawn but never
verified (a run that failed before its verification job completed) are not written by the update
either, and are not written here: the next run's check step sends them to its verification job instead
of labeling the images again (steps.carried_labels). Writing a verification output (the update's code)
also keeps its lines that hold a label but no verdict (expired verification tasks; a run whose every
verification task expired fails before its update) in the run's unverified-labels manifest
(steps.unverified_labels), which this run's check step then carries; only verified lines become records.

Two runs starting together may both write the same earlier output: the records are identical (a
record is a full overwrite with the same values), so that costs writes, never a wrong label.
Work is bounded: at most ``max_runs`` executions are examined and ``max_records`` records written per
invocation; what is left (``left``) is written by the next run. A manifest that cannot be parsed is
reported in ``not_written`` and skipped, never retried into a loop that blocks every later run.
Step Functions lists closed executions for 90 days after they close ("Quotas", service quotas of
Step Functions: execution history retention), so older outputs are no longer found.
Standard library and boto3 only: this module ships in the Lambda zip.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from steps import aws, layout, naming, task_types, update_progress
from steps.contract import WriteUnwrittenEvent, WriteUnwrittenResult, WriteUnwrittenSettings
from steps.errors import FeatureStoreWriteFailed, ManifestError
from steps.log import StepSummary
from steps.s3_images import key_is_listed
from steps.stop_execution_jobs import start_time_renderings
from steps.update_feature_store import RETRY_POLICY, write_run_outputs

ENDED_UNSUCCESSFULLY = ("FAILED", "TIMED_OUT", "ABORTED")
GROUP_MISSING = "ResourceNotFound"  # BatchWriteRecord's error for a feature group that does not exist


def state_machine_arn(execution_arn: str) -> str:
    """``arn:...:execution:<machine>:<name>`` -> ``arn:...:stateMachine:<machine>``."""
    head, _, rest = execution_arn.partition(":execution:")
    machine = rest.split(":", 1)[0]
    if not head or not machine:
        raise ValueError(f"not an execution ARN: {execution_arn!r}")
    return f"{head}:stateMachine:{machine}"


def ended_executions(sfn: Any, machine_arn: str, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` executions that failed, timed out or were aborted, newest stop first."""
    found: list[dict[str, Any]] = []
    for status in ENDED_UNSUCCESSFULLY:
        paginator = sfn.get_paginator("list_executions")
        for page in paginator.paginate(stateMachineArn=machine_arn, statusFilter=status,
                                       PaginationConfig={"MaxItems": limit, "PageSize": min(limit, 1000)}):
            found.extend(page.get("executions", ()))
    found.sort(key=lambda e: e.get("stopDate") or e["startDate"], reverse=True)
    return found[:limit]


def run_ids(prefix: str, execution: dict[str, Any]) -> list[str]:
    """Every run id the execution may have used (steps.stop_execution_jobs.start_time_renderings)."""
    return list(dict.fromkeys(naming.run_id(prefix, execution["executionArn"], rendering, execution["name"])
                              for rendering in start_time_renderings(execution["startDate"])))


@dataclass
class PendingRun:
    """One run's outputs that are not (yet) complete."""

    run_id: str
    # The output the update writes records from (the verification output; the labeling output for
    # classification), when it exists and is not complete
    manifest_uri: str | None
    labeling_manifest_uri: str | None  # the labeling output (its UNLABELABLE lines), likewise


def _incomplete(s3: Any, bucket: str, key: str, marker_key: str) -> str | None:
    """``s3://bucket/key`` when that output exists and its marker does not say complete, else None."""
    if not key_is_listed(s3, bucket, key):
        return None
    uri = f"s3://{bucket}/{key}"
    if key_is_listed(s3, bucket, marker_key):
        body = s3.get_object(Bucket=bucket, Key=marker_key)["Body"].read()
        if update_progress.is_complete(body, uri):
            return None
    return uri


def records_output_key(work_prefix: str, run: str, task_type: str = task_types.BOUNDING_BOX) -> str:
    """Key of the output manifest the update step writes the run's records from (workflow.graph: the verification
    output, or for classification, which has no verification job, the labeling output)."""
    labeling_job, verification_job = naming.job_names(run)
    if task_types.has_verification(task_type):
        return layout.output_manifest_key(layout.verification_output_prefix(work_prefix, run), verification_job)
    return layout.output_manifest_key(layout.labeling_output_prefix(work_prefix, run), labeling_job)


def pending_run(s3: Any, bucket: str, work_prefix: str, run: str,
                task_type: str = task_types.BOUNDING_BOX) -> PendingRun | None:
    """The run's outputs still to write, or None when there is nothing (no output, or all complete)."""
    labeling_job, _ = naming.job_names(run)
    verified = _incomplete(s3, bucket, records_output_key(work_prefix, run, task_type),
                           layout.update_progress_key(work_prefix, run))
    labeled = _incomplete(s3, bucket, layout.output_manifest_key(layout.labeling_output_prefix(work_prefix, run),
                                                                 labeling_job),
                          layout.unlabelable_progress_key(work_prefix, run))
    if verified is None and labeled is None:
        return None
    return PendingRun(run, verified, labeled)


def _pending(s3: Any, settings: WriteUnwrittenSettings, executions: list[dict[str, Any]]) -> Iterator[PendingRun]:
    for execution in executions:
        for run in run_ids(settings["job_name_prefix"], execution):
            pending = pending_run(s3, settings["bucket"], settings["work_prefix"], run,
                                  settings.get("task_type", task_types.BOUNDING_BOX))
            if pending is not None:
                yield pending


@dataclass
class _Totals:
    runs_written: list[str] = field(default_factory=list)
    written: int = 0
    unlabelable: int = 0
    left: int = 0
    not_written: list[str] = field(default_factory=list)


def _update_event(settings: WriteUnwrittenSettings, execution: dict[str, Any], pending: PendingRun) -> dict[str, Any]:
    labeling_job, verification_job = naming.job_names(pending.run_id)
    return {"execution": execution, "manifest_uri": pending.manifest_uri,
            "labeling_manifest_uri": pending.labeling_manifest_uri, "labeling_job_name": labeling_job,
            "verification_job_name": verification_job, "run_id": pending.run_id, "settings": settings}


def write_unwritten(event: WriteUnwrittenEvent, s3: Any, sfn: Any, featurestore: Any,
                    summary: StepSummary) -> WriteUnwrittenResult:
    """Write every earlier run's unwritten output, within the caps; return what was done."""
    settings = event["settings"]
    executions = ended_executions(sfn, state_machine_arn(event["execution"]["id"]), settings["max_runs"])
    totals = _Totals()
    budget = settings["max_records"]
    for pending in _pending(s3, settings, executions):
        if budget <= 0:
            totals.left += 1
            continue
        run_summary = StepSummary("UpdateFeatureStore", None)
        try:
            done = write_run_outputs(_update_event(settings, event["execution"], pending), s3,  # type: ignore[arg-type]
                                     featurestore, run_summary, RETRY_POLICY, limit=budget)
        except (ManifestError, ClientError) as error:
            totals.not_written.append(f"{pending.run_id}: {error}"[:300])
            continue
        except FeatureStoreWriteFailed as error:
            if GROUP_MISSING not in str(error):
                raise  # the update would fail alike: the run fails here, before any job is paid for
            # No group to write to: leave every output for a run after the redeploy, and let the check
            # step fail with its own clear cause (FeatureGroupMissing).
            totals.not_written.append(f"{pending.run_id}: the feature group does not exist; written after it is "
                                      "deployed again")
            totals.left += 1
            break
        budget -= done.outcome.written
        totals.written += done.outcome.written
        totals.unlabelable += run_summary.fields.get("unlabelable_written", 0)
        if done.outcome.written:
            totals.runs_written.append(pending.run_id)
        if not done.complete:
            totals.left += 1
    result: WriteUnwrittenResult = {
        "runs_examined": len(executions),
        "runs_written": totals.runs_written,
        "written": totals.written,
        "unlabelable": totals.unlabelable,
        "left": totals.left,
        "not_written": totals.not_written,
    }
    summary.add(**result)
    return result


def handler(event: WriteUnwrittenEvent, context: Any) -> WriteUnwrittenResult:
    """AWS Lambda entry point (the write-unwritten function)."""
    summary = StepSummary("WriteUnwrittenOutput", getattr(context, "aws_request_id", None))
    try:
        concurrency = event["settings"]["max_concurrency"]
        result = write_unwritten(event, aws.client("s3"), aws.client("stepfunctions"),
                                 aws.featurestore_runtime_client(max_pool_connections=concurrency), summary)
    except Exception as error:
        summary.emit(error)
        raise
    summary.emit()
    return result

