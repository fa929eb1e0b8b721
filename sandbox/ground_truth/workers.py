"""The simulated worker at one task: the task input, the rendered page, the image, the answer.

``task_input`` is what the built-in pre-annotation Lambda hands the template as
``task.input``. AWS does not document PRE-BoundingBox's or PRE-VerificationBoundingBox's
output field by field; the documented templates use ``taskObject`` (the data
object's ``source-ref``) and ``labels`` (the category file's labels) for the
bounding-box task type (sms-bounding-box, "Provide a Template for Bounding Box
Labeling Jobs") and ``manifestLine`` (the whole input line) to show a prior job's
boxes (sms-ui-template-crowd-bounding-box, ``initial-value``). Verification tasks
get all three, labeling tasks the first two.

The worker reads the page as a browser would (crowd_form.py): the image comes from
the answering element's ``src`` (a grant_read_access URL; its bucket needs the CORS
rule of sms-cors-update), the labels and choices are those the element offers, the
answer is keyed by the element's ``name`` in the element's documented output shape.
Every choice a worker makes is the WorkforceProfile's deterministic draw.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.ground_truth import cors, masks
from sandbox.ground_truth.crowd_form import (
    BOUNDING_BOX,
    CLASSIFIER,
    IMAGE_CLASSIFIER,
    MULTI_SELECT,
    SEMANTIC_SEGMENTATION,
    BadAttribute,
    CrowdElement,
    attribute_value,
    first,
)
from sandbox.ground_truth.render import s3_uri_of_granted_url
from sandbox.ground_truth.s3io import S3ObjectMissing, S3Store, split_s3_uri
from sandbox.ground_truth.validation import JobSpec
from sandbox.images import ImageError, ImageSize, image_size
from sandbox.workforce import LABELING, WorkforceProfile


def task_input(spec: JobSpec, line: dict[str, Any]) -> dict[str, Any]:
    """``task.input`` for one data object (see the module docstring)."""
    data: dict[str, Any] = {"taskObject": line.get("source-ref"), "labels": list(spec.categories)}
    if spec.kind != LABELING:  # verification and adjustment tasks show the label in the line (H14b)
        data["manifestLine"] = line
    return data


SUPPORTED_IMAGE_FORMATS = frozenset({"jpeg", "png"})  # sandbox.images formats Ground Truth accepts


@dataclass(frozen=True)
class CannotWork:
    """The task cannot be worked; ``reason`` is the object's failure-reason."""

    reason: str


def load_image(spec: JobSpec, s3: S3Store, elements: list[CrowdElement]) -> ImageSize | CannotWork:
    """The image the page shows (the first crowd element's ``src``), as the worker's browser loads it."""
    shown = next((element for element in elements if element.attrs.get("src")), None)
    if shown is None:
        return CannotWork("ClientError: The worker UI shows no image: no crowd element of the task has a 'src'.")
    src = shown.attrs["src"]
    uri = s3_uri_of_granted_url(src)
    if uri is None:
        return CannotWork(
            f"ClientError: The worker UI could not load the image {src[:200]!r}; the template must pass the "
            "data object through grant_read_access (src=\"{{ task.input.taskObject | grant_read_access }}\")."
        )
    bucket, _ = split_s3_uri(uri)
    # sms-cors-update: without a CORS rule on the image's bucket, "labeling tasks for those input
    # data objects will fail".
    if not cors.allows_worker_get(spec.account_id, spec.region, bucket):
        return CannotWork(cors.failure_reason(bucket))
    try:
        size = image_size(s3.read(uri))
    except S3ObjectMissing as missing:
        return CannotWork(f"ClientError: The data object could not be read: {missing}.")
    except ImageError as bad:
        return CannotWork(f"ClientError: The data object {uri} is not a supported image: {bad}.")
    # Image task types take .jpg, .jpeg and .png ("Supported data formats", sms-supported-data-formats).
    # The failure-reason wording is undocumented; steps.unlabelable keys on "is not a supported image".
    if size.format not in SUPPORTED_IMAGE_FORMATS:
        return CannotWork(f"ClientError: The data object {uri} is not a supported image: {size.format.upper()} "
                          "(image tasks take JPEG and PNG).")
    return size


def _list_attribute(element: CrowdElement, attribute: str) -> list[str] | CannotWork:
    try:
        value = attribute_value(element.attrs.get(attribute, ""))
    except BadAttribute as bad:
        return CannotWork(f"ClientError: The {element.tag}'s '{attribute}' attribute cannot be read: {bad}.")
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        return CannotWork(
            f"ClientError: The {element.tag}'s '{attribute}' attribute must be a non-empty JSON array of strings."
        )
    return value


def draw(spec: JobSpec, workforce: WorkforceProfile, source_ref: str, elements: list[CrowdElement],
         size: ImageSize) -> dict[str, Any] | CannotWork:
    """A labeling worker's form answer: boxes drawn with the crowd-bounding-box, under its name."""
    element = first(elements, BOUNDING_BOX)
    if element is None:
        return {}  # nothing to draw with: the form is submitted empty
    labels = _list_attribute(element, "labels")
    if isinstance(labels, CannotWork):
        return labels
    boxes = workforce.draw_boxes(spec.name, source_ref, size.width, size.height, len(labels))
    return {
        element.name or "": {
            "boundingBoxes": [
                {"height": box["height"], "label": labels[box["class_id"]], "left": box["left"],
                 "top": box["top"], "width": box["width"]}
                for box in boxes
            ],
            "inputImageProperties": {"height": size.height, "width": size.width},
        }
    }


def shown_boxes(elements: list[CrowdElement]) -> list[tuple[Any, ...]]:
    """The boxes the page overlays on the image: crowd-image-classifier's ``overlay`` under
    ``boundingBox`` ``value`` (sms-ui-template-crowd-image-classifier, "overlay")."""
    element = first(elements, IMAGE_CLASSIFIER)
    if element is None or "overlay" not in element.attrs:
        return []
    try:
        overlay = attribute_value(element.attrs["overlay"])
    except BadAttribute:
        return []
    value = ((overlay or {}).get("boundingBox") or {}).get("value") if isinstance(overlay, dict) else None
    if not isinstance(value, list):
        return []
    return sorted(_box_key(box) for box in value if isinstance(box, dict))


def _box_key(box: dict[str, Any]) -> tuple[Any, ...]:
    return (str(box.get("label")), box.get("left"), box.get("top"), box.get("width"), box.get("height"))


def labeled_boxes(line: dict[str, Any], attribute: str) -> list[tuple[Any, ...]]:
    """The boxes of ``line``'s label ``attribute``, named through its class map."""
    label = line.get(attribute) or {}
    class_map = (line.get(f"{attribute}-metadata") or {}).get("class-map") or {}
    return sorted(
        _box_key({**box, "label": class_map.get(str(box.get("class_id")))})
        for box in label.get("annotations") or []
        if isinstance(box, dict)
    )


def judge(spec: JobSpec, workforce: WorkforceProfile, line: dict[str, Any],
          elements: list[CrowdElement]) -> dict[str, Any] | CannotWork:
    """A verifier's form answer: a choice of the classifier's categories (with a comment if the
    element has a worker-comment), judging the boxes the page shows against the label's boxes."""
    element = first(elements, IMAGE_CLASSIFIER, CLASSIFIER)
    if element is None:
        return {}
    choices = _list_attribute(element, "categories")
    if isinstance(choices, CannotWork):
        return choices
    source_ref = line["source-ref"]
    if spec.task_type == "VerificationSemanticSegmentation":
        matches = shown_mask(elements) == labeled_mask(line, spec.audited_attribute or "")
    else:
        matches = shown_boxes(elements) == labeled_boxes(line, spec.audited_attribute or "")
    if not matches:
        verdict = workforce.rejection(spec.name, source_ref, len(choices))  # what is shown is not the label
    else:
        verdict = workforce.verdict(spec.name, source_ref, len(choices))
    answer: dict[str, Any] = {"label": choices[verdict]}
    comments = workforce.feedback(spec.name, source_ref, verdict)
    # sms-ui-template-crowd-image-classifier: the worker-comment region adds "workerComment".
    if comments and element.tag == IMAGE_CLASSIFIER and "worker-comment" in element.nested:
        answer["workerComment"] = comments[0]["comment"]
    return {element.name or "": answer}


def paint(spec: JobSpec, workforce: WorkforceProfile, source_ref: str, elements: list[CrowdElement],
          size: ImageSize) -> dict[str, Any] | CannotWork:
    """A labeling worker's crowd-semantic-segmentation answer: the defects painted as filled regions in a
    PNG of the image's size, one colour per label (sms-ui-template-crowd-semantic-segmentation, "Output")."""
    element = first(elements, SEMANTIC_SEGMENTATION)
    if element is None:
        return {}
    labels = _list_attribute(element, "labels")
    if isinstance(labels, CannotWork):
        return labels
    regions = workforce.draw_boxes(spec.name, source_ref, size.width, size.height, len(labels))
    used = sorted({region["class_id"] for region in regions})
    png = masks.paint(size.width, size.height, [
        (masks.label_colour(region["class_id"]), region["left"], region["top"], region["width"], region["height"])
        for region in regions
    ])
    return {
        element.name or "": {
            "inputImageProperties": {"height": size.height, "width": size.width},
            "labelMappings": {labels[i]: {"color": masks.label_colour(i)} for i in used},
            "labeledImage": {"pngImageData": masks.encode(png)},
        }
    }


def classify(spec: JobSpec, workforce: WorkforceProfile, source_ref: str,
             elements: list[CrowdElement]) -> dict[str, Any] | CannotWork:
    """A labeling worker's image classification answer: one of the crowd-image-classifier's categories
    (``{"label": ...}``), or with the multi-select element any number of them (``{"labels": [...]}``; none
    when the worker picks the exclusion-category), keyed by the element's name."""
    element = first(elements, MULTI_SELECT, IMAGE_CLASSIFIER)
    if element is None:
        return {}
    categories = _list_attribute(element, "categories")
    if isinstance(categories, CannotWork):
        return categories
    if element.tag == IMAGE_CLASSIFIER:
        return {element.name or "": {"label": categories[workforce.pick(LABELING, spec.name, source_ref, "class",
                                                                         len(categories))]}}
    chosen = [category for category in categories
              if workforce.chance(LABELING, spec.name, source_ref, f"class-{category}", 0.4)]
    return {element.name or "": {"labels": chosen}}


def shown_mask(elements: list[CrowdElement]) -> tuple[Any, ...] | None:
    """The mask the page overlays: crowd-image-classifier's ``overlay`` under ``semanticSegmentation``
    (``src`` and ``labelMappings``; sms-ui-template-crowd-image-classifier, "overlay")."""
    element = first(elements, IMAGE_CLASSIFIER)
    if element is None or "overlay" not in element.attrs:
        return None
    try:
        overlay = attribute_value(element.attrs["overlay"])
    except BadAttribute:
        return None
    shown = (overlay or {}).get("semanticSegmentation") if isinstance(overlay, dict) else None
    if not isinstance(shown, dict):
        return None
    mappings = shown.get("labelMappings") or {}
    colours = sorted((str(label), str((value or {}).get("color", "")).lower()) for label, value in mappings.items()) \
        if isinstance(mappings, dict) else []
    return s3_uri_of_granted_url(shown.get("src", "")), tuple(colours)


def labeled_mask(line: dict[str, Any], attribute: str) -> tuple[Any, ...] | None:
    """The mask URI and the label colours (BACKGROUND aside) of ``line``'s label ``attribute``."""
    color_map = (line.get(f"{attribute}-metadata") or {}).get("internal-color-map") or {}
    colours = sorted((str(entry.get("class-name")), str(entry.get("hex-color", "")).lower())
                     for entry in color_map.values()
                     if isinstance(entry, dict) and entry.get("class-name") != masks.BACKGROUND)
    return line.get(attribute), tuple(colours)


def load_overlay(spec: JobSpec, s3: S3Store, elements: list[CrowdElement]) -> CannotWork | None:
    """The verifier's browser loads the overlaid mask too: it must be a readable PNG in a bucket with
    Ground Truth's CORS rule (sms-cors-update), else the task cannot be worked."""
    shown = shown_mask(elements)
    uri = shown[0] if shown else None
    if uri is None:
        return CannotWork("ClientError: The worker UI could not load the mask to verify: the overlay's "
                          "semanticSegmentation.src must be the label's mask through grant_read_access.")
    bucket, _ = split_s3_uri(uri)
    if not cors.allows_worker_get(spec.account_id, spec.region, bucket):
        return CannotWork(cors.failure_reason(bucket))
    try:
        masks.colours(s3.read(uri))
    except S3ObjectMissing as missing:
        return CannotWork(f"ClientError: The mask to verify could not be read: {missing}.")
    except masks.MaskError as bad:
        return CannotWork(f"ClientError: The mask to verify {uri} is not usable: {bad}.")
    return None
