"""Stand-ins for the built-in annotation consolidation Lambdas: a worker's form answer -> the label.

Every task type's consolidation reads the answer under the name its documented template gives the
answering element (bounding boxes below; semantic segmentation and classification at the end).

ACS-BoundingBox reads the answer under ``boundingBox``, the name the bounding box
task type's documented template gives its crowd-bounding-box (sms-bounding-box,
"Provide a Template for Bounding Box Labeling Jobs": copy the template and "Only
modify" the instructions and ``header``; its worker output is shown under
``boundingBox``). A form without that key gives no label: the object fails, as
objects the consolidation cannot label do.

ACS-VerificationBoundingBox reads the classifier's answer ``{"<name>": {"label",
"workerComment"}}`` (sms-ui-template-crowd-image-classifier, "Output"); which name it
expects is not documented, so the answer of the page's classifier is read whatever
its name. The label is the index of the chosen category in the category file,
``class-name`` the category, comments go to ``worker-feedback`` (sms-data-verify-manifest).
"""
from __future__ import annotations

from typing import Any

from sandbox.ground_truth import masks
from sandbox.ground_truth.validation import OBJECT_DETECTION_TYPE, JobSpec
from sandbox.images import ImageSize
from sandbox.workforce import WorkforceProfile

BOUNDING_BOX_KEY = "boundingBox"
VERIFICATION_TYPE = "groundtruth/label-verification"


class NoLabel(Exception):
    """The answer cannot be consolidated into a label; ``str()`` is the object's failure-reason."""


def bounding_boxes(spec: JobSpec, workforce: WorkforceProfile, source_ref: str, answer: dict[str, Any],
                   size: ImageSize) -> tuple[dict[str, Any], dict[str, Any]]:
    """(label, metadata without dates) from a bounding-box answer, or NoLabel."""
    result = answer.get(BOUNDING_BOX_KEY)
    if not isinstance(result, dict):
        found = sorted(key for key in answer) or "none"
        raise NoLabel(
            f"ClientError: Annotation consolidation found no worker answer under '{BOUNDING_BOX_KEY}' (answer keys: "
            f"{found}); name the crowd-bounding-box 'boundingBox' as the bounding box task's template does."
        )
    annotations = []
    for box in result.get("boundingBoxes") or []:
        if box.get("label") not in spec.categories:
            raise NoLabel(f"ClientError: A worker's box has label {box.get('label')!r}, not one of the label "
                          f"categories {list(spec.categories)}.")
        annotations.append({
            "class_id": spec.categories.index(box["label"]),
            "left": box["left"], "top": box["top"], "width": box["width"], "height": box["height"],
        })
    image = result.get("inputImageProperties") or {}
    class_ids = sorted({box["class_id"] for box in annotations})
    label = {
        "image_size": [{"width": image.get("width", size.width), "height": image.get("height", size.height),
                        "depth": size.depth}],
        "annotations": annotations,
    }
    metadata = {
        "objects": [{"confidence": workforce.box_confidence(spec.name, source_ref, i)} for i in range(len(annotations))],
        "class-map": {str(class_id): spec.categories[class_id] for class_id in class_ids},
        "type": OBJECT_DETECTION_TYPE,
        "human-annotated": "yes",
    }
    return label, metadata


def verification(spec: JobSpec, workforce: WorkforceProfile, source_ref: str,
                 answer: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """(index of the chosen category, metadata without dates) from a verification answer, or NoLabel."""
    results = [value for value in answer.values() if isinstance(value, dict) and "label" in value]
    if not results:
        raise NoLabel("ClientError: Annotation consolidation found no crowd-image-classifier answer "
                      "({\"<name>\": {\"label\": ...}}) in the worker's form.")
    chosen = results[0]
    if chosen["label"] not in spec.categories:
        raise NoLabel(f"ClientError: The worker chose {chosen['label']!r}, not one of the label categories "
                      f"{list(spec.categories)}.")
    metadata: dict[str, Any] = {
        "class-name": chosen["label"],
        "confidence": workforce.verdict_confidence(spec.name, source_ref),
        "type": VERIFICATION_TYPE,
        "human-annotated": "yes",
    }
    if chosen.get("workerComment"):
        metadata["worker-feedback"] = [{"comment": chosen["workerComment"]}]
    return spec.categories.index(chosen["label"]), metadata


SEGMENTATION_TYPE = "groundtruth/semantic-segmentation"
CLASSIFICATION_TYPE = "groundtruth/image-classification"
MULTILABEL_TYPE = "groundtruth/image-classification-multilabel"
# The name each task type's documented template gives its answering element (sms-semantic-segmentation,
# sms-image-classification, sms-image-classification-multilabel: "Only modify" the instructions and header).
SEGMENTATION_KEY = "crowd-semantic-segmentation"
CLASSIFIER_KEY = "crowd-image-classifier"
MULTI_SELECT_KEY = "crowd-image-classifier-multi-select"


def _answer(answer: dict[str, Any], key: str, element: str) -> dict[str, Any]:
    result = answer.get(key)
    if not isinstance(result, dict):
        found = sorted(answer) or "none"
        raise NoLabel(f"ClientError: Annotation consolidation found no worker answer under '{key}' (answer keys: "
                      f"{found}); name the {element} '{key}' as the task type's template does.")
    return result


def consolidated_confidence(spec: JobSpec, workforce: WorkforceProfile, source_ref: str) -> float:
    """sms-data-output, "Confidence Score": with one worker per object "the confidence score is set to
    0.00"; with more, a deterministic draw in [0.5, 1.0) stands in for the consolidation's score."""
    if spec.workers_per_object <= 1:
        return 0.0
    return round(0.5 + 0.49 * workforce.pick(spec.kind, spec.name, source_ref, "confidence", 10_000) / 10_000, 2)


def semantic_segmentation(spec: JobSpec, workforce: WorkforceProfile, source_ref: str, answer: dict[str, Any],
                          size: ImageSize, mask_uri: str) -> tuple[str, dict[str, Any], bytes]:
    """(the mask's URI, metadata without dates, the mask PNG) from a crowd-semantic-segmentation answer.

    The label is the mask PNG's S3 URI and the metadata's internal-color-map names its colours:
    "0" is BACKGROUND (#ffffff), then one entry per category (sms-data-output, "Semantic
    Segmentation Job Output"; the confidence is per image, the same for every class).
    """
    result = _answer(answer, SEGMENTATION_KEY, "crowd-semantic-segmentation")
    mappings = result.get("labelMappings") or {}
    if not isinstance(mappings, dict):
        raise NoLabel("ClientError: labelMappings must map each label to {\"color\": \"#rrggbb\"}.")
    unknown = sorted(set(mappings) - set(spec.categories))
    if unknown:
        raise NoLabel(f"ClientError: A worker painted with label(s) {unknown}, not in the label categories "
                      f"{list(spec.categories)}.")
    try:
        png = masks.decode((result.get("labeledImage") or {}).get("pngImageData"))
        (width, height), painted = masks.colours(png)
    except masks.MaskError as bad:
        raise NoLabel(f"ClientError: The worker's mask cannot be read: {bad}.") from None
    if (width, height) != (size.width, size.height):
        raise NoLabel(f"ClientError: The worker's mask is {width}x{height}, the image {size.width}x{size.height}.")
    colour_of = {label: str((mappings[label] or {}).get("color", "")).lower() for label in mappings}
    stray = sorted(painted - set(colour_of.values()) - {masks.BACKGROUND_HEX})
    if stray:
        raise NoLabel(f"ClientError: The worker's mask has colours {stray} that labelMappings does not name.")
    confidence = consolidated_confidence(spec, workforce, source_ref)
    color_map = {"0": {"class-name": masks.BACKGROUND, "hex-color": masks.BACKGROUND_HEX, "confidence": confidence}}
    for index, category in enumerate(spec.categories):
        color_map[str(index + 1)] = {"class-name": category,
                                     "hex-color": colour_of.get(category) or masks.label_colour(index),
                                     "confidence": confidence}
    metadata = {"internal-color-map": color_map, "type": SEGMENTATION_TYPE, "human-annotated": "yes"}
    return mask_uri, metadata, png


def image_classification(spec: JobSpec, workforce: WorkforceProfile, source_ref: str,
                         answer: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """(class index, metadata without dates) from a crowd-image-classifier answer (sms-data-output,
    "Classification Job Output": the label is the class index, ``class-name`` its label)."""
    chosen = _answer(answer, CLASSIFIER_KEY, "crowd-image-classifier").get("label")
    if chosen not in spec.categories:
        raise NoLabel(f"ClientError: The worker chose {chosen!r}, not one of the label categories {list(spec.categories)}.")
    metadata = {"class-name": chosen, "confidence": consolidated_confidence(spec, workforce, source_ref),
                "type": CLASSIFICATION_TYPE, "human-annotated": "yes"}
    return spec.categories.index(chosen), metadata


def multilabel_classification(spec: JobSpec, workforce: WorkforceProfile, source_ref: str,
                              answer: dict[str, Any]) -> tuple[list[int], dict[str, Any]]:
    """(class indexes, metadata without dates) from a crowd-image-classifier-multi-select answer
    (sms-data-output, "Multi-label Classification Job Output": ``class-map`` and ``confidence-map``
    keyed by the chosen indexes). An answer choosing none (the exclusion-category) gives ``[]``;
    that output is not documented."""
    labels = _answer(answer, MULTI_SELECT_KEY, "crowd-image-classifier-multi-select").get("labels")
    if not isinstance(labels, list):
        raise NoLabel("ClientError: The multi-select answer has no 'labels' list.")
    unknown = [label for label in labels if label not in spec.categories]
    if unknown:
        raise NoLabel(f"ClientError: The worker chose {unknown}, not in the label categories {list(spec.categories)}.")
    indexes = sorted({spec.categories.index(label) for label in labels})
    confidence = consolidated_confidence(spec, workforce, source_ref)
    metadata = {"class-map": {str(i): spec.categories[i] for i in indexes},
                "confidence-map": {str(i): confidence for i in indexes},
                "type": MULTILABEL_TYPE, "human-annotated": "yes"}
    return indexes, metadata
