"""What each ``labels.task_type`` means to Ground Truth: built-in Lambdas, templates, worker elements.

Pure data, no AWS calls. The built-in task types' Lambda names come from botocore's
``HumanTaskConfig.PreHumanTaskLambdaArn`` documentation (checked by tests/config); the
template shapes and element names from each task type's developer-guide page ("Provide a
Template for ... Labeling Jobs": copy the template and "Only modify" the instructions and
``header``), because the built-in consolidation reads the worker's answer under that name:
- sms-bounding-box: ``crowd-bounding-box`` named ``boundingBox``;
- sms-semantic-segmentation: ``crowd-semantic-segmentation`` named ``crowd-semantic-segmentation``;
- sms-image-classification: ``crowd-image-classifier`` named ``crowd-image-classifier``;
- sms-image-classification-multilabel: ``crowd-image-classifier-multi-select`` named
  ``crowd-image-classifier-multi-select``.
Verification (sms-data-verify-start-api) exists for bounding boxes and semantic segmentation
only: a ``crowd-image-classifier`` whose ``overlay`` carries the label under ``boundingBox`` or
``semanticSegmentation`` (sms-ui-template-crowd-image-classifier, "overlay").
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from steps import task_types as names
from workflow import ground_truth as gt

if TYPE_CHECKING:
    from workflow.config import PipelineConfig

ASSETS = Path(__file__).resolve().parent / "assets"
# sms-data-output: a semantic segmentation job's label attribute "must end with -ref"; "For any
# other type of job, the attribute name can't end with -ref" (also CreateLabelingJob's
# LabelAttributeName: VerificationSemanticSegmentation "must not end with -ref").
REF_SUFFIX = "-ref"


@dataclass(frozen=True)
class TaskTypeSpec:
    """One task type's Ground Truth side."""

    name: str  # the labels.task_type value
    labeling: gt.TaskType  # built-in PRE-/ACS- suffix of the labeling job
    verification: gt.TaskType | None  # ... of the verification job; None: no verification job
    labeling_template: str  # shipped template in workflow/assets
    verification_template: str | None
    element: str  # the answering crowd element of the labeling template
    element_name: str  # the name the built-in consolidation reads the answer under
    overlay_key: str | None  # the verification classifier's overlay key
    max_categories: int
    noun: str  # what the graph and the README call the labeling job

    def template(self, kind: str) -> Path:
        """The shipped template for ``kind`` ("labeling" or "verification")."""
        file = self.labeling_template if kind == "labeling" else self.verification_template
        if file is None:
            raise ValueError(f"task type {self.name} has no {kind} job")
        return ASSETS / file


SPECS: dict[str, TaskTypeSpec] = {
    names.BOUNDING_BOX: TaskTypeSpec(
        names.BOUNDING_BOX, "BoundingBox", "VerificationBoundingBox", "labeling.liquid.html",
        "verification.liquid.html", "crowd-bounding-box", "boundingBox", "boundingBox",
        gt.BOUNDING_BOX_MAX_CATEGORIES, "bounding-box job"),
    names.SEMANTIC_SEGMENTATION: TaskTypeSpec(
        names.SEMANTIC_SEGMENTATION, "SemanticSegmentation", "VerificationSemanticSegmentation",
        "semantic-segmentation.liquid.html", "semantic-segmentation-verification.liquid.html",
        "crowd-semantic-segmentation", "crowd-semantic-segmentation", "semanticSegmentation",
        gt.BOUNDING_BOX_MAX_CATEGORIES, "semantic segmentation job"),
    names.IMAGE_CLASSIFICATION: TaskTypeSpec(
        names.IMAGE_CLASSIFICATION, "ImageMultiClass", None, "image-classification.liquid.html", None,
        "crowd-image-classifier", "crowd-image-classifier", None, gt.CLASSIFIER_MAX_CATEGORIES,
        "image classification job"),
    names.MULTILABEL_IMAGE_CLASSIFICATION: TaskTypeSpec(
        names.MULTILABEL_IMAGE_CLASSIFICATION, "ImageMultiClassMultiLabel", None,
        "multilabel-image-classification.liquid.html", None, "crowd-image-classifier-multi-select",
        "crowd-image-classifier-multi-select", None, gt.CLASSIFIER_MAX_CATEGORIES,
        "multi-label image classification job"),
}


def spec(task_type: str) -> TaskTypeSpec:
    """The spec of a labels.task_type value (ValueError naming the known ones)."""
    names.check(task_type)
    return SPECS[task_type]


def deploy_note(cfg: PipelineConfig) -> str:
    """One line when the config has a section its task type ignores ('' otherwise)."""
    if spec(cfg.labels.task_type).verification is not None:
        return ""
    return (f"labels.task_type {cfg.labels.task_type} has no verification job: the verification section is ignored; "
            f"images whose consolidated confidence is below labels.min_confidence ({cfg.labels.min_confidence}) are "
            "REJECTED and labeled again")
