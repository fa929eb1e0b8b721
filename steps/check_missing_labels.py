"""Lambda step CheckMissingLabels: find raw images without an approved label, queue a run.

Event and result: ``steps.contract.CheckMissingLabelsEvent`` / ``CheckMissingLabelsResult``.
The result has constant size: the selected images go to the input manifest in S3.
"""
from __future__ import annotations

from typing import Any

from steps import aws, naming
from steps.contract import CheckMissingLabelsEvent, CheckMissingLabelsResult, CheckMissingLabelsSettings
from steps.execution_input import images_cap
from steps.labeled_images import approved_image_uris
from steps.log import StepSummary
from steps.manifests import write_input_manifest
from steps.missing import Selection, select_missing
from steps.s3_images import list_images

INPUT_MANIFEST_NAME = "input.manifest"


def build_result(
    selection: Selection, cap: int, run: str, bucket: str, work_prefix: str, manifest_uri: str | None
) -> CheckMissingLabelsResult:
    """The step's result: counts, job names and S3 locations; never the image list."""
    prefix = naming.run_prefix(work_prefix, run)
    labeling_job, verification_job = naming.job_names(run)
    return {
        "images_found": selection.images_found,
        "already_labeled": selection.already_labeled,
        "missing": selection.missing,
        "selected": len(selection.selected),
        "backlog": selection.backlog,
        "max_images": cap,
        "run_id": run,
        "manifest_uri": manifest_uri,
        "labeling_job_name": labeling_job,
        "verification_job_name": verification_job,
        "labeling_output_uri": f"s3://{bucket}/{prefix}labeling/",
        "verification_output_uri": f"s3://{bucket}/{prefix}verification/",
    }


def check_missing_labels(
    event: CheckMissingLabelsEvent, s3: Any, sagemaker: Any, athena: Any, summary: StepSummary
) -> CheckMissingLabelsResult:
    """List images, subtract the approved ones, write this run's manifest, return the result."""
    settings: CheckMissingLabelsSettings = event["settings"]
    cap = images_cap(event.get("input"), settings["max_images_per_run"])
    execution = event["execution"]
    run = naming.run_id(settings["job_name_prefix"], execution["id"], execution["start_time"], execution["name"])
    summary.add(run_id=run, max_images=cap)
    bucket = settings["bucket"]
    images = list(list_images(s3, bucket, settings["raw_prefix"], settings["image_extensions"]))
    if images:
        labeled, note = approved_image_uris(
            sagemaker, athena, s3, settings["feature_group_name"], settings["athena_workgroup"],
            settings["athena_output_uri"], settings.get("kms_key_arn"),
        )
    else:
        labeled, note = set(), "no images under the raw prefix: the offline store was not queried"
    if note:
        summary.note(note)
    selection = select_missing(images, labeled, cap)
    manifest_uri = None
    if selection.selected:
        key = naming.run_prefix(settings["work_prefix"], run) + INPUT_MANIFEST_NAME
        manifest_uri = write_input_manifest(
            s3, bucket, key, (image.uri for image in selection.selected), settings.get("kms_key_arn")
        )
    result = build_result(selection, cap, run, bucket, settings["work_prefix"], manifest_uri)
    summary.add(**{k: v for k, v in result.items() if k != "run_id"})
    return result


def handler(event: CheckMissingLabelsEvent, context: Any) -> CheckMissingLabelsResult:
    """AWS Lambda entry point."""
    summary = StepSummary("CheckMissingLabels", getattr(context, "aws_request_id", None))
    try:
        result = check_missing_labels(event, aws.client("s3"), aws.client("sagemaker"), aws.client("athena"), summary)
    except Exception as error:
        summary.emit(error)
        raise
    summary.emit()
    return result
