"""What labels.task_type implies for the other sections: defaults filled in before they are read (the shipped
template, the '-ref' suffix) and the rules checked after (attributes, category counts, confidence, the
template's crowd element)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from steps import task_types as step_task_types
from workflow import ground_truth as gt
from workflow import task_types
from workflow.config.errors import problem

if TYPE_CHECKING:
    from workflow.config.model import PipelineConfig


def task_type_defaults(data: Any) -> Any:
    """The raw config with what labels.task_type implies before the sections are read: a null
    instructions_template is the shipped template for the task type, and a semantic segmentation label
    attribute gets Ground Truth's required '-ref' suffix (so switching task_type alone works)."""
    if not isinstance(data, dict):
        return data
    labels = data.get("labels")
    task_type = labels.get("task_type", "bounding_box") if isinstance(labels, dict) else "bounding_box"
    if not isinstance(task_type, str) or task_type not in task_types.SPECS:
        return data  # the field reports it (a list or mapping included: it is not hashable)
    spec = task_types.SPECS[task_type]
    data = dict(data)
    for kind in ("labeling", "verification"):
        section = data.get(kind)
        if isinstance(section, dict) and "instructions_template" in section and section["instructions_template"] is None:
            template = spec.template(kind) if kind == "labeling" or spec.verification else \
                task_types.SPECS["bounding_box"].template(kind)  # ignored: no verification job
            data[kind] = {**section, "instructions_template": str(template)}
    section = data.get("labeling")
    if task_type == "semantic_segmentation" and isinstance(section, dict):
        attribute = section.get("label_attribute")
        if isinstance(attribute, str) and attribute and not attribute.endswith(task_types.REF_SUFFIX):
            data["labeling"] = {**section, "label_attribute": attribute + task_types.REF_SUFFIX}
    return data


def task_type_fits(cfg: PipelineConfig) -> None:
    """The rules labels.task_type adds: -ref attributes, category counts, confidence, the template's element."""
    task_type, labels = cfg.labels.task_type, cfg.labels
    spec = task_types.spec(task_type)
    if task_type != "semantic_segmentation" and cfg.labeling.label_attribute.endswith(task_types.REF_SUFFIX):
        raise problem(f"{cfg.labeling.label_attribute!r} ends with '-ref', which Ground Truth reserves for "
                      "semantic segmentation", f"use a name without '-ref' for labels.task_type {task_type}",
                      "labeling", "label_attribute")
    if spec.verification and cfg.verification.label_attribute.endswith(task_types.REF_SUFFIX):
        raise problem(f"{cfg.verification.label_attribute!r} ends with '-ref', which a verification job must not",
                      "use a name without '-ref'", "verification", "label_attribute")
    if task_type in step_task_types.CLASSIFICATION_TYPES:
        if labels.none_category in labels.categories:
            raise problem(f"{labels.none_category!r} is also one of labels.categories",
                          "use an answer that is not a category, e.g. 'no defect'", "labels", "none_category")
        answers = len(labels.categories) + (task_type == "image_classification")
        if answers > gt.CLASSIFIER_MAX_CATEGORIES:
            raise problem(f"has {len(labels.categories)} classes, {answers} answers with labels.none_category",
                          f"use at most {gt.CLASSIFIER_MAX_CATEGORIES} answers (crowd-image-classifier's limit) for "
                          f"labels.task_type {task_type}", "labels", "categories")
        if labels.min_confidence > 0 and cfg.labeling.workers_per_object == 1:
            raise problem(f"is {labels.min_confidence} but labeling.workers_per_object is 1, and Ground Truth reports "
                          "confidence 0.0 for one worker, so every image would be REJECTED",
                          "use 0.0, or labeling.workers_per_object 2 or more", "labels", "min_confidence")
    _template_fits(cfg, "labeling", spec.element, spec.element_name)
    if spec.verification:
        _template_fits(cfg, "verification", "crowd-image-classifier", None)


def _template_fits(cfg: PipelineConfig, kind: str, element: str, name: str | None) -> None:
    """The template has the crowd element (with the name) the task type's built-in consolidation reads."""
    path = getattr(cfg, kind).instructions_template
    text = path.read_text(encoding="utf-8", errors="replace")
    tags = re.findall(rf"<{re.escape(element)}(?=[\s>/])[^>]*>", text)
    named = [tag for tag in tags if name is None or re.search(rf"\bname\s*=\s*[\"']{re.escape(name)}[\"']", tag)]
    if not named:
        wanted = f'<{element} name="{name}">' if name else f"<{element}>"
        raise problem(f"{path.name} has no {wanted}, which labels.task_type {cfg.labels.task_type} needs (its "
                      "built-in consolidation reads the answer there)",
                      f"use null for the shipped template ({task_types.spec(cfg.labels.task_type).template(kind).name}) "
                      "or keep that element and name", kind, "instructions_template")
