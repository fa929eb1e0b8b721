"""Adjustment jobs in the sandbox (AdjustmentBoundingBox, AdjustmentSemanticSegmentation): the worker corrects
the label shown.

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

Masks (AdjustmentSemanticSegmentation), as documented:
- the labels to adjust are semantic segmentation labels (metadata type ``groundtruth/semantic-segmentation``,
  the mask PNG's S3 URI under the attribute, ``internal-color-map`` in the metadata: sms-data-output);
- the worker sees the previous mask only through the crowd-semantic-segmentation ``initial-value``: a JSON
  object with the mask's ``src`` (through grant_read_access) and the ``labelMappings`` of its colours
  (sms-ui-template-crowd-semantic-segmentation, "initial-value"); the worker's browser loads that mask as it
  loads the image (sms-cors-update documents the CORS rule for the input images; that the mask's bucket
  needs it too is our reading, as for the verification overlay in workers.load_overlay);
- the answer is the element's output (``labeledImage.pngImageData``, ``labelMappings``,
  ``inputImageProperties``) with ``initialValueModified`` (same page, "Output");
- the output is a semantic segmentation label (a new mask PNG and its ``internal-color-map``) with
  ``adjustment-status`` (sms-data-verify-manifest).
Undocumented, chosen here: ACS-AdjustmentSemanticSegmentation reads the answer under
``crowd-semantic-segmentation`` as ACS-SemanticSegmentation does and writes the mask where the labeling
job does (simulation.mask_uri); what the browser does with an initial-value mask it cannot load.
The simulated worker's rule for masks (deterministic, Pillow): each label colour's painted area is
trimmed to its bounding box shrunk by a tenth of its width and height on each side (areas under 10
pixels stay); ``initialValueModified`` says whether a pixel changed. A page without ``initial-value``
gets a mask painted from scratch (``workers.paint``).
"""
from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageChops, ImageDraw

from sandbox.ground_truth import consolidation, cors, masks, simulation, workers
from sandbox.ground_truth.consolidation import NoLabel
from sandbox.ground_truth.crowd_form import (
    BOUNDING_BOX,
    SEMANTIC_SEGMENTATION,
    BadAttribute,
    CrowdElement,
    attribute_value,
    first,
)
from sandbox.ground_truth.render import s3_uri_of_granted_url
from sandbox.ground_truth.s3io import S3ObjectMissing, S3Store, split_s3_uri
from sandbox.ground_truth.validation import OBJECT_DETECTION_TYPE, SEGMENTATION_TYPE, JobSpec
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


def _from_scratch(answer: dict[str, Any] | workers.CannotWork, element: CrowdElement, drawn_key: str
                  ) -> dict[str, Any] | workers.CannotWork:
    """A from-scratch answer (no previous label shown) with ``initialValueModified``: true when the worker
    drew anything (``drawn_key`` non-empty)."""
    if isinstance(answer, workers.CannotWork):
        return answer
    result = answer.get(element.name or "", {})
    return {element.name or "": {**result, "initialValueModified": bool(result.get(drawn_key))}}


def adjust(spec: JobSpec, workforce: WorkforceProfile, source_ref: str, elements: list[CrowdElement],
           size: ImageSize) -> dict[str, Any] | workers.CannotWork:
    """The worker's form answer: the shown boxes corrected, with ``initialValueModified``."""
    element = first(elements, BOUNDING_BOX)
    if element is None:
        return {}
    shown = shown_initial_boxes(element)
    if shown is None:  # the page shows no previous label: the worker draws from scratch
        return _from_scratch(workers.draw(spec, workforce, source_ref, elements, size), element, "boundingBoxes")
    corrected = [tighten(box) for box in shown]
    return {
        element.name or "": {
            "boundingBoxes": [{key: box.get(key) for key in ("height", "label", "left", "top", "width")}
                              for box in corrected],
            "inputImageProperties": {"height": size.height, "width": size.width},
            "initialValueModified": corrected != shown,
        }
    }


def _ready_to_adjust(spec: JobSpec, workforce: WorkforceProfile, s3: S3Store, template: Any, line: dict[str, Any],
                     kind_type: str, tasks: str) -> Any:
    """What every adjustment object needs before a worker answers: (source-ref, the rendered elements,
    the image size), or the ObjectResult of the object's failure (no image, no label to adjust, a page
    that does not render, an image that cannot be loaded, an expired task)."""
    source_ref = line.get("source-ref")
    if source_ref is None:
        return simulation._failure(f"ClientError: {tasks} need an image: the line has 'source' but no "
                                   "'source-ref'.", kind_type)
    attribute = spec.audited_attribute or ""
    previous = line.get(f"{attribute}-metadata")
    if attribute not in line or not isinstance(previous, dict) or "failure-reason" in previous:
        return simulation._failure(f"ClientError: The data object has no '{attribute}' label to adjust.", kind_type)
    elements = simulation._render(spec, template, line, kind_type)
    if isinstance(elements, simulation.ObjectResult):
        return elements
    size = workers.load_image(spec, s3, elements)
    if isinstance(size, workers.CannotWork):
        return simulation._failure(size.reason, kind_type)
    if workforce.task_expires(ADJUSTMENT, spec.name, source_ref):
        return simulation._failure(simulation.EXPIRED_REASON, kind_type, simulation.UNLABELED)
    return source_ref, elements, size


def adjust_object(spec: JobSpec, workforce: WorkforceProfile, s3: S3Store, template: Any,
                  line: dict[str, Any], index: int = 0) -> Any:
    """One data object of an adjustment job (the ``index``-th of its manifest): an ObjectResult (see simulation.py)."""
    if spec.task_type == ADJUST_MASKS:
        return adjust_mask_object(spec, workforce, s3, template, line, index)
    ready = _ready_to_adjust(spec, workforce, s3, template, line, OBJECT_DETECTION_TYPE, "Bounding box tasks")
    if isinstance(ready, simulation.ObjectResult):
        return ready
    source_ref, elements, size = ready
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


ADJUST_MASKS = "AdjustmentSemanticSegmentation"


def shown_initial_mask(element: CrowdElement) -> dict[str, Any] | None:
    """The crowd-semantic-segmentation's ``initial-value`` ({"src", "labelMappings"}), or None when it sets none."""
    text = element.attrs.get("initial-value")
    if text is None or not text.strip():
        return None
    try:
        value = attribute_value(text)
    except BadAttribute:
        return None
    return value if isinstance(value, dict) and value.get("src") else None


def load_initial_mask(spec: JobSpec, s3: S3Store, shown: dict[str, Any]) -> bytes | workers.CannotWork:
    """The mask the worker's browser loads from ``initial-value``'s ``src``, as it loads the image: a
    grant_read_access URL into a bucket with Ground Truth's CORS rule (sms-cors-update), a readable PNG."""
    uri = s3_uri_of_granted_url(str(shown.get("src", "")))
    if uri is None:
        return workers.CannotWork("ClientError: The worker UI could not load the mask to adjust: initial-value's src "
                                  "must be the label's mask through grant_read_access.")
    bucket, _ = split_s3_uri(uri)
    if not cors.allows_worker_get(spec.account_id, spec.region, bucket):
        return workers.CannotWork(cors.failure_reason(bucket))
    try:
        png = s3.read(uri)
        masks.colours(png)
    except S3ObjectMissing as missing:
        return workers.CannotWork(f"ClientError: The mask to adjust could not be read: {missing}.")
    except masks.MaskError as bad:
        return workers.CannotWork(f"ClientError: The mask to adjust {uri} is not usable: {bad}.")
    return png


def _colour_area(image: Image.Image, hex_colour: str) -> Image.Image:
    """An "L" image: 255 where ``image`` (RGB) has ``hex_colour``, 0 elsewhere."""
    value = hex_colour.lstrip("#")
    target = tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))
    bands = [band.point(lambda v, t=t: 255 if v == t else 0) for band, t in zip(image.split(), target, strict=True)]
    return ImageChops.multiply(ImageChops.multiply(bands[0], bands[1]), bands[2])


def trim_mask(png: bytes, colours: list[str]) -> tuple[bytes, bool]:
    """The worker's correction of a mask: each colour's area trimmed to its bounding box less a tenth of its
    width and height on each side (areas under 10 px stay). Returns (the PNG, whether a pixel changed)."""
    with Image.open(io.BytesIO(png)) as opened:
        before = opened.convert("RGB")
    after = before.copy()
    background = Image.new("RGB", before.size, masks.BACKGROUND_HEX)
    for colour in colours:
        area = _colour_area(before, colour)
        box = area.getbbox()
        if box is None:
            continue
        left, top, right, bottom = box
        width, height = right - left, bottom - top
        if width < MIN_TIGHTENED_SIZE or height < MIN_TIGHTENED_SIZE:
            continue
        dx, dy = width // 10, height // 10
        ImageDraw.Draw(area).rectangle((left + dx, top + dy, right - dx - 1, bottom - dy - 1), fill=0)
        after.paste(background, (0, 0), area)  # what is left of the area, outside the kept box, is erased
    out = io.BytesIO()
    after.save(out, format="PNG")
    return out.getvalue(), after.tobytes() != before.tobytes()


def adjust_mask(spec: JobSpec, workforce: WorkforceProfile, s3: S3Store, source_ref: str,
                elements: list[CrowdElement], size: ImageSize) -> dict[str, Any] | workers.CannotWork:
    """The worker's crowd-semantic-segmentation answer: the shown mask corrected, with ``initialValueModified``."""
    element = first(elements, SEMANTIC_SEGMENTATION)
    if element is None:
        return {}
    shown = shown_initial_mask(element)
    if shown is None:  # the page shows no previous mask: the worker paints from scratch
        return _from_scratch(workers.paint(spec, workforce, source_ref, elements, size), element, "labelMappings")
    png = load_initial_mask(spec, s3, shown)
    if isinstance(png, workers.CannotWork):
        return png
    raw = shown.get("labelMappings")
    mappings: dict[str, Any] = raw if isinstance(raw, dict) else {}
    colours = [str((mappings[label] or {}).get("color", "")).lower() for label in sorted(mappings)
               if isinstance(mappings[label], dict)]
    corrected, modified = trim_mask(png, [colour for colour in colours if len(colour) == 7])
    return {
        element.name or "": {
            "inputImageProperties": {"height": size.height, "width": size.width},
            "labelMappings": mappings,
            "labeledImage": {"pngImageData": masks.encode(corrected)},
            "initialValueModified": modified,
        }
    }


def adjust_mask_object(spec: JobSpec, workforce: WorkforceProfile, s3: S3Store, template: Any,
                       line: dict[str, Any], index: int) -> Any:
    """One data object of an AdjustmentSemanticSegmentation job: an ObjectResult with the new mask's file."""
    ready = _ready_to_adjust(spec, workforce, s3, template, line, SEGMENTATION_TYPE, "Image tasks")
    if isinstance(ready, simulation.ObjectResult):
        return ready
    source_ref, elements, size = ready
    answer = adjust_mask(spec, workforce, s3, source_ref, elements, size)
    if isinstance(answer, workers.CannotWork):
        return simulation._failure(answer.reason, SEGMENTATION_TYPE)
    try:
        uri, metadata, png = consolidation.semantic_segmentation(spec, workforce, source_ref, answer, size,
                                                                 simulation.mask_uri(spec, index))
    except NoLabel as no_label:
        return simulation._failure(str(no_label), SEGMENTATION_TYPE)
    modified = (answer.get(consolidation.SEGMENTATION_KEY) or {}).get("initialValueModified")
    metadata["adjustment-status"] = ADJUSTED if modified else UNADJUSTED
    return simulation.ObjectResult(simulation.LABELED, label=uri, metadata=metadata, files={uri: png})


simulation.OBJECT_PLANNERS[ADJUSTMENT] = adjust_object
