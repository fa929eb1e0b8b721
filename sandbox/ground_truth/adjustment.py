"""Bounding-box adjustment jobs (AdjustmentBoundingBox) in the sandbox: the worker corrects the label shown.

What AWS documents, and the sandbox does:
- the job's input lines carry the label to adjust under its attribute with ``<attribute>-metadata``
  (sms-data-verify-adjust-prereq); a line without it (or whose label failed) cannot be worked and
  fails alone, as a verification job's does (sms-verification-data, "Filter Your Data Before
  Starting the Job");
- the task type must be the original job's (sms-data-verify-adjust-prereq: "The task type of the
  verification or adjustment labeling job must be the same as the task type of the original job"):
  AdjustmentBoundingBox adjusts bounding boxes (metadata type ``groundtruth/object-detection``);
- the worker sees the previous boxes only through the template's crowd-bounding-box
  ``initial-value`` (sms-data-verify-start-api; sms-ui-template-crowd-bounding-box, "initial-value"),
  and the answer says whether they were changed in ``initialValueModified`` (same page);
- the output label has the original task's shape plus ``adjustment-status``: ``adjusted`` or
  ``unadjusted`` (sms-data-verify-manifest).

Undocumented, chosen here: ACS-AdjustmentBoundingBox reads the answer under ``boundingBox`` as
ACS-BoundingBox does (consolidation.py); ``adjustment-status`` follows ``initialValueModified``.

The simulated worker's rule (deterministic): every box shown is tightened by a tenth of its width
and height on each side (boxes under 10 pixels stay); a page that shows no box gets boxes drawn
from scratch, as a labeling worker draws them (``WorkforceProfile.draw_boxes``).
"""
from __future__ import annotations

from typing import Any

from sandbox.ground_truth import consolidation, simulation, workers
from sandbox.ground_truth.consolidation import NoLabel
from sandbox.ground_truth.crowd_form import BOUNDING_BOX, BadAttribute, CrowdElement, attribute_value, first
from sandbox.ground_truth.s3io import S3Store
from sandbox.ground_truth.validation import OBJECT_DETECTION_TYPE, JobSpec
from sandbox.images import ImageSize
from sandbox.workforce import ADJUSTMENT, WorkforceProfile

ADJUSTED, UNADJUSTED = "adjusted", "unadjusted"
MIN_TIGHTENED_SIZE = 10


def shown_initial_boxes(element: CrowdElement) -> list[dict[str, Any]] | None:
    """The boxes the crowd-bounding-box starts with (``initial-value``), or None when it sets none."""
    text = element.attrs.get("initial-value")
    if text is None or not text.strip():
        return None
    try:
        value = attribute_value(text)
    except BadAttribute:
        return None
    if not isinstance(value, list):
        return None
    return [box for box in value if isinstance(box, dict)]


def tighten(box: dict[str, Any]) -> dict[str, Any]:
    """The worker's correction of one box: a tenth off each side (boxes under 10 px stay)."""
    width, height = int(box.get("width", 0)), int(box.get("height", 0))
    if width < MIN_TIGHTENED_SIZE or height < MIN_TIGHTENED_SIZE:
        return dict(box)
    dx, dy = width // 10, height // 10
    return {**box, "left": int(box["left"]) + dx, "top": int(box["top"]) + dy,
            "width": width - 2 * dx, "height": height - 2 * dy}


def adjust(spec: JobSpec, workforce: WorkforceProfile, source_ref: str, elements: list[CrowdElement],
           size: ImageSize) -> dict[str, Any] | workers.CannotWork:
    """The worker's form answer: the shown boxes corrected, with ``initialValueModified``."""
    element = first(elements, BOUNDING_BOX)
    if element is None:
        return {}
    shown = shown_initial_boxes(element)
    if shown is None:  # the page shows no previous label: the worker draws from scratch
        drawn = workers.draw(spec, workforce, source_ref, elements, size)
        if isinstance(drawn, workers.CannotWork):
            return drawn
        result = drawn.get(element.name or "", {})
        return {element.name or "": {**result, "initialValueModified": bool(result.get("boundingBoxes"))}}
    corrected = [tighten(box) for box in shown]
    return {
        element.name or "": {
            "boundingBoxes": [{key: box.get(key) for key in ("height", "label", "left", "top", "width")}
                              for box in corrected],
            "inputImageProperties": {"height": size.height, "width": size.width},
            "initialValueModified": corrected != shown,
        }
    }


def adjust_object(spec: JobSpec, workforce: WorkforceProfile, s3: S3Store, template: Any,
                  line: dict[str, Any]) -> Any:
    """One data object of an adjustment job: an ObjectResult (see simulation.py)."""
    source_ref = line.get("source-ref")
    if source_ref is None:
        return simulation._failure("ClientError: Bounding box tasks need an image: the line has 'source' but no "
                                   "'source-ref'.", OBJECT_DETECTION_TYPE)
    attribute = spec.audited_attribute or ""
    previous = line.get(f"{attribute}-metadata")
    if attribute not in line or not isinstance(previous, dict) or "failure-reason" in previous:
        return simulation._failure(f"ClientError: The data object has no '{attribute}' label to adjust.",
                                   OBJECT_DETECTION_TYPE)
    elements = simulation._render(spec, template, line, OBJECT_DETECTION_TYPE)
    if isinstance(elements, simulation.ObjectResult):
        return elements
    size = workers.load_image(spec, s3, elements)
    if isinstance(size, workers.CannotWork):
        return simulation._failure(size.reason, OBJECT_DETECTION_TYPE)
    if workforce.task_expires(ADJUSTMENT, spec.name, source_ref):
        return simulation._failure(simulation.EXPIRED_REASON, OBJECT_DETECTION_TYPE, simulation.UNLABELED)
    answer = adjust(spec, workforce, source_ref, elements, size)
    if isinstance(answer, workers.CannotWork):
        return simulation._failure(answer.reason, OBJECT_DETECTION_TYPE)
    try:
        label, metadata = consolidation.bounding_boxes(spec, workforce, source_ref, answer, size)
    except NoLabel as no_label:
        return simulation._failure(str(no_label), OBJECT_DETECTION_TYPE)
    modified = (answer.get(consolidation.BOUNDING_BOX_KEY) or {}).get("initialValueModified")
    metadata["adjustment-status"] = ADJUSTED if modified else UNADJUSTED
    return simulation.ObjectResult(simulation.LABELED, label=label, metadata=metadata)


simulation.OBJECT_PLANNERS[ADJUSTMENT] = adjust_object
