"""labels.task_type: switching it alone works; the settings that do not fit a task type are one-line errors."""
from __future__ import annotations

import pytest
from task_type_configs import TASK_TYPES, load_for, write_config

from workflow.config import ConfigError, load_config
from workflow.task_types import ASSETS


def test_the_default_is_bounding_box_with_the_shipped_templates(tmp_path):
    cfg = load_for(tmp_path, "bounding_box")
    assert cfg.labels.task_type == "bounding_box"
    assert (cfg.labels.none_category, cfg.labels.min_confidence) == ("no defect", 0.0)
    assert cfg.labeling.instructions_template == ASSETS / "labeling.liquid.html"
    assert cfg.verification.instructions_template == ASSETS / "verification.liquid.html"
    assert cfg.labeling.label_attribute == "scratch-boxes"


TEMPLATES = {"semantic_segmentation": ("semantic-segmentation.liquid.html", "semantic-segmentation-verification.liquid.html"),
             "image_classification": ("image-classification.liquid.html", "verification.liquid.html"),
             "multilabel_image_classification": ("multilabel-image-classification.liquid.html", "verification.liquid.html")}


@pytest.mark.parametrize("task_type", [t for t in TASK_TYPES if t != "bounding_box"])
def test_changing_only_task_type_in_the_shipped_config_loads(tmp_path, task_type):
    cfg = load_config(write_config(tmp_path, task_type))
    assert cfg.labels.task_type == task_type
    labeling, verification = TEMPLATES[task_type]
    assert cfg.labeling.instructions_template == ASSETS / labeling
    assert cfg.verification.instructions_template == ASSETS / verification  # classification: unused
    # CreateLabelingJob LabelAttributeName: semantic segmentation's "must end with -ref".
    expected = "scratch-boxes-ref" if task_type == "semantic_segmentation" else "scratch-boxes"
    assert cfg.labeling.label_attribute == expected


def _error(tmp_path, task_type: str, **changes) -> str:
    with pytest.raises(ConfigError) as caught:
        load_for(tmp_path, task_type, **changes)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(("task_type", "changes", "expected"), [
    ("polygon", {}, "labels.task_type: "),
    ("bounding_box", {"labeling__label_attribute": "boxes-ref"},
     "labeling.label_attribute: 'boxes-ref' ends with '-ref', which Ground Truth reserves for semantic segmentation; "
     "use a name without '-ref' for labels.task_type bounding_box"),
    ("image_classification", {"labeling__label_attribute": "verdict-ref"}, "labeling.label_attribute: 'verdict-ref' ends with '-ref'"),
    ("semantic_segmentation", {"verification__label_attribute": "verdict-ref"},
     "verification.label_attribute: 'verdict-ref' ends with '-ref', which a verification job must not; use a name without '-ref'"),
    ("image_classification", {"labels__none_category": "scratch"},
     "labels.none_category: 'scratch' is also one of labels.categories; use an answer that is not a category"),
    ("image_classification", {"labels__categories": [f"defect {i}" for i in range(10)]},
     "labels.categories: has 10 classes, 11 answers with labels.none_category; use at most 10 answers"),
    ("multilabel_image_classification", {"labels__categories": [f"defect {i}" for i in range(11)]},
     "labels.categories: has 11 classes, 11 answers with labels.none_category; use at most 10 answers"),
    ("image_classification", {"labels__min_confidence": 0.6},
     "labels.min_confidence: is 0.6 but labeling.workers_per_object is 1, and Ground Truth reports confidence 0.0 for "
     "one worker, so every image would be REJECTED; use 0.0, or labeling.workers_per_object 2 or more"),
    ("image_classification", {"labels__min_confidence": 1.5}, "labels.min_confidence: "),
    ("semantic_segmentation", {"labeling__instructions_template": str(ASSETS / "labeling.liquid.html")},
     "labeling.instructions_template: labeling.liquid.html has no <crowd-semantic-segmentation "
     "name=\"crowd-semantic-segmentation\">, which labels.task_type semantic_segmentation needs"),
    ("bounding_box", {"labeling__instructions_template": str(ASSETS / "image-classification.liquid.html")},
     "labeling.instructions_template: image-classification.liquid.html has no <crowd-bounding-box name=\"boundingBox\">"),
    ("semantic_segmentation", {"verification__instructions_template": str(ASSETS / "labeling.liquid.html")},
     "verification.instructions_template: labeling.liquid.html has no <crowd-image-classifier>"),
    ("image_classification", {"verification__on_reject": "adjust"}, "verification.on_reject: 'adjust' does not apply"),
])
def test_settings_that_do_not_fit_the_task_type_are_one_line_errors(tmp_path, task_type, changes, expected):
    if task_type == "polygon":
        path = write_config(tmp_path, "bounding_box")
        path.write_text(path.read_text().replace("task_type: bounding_box", "task_type: polygon"))
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        message = str(caught.value)
        assert "labels.task_type: " in message and "image_classification" in message and "\n" not in message
        return
    assert expected in _error(tmp_path, task_type, **changes)


def test_classification_ignores_the_verification_section_and_fits_more_workers(tmp_path):
    cfg = load_for(tmp_path, "image_classification", labels__min_confidence=0.6, labeling__workers_per_object=3,
                   verification__choices=["only", "two"])
    assert cfg.labels.min_confidence == 0.6
    # A template without the crowd element's documented name passes for classification's unused verification.
    assert load_for(tmp_path, "multilabel_image_classification",
                    verification__instructions_template=str(ASSETS / "labeling.liquid.html"))


def test_an_explicit_template_with_the_documented_element_is_kept(tmp_path):
    custom = tmp_path / "mine.html"
    custom.write_text((ASSETS / "image-classification.liquid.html").read_text().replace("Which defect", "Which flaw"))
    cfg = load_for(tmp_path, "image_classification", labeling__instructions_template=str(custom))
    assert cfg.labeling.instructions_template == custom


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_deploy_notes_in_one_line_that_classification_ignores_the_verification_section(tmp_path, capsys, task_type):
    import deploy

    deploy._warn_public_workforce(load_for(tmp_path, task_type))
    err = capsys.readouterr().err
    if task_type in ("bounding_box", "semantic_segmentation"):
        assert err == ""
    else:
        assert err == (f"note: labels.task_type {task_type} has no verification job: the verification section is "
                       "ignored; images whose consolidated confidence is below labels.min_confidence (0.0) are "
                       "REJECTED and labeled again\n")
