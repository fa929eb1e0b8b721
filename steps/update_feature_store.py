"""Lambda step UpdateFeatureStore: write the verified labels to the feature group.

Event and result: ``steps.contract.UpdateFeatureStoreEvent`` / ``UpdateFeatureStoreResult``.
The output manifest is streamed line by line; records go out in batches of 25 with
concurrency that adapts to throttling (steps.aimd). A corrupt line fails the step (ManifestError)
and a record that cannot be written fails it too (FeatureStoreWriteFailed): labels are never
dropped silently. The lines written are recorded after each confirmed batch in the run's progress
marker (steps.update_progress): a retried or re-run update skips them and counts them as skipped.
Given the labeling job's output (``labeling_manifest_uri``), it then writes an UNLABELABLE record for
every object Ground Truth could not label because of the object itself (steps.unlabelable), with
its own marker. A marker is marked complete once its whole manifest is written; an output left
incomplete (the step failed for good) is written by a later run first (steps.unwritten_output).
Verification output lines that hold the label but no verdict (the verification task expired) are kept
in the run's unverified-labels manifest before the marker is marked complete (steps.unverified_labels):
the next run verifies those labels again instead of labeling the images again (steps.carried_labels).
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from steps import aws, contract, layout, task_types
from steps.batch_writer import RetryPolicy, WriteOutcome, write_keyed_records
from steps.contract import UpdateFeatureStoreEvent, UpdateFeatureStoreResult, UpdateFeatureStoreSettings
from steps.errors import FeatureStoreWriteFailed
from steps.log import StepSummary
from steps.manifests import read_manifest_lines
from steps.records import RecordContext, parse_line, to_feature_values
from steps.unlabelable import head_etag, markers, parse_labeling_line
from steps.unverified_labels import Keeper
from steps.update_progress import Progress

RETRY_POLICY = RetryPolicy()  # up to 8 attempts per batch, 0.1 s .. 5 s full-jitter backoff


class _Counts:
    def __init__(self) -> None:
        self.lines_read = self.approved = self.rejected = self.unlabeled = self.skipped = 0
        self.unlabelable = 0  # UNLABELABLE records in the labeling output (written now or by an earlier attempt)
        self.capped = False  # ``limit`` records were handed out: the rest is left for later


def _records(
    s3: Any, manifest_uri: str, ctx: RecordContext, counts: _Counts, written: set[int], limit: int | None = None,
    keeper: Keeper | None = None,
) -> Iterator[tuple[int, list[dict[str, str]]]]:
    """(line number, feature values) of every labeled line not in ``written``; every line is parsed and counted.

    With ``limit``, at most that many records are handed out; reaching it sets ``counts.capped``.
    ``keeper`` is offered every unlabeled line (a label without a verdict is kept: steps.unverified_labels)."""
    handed = 0
    for number, raw in read_manifest_lines(s3, manifest_uri):
        counts.lines_read += 1
        record = parse_line(number, raw, ctx)
        if record is None:
            counts.unlabeled += 1
            if keeper is not None:
                keeper.offer(raw)
            continue
        if record["status"] == contract.STATUS_APPROVED:
            counts.approved += 1
        else:
            counts.rejected += 1
        if number in written:
            counts.skipped += 1
            continue
        if limit is not None and handed >= limit:
            counts.capped = True
            return
        handed += 1
        yield number, to_feature_values(record)


def _unlabelable_records(
    s3: Any, manifest_uri: str, label_attribute: str, labeling_job: str, counts: _Counts, written: set[int],
    limit: int | None = None, object_markers: tuple[str, ...] | None = None,
) -> Iterator[tuple[int, list[dict[str, str]]]]:
    """(line number, feature values) of the labeling output's UNLABELABLE records not in ``written``
    (``object_markers``: the failure-reason fragments that mean UNLABELABLE, steps.unlabelable.markers)."""
    etag_of = head_etag(s3)
    found = object_markers or markers()
    handed = 0
    for number, raw in read_manifest_lines(s3, manifest_uri):
        record = parse_labeling_line(number, raw, label_attribute, labeling_job, etag_of, found)
        if record is None:
            continue
        counts.unlabelable += 1
        if number in written:
            continue
        if limit is not None and handed >= limit:
            counts.capped = True
            return
        handed += 1
        yield number, to_feature_values(record)


def _progress(event: UpdateFeatureStoreEvent, s3: Any, key_of: Any = layout.update_progress_key,
              manifest_uri: str | None = None) -> Progress | None:
    """A progress marker of the run (``key_of``: which one), or None when the event does not say where the run lives."""
    settings = event["settings"]
    run, bucket, work_prefix = event.get("run_id"), settings.get("bucket"), settings.get("work_prefix")
    if not run or not bucket or work_prefix is None:
        return None
    return Progress(s3, bucket, key_of(work_prefix, run), manifest_uri or event["manifest_uri"],
                    settings.get("kms_key_arn"))


def _write(featurestore: Any, settings: UpdateFeatureStoreSettings, records: Iterator[tuple[int, list[dict[str, str]]]],
           progress: Progress | None, policy: RetryPolicy | None, total: WriteOutcome) -> None:
    """Write ``records`` (recording each confirmed batch in ``progress``) and add the outcome to ``total``;
    a FeatureStoreWriteFailed leaves with ``total`` as its ``outcome``."""
    try:
        outcome = write_keyed_records(featurestore, settings["feature_group_name"], records, settings["max_concurrency"],
                                      policy or RETRY_POLICY, on_written=progress.record if progress else None)
    except FeatureStoreWriteFailed as error:
        failed = getattr(error, "outcome", None)
        if failed is not None:
            _add(total, failed)
            error.outcome = total  # type: ignore[attr-defined]
        raise
    _add(total, outcome)


def _add(total: WriteOutcome, outcome: WriteOutcome) -> None:
    total.written += outcome.written
    total.failed += outcome.failed
    total.first_error = total.first_error or outcome.first_error
    total.calls += outcome.calls
    total.retried_entries += outcome.retried_entries
    total.throttled_calls += outcome.throttled_calls
    lowest = [n for n in (total.lowest_concurrency, outcome.lowest_concurrency) if n]
    total.lowest_concurrency = min(lowest) if lowest else 0


def _keeper(event: UpdateFeatureStoreEvent, ctx: RecordContext) -> Keeper | None:
    """A keeper of the verification output's labels without a verdict, when the run has a verification job,
    reads a verification output and says where it lives (steps.unverified_labels)."""
    settings = event["settings"]
    if (not event.get("manifest_uri") or not task_types.has_verification(ctx.task_type) or not event.get("run_id")
            or not settings.get("bucket") or settings.get("work_prefix") is None):
        return None
    return Keeper(ctx.label_attribute, ctx.verification_attribute, ctx.labeling_job)


@dataclass
class RunWrite:
    """What writing one run's outputs did (steps.unwritten_output sums these over runs)."""

    counts: _Counts
    outcome: WriteOutcome
    complete: bool  # both outputs fully written (markers say so)


def write_run_outputs(
    event: UpdateFeatureStoreEvent, s3: Any, featurestore: Any, summary: StepSummary,
    policy: RetryPolicy | None = None, limit: int | None = None,
) -> RunWrite:
    """Write one run's verified records, then its UNLABELABLE records, skipping lines already written.

    With ``limit`` at most that many records are written per output (steps.unwritten_output's cap);
    each output's marker is marked complete once every line of it is written.
    """
    settings = event["settings"]
    ctx = RecordContext(
        label_attribute=settings["label_attribute"],
        verification_attribute=settings["verification_attribute"],
        approved_index=settings["approved_index"],
        labeling_job=event["labeling_job_name"],
        verification_job=event["verification_job_name"],
        task_type=settings.get("task_type", task_types.BOUNDING_BOX),
        min_confidence=settings.get("min_confidence", 0.0),
    )
    counts, total = _Counts(), WriteOutcome()
    complete = True
    progress = _progress(event, s3) if event.get("manifest_uri") else None
    keeper = _keeper(event, ctx)
    try:
        if event.get("manifest_uri"):
            written = progress.load() if progress else set()
            _write(featurestore, settings, _records(s3, event["manifest_uri"], ctx, counts, written, limit, keeper),
                   progress, policy, total)
            if counts.capped:
                complete = False
            else:
                if keeper is not None:  # every line was read: before the marker says complete
                    keeper.write(s3, settings["bucket"], settings["work_prefix"], event["run_id"],
                                 settings.get("kms_key_arn"))
                    summary.add(unverified_kept=keeper.count)
                if progress:
                    progress.finish()
        labeling_uri = event.get("labeling_manifest_uri")
        if labeling_uri:
            counts.capped = False
            marker = _progress(event, s3, layout.unlabelable_progress_key, labeling_uri)
            done = marker.load() if marker else set()
            before = total.written
            _write(featurestore, settings, _unlabelable_records(s3, labeling_uri, settings["label_attribute"],
                                                                event["labeling_job_name"], counts, done, limit,
                                                                markers(settings.get("unlabelable_reasons"))),
                   marker, policy, total)
            summary.add(unlabelable_written=total.written - before)
            if counts.capped:
                complete = False
            elif marker:
                marker.finish()
    finally:
        if keeper is not None:
            keeper.close()
        summary.add(**vars(counts))
        if progress:
            summary.add(progress_saves=progress.saves, progress_save_error=progress.save_error)
    return RunWrite(counts, total, complete)


def update_feature_store(
    event: UpdateFeatureStoreEvent,
    s3: Any,
    featurestore: Any,
    summary: StepSummary,
    policy: RetryPolicy | None = None,
) -> UpdateFeatureStoreResult:
    """Stream the manifest into feature records and write them all (then the UNLABELABLE ones); return the counts."""
    started = time.monotonic()
    summary.add(manifest_uri=event["manifest_uri"], feature_group=event["settings"]["feature_group_name"])
    run = write_run_outputs(event, s3, featurestore, summary, policy)
    counts, outcome = run.counts, run.outcome
    result: UpdateFeatureStoreResult = {
        "lines_read": counts.lines_read,
        "approved": counts.approved,
        "rejected": counts.rejected,
        "unlabeled": counts.unlabeled,
        "written": outcome.written,
        "skipped": counts.skipped,
        "unlabelable": counts.unlabelable,
        "seconds": round(time.monotonic() - started, 3),
    }
    summary.add(written=outcome.written, calls=outcome.calls, retried_entries=outcome.retried_entries,
                throttled_calls=outcome.throttled_calls, lowest_concurrency=outcome.lowest_concurrency)
    return result


def handler(event: UpdateFeatureStoreEvent, context: Any) -> UpdateFeatureStoreResult:
    """AWS Lambda entry point."""
    summary = StepSummary("UpdateFeatureStore", getattr(context, "aws_request_id", None))
    try:
        concurrency = event["settings"]["max_concurrency"]
        result = update_feature_store(
            event, aws.client("s3"), aws.featurestore_runtime_client(max_pool_connections=concurrency), summary
        )
    except Exception as error:
        outcome = getattr(error, "outcome", None)
        if outcome is not None:
            summary.add(written=outcome.written, failed=outcome.failed)
        summary.emit(error)
        raise
    summary.emit()
    return result
