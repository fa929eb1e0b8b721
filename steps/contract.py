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
    on_reject: NotRequired[str]  # "adjust": REJECTED images go to the adjustment job (steps.adjustment)
    label_attribute: NotRequired[str]  # with on_reject adjust: the labeling job's attribute (the previous label)
    task_type: NotRequired[str]  # labels.task_type: the previous label is boxes or a mask (default bounding_box)
    # steps.carried_labels: verify earlier runs' unverified labels again instead of labeling their images again
    carry_labels: NotRequired[bool]
    adjustment_attribute: NotRequired[str]  # with on_reject adjust: the adjustment job's LabelAttributeName
    # storage.listing and, unless it is "list", where the S3 Inventory reports are (steps.inventory).
    listing: NotRequired[str]  # auto | inventory | list
    inventory_config_id: NotRequired[str]
    inventory_database: NotRequired[str]
    inventory_table: NotRequired[str]


class CheckMissingLabelsEvent(TypedDict):
    execution: ExecutionContext
    input: dict[str, Any]  # the execution input; see EXECUTION_INPUT_KEYS
    settings: CheckMissingLabelsSettings


class CheckMissingLabelsResult(TypedDict):
    images_found: int  # = already_labeled + in_flight + missing
    already_labeled: int
    missing: int  # no approved label and held by no other run: what this run may label
    in_flight: int  # no approved label, but another run holds them (steps.in_flight)
    selected: int  # claimed by this run: sent to labeling, or (``carried``) with an earlier label to verification only
    backlog: int  # missing - selected: left for later runs
    max_images: int  # the cap in force for this run
    run_id: str
    manifest_uri: str | None  # s3://.../runs/<run_id>/input.manifest; None when selected == 0
    labeling_job_name: str
    verification_job_name: str
    labeling_output_uri: str  # s3://.../runs/<run_id>/labeling/
    verification_output_uri: str  # s3://.../runs/<run_id>/verification/
    # on_reject adjust (steps.adjustment): selected counts both jobs' images; manifest_uri is then the
    # labeling job's input (runs/<run_id>/labeling-input.manifest, or input.manifest), None when empty.
    adjustment_selected: NotRequired[int]  # sent to the adjustment job (REJECTED, with their previous label)
    adjustment_manifest_uri: NotRequired[str | None]  # s3://.../runs/<run_id>/adjustment-input.manifest
    adjustment_job_name: NotRequired[str]
    # steps.carried_labels: of ``selected``, the images whose earlier, unverified label goes to verification only
    # (manifest_uri then holds the others: runs/<run_id>/labeling-input.manifest, None when every one is carried)
    carried: NotRequired[int]
    carried_manifest_uri: NotRequired[str | None]  # s3://.../runs/<run_id>/carried-labels.manifest


class UpdateFeatureStoreSettings(TypedDict):
    feature_group_name: str
    label_attribute: str  # the labeling job's LabelAttributeName
    verification_attribute: str  # the verification job's LabelAttributeName
    approved_index: int  # verification class index meaning "label correct" (0)
    task_type: NotRequired[str]  # labels.task_type (steps.task_types); absent: bounding_box
    min_confidence: NotRequired[float]  # classification: lowest consolidated confidence that is APPROVED
    # labeling.unlabelable_reasons: failure-reason fragments that also mean UNLABELABLE (steps.unlabelable.markers)
    unlabelable_reasons: NotRequired[list[str]]
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
    # The labeling job's OutputDatasetS3Uri: its lines whose object Ground Truth cannot label (steps.unlabelable)
    # become UNLABELABLE records; absent: none are written.
    labeling_manifest_uri: NotRequired[str]


class UpdateFeatureStoreResult(TypedDict):
    lines_read: int
    approved: int
    rejected: int
    unlabeled: int  # lines with failure-reason: not labeled or not verified
    written: int
    skipped: int  # records an earlier attempt of this update already wrote (steps.update_progress)
    unlabelable: int  # UNLABELABLE records written (or already written) for objects Ground Truth cannot label
    seconds: float


class FilterLabeledObjectsSettings(TypedDict):
    bucket: str  # where the run's files live (the filtered manifest is written here)
    work_prefix: str
    label_attribute: str  # the labeling job's LabelAttributeName: kept lines carry it
    kms_key_arn: str | None
    adjustment_attribute: NotRequired[str]  # on_reject adjust: the adjustment job's LabelAttributeName


class FilterLabeledObjectsEvent(TypedDict):
    run_id: str  # the filtered manifest goes to <work_prefix>runs/<run_id>/verification-input.manifest
    manifest_uri: str | None  # the labeling job's OutputDatasetS3Uri (None: on_reject adjust, no labeling job)
    settings: FilterLabeledObjectsSettings
    adjustment_manifest_uri: NotRequired[str | None]  # the adjustment job's OutputDatasetS3Uri (None: no job)
    carried_manifest_uri: NotRequired[str | None]  # earlier runs' labels to verify again (steps.carried_labels)


class FilterLabeledObjectsResult(TypedDict):
    lines_read: int
    kept: int  # lines with the label attribute and no failure-reason: the verification job's input
    left_out: int  # lines_read - kept: objects the labeling job could not label
    manifest_uri: str | None  # s3://.../runs/<run_id>/verification-input.manifest; None when kept == 0


class WriteUnwrittenSettings(UpdateFeatureStoreSettings):
    job_name_prefix: str  # with the execution: each earlier run's id (steps.naming)
    max_runs: int  # ended executions examined per invocation (newest first)
    max_records: int  # records written per invocation; the rest is left for the next run and reported


class WriteUnwrittenEvent(TypedDict):
    action: str  # WRITE_UNWRITTEN_ACTION: the update function's second entry (steps.unwritten_output)
    execution: ExecutionContext
    settings: WriteUnwrittenSettings


class WriteUnwrittenResult(TypedDict):
    runs_examined: int  # failed, aborted or timed-out executions looked at
    runs_written: list[str]  # run ids whose verified output (or UNLABELABLE lines) this invocation wrote
    written: int  # records written (APPROVED/REJECTED and UNLABELABLE)
    unlabelable: int  # of which UNLABELABLE
    left: int  # runs with output still unwritten because a cap was reached (written by the next run)
    not_written: list[str]  # "<run id>: <why>" for outputs that cannot be written (a corrupt manifest)


WRITE_UNWRITTEN_ACTION = "write_unwritten"

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

# label_path: a labeling job drew the label, or an adjustment job corrected a rejected one.
LABEL_PATH_LABELING = "labeling"
LABEL_PATH_ADJUSTMENT = "adjustment"

STATUS_APPROVED = "APPROVED"
STATUS_REJECTED = "REJECTED"
# Ground Truth could not label the object itself (zero bytes, not an image): not sent again while its
# ETag (image_etag) is unchanged; a replaced object (new ETag) is missing again (steps.unlabelable).
STATUS_UNLABELABLE = "UNLABELABLE"

RECORD_IDENTIFIER = "image_uri"
EVENT_TIME = "event_time"  # ISO 8601 UTC with milliseconds: 2026-11-29T15:05:45.123Z

# (feature name, Feature Store type) in the order of the feature group definition.
FEATURE_DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("image_uri", "String"),
    ("event_time", "String"),
    ("status", "String"),  # APPROVED | REJECTED | UNLABELABLE
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
    ("image_etag", "String"),  # S3 ETag of the object as labeled, quotes stripped ("" when unknown)
    ("failure_reason", "String"),  # UNLABELABLE only: Ground Truth's failure-reason for the object
    ("label_path", "String"),  # labeling | adjustment: which job drew the label (LABEL_PATH_*)
)
# Features a group created by an earlier release lacks; the deployer adds them (UpdateFeatureGroup).
ADDED_FEATURES: tuple[tuple[str, str], ...] = (("image_etag", "String"), ("failure_reason", "String"),
                                               ("label_path", "String"))
