"""The contract between the state machine (workflow/) and the Lambda steps (steps/).

The state machine builds each Lambda's event from the execution context, the
execution input and a ``settings`` object rendered from config.yaml into the
definition; so a config change only ever updates the state machine, never the
Lambda code. Results are small and of constant size: image lists live in S3.

Also here: the feature group's schema, which the deployer creates and
UpdateFeatureStore writes, and the meaning of a record's ``status``.
"""
from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class ExecutionContext(TypedDict):
    """From the Step Functions context object ($$.Execution)."""

    id: str  # execution ARN
    name: str
    start_time: str  # ISO 8601


class CheckMissingLabelsSettings(TypedDict):
    bucket: str
    raw_prefix: str
    image_extensions: list[str]  # lower-case, with the dot: [".jpg", ".png"]
    work_prefix: str
    feature_group_name: str
    athena_workgroup: str
    athena_output_uri: str  # s3://bucket/<work_prefix>athena/
    max_images_per_run: int
    job_name_prefix: str
    kms_key_arn: str | None


class CheckMissingLabelsEvent(TypedDict):
    execution: ExecutionContext
    input: dict[str, Any]  # the execution input; see EXECUTION_INPUT_KEYS
    settings: CheckMissingLabelsSettings


class CheckMissingLabelsResult(TypedDict):
    images_found: int  # = already_labeled + in_flight + missing
    already_labeled: int
    missing: int  # no approved label and held by no other run: what this run may label
    in_flight: int  # no approved label, but another run holds them (steps.in_flight)
    selected: int  # sent to labeling in this run
    backlog: int  # missing - selected: left for later runs
    max_images: int  # the cap in force for this run
    run_id: str
    manifest_uri: str | None  # s3://.../runs/<run_id>/input.manifest; None when selected == 0
    labeling_job_name: str
    verification_job_name: str
    labeling_output_uri: str  # s3://.../runs/<run_id>/labeling/
    verification_output_uri: str  # s3://.../runs/<run_id>/verification/


class UpdateFeatureStoreSettings(TypedDict):
    feature_group_name: str
    label_attribute: str  # the labeling job's LabelAttributeName
    verification_attribute: str  # the verification job's LabelAttributeName
    approved_index: int  # verification class index meaning "label correct" (0)
    max_concurrency: int  # BatchWriteRecord calls in flight (at most; steps.aimd lowers it under throttling)
    bucket: NotRequired[str]  # with work_prefix and the event's run_id: where the update's progress is kept
    work_prefix: NotRequired[str]
    kms_key_arn: NotRequired[str | None]


class UpdateFeatureStoreEvent(TypedDict):
    execution: ExecutionContext
    manifest_uri: str  # the verification job's OutputDatasetS3Uri
    labeling_job_name: str
    verification_job_name: str
    settings: UpdateFeatureStoreSettings
    run_id: NotRequired[str]  # progress marker at steps.layout.update_progress_key; absent: no marker


class UpdateFeatureStoreResult(TypedDict):
    lines_read: int
    approved: int
    rejected: int
    unlabeled: int  # lines with failure-reason: not labeled or not verified
    written: int
    skipped: int  # records an earlier attempt of this update already wrote (steps.update_progress)
    seconds: float


class FilterLabeledObjectsSettings(TypedDict):
    bucket: str  # where the run's files live (the filtered manifest is written here)
    work_prefix: str
    label_attribute: str  # the labeling job's LabelAttributeName: kept lines carry it
    kms_key_arn: str | None


class FilterLabeledObjectsEvent(TypedDict):
    run_id: str  # the filtered manifest goes to <work_prefix>runs/<run_id>/verification-input.manifest
    manifest_uri: str  # the labeling job's OutputDatasetS3Uri
    settings: FilterLabeledObjectsSettings


class FilterLabeledObjectsResult(TypedDict):
    lines_read: int
    kept: int  # lines with the label attribute and no failure-reason: the verification job's input
    left_out: int  # lines_read - kept: objects the labeling job could not label
    manifest_uri: str | None  # s3://.../runs/<run_id>/verification-input.manifest; None when kept == 0


# Optional keys of the execution input (an execution started with {} uses none).
EXECUTION_INPUT_KEYS = {
    "max_images": "int from 1 to settings.max_images_per_run: cap this run (a trial run)",
    "allow_empty_feature_group": "true: run even though the feature group is missing (every image is labeled again)",
}

# Errors the steps raise on purpose; the state machine names them in its Fail states.
INVALID_INPUT_ERROR = "InvalidExecutionInput"
WRITE_FAILED_ERROR = "FeatureStoreWriteFailed"
MANIFEST_ERROR = "ManifestError"
FEATURE_GROUP_MISSING_ERROR = "FeatureGroupMissing"

STATUS_APPROVED = "APPROVED"
STATUS_REJECTED = "REJECTED"

RECORD_IDENTIFIER = "image_uri"
EVENT_TIME = "event_time"  # ISO 8601 UTC with milliseconds: 2026-11-29T15:05:45.123Z

# (feature name, Feature Store type) in the order of the feature group definition.
FEATURE_DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("image_uri", "String"),
    ("event_time", "String"),
    ("status", "String"),  # APPROVED | REJECTED
    ("width", "Integral"),
    ("height", "Integral"),
    ("depth", "Integral"),
    ("annotations", "String"),  # JSON list of {class_id, left, top, width, height}
    ("class_map", "String"),  # JSON object {"0": "scratch"}
    ("box_count", "Integral"),
    ("labeling_job", "String"),
    ("verification_job", "String"),
    ("verification_confidence", "Fractional"),
    ("worker_feedback", "String"),  # JSON list of comments
)
