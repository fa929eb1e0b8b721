"""Feature values of the task types other than bounding boxes (steps.records handles boxes).

Output shapes (sms-data-output):
- semantic segmentation: ``<attr>`` (ends with ``-ref``) is the mask PNG's s3:// URI and
  ``<attr>-metadata`` has ``internal-color-map`` ({"0": {"class-name": "BACKGROUND", "hex-color",
  "confidence"}, "1": {...}}); verified like boxes (``<verify-attr>`` = the chosen index);
- image classification: ``<attr>`` is the class index (an int or a digit string) and the metadata has
  ``class-name`` and ``confidence``;
- multi-label image classification: ``<attr>`` is a list of class indexes and the metadata has
  ``class-map`` and ``confidence-map`` (index -> confidence).
Classification has no verification job: a line is APPROVED when its consolidated confidence (the
lowest of the chosen classes, for multi-label) is at least ``min_confidence``, else REJECTED.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from steps import contract, task_types

if TYPE_CHECKING:
    from steps.records import RecordContext


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{what} must be a number, got {value!r}")
    return float(value)


def _index(value: Any, what: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a class index, got {value!r}")
    return value


def segmentation(line: dict[str, Any], ctx: RecordContext) -> dict[str, str | None]:
    """The semantic-segmentation values of a verified line (both labels present)."""
    from steps import records

    mask = line[ctx.label_attribute]
    if not isinstance(mask, str) or not mask.startswith("s3://"):
        raise ValueError(f"the semantic segmentation label must be the mask's s3:// URI, got {mask!r}")
    label_meta, verify_meta = line[f"{ctx.label_attribute}-metadata"], line[f"{ctx.verification_attribute}-metadata"]
    color_map = label_meta.get("internal-color-map")
    if not isinstance(color_map, dict) or not all(isinstance(entry, dict) for entry in color_map.values()):
        raise ValueError('internal-color-map must be an object like {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff"}}')
    classes = {key: str(entry.get("class-name")) for key, entry in color_map.items()
               if entry.get("class-name") != "BACKGROUND"}
    approved = records._verdict(line[ctx.verification_attribute]) == ctx.approved_index
    return {
        "image_uri": line["source-ref"],
        "event_time": records.event_time(verify_meta.get("creation-date")),
        "status": contract.STATUS_APPROVED if approved else contract.STATUS_REJECTED,
        "mask_uri": mask,
        "color_map": records._json(color_map),
        "class_map": records._json(classes),
        "labeling_job": ctx.labeling_job,
        "verification_job": ctx.verification_job,
        "verification_confidence": records._confidence(verify_meta),
        "worker_feedback": records._json(records._feedback(verify_meta)),
    }


def classification(line: dict[str, Any], ctx: RecordContext) -> dict[str, str | None]:
    """The values of a classified line: the class (or classes) and the verdict from the confidence."""
    from steps import records

    label, meta = line[ctx.label_attribute], line[f"{ctx.label_attribute}-metadata"]
    values: dict[str, str | None] = {
        "image_uri": line["source-ref"],
        "event_time": records.event_time(meta.get("creation-date")),
        "labeling_job": ctx.labeling_job,
    }
    if ctx.task_type == task_types.IMAGE_CLASSIFICATION:
        confidence = _number(meta.get("confidence", 0.0), "confidence")
        values.update(class_id=str(_index(label, "the classification label")), class_name=str(meta.get("class-name")),
                      confidence=repr(confidence))
        lowest: float | None = confidence
    else:
        if not isinstance(label, list):
            raise ValueError(f"the multi-label classification label must be a list of class indexes, got {label!r}")
        class_map, confidences = meta.get("class-map") or {}, meta.get("confidence-map") or {}
        if not isinstance(class_map, dict) or not isinstance(confidences, dict):
            raise ValueError("class-map and confidence-map must be objects keyed by class index")
        classes: list[dict[str, Any]] = []
        scores: list[float] = []
        for item in label:
            key = str(_index(item, "each multi-label class"))
            scores.append(_number(confidences.get(key, 0.0), f"confidence-map[{key}]"))
            classes.append({"class_id": int(key), "class_name": class_map.get(key), "confidence": scores[-1]})
        lowest = min(scores, default=None)
        values.update(classes=records._json(classes), class_map=records._json(class_map),
                      confidence=None if lowest is None else repr(lowest))
    approved = lowest is None or lowest >= ctx.min_confidence
    values["status"] = contract.STATUS_APPROVED if approved else contract.STATUS_REJECTED
    return values
