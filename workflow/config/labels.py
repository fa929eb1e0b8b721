"""What workers label: the labels section (task type, categories, the classification answer for none of them,
the lowest confidence approved), and the rule for lists of display names it shares with verification.choices."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from workflow import ground_truth as gt
from workflow.config.base import Section, StrList
from workflow.config.errors import problem

LABEL_CATEGORY_MAX_LENGTH = 128  # ours: Ground Truth documents no limit; keeps the UI readable


def display_names(items: tuple[str, ...]) -> tuple[str, ...]:
    """Unique, non-empty, trimmed one-line display names (categories, choices)."""
    for index, item in enumerate(items):
        if not item.strip() or item != item.strip() or "\n" in item:
            raise problem(f"{item!r} is empty or has surrounding whitespace", "use a non-empty, trimmed one-line name", index)
        if len(item) > LABEL_CATEGORY_MAX_LENGTH:
            raise problem(f"is {len(item)} characters long", f"use at most {LABEL_CATEGORY_MAX_LENGTH}", index)
        if item in items[:index]:
            raise problem(f"{item!r} is listed twice", "list each entry once", index)
    return items


class LabelsSection(Section):
    task_type: Annotated[Literal["bounding_box", "semantic_segmentation", "image_classification",
                                 "multilabel_image_classification"], Field(
        title="task type",
        description="What workers label: bounding_box (boxes), semantic_segmentation (a mask PNG per image), "
                    "image_classification (one class per image) or multilabel_image_classification (any number "
                    "of classes per image). Classification has no verification job: the verification section is "
                    "ignored (a note at deploy) and labels.min_confidence decides APPROVED or REJECTED.")] = "bounding_box"
    categories: Annotated[StrList, Field(
        min_length=1, max_length=gt.BOUNDING_BOX_MAX_CATEGORIES, title="category",
        description="Classes workers mark ({range}, unique; classification: at most "
                    f"{gt.CLASSIFIER_MAX_CATEGORIES} with labels.none_category)."), AfterValidator(display_names)]
    none_category: Annotated[str, Field(
        min_length=1, max_length=LABEL_CATEGORY_MAX_LENGTH,
        description="Classification only: the answer for an image showing none of the categories (single label: "
                    "one more class after the categories; multi-label: the 'none of these' option).")] = "no defect"
    min_confidence: Annotated[float, Field(
        ge=0.0, le=1.0,
        description="Classification only: the lowest consolidated confidence that counts as APPROVED ({range}); "
                    "below it the image is REJECTED and labeled again next run. Ground Truth reports 0.0 when one "
                    "worker labels an image, so a minimum above 0 needs labeling.workers_per_object of 2 or more.")] = 0.0
