"""Lambda step UpdateFeatureStore: write the verified labels to the feature group.

Event and result: ``steps.contract.UpdateFeatureStoreEvent`` / ``UpdateFeatureStoreResult``.
The output manifest is streamed line by line; records go out in batches of 25 with
concurrency that adapts to throttling (steps.aimd). A corrupt line fails the step (ManifestError)
and a record that cannot be written fails it too (FeatureStoreWriteFailed): labels are never
dropped silently. The lines written are recorded after each confirmed batch in the run's progress
marker (steps.update_progress): a retried or re-run update skips them and counts them as skipped.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from steps import aws, contract, layout
from steps.batch_writer import RetryPolicy, write_keyed_records
from steps.contract import UpdateFeatureStoreEvent, UpdateFeatureStoreResult
from steps.log import StepSummary
from steps.manifests import read_manifest_lines
from steps.records import RecordContext, parse_line, to_feature_values
from steps.update_progress import Progress

RETRY_POLICY = RetryPolicy()  # up to 8 attempts per batch, 0.1 s .. 5 s full-jitter backoff


class _Counts:
    def __init__(self) -> None:
        self.lines_read = self.approved = self.rejected = self.unlabeled = self.skipped = 0


def _records(
    s3: Any, manifest_uri: str, ctx: RecordContext, counts: _Counts, written: set[int]
) -> Iterator[tuple[int, list[dict[str, str]]]]:
    """(line number, feature values) of every labeled line not in ``written``; every line is parsed and counted."""
    for number, raw in read_manifest_lines(s3, manifest_uri):
        counts.lines_read += 1
        record = parse_line(number, raw, ctx)
        if record is None:
            counts.unlabeled += 1
            continue
        if record["status"] == contract.STATUS_APPROVED:
            counts.approved += 1
        else:
            counts.rejected += 1
        if number in written:
            counts.skipped += 1
            continue
        yield number, to_feature_values(record)


def _progress(event: UpdateFeatureStoreEvent, s3: Any) -> Progress | None:
    """The run's progress marker, or None when the event does not say where the run lives."""
    settings = event["settings"]
    run, bucket, work_prefix = event.get("run_id"), settings.get("bucket"), settings.get("work_prefix")
    if not run or not bucket or work_prefix is None:
        return None
    return Progress(s3, bucket, layout.update_progress_key(work_prefix, run), event["manifest_uri"],
                    settings.get("kms_key_arn"))


def update_feature_store(
    event: UpdateFeatureStoreEvent,
    s3: Any,
    featurestore: Any,
    summary: StepSummary,
    policy: RetryPolicy | None = None,
) -> UpdateFeatureStoreResult:
    """Stream the manifest into feature records and write them all; return the counts."""
    started = time.monotonic()
    settings = event["settings"]
    ctx = RecordContext(
        label_attribute=settings["label_attribute"],
        verification_attribute=settings["verification_attribute"],
        approved_index=settings["approved_index"],
        labeling_job=event["labeling_job_name"],
        verification_job=event["verification_job_name"],
    )
    summary.add(manifest_uri=event["manifest_uri"], feature_group=settings["feature_group_name"])
    counts = _Counts()
    progress = _progress(event, s3)
    written = progress.load() if progress else set()
    try:
        outcome = write_keyed_records(
            featurestore, settings["feature_group_name"], _records(s3, event["manifest_uri"], ctx, counts, written),
            settings["max_concurrency"], policy or RETRY_POLICY, on_written=progress.record if progress else None,
        )
    finally:
        summary.add(**vars(counts))
        if progress:
            summary.add(progress_saves=progress.saves, progress_save_error=progress.save_error)
    result: UpdateFeatureStoreResult = {
        "lines_read": counts.lines_read,
        "approved": counts.approved,
        "rejected": counts.rejected,
        "unlabeled": counts.unlabeled,
        "written": outcome.written,
        "skipped": counts.skipped,
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
