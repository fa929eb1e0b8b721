"""verification.on_reject: adjust for semantic segmentation (AdjustmentSemanticSegmentation); classification refuses it.

CreateLabelingJob, LabelAttributeName: semantic segmentation "and adjustment (AdjustmentSemanticSegmentation)
labeling jobs" need an attribute ending with "-ref", and an adjustment job needs one other than the original's
(sms-data-verify-start-api): the adjustment job's attribute keeps the "-ref" at the end.
"""
from __future__ import annotations

import pytest

from workflow.config import ConfigError, adjustment_attribute, load_config
from workflow.ground_truth import LABEL_ATTRIBUTE_MAX


def test_semantic_segmentation_loads_with_adjust(write_config):
    cfg = load_config(write_config({"verification.on_reject": "adjust", "labels.task_type": "semantic_segmentation",
                                    "labeling.instructions_template": None,
                                    "verification.instructions_template": None}))
    assert cfg.verification.on_reject == "adjust"
    assert cfg.labeling.label_attribute == "scratch-boxes-ref"  # the config adds Ground Truth's -ref
    assert adjustment_attribute(cfg.labeling.label_attribute) == "scratch-boxes-adjusted-ref"


@pytest.mark.parametrize(("attribute", "adjusted"), [
    ("scratch-boxes", "scratch-boxes-adjusted"),
    ("scratch-mask-ref", "scratch-mask-adjusted-ref"),
    ("ref", "ref-adjusted"),  # "-ref" is the suffix, not any "ref"
])
def test_the_adjustment_attribute_keeps_a_ref_suffix_last(attribute, adjusted):
    assert adjustment_attribute(attribute) == adjusted
    assert adjustment_attribute(attribute) != attribute
    assert not adjustment_attribute(attribute).endswith("-metadata")


@pytest.mark.parametrize("task_type", ["image_classification", "multilabel_image_classification"])
def test_classification_has_no_adjustment_job(write_config, task_type):
    with pytest.raises(ConfigError) as caught:
        load_config(write_config({"verification.on_reject": "adjust", "labels.task_type": task_type}))
    message = str(caught.value)
    assert "\n" not in message
    assert message.endswith(f"verification.on_reject: 'adjust' does not apply to labels.task_type {task_type!r}: Ground "
                       "Truth has no adjustment job for it; use 'relabel', or labels.task_type bounding_box or "
                       "semantic_segmentation")


def test_a_ref_attribute_too_long_for_its_adjustment_job_is_one_line(write_config):
    attribute = "a" * (LABEL_ATTRIBUTE_MAX - 4) + "-ref"  # fits the labeling job, not the adjustment job
    with pytest.raises(ConfigError) as caught:
        load_config(write_config({"verification.on_reject": "adjust", "labels.task_type": "semantic_segmentation",
                                  "labeling.label_attribute": attribute, "labeling.instructions_template": None,
                                  "verification.instructions_template": None}))
    message = str(caught.value)
    assert "\n" not in message
    assert (f"labeling.label_attribute: is {LABEL_ATTRIBUTE_MAX} characters, too long for the "
                              "adjustment job's attribute aaaaaaaaaaaaaaaaaaaa...-adjusted-ref; use at most "
                              f"{LABEL_ATTRIBUTE_MAX - len('-adjusted')} characters") in message
