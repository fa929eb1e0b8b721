"""Records of semantic segmentation and classification lines, and the feature group per task type."""
from __future__ import annotations

import json

import pytest

from steps import contract, task_types
from steps.errors import ManifestError
from steps.records import RecordContext, parse_line, record_from_line

SEG = "defects-ref"
COLOR_MAP = {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.9},
             "1": {"class-name": "scratch", "hex-color": "#1f77b4", "confidence": 0.9},
             "2": {"class-name": "dent", "hex-color": "#ff7f0e", "confidence": 0.9}}


def _ctx(task_type: str, attribute: str = "defects", min_confidence: float = 0.0) -> RecordContext:
    return RecordContext(label_attribute=attribute, verification_attribute="verdict", approved_index=0,
                         labeling_job="run-lbl", verification_job="run-vfy", task_type=task_type,
                         min_confidence=min_confidence)


def _segmentation_line(verdict: int = 0) -> dict:
    return {
        "source-ref": "s3://b/raw/a.png", "source-etag": "abc",
        SEG: "s3://b/work/runs/r/labeling/run-lbl/annotations/consolidated-annotation/output/0.png",
        f"{SEG}-metadata": {"internal-color-map": COLOR_MAP, "type": "groundtruth/semantic-segmentation",
                            "human-annotated": "yes", "creation-date": "2026-11-29T10:00:00.000001",
                            "job-name": "labeling-job/run-lbl"},
        "verdict": verdict,
        "verdict-metadata": {"class-name": "ok", "confidence": 0.93, "type": "groundtruth/label-verification",
                             "creation-date": "2026-11-30T10:00:00", "job-name": "labeling-job/run-vfy",
                             "worker-feedback": [{"comment": "dent not painted"}]},
    }


def _names(task_type: str) -> list[str]:
    return [name for name, _ in task_types.feature_definitions(task_type)]


@pytest.mark.parametrize(("verdict", "status"), [(0, "APPROVED"), (1, "REJECTED")])
def test_a_segmentation_record_keeps_the_mask_uri_and_the_color_map(verdict, status):
    record = record_from_line(_segmentation_line(verdict), _ctx("semantic_segmentation", SEG))
    assert record is not None
    assert record["status"] == status
    assert record["mask_uri"].endswith("/output/0.png")
    assert json.loads(record["color_map"]) == COLOR_MAP
    assert json.loads(record["class_map"]) == {"1": "scratch", "2": "dent"}
    assert record["event_time"] == "2026-11-30T10:00:00.000Z"  # the verdict's time, as for boxes
    assert (record["verification_job"], record["verification_confidence"]) == ("run-vfy", "0.93")
    assert json.loads(record["worker_feedback"]) == ["dent not painted"]
    assert record["image_etag"] == "abc"
    assert list(record) == [name for name in _names("semantic_segmentation") if name in record]
    assert not set(record) - set(_names("semantic_segmentation"))


def test_a_segmentation_line_without_both_labels_is_unlabeled():
    line = _segmentation_line()
    del line["verdict"]
    assert record_from_line(line, _ctx("semantic_segmentation", SEG)) is None
    failed = {"source-ref": "s3://b/raw/a.png", f"{SEG}-metadata": {"failure-reason": "ClientError: expired"}}
    assert record_from_line(failed, _ctx("semantic_segmentation", SEG)) is None


@pytest.mark.parametrize(("label", "message"), [
    ("not-a-uri", "the semantic segmentation label must be the mask's s3:// URI"),
])
def test_a_malformed_segmentation_line_names_the_problem(label, message):
    line = _segmentation_line()
    line[SEG] = label
    with pytest.raises(ManifestError, match=f"manifest line 7: {message}"):
        parse_line(7, json.dumps(line).encode(), _ctx("semantic_segmentation", SEG))
    line = _segmentation_line()
    line[f"{SEG}-metadata"]["internal-color-map"] = ["#ffffff"]
    with pytest.raises(ManifestError, match="manifest line 8: internal-color-map must be an object"):
        parse_line(8, json.dumps(line).encode(), _ctx("semantic_segmentation", SEG))


def _classified(label, confidence: float = 0.0, class_name: str = "dent") -> dict:
    return {"source-ref": "s3://b/raw/a.png", "defects": label,
            "defects-metadata": {"class-name": class_name, "confidence": confidence,
                                 "type": "groundtruth/image-classification", "human-annotated": "yes",
                                 "creation-date": "2026-11-29T10:00:00", "job-name": "labeling-job/run-lbl"}}


@pytest.mark.parametrize(("label", "confidence", "minimum", "status"), [
    (1, 0.0, 0.0, "APPROVED"), ("1", 0.72, 0.7, "APPROVED"), (1, 0.69, 0.7, "REJECTED"),
])
def test_a_classification_record_is_approved_by_its_confidence(label, confidence, minimum, status):
    record = record_from_line(_classified(label, confidence), _ctx("image_classification", min_confidence=minimum))
    assert record is not None
    assert (record["class_id"], record["class_name"], record["status"]) == ("1", "dent", status)
    assert float(record["confidence"]) == confidence
    assert record["event_time"] == "2026-11-29T10:00:00.000Z"  # no verification: the label's own time
    assert not {"verification_job", "worker_feedback"} & set(record)
    assert not set(record) - set(_names("image_classification"))


def test_a_multilabel_record_lists_the_classes_and_takes_the_lowest_confidence():
    line = {"source-ref": "s3://b/raw/a.png", "defects": [1, 0],
            "defects-metadata": {"class-map": {"1": "dent", "0": "scratch"}, "confidence-map": {"1": 0.95, "0": 0.77},
                                 "type": "groundtruth/image-classification-multilabel",
                                 "creation-date": "2026-11-29T10:00:00", "job-name": "labeling-job/run-lbl"}}
    record = record_from_line(line, _ctx("multilabel_image_classification", min_confidence=0.8))
    assert record is not None
    assert json.loads(record["classes"]) == [{"class_id": 1, "class_name": "dent", "confidence": 0.95},
                                             {"class_id": 0, "class_name": "scratch", "confidence": 0.77}]
    assert (record["confidence"], record["status"]) == ("0.77", "REJECTED")
    none = {**line, "defects": [], "defects-metadata": {**line["defects-metadata"], "class-map": {}, "confidence-map": {}}}
    record = record_from_line(none, _ctx("multilabel_image_classification", min_confidence=0.8))
    assert record is not None
    assert (json.loads(record["classes"]), record["status"], "confidence" in record) == ([], "APPROVED", False)


@pytest.mark.parametrize(("task_type", "label", "message"), [
    ("image_classification", "dent", "the classification label must be a class index"),
    ("multilabel_image_classification", 1, "the multi-label classification label must be a list of class indexes"),
    ("multilabel_image_classification", ["x"], "each multi-label class must be a class index"),
])
def test_malformed_classification_lines_name_the_problem(task_type, label, message):
    with pytest.raises(ManifestError, match=f"manifest line 3: {message}"):
        parse_line(3, json.dumps(_classified(label)).encode(), _ctx(task_type))


def test_the_bounding_box_definition_is_the_contracts_and_the_others_replace_its_box_features():
    assert task_types.feature_definitions("bounding_box") == contract.FEATURE_DEFINITIONS
    for task_type in task_types.TASK_TYPES:
        names = _names(task_type)
        assert names[:3] == ["image_uri", "event_time", "status"] and len(set(names)) == len(names)
        assert ("verification_job" in names) == task_types.has_verification(task_type)
        assert task_types.identify(set(names)) == task_type
    assert {"mask_uri", "color_map"} <= set(_names("semantic_segmentation"))
    assert not {"width", "annotations"} & set(_names("image_classification"))
    with pytest.raises(ValueError, match="task type 'polygon' is unknown; use one of: bounding_box, "):
        task_types.feature_definitions("polygon")
