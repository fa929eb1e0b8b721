"""Stand-ins for the built-in annotation consolidation Lambdas: a worker's form answer -> the label.

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
