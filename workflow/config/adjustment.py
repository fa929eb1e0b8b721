"""verification.on_reject: adjust: the adjustment job's label attribute and the rules the whole config must meet
for it (a task type with an adjustment job, room for its attribute, three jobs within the history budget)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from workflow import ground_truth as gt
from workflow import task_types
from workflow.config.errors import problem
from workflow.config.timing import HISTORY_BUDGET_JOBS, HISTORY_BUDGET_TEXT, history_overrun

if TYPE_CHECKING:
    from workflow.config.model import PipelineConfig

# Task types (labels.task_type) with a built-in adjustment job (sms-data-verify-start-api, "Bounding Box and
# Semantic Segmentation": AdjustmentBoundingBox, AdjustmentSemanticSegmentation); classification has none.
ADJUSTABLE_TASK_TYPES = ("bounding_box", "semantic_segmentation")
ADJUSTMENT_ATTRIBUTE_SUFFIX = "-adjusted"


def adjustment_attribute(label_attribute: str) -> str:
    """The adjustment job's LabelAttributeName: Ground Truth requires one other than the adjusted label's.

    A semantic segmentation label attribute ends with ``-ref``, and so must its adjustment job's
    (CreateLabelingJob, LabelAttributeName: "Image semantic segmentation (SemanticSegmentation) and
    adjustment (AdjustmentSemanticSegmentation) labeling jobs" must end with "-ref"): ``scratch-ref``
    gives ``scratch-adjusted-ref``, ``scratch-boxes`` gives ``scratch-boxes-adjusted``.
    """
    base = label_attribute.removesuffix(task_types.REF_SUFFIX)
    ref = task_types.REF_SUFFIX if base != label_attribute else ""
    return base + ADJUSTMENT_ATTRIBUTE_SUFFIX + ref


def adjustment_fits(cfg: PipelineConfig) -> None:
    """verification.on_reject: adjust needs a task type with an adjustment job and room for its attribute."""
    if cfg.verification.on_reject != "adjust":
        return
    task_type = getattr(cfg.labels, "task_type", "bounding_box")
    if task_type not in ADJUSTABLE_TASK_TYPES:
        raise problem(f"'adjust' does not apply to labels.task_type {task_type!r}: Ground Truth has no adjustment "
                      "job for it",
                      f"use 'relabel', or labels.task_type {' or '.join(ADJUSTABLE_TASK_TYPES)}",
                      "verification", "on_reject")
    attribute = adjustment_attribute(cfg.labeling.label_attribute)
    if len(attribute) > gt.LABEL_ATTRIBUTE_MAX:
        tail = attribute[len(cfg.labeling.label_attribute.removesuffix(task_types.REF_SUFFIX)):]  # -adjusted[-ref]
        raise problem(f"is {len(cfg.labeling.label_attribute)} characters, too long for the adjustment job's "
                      f"attribute {attribute[:20]}...{tail}",
                      f"use at most {gt.LABEL_ATTRIBUTE_MAX - len(ADJUSTMENT_ATTRIBUTE_SUFFIX)} characters with "
                      "verification.on_reject: adjust", "labeling", "label_attribute")
    # Three jobs are polled (labeling and adjustment side by side, then verification): they must fit the
    # history budget that two jobs must fit with on_reject relabel (PollingSection._fits_the_history).
    overrun = history_overrun(cfg.polling, HISTORY_BUDGET_JOBS + 1)
    if overrun is not None:
        fix = (f"raise polling.max_interval_seconds to at least {overrun.minimum}" if overrun.minimum is not None
               else "poll less often")
        raise problem(f"'adjust' polls three 30-day Ground Truth jobs: {overrun.events} history events with this "
                      f"polling, over {HISTORY_BUDGET_TEXT}", f"{fix}, or use 'relabel'", "verification", "on_reject")
    if attribute == cfg.verification.label_attribute:
        raise problem(f"{attribute!r} is the adjustment job's attribute (labeling.label_attribute with "
                      f"'{ADJUSTMENT_ATTRIBUTE_SUFFIX}')", "use another name with verification.on_reject: adjust",
                      "verification", "label_attribute")
