"""The pipeline's task types (``labels.task_type``) as the Lambda steps and the feature group see them.

Shared by the state machine's settings, the update step and the deployer (standard library only):
the task type names, whether a task type has a verification job, and the feature group's
definition per task type. ``steps.contract.FEATURE_DEFINITIONS`` stays the bounding-box
definition; the other types replace its box features with their own, in the same place, and keep
every other feature (so a feature added to the contract reaches every task type).
"""
from __future__ import annotations

BOUNDING_BOX = "bounding_box"
SEMANTIC_SEGMENTATION = "semantic_segmentation"
IMAGE_CLASSIFICATION = "image_classification"
MULTILABEL_IMAGE_CLASSIFICATION = "multilabel_image_classification"
TASK_TYPES = (BOUNDING_BOX, SEMANTIC_SEGMENTATION, IMAGE_CLASSIFICATION, MULTILABEL_IMAGE_CLASSIFICATION)
CLASSIFICATION_TYPES = (IMAGE_CLASSIFICATION, MULTILABEL_IMAGE_CLASSIFICATION)

# The bounding-box features of steps.contract.FEATURE_DEFINITIONS, replaced per task type.
BOX_FEATURES = ("width", "height", "depth", "annotations", "class_map", "box_count")
# Written only where a verification job exists (bounding boxes, semantic segmentation).
VERIFICATION_FEATURES = ("verification_job", "verification_confidence", "worker_feedback")

# The features that take the box features' place, per task type.
_OWN_FEATURES: dict[str, tuple[tuple[str, str], ...]] = {
    SEMANTIC_SEGMENTATION: (
        ("mask_uri", "String"),  # s3:// URI of the consolidated mask PNG (the <attr>-ref value)
        ("color_map", "String"),  # JSON: the output metadata's internal-color-map
        ("class_map", "String"),  # JSON {"1": "scratch"}: mask classes other than BACKGROUND
    ),
    IMAGE_CLASSIFICATION: (
        ("class_id", "Integral"),  # index of the class in the label category file
        ("class_name", "String"),
        ("confidence", "Fractional"),  # the consolidated confidence (0.0 with one worker per image)
    ),
    MULTILABEL_IMAGE_CLASSIFICATION: (
        ("classes", "String"),  # JSON list of {class_id, class_name, confidence}; [] for "none of them"
        ("class_map", "String"),  # JSON {"0": "scratch"}
        ("confidence", "Fractional"),  # the lowest confidence of the chosen classes (absent when none)
    ),
}


def check(task_type: str) -> str:
    """``task_type`` if it is one of TASK_TYPES, else ValueError (one line)."""
    if task_type not in TASK_TYPES:
        raise ValueError(f"task type {task_type!r} is unknown; use one of: {', '.join(TASK_TYPES)}")
    return task_type


def has_verification(task_type: str) -> bool:
    """True where Ground Truth has a built-in verification job for the task type."""
    return check(task_type) not in CLASSIFICATION_TYPES


def feature_definitions(task_type: str, base: tuple[tuple[str, str], ...] | None = None) -> tuple[tuple[str, str], ...]:
    """(feature name, Feature Store type) of the feature group for ``task_type``, in definition order.

    ``base`` is the bounding-box definition (default: steps.contract.FEATURE_DEFINITIONS).
    """
    from steps import contract

    base = contract.FEATURE_DEFINITIONS if base is None else base
    if check(task_type) == BOUNDING_BOX:
        return base
    result: list[tuple[str, str]] = []
    for name, kind in base:
        if name in BOX_FEATURES:
            if name == BOX_FEATURES[0]:
                result.extend(_OWN_FEATURES[task_type])
            continue
        if name in VERIFICATION_FEATURES and not has_verification(task_type):
            continue
        result.append((name, kind))
    return tuple(result)


def identify(feature_names: set[str]) -> str | None:
    """The task type whose own features a feature group has, or None if it matches none."""
    for task_type in TASK_TYPES:
        own = {name for name, _ in feature_definitions(task_type)} - {name for name, _ in _common()}
        if own and own <= feature_names:
            return task_type
    return None


def _common() -> tuple[tuple[str, str], ...]:
    """The features every task type's group has."""
    names = set.intersection(*({name for name, _ in feature_definitions(t)} for t in TASK_TYPES))
    from steps import contract

    return tuple(item for item in contract.FEATURE_DEFINITIONS if item[0] in names)
