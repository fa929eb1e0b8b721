"""Lambda step CheckMissingLabels: find raw images without an approved label, queue a run.

Event and result: ``steps.contract.CheckMissingLabelsEvent`` / ``CheckMissingLabelsResult``.
The result has constant size: the selected images go to the input manifest in S3.
Images that other executions are labeling (or whose approvals the offline store may not
show yet) are left out and counted as ``in_flight``: see ``steps.in_flight``.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from steps import aws, in_flight, layout, naming
from steps.contract import CheckMissingLabelsEvent, CheckMissingLabelsResult, CheckMissingLabelsSettings
from steps.errors import FeatureGroupMissing
from steps.execution_input import allow_empty_feature_group, images_cap
from steps.labeled_images import approved_image_uris
from steps.log import StepSummary
from steps.manifests import write_input_manifest
from steps.missing import Selection, select_missing
from steps.s3_images import ImageObject, list_images


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_result(
    selection: Selection, cap: int, run: str, bucket: str, work_prefix: str, manifest_uri: str | None,
    in_flight_count: int = 0,
) -> CheckMissingLabelsResult:
    """The step's result: counts, job names and S3 locations; never the image list."""
    labeling_job, verification_job = naming.job_names(run)
    return {
        "images_found": selection.images_found,
        "already_labeled": selection.already_labeled,
        "missing": selection.missing,
        "in_flight": in_flight_count,
        "selected": len(selection.selected),
        "backlog": selection.backlog,
        "max_images": cap,
        "run_id": run,
        "manifest_uri": manifest_uri,
        "labeling_job_name": labeling_job,
        "verification_job_name": verification_job,
        "labeling_output_uri": f"s3://{bucket}/{layout.labeling_output_prefix(work_prefix, run)}",
        "verification_output_uri": f"s3://{bucket}/{layout.verification_output_prefix(work_prefix, run)}",
    }


def held_count(images: list[ImageObject], labeled: Collection[str], held: Collection[str]) -> int:
    """How many listed images lack an approved label and are held by another run."""
    return sum(1 for image in images if image.uri in held and image.uri not in labeled) if held else 0


def select_free(
    images: list[ImageObject], labeled: set[str], held: set[str], cap: int
) -> tuple[Selection, int]:
    """The missing images no other run holds (``cap`` oldest selected), and the count held."""
    if not held:
        return select_missing(images, labeled, cap), 0
    count = held_count(images, labeled, held)
    selection = select_missing(images, labeled | held, cap)
    return replace(selection, already_labeled=selection.already_labeled - count), count


def release_lost_claims(
    s3: Any, stepfunctions: Any, bucket: str, work_prefix: str, own_execution_arn: str, now: datetime,
    summary: StepSummary,
) -> None:
    """The feature group is missing: release the claims of runs that succeeded into it.

    Their approvals can never become visible (their records went to the lost group), so waiting
    for them would only hold their images back from the first run after a redeploy. Claims of
    running executions stay. Best effort: the run fails with FeatureGroupMissing either way.
    """
    try:
        found = in_flight.read_in_flight(s3, stepfunctions, bucket, work_prefix, own_execution_arn, set(), now,
                                         store_readable=False)
    except Exception as error:
        summary.note(f"claims of earlier runs not released: {error}")
        return
    summary.add(released_markers=found.released)


def check_missing_labels(
    event: CheckMissingLabelsEvent, s3: Any, sagemaker: Any, athena: Any, summary: StepSummary,
    stepfunctions: Any, clock: Callable[[], datetime] = utc_now,
) -> CheckMissingLabelsResult:
    """List images, subtract the approved ones and those in flight, claim the rest, return the result."""
    settings: CheckMissingLabelsSettings = event["settings"]
    cap = images_cap(event.get("input"), settings["max_images_per_run"])
    allow_missing = allow_empty_feature_group(event.get("input"))
    execution = event["execution"]
    run = naming.run_id(settings["job_name_prefix"], execution["id"], execution["start_time"], execution["name"])
    summary.add(run_id=run, max_images=cap)
    bucket, work_prefix, kms_key_arn = settings["bucket"], settings["work_prefix"], settings.get("kms_key_arn")
    images = list(list_images(s3, bucket, settings["raw_prefix"], settings["image_extensions"]))
    held = in_flight.InFlight()
    if images:
        try:
            labeled, note = approved_image_uris(
                sagemaker, athena, s3, settings["feature_group_name"], settings["athena_workgroup"],
                settings["athena_output_uri"], kms_key_arn, allow_missing=allow_missing,
            )
        except FeatureGroupMissing:
            release_lost_claims(s3, stepfunctions, bucket, work_prefix, execution["id"], clock(), summary)
            raise
        held = in_flight.read_in_flight(s3, stepfunctions, bucket, work_prefix, execution["id"], labeled, clock(),
                                        store_readable=note is None)
    else:
        labeled, note = set(), "no images under the raw prefix: the offline store was not queried"
    if note:
        summary.note(note)
    selection, in_flight_count = select_free(images, labeled, held.uris, cap)
    manifest_uri = None
    if selection.selected:
        key = layout.input_manifest_key(work_prefix, run)
        manifest_uri = write_input_manifest(s3, bucket, key, (image.uri for image in selection.selected), kms_key_arn)
        marker = in_flight.claim(s3, bucket, work_prefix, run, execution["id"], manifest_uri, kms_key_arn, clock())
        contested = in_flight.older_claims(
            s3, stepfunctions, bucket, work_prefix, marker, execution["id"], held.seen, labeled, clock()
        )
        held.runs += contested.runs
        held.released += contested.released
        held.notes += contested.notes
        if contested.uris:
            moved = held_count(images, labeled | held.uris, contested.uris)
            kept = [image for image in selection.selected if image.uri not in contested.uris]
            selection = replace(selection, missing=selection.missing - moved, selected=kept)
            in_flight_count += moved
            if kept:
                write_input_manifest(s3, bucket, key, (image.uri for image in kept), kms_key_arn)
            else:
                in_flight.release(s3, bucket, marker)
                s3.delete_object(Bucket=bucket, Key=key)
                manifest_uri = None
    for message in held.notes:
        summary.note(message)
    summary.add(in_flight_runs=len(held.runs), released_markers=held.released)
    result = build_result(selection, cap, run, bucket, work_prefix, manifest_uri, in_flight_count)
    summary.add(**{k: v for k, v in result.items() if k != "run_id"})
    return result


def handler(event: CheckMissingLabelsEvent, context: Any) -> CheckMissingLabelsResult:
    """AWS Lambda entry point."""
    summary = StepSummary("CheckMissingLabels", getattr(context, "aws_request_id", None))
    try:
        result = check_missing_labels(
            event, aws.client("s3"), aws.client("sagemaker"), aws.client("athena"), summary, aws.client("stepfunctions")
        )
    except Exception as error:
        summary.emit(error)
        raise
    summary.emit()
    return result
