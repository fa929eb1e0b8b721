"""Turn one line of the verification job's output manifest into a feature record.

A line holds the labeling job's ``<label_attr>`` (boxes) and ``<label_attr>-metadata``
plus the verification job's ``<verify_attr>`` (a class index, which Ground Truth writes
as an int or a digit string) and ``<verify_attr>-metadata``. A line missing either label,
or whose metadata has ``failure-reason``, is unlabeled: it yields no record. Anything
else that is not Ground Truth's shape raises ``ManifestError`` naming the line.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from steps import contract, task_types
from steps.errors import ManifestError

_BOX_KEYS = ("class_id", "left", "top", "width", "height")
# A label an earlier run drew and this run verifies again (steps.carried_labels) names the labeling job that
# drew it under this key of the manifest line: its record names that job, not this run's.
CARRIED_FROM_KEY = "carried-label-job"
_FEATURE_NAMES = tuple(name for name, _ in contract.FEATURE_DEFINITIONS)


@dataclass(frozen=True)
class RecordContext:
    """What every record of one run shares."""

    label_attribute: str
    verification_attribute: str
    approved_index: int
    labeling_job: str
    verification_job: str
    task_type: str = task_types.BOUNDING_BOX  # labels.task_type (steps.task_types)
    min_confidence: float = 0.0  # classification: the lowest confidence that is APPROVED


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _json(value: Any) -> str:
    return _ENCODER.encode(value)


def event_time(creation_date: Any) -> str:
    """Ground Truth's ``creation-date`` as ``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC (naive means UTC).

    Deterministic, so re-running on the same manifest writes identical records.
    """
    if not isinstance(creation_date, str):
        raise ValueError(f"creation-date must be an ISO 8601 string, got {creation_date!r}")
    text = creation_date.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.") + f"{parsed.microsecond // 1000:03d}Z"


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    return int(value)


def _verdict(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return _int(value, "the verification label")


def _is_unlabeled(line: dict[str, Any], attribute: str) -> bool:
    metadata = line.get(f"{attribute}-metadata")
    if attribute not in line or not isinstance(metadata, dict):
        return True
    return "failure-reason" in metadata


def _boxes(label: Any) -> tuple[tuple[int, int, int], list[dict[str, Any]]]:
    if not isinstance(label, dict):
        raise ValueError(f"the bounding-box label must be an object, got {type(label).__name__}")
    sizes = label.get("image_size")
    if not isinstance(sizes, list) or not sizes or not isinstance(sizes[0], dict):
        raise ValueError("the bounding-box label needs image_size: [{width, height, depth}]")
    size = sizes[0]
    dims = tuple(_int(size.get(k), f"image_size.{k}") for k in ("width", "height", "depth"))
    annotations = label.get("annotations", [])
    if not isinstance(annotations, list):
        raise ValueError("annotations must be a list")
    boxes = []
    for box in annotations:
        if not isinstance(box, dict):
            raise ValueError(f"each annotation must be an object, got {box!r}")
        boxes.append({key: _int(box.get(key), f"annotation {key}") for key in _BOX_KEYS})
    return dims, boxes  # type: ignore[return-value]


def _feedback(metadata: dict[str, Any]) -> list[str]:
    entries = metadata.get("worker-feedback") or []
    if not isinstance(entries, list):
        raise ValueError("worker-feedback must be a list of {\"comment\": ...}")
    return [str(entry.get("comment", "")) if isinstance(entry, dict) else str(entry) for entry in entries]


def _confidence(metadata: dict[str, Any]) -> str | None:
    value = metadata.get("confidence")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"confidence must be a number, got {value!r}")
    return repr(float(value))


def label_path(label_meta: dict[str, Any], labeling_job: str) -> tuple[str, str]:
    """(label_path, the job that drew the label): an adjustment job's metadata has ``adjustment-status``
    (sms-data-verify-manifest) and names that job in ``job-name`` ("labeling-job/<name>")."""
    if "adjustment-status" not in label_meta:
        return contract.LABEL_PATH_LABELING, labeling_job
    job = str(label_meta.get("job-name") or "")
    return contract.LABEL_PATH_ADJUSTMENT, job.removeprefix("labeling-job/") or labeling_job


def drawn_by(line: dict[str, Any], labeling_job: str) -> str:
    """The labeling job that drew the line's label: the carried label's own job, else this run's."""
    carried = line.get(CARRIED_FROM_KEY)
    return carried if isinstance(carried, str) and carried else labeling_job


def _etag(line: dict[str, Any]) -> str:
    """The input manifest's ``source-etag``, which the output line keeps (sms-data-output), quotes stripped."""
    etag = line.get("source-etag")
    return etag.strip('"') if isinstance(etag, str) else ""


def record_from_line(line: dict[str, Any], ctx: RecordContext) -> dict[str, str] | None:
    """The feature values (name -> ValueAsString) for one manifest line, or None if unlabeled.

    Raises ValueError describing the first field that is not Ground Truth's shape.
    """
    source = line.get("source-ref")
    if not isinstance(source, str) or not source.startswith("s3://"):
        raise ValueError(f"source-ref must be an s3:// URI, got {source!r}")
    if ctx.task_type != task_types.BOUNDING_BOX:
        return _task_type_record(line, ctx)
    if _is_unlabeled(line, ctx.label_attribute) or _is_unlabeled(line, ctx.verification_attribute):
        return None
    (width, height, depth), boxes = _boxes(line[ctx.label_attribute])
    label_meta = line[f"{ctx.label_attribute}-metadata"]
    verify_meta = line[f"{ctx.verification_attribute}-metadata"]
    class_map = label_meta.get("class-map", {})
    if not isinstance(class_map, dict):
        raise ValueError("class-map must be an object like {\"0\": \"scratch\"}")
    approved = _verdict(line[ctx.verification_attribute]) == ctx.approved_index
    path, labeling_job = label_path(label_meta, drawn_by(line, ctx.labeling_job))
    values: dict[str, str | None] = {
        "image_uri": source,
        "event_time": event_time(verify_meta.get("creation-date")),
        "status": contract.STATUS_APPROVED if approved else contract.STATUS_REJECTED,
        "width": str(width),
        "height": str(height),
        "depth": str(depth),
        "annotations": _json(boxes),
        "class_map": _json(class_map),
        "box_count": str(len(boxes)),
        "labeling_job": labeling_job,
        "verification_job": ctx.verification_job,
        "verification_confidence": _confidence(verify_meta),
        "worker_feedback": _json(_feedback(verify_meta)),
        "label_path": path,
        "image_etag": _etag(line),  # the object's ETag as labeled (contract 1); "" when the line has none
        "failure_reason": None,  # UNLABELABLE records only (steps.unlabelable)
    }
    return {name: values[name] for name in _FEATURE_NAMES if values[name] is not None}  # type: ignore[misc]


def _task_type_record(line: dict[str, Any], ctx: RecordContext) -> dict[str, str] | None:
    """record_from_line for semantic segmentation and classification (steps.label_records)."""
    from steps import label_records

    verified = task_types.has_verification(ctx.task_type)
    if _is_unlabeled(line, ctx.label_attribute) or (verified and _is_unlabeled(line, ctx.verification_attribute)):
        return None
    values = label_records.segmentation(line, ctx) if verified else label_records.classification(line, ctx)
    path, labeling_job = label_path(line[f"{ctx.label_attribute}-metadata"], drawn_by(line, ctx.labeling_job))
    values.update(labeling_job=labeling_job, label_path=path, image_etag=_etag(line), failure_reason=None)
    names = (name for name, _ in task_types.feature_definitions(ctx.task_type))
    return {name: value for name in names if (value := values.get(name)) is not None}


def parse_line(number: int, raw: bytes, ctx: RecordContext) -> dict[str, str] | None:
    """Decode and convert one raw manifest line; any problem -> ManifestError naming the line."""
    try:
        line = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise ManifestError(f"manifest line {number} is not valid JSON ({error}); expected one JSON object per line") from None
    if not isinstance(line, dict):
        raise ManifestError(f"manifest line {number} is a JSON {type(line).__name__}; expected an object")
    try:
        return record_from_line(line, ctx)
    except ValueError as error:
        raise ManifestError(f"manifest line {number}: {error}") from None


def to_feature_values(record: dict[str, str]) -> list[dict[str, str]]:
    """The record in BatchWriteRecord's shape: [{"FeatureName", "ValueAsString"}]."""
    return [{"FeatureName": name, "ValueAsString": value} for name, value in record.items()]
