"""What the simulated workforce does with each data object, and the output lines it yields.

The plan is decided when the job is created (deterministic: see
sandbox/workforce.py); the output manifest is rendered from it when the job
completes, in Ground Truth's documented format (sms-data-output,
sms-data-verify-manifest). Objects left unlabeled carry ``failure-reason`` in
their metadata and no label.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.ground_truth.s3io import S3ObjectMissing, S3Store
from sandbox.ground_truth.validation import OBJECT_DETECTION_TYPE, JobSpec
from sandbox.images import ImageError, image_size
from sandbox.workforce import LABELING, WorkforceProfile

LABELED = "labeled"
UNLABELED = "unlabeled"  # the task expired: LabelCounters.Unlabeled
FAILED = "failed"  # the object cannot be labeled: LabelCounters.FailedNonRetryableError

VERIFICATION_TYPE = "groundtruth/label-verification"
EXPIRED_REASON = "ClientError: The task expired before a worker completed it; the data object was not labeled."


@dataclass(frozen=True)
class ObjectResult:
    """One data object's fate: its outcome, and the label and metadata it gets."""

    outcome: str
    label: Any = None  # the value of <LabelAttributeName>, for LABELED only
    metadata: dict[str, Any] = field(default_factory=dict)  # without creation-date and job-name


def plan_job(spec: JobSpec, workforce: WorkforceProfile, s3: S3Store) -> list[ObjectResult]:
    """Decide every object's outcome, in manifest order."""
    if spec.kind == LABELING:
        return [_label_object(spec, workforce, s3, line) for line in spec.lines]
    answers = _answer_count(spec)
    return [_verify_object(spec, workforce, s3, line, answers) for line in spec.lines]


def output_line(spec: JobSpec, line: dict[str, Any], result: ObjectResult, done_at: datetime) -> dict[str, Any]:
    """The output manifest line: the input line plus ``<attr>`` (if labeled) and ``<attr>-metadata``."""
    out = dict(line)
    metadata = dict(result.metadata)
    metadata["creation-date"] = done_at.replace(tzinfo=None).isoformat(timespec="microseconds")
    metadata["job-name"] = f"labeling-job/{spec.name}"
    if result.outcome == LABELED:
        out[spec.label_attribute] = result.label
    out[f"{spec.label_attribute}-metadata"] = metadata
    return out


def _failure(reason: str, kind_type: str, outcome: str = FAILED) -> ObjectResult:
    return ObjectResult(outcome, metadata={"failure-reason": reason, "type": kind_type})


def _read_image(s3: S3Store, line: dict[str, Any], kind_type: str):
    """The image's size, or the ObjectResult of an object that cannot be shown to a worker."""
    source_ref = line.get("source-ref")
    if source_ref is None:
        return _failure("ClientError: Bounding box tasks need an image: the line has 'source' but no 'source-ref'.", kind_type)
    try:
        return image_size(s3.read(source_ref))
    except S3ObjectMissing as missing:
        return _failure(f"ClientError: The data object could not be read: {missing}.", kind_type)
    except ImageError as bad:
        return _failure(f"ClientError: The data object {source_ref} is not a supported image: {bad}.", kind_type)


def _label_object(spec: JobSpec, workforce: WorkforceProfile, s3: S3Store, line: dict[str, Any]) -> ObjectResult:
    size = _read_image(s3, line, OBJECT_DETECTION_TYPE)
    if isinstance(size, ObjectResult):
        return size
    source_ref = line["source-ref"]
    if workforce.task_expires(LABELING, spec.name, source_ref):
        return _failure(EXPIRED_REASON, OBJECT_DETECTION_TYPE, UNLABELED)
    boxes = workforce.draw_boxes(spec.name, source_ref, size.width, size.height, len(spec.categories))
    class_ids = sorted({box["class_id"] for box in boxes})
    return ObjectResult(
        LABELED,
        label={
            "image_size": [{"width": size.width, "height": size.height, "depth": size.depth}],
            "annotations": boxes,
        },
        metadata={
            "objects": [{"confidence": workforce.box_confidence(spec.name, source_ref, i)} for i in range(len(boxes))],
            "class-map": {str(class_id): spec.categories[class_id] for class_id in class_ids},
            "type": OBJECT_DETECTION_TYPE,
            "human-annotated": "yes",
        },
    )


def _answer_count(spec: JobSpec) -> int:
    """How many categories workers may answer with: those before the original job's labels.

    A verification job's category file must also list the labels of the job it verifies; they
    describe the boxes and are not answers, so workers choose among the categories before them.
    """
    original: set[str] = set()
    for line in spec.lines:
        metadata = line.get(f"{spec.audited_attribute}-metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("class-map"), dict):
            original.update(str(v) for v in metadata["class-map"].values())
    count = 0
    for category in spec.categories:
        if category in original:
            break
        count += 1
    return max(count, 1)


def _verify_object(spec: JobSpec, workforce: WorkforceProfile, s3: S3Store, line: dict[str, Any],
                   answers: int) -> ObjectResult:
    size = _read_image(s3, line, VERIFICATION_TYPE)
    if isinstance(size, ObjectResult):
        return size
    audited = spec.audited_attribute
    previous = line.get(f"{audited}-metadata")
    if audited not in line or (isinstance(previous, dict) and "failure-reason" in previous):
        return _failure(f"ClientError: The data object has no '{audited}' label to verify.", VERIFICATION_TYPE)
    source_ref = line["source-ref"]
    if workforce.task_expires(spec.kind, spec.name, source_ref):
        return _failure(EXPIRED_REASON, VERIFICATION_TYPE, UNLABELED)
    verdict = workforce.verdict(spec.name, source_ref, answers)
    metadata: dict[str, Any] = {
        "class-name": spec.categories[verdict],
        "confidence": workforce.verdict_confidence(spec.name, source_ref),
        "type": VERIFICATION_TYPE,
        "human-annotated": "yes",
    }
    feedback = workforce.feedback(spec.name, source_ref, verdict)
    if feedback:
        metadata["worker-feedback"] = feedback
    return ObjectResult(LABELED, label=verdict, metadata=metadata)
