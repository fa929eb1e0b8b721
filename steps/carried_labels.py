"""Labels an earlier run drew but never verified: this run verifies them again instead of labeling again.

A run whose labeling job completed but whose verification job then failed, was stopped (the
execution-ended rule stops the jobs of ABORTED, TIMED_OUT and FAILED executions: steps.stop_execution_jobs) or
never started leaves paid labels in S3 that no record holds. Without this module the next run sends
those images to labeling again. With it, the check step (steps.check_missing_labels) finds them and
sends them to this run's verification job only ("carried" labels). Bounding boxes and semantic
segmentation only (steps.task_types.has_verification): classification labels are written directly by
the first state (steps.unwritten_output). With ``verification.on_reject: adjust`` an adjustment job's
completed output is a source too (its adjusted labels, moved to the labeling attribute as
FilterLabeledObjects does; a line without an adjusted label carries only the rejected one: not carried).

Sources (``find_sources``), newest first, among the ended executions that did not succeed
(``ListExecutions`` FAILED, TIMED_OUT, ABORTED: the newest ``MAX_RUNS``, as steps.unwritten_output):

- only a run whose verification output was never written (its verification job never completed: a
  completed one's output is written by the first state, steps.unwritten_output);
- its labeling job's output manifest, only when ``DescribeLabelingJob`` says ``Completed``: the output
  is then documented at ``LabelingJobOutput.OutputDatasetS3Uri``
  (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeLabelingJob.html;
  ``<output path>/<job name>/manifests/output/output.manifest``,
  https://docs.aws.amazon.com/sagemaker/latest/dg/sms-data-output.html). A *stopped*
  labeling job's partial output is never used: StopLabelingJob's reference says only that "any
  results obtained before the job is stopped are placed in the Amazon S3 output bucket"
  (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopLabelingJob.html), not where nor in
  which form (undocumented), so its images are labeled again;
- with on_reject adjust, its adjustment job's output manifest, on the same condition;
- its own carried-labels manifest (a run that carried labels and failed again before verifying them):
  a label can be carried again and again until a verification job completes on it;
- a run whose verification output exists (it succeeded, or its update failed), and among the newest
  ``MAX_RUNS`` executions that SUCCEEDED: its ``unverified-labels.manifest``, the verification output's
  labels left without a verdict (tasks expired; steps.unverified_labels, kept by the update step), already
  in the carried-labels form. So a verification task that expired costs one more verification, never a
  second labeling.

A line is carried when it carries the label (the rule FilterLabeledObjects uses: the attribute and its
metadata without ``failure-reason``), its image is missing now and held by no other run (the caller's
``wanted``), and its ``source-etag`` equals the object's current ETag: a replaced image is labeled
again. Its label moves to the configured labeling attribute (the one the verification job's category
file audits and its template reads: workflow.job_requests), and ``CARRIED_FROM_KEY`` names the labeling
job that drew it, so that records name that job (steps.records). Ground Truth copies every key of an
input line into the output line (sms-data-output), so the key reaches the verification output. A
verification job need not be chained to the job that drew its labels: it is started "by chaining a
successfully completed job or starting a new job from scratch", its input lines carrying the label
attribute (https://docs.aws.amazon.com/sagemaker/latest/dg/sms-data-verify-start-api.html,
sms-data-verify-adjust-prereq). Its category file must hold the labels of the original job: a label
drawn under other ``labels.categories`` than today's is not detected here (change categories only
between batches that did not fail).

Carrying is claimed like labeling: the images are in the run's input manifest, which its in-flight
marker points to (steps.in_flight), so two overlapping runs never carry the same image. After the claim
the run writes ``runs/<source>/handed-on/<run>.json`` for each source it took from: later runs no
longer take those images from that source, whatever became of the carrying run (succeeded: the label is
verified, APPROVED or REJECTED; failed before verifying: its own carried-labels manifest is the newer
source). A run reading the markers ignores its own (a retried check step carries the same labels).
Standard library and boto3 only: this module ships in the Lambda zip.
"""
from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from steps import layout, naming, task_types
from steps.filter_labeled_objects import as_verified_line, is_labeled
from steps.manifests import SOURCE_ETAG, encryption_args, read_manifest_lines
from steps.records import CARRIED_FROM_KEY
from steps.s3_images import bare_etag, key_is_listed, split_s3_uri
from steps.unwritten_output import ended_executions, run_ids, state_machine_arn

MAX_RUNS = 50  # ended executions examined (as steps.unwritten_output and workflow.graph.recovery)
COMPLETED = "Completed"
SUCCEEDED = "SUCCEEDED"
METADATA = "-metadata"
# The label's metadata ``type`` per task type (sms-data-output): a label of another task type is not carried.
LABEL_TYPES = {
    task_types.BOUNDING_BOX: "groundtruth/object-detection",
    task_types.SEMANTIC_SEGMENTATION: "groundtruth/semantic-segmentation",
}
_NOT_FOUND = ("ResourceNotFound", "ResourceNotFoundException", "ValidationException")
SPOOL_BYTES = 16 * 1024 * 1024


def applies(settings: Mapping[str, Any]) -> bool:
    """Whether this run carries labels: the check settings' ``carry_labels`` (workflow.graph.settings sets it
    for a task type with a verification job), checked against the same rule here."""
    return (bool(settings.get("carry_labels"))
            and task_types.has_verification(settings.get("task_type") or task_types.BOUNDING_BOX))


@dataclass(frozen=True)
class Source:
    """One earlier run's unverified labels: its labeling output (``labeling_job`` drew them) or its
    carried-labels manifest (``labeling_job`` None: each line names its job)."""

    run_id: str
    manifest_uri: str
    labeling_job: str | None
    adjusted_attribute: str | None = None  # an adjustment job's output: its labels are under this attribute


@dataclass(frozen=True)
class Carried:
    """One carried label: the verification input line and the run it was taken from."""

    line: dict[str, Any]
    source_run: str


def label_attribute_of(line: Mapping[str, Any], configured: str) -> str | None:
    """The attribute holding the line's label: ``configured``, else the one attribute with a ``-metadata``
    companion (an earlier configuration's name), else None."""
    if configured in line:
        return configured
    found = [key for key in line if not key.endswith(METADATA) and isinstance(line.get(key + METADATA), dict)]
    return found[0] if len(found) == 1 else None


def carried_line(line: Mapping[str, Any], configured: str, task_type: str, labeling_job: str | None
                 ) -> dict[str, Any] | None:
    """``line`` as a verification input line (label under ``configured``, the job that drew it named),
    or None when it carries no usable label of ``task_type``."""
    attribute = label_attribute_of(line, configured)
    if attribute is None or not is_labeled(dict(line), attribute):
        return None
    metadata = line[attribute + METADATA]
    if metadata.get("type") not in (None, LABEL_TYPES.get(task_type)):
        return None
    job = line.get(CARRIED_FROM_KEY) or labeling_job
    if not isinstance(job, str) or not job:
        return None
    out = {key: value for key, value in line.items() if key not in (attribute, attribute + METADATA)}
    out[configured] = line[attribute]
    out[configured + METADATA] = metadata
    out[CARRIED_FROM_KEY] = job
    return out


def _not_found(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code", "") in _NOT_FOUND


def completed_output(sagemaker: Any, job: str) -> str | None:
    """The labeling job's output manifest URI when it is Completed, else None (Stopped, Failed, none)."""
    try:
        described = sagemaker.describe_labeling_job(LabelingJobName=job)
    except ClientError as error:
        if _not_found(error):
            return None
        raise
    if described.get("LabelingJobStatus") != COMPLETED:
        return None  # a Stopped job's partial output is not documented where it lands: never used
    uri = (described.get("LabelingJobOutput") or {}).get("OutputDatasetS3Uri")
    return uri if isinstance(uri, str) and uri.startswith("s3://") else None


def run_sources(s3: Any, sagemaker: Any, bucket: str, work_prefix: str, run: str,
                adjustment_attribute: str | None = None) -> list[Source]:
    """The unverified labels ``run`` left: none when its verification output exists. ``adjustment_attribute``
    (on_reject adjust): the adjustment job's output is a source too."""
    labeling_job, verification_job = naming.job_names(run)
    if key_is_listed(s3, bucket, layout.output_manifest_key(layout.verification_output_prefix(work_prefix, run),
                                                               verification_job)):
        # verified (steps.unwritten_output writes it), but for the labels left without a verdict
        return unverified_sources(s3, bucket, work_prefix, run)
    found = []
    carried_key = layout.carried_labels_key(work_prefix, run)
    if key_is_listed(s3, bucket, carried_key):
        found.append(Source(run, f"s3://{bucket}/{carried_key}", None))
    jobs: list[tuple[str, str | None]] = [(labeling_job, None)]
    if adjustment_attribute:
        jobs.append((naming.adjustment_job_name(run), adjustment_attribute))
    for job, adjusted in jobs:  # the adjustment job writes under the labeling job's S3OutputPath
        if key_is_listed(s3, bucket, layout.output_manifest_key(layout.labeling_output_prefix(work_prefix, run), job)):
            uri = completed_output(sagemaker, job)
            if uri:
                found.append(Source(run, uri, job, adjusted))
    return found


def unverified_sources(s3: Any, bucket: str, work_prefix: str, run: str) -> list[Source]:
    """The labels ``run``'s verification job left without a verdict (its update kept them:
    steps.unverified_labels), as a source in the carried-labels form; none when there are none."""
    key = layout.unverified_labels_key(work_prefix, run)
    return [Source(run, f"s3://{bucket}/{key}", None)] if key_is_listed(s3, bucket, key) else []


def succeeded_executions(sfn: Any, machine_arn: str, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` executions that succeeded: ListExecutions' "Results are sorted by time, with the most
    recent execution first" (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html)."""
    found: list[dict[str, Any]] = []
    paginator = sfn.get_paginator("list_executions")
    for page in paginator.paginate(stateMachineArn=machine_arn, statusFilter=SUCCEEDED,
                                   PaginationConfig={"MaxItems": limit, "PageSize": min(limit, 1000)}):
        found.extend(page.get("executions", ()))
    return found[:limit]


def find_sources(s3: Any, sagemaker: Any, sfn: Any, settings: Mapping[str, Any], own_execution_arn: str,
                 max_runs: int = MAX_RUNS) -> list[Source]:
    """Every source of unverified labels among the newest ``max_runs`` ended executions that did not succeed
    and the newest ``max_runs`` that did (only their labels left without a verdict), newest first."""
    machine = state_machine_arn(own_execution_arn)
    ended = [(execution, False) for execution in ended_executions(sfn, machine, max_runs)]
    ended += [(execution, True) for execution in succeeded_executions(sfn, machine, max_runs)]
    ended.sort(key=lambda item: item[0].get("stopDate") or item[0]["startDate"], reverse=True)
    bucket, work_prefix = settings["bucket"], settings["work_prefix"]
    adjusted = settings.get("adjustment_attribute") if settings.get("on_reject") == "adjust" else None
    found: list[Source] = []
    for execution, succeeded in ended:
        for run in run_ids(settings["job_name_prefix"], execution):
            found += (unverified_sources(s3, bucket, work_prefix, run) if succeeded
                      else run_sources(s3, sagemaker, bucket, work_prefix, run, adjusted))
    return found


def _source_refs(s3: Any, uri: str) -> Iterator[str]:
    try:
        for _number, raw in read_manifest_lines(s3, uri):
            try:
                ref = json.loads(raw).get("source-ref")
            except (ValueError, AttributeError):
                continue
            if isinstance(ref, str):
                yield ref
    except ClientError as error:
        if not _not_found(error) and error.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
            raise


def handed_on(s3: Any, bucket: str, work_prefix: str, source_run: str, own_run: str) -> set[str]:
    """The images other runs carried on from ``source_run`` (its handed-on markers; our own is ignored)."""
    uris: set[str] = set()
    own = layout.handed_on_key(work_prefix, source_run, own_run)
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=layout.handed_on_prefix(work_prefix, source_run)):
        for obj in page.get("Contents", ()):
            if obj["Key"] == own:
                continue
            try:
                marker = json.loads(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
                manifest = marker["manifest_uri"]
                split_s3_uri(manifest)
            except (ValueError, KeyError, TypeError):
                continue  # unreadable marker: nothing known carried on
            uris.update(_source_refs(s3, manifest))
    return uris


def _lines(s3: Any, uri: str) -> Iterator[dict[str, Any]]:
    for _number, raw in read_manifest_lines(s3, uri):
        try:
            line = json.loads(raw)
        except ValueError:
            continue  # a line that is not JSON carries nothing usable: that image is labeled again
        if isinstance(line, dict):
            yield line


def earlier_labels(s3: Any, sources: list[Source], wanted: Mapping[str, str], settings: Mapping[str, Any],
                   own_run: str) -> dict[str, Carried]:
    """Image URI -> its carried label, for the ``wanted`` images (URI -> current ETag) whose newest source
    has a usable label at that ETag. Memory is bounded by the sources' sizes (at most one run's images each)."""
    bucket, work_prefix = settings["bucket"], settings["work_prefix"]
    configured = settings["label_attribute"]
    task_type = settings.get("task_type") or task_types.BOUNDING_BOX
    found: dict[str, Carried] = {}
    taken: dict[str, set[str]] = {}
    for source in sources:
        if source.run_id not in taken:
            taken[source.run_id] = handed_on(s3, bucket, work_prefix, source.run_id, own_run)
        for line in _lines(s3, source.manifest_uri):
            uri = line.get("source-ref")
            if not isinstance(uri, str) or uri in found or uri in taken[source.run_id] or uri not in wanted:
                continue
            etag = wanted[uri]
            if not etag or bare_etag(line.get(SOURCE_ETAG) if isinstance(line.get(SOURCE_ETAG), str) else "") != etag:
                continue  # replaced since (or its ETag unknown): labeled again
            if source.adjusted_attribute:  # adjusted: the new label replaces the rejected one (FilterLabeledObjects)
                if not is_labeled(line, source.adjusted_attribute):
                    continue
                line = as_verified_line(line, configured, source.adjusted_attribute)
            carried = carried_line(line, configured, task_type, source.labeling_job)
            if carried is not None:
                found[uri] = Carried(carried, source.run_id)
    return found


@dataclass
class Written:
    """What ``write_carried`` wrote: the carried-labels manifest (None when nothing is carried) and counts."""

    manifest_uri: str | None = None
    count: int = 0
    sources: list[str] = field(default_factory=list)


def write_carried(s3: Any, settings: Mapping[str, Any], run: str, uris: list[str], carried: Mapping[str, Carried]
                  ) -> Written:
    """Write the carried lines of ``uris`` (the claimed images that have one) to the run's carried-labels
    manifest, then a handed-on marker in each source run. Call after the claim is settled."""
    bucket, work_prefix, kms = settings["bucket"], settings["work_prefix"], settings.get("kms_key_arn")
    lines = [carried[uri] for uri in uris if uri in carried]
    if not lines:
        return Written()
    key = layout.carried_labels_key(work_prefix, run)
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as body:
        for item in lines:
            body.write(json.dumps(item.line, ensure_ascii=True).encode("ascii") + b"\n")
        body.seek(0)
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/jsonlines", **encryption_args(kms))
    uri = f"s3://{bucket}/{key}"
    sources = sorted({item.source_run for item in lines})
    for source in sources:
        s3.put_object(Bucket=bucket, Key=layout.handed_on_key(work_prefix, source, run),
                      Body=json.dumps({"run_id": run, "manifest_uri": uri}).encode("utf-8"),
                      ContentType="application/json", **encryption_args(kms))
    return Written(uri, len(lines), sources)
