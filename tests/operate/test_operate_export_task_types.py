"""Exports of the other task types: COCO segmentation from the masks, a class list per image."""
from __future__ import annotations

import json
import re

import pytest

from operate import export_registry
from operate.export_bbox import RecordError
from operate.export_output import LocalOutput
from operate.export_registry import ExportContext, ExportRecord
from operate.export_task_types import mask_annotations
from sandbox.ground_truth import masks

COLOR_MAP = {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff"},
             "1": {"class-name": "scratch", "hex-color": "#1f77b4"}, "2": {"class-name": "dent", "hex-color": "#ff7f0e"}}


def _ctx(task_type: str, objects: dict[str, bytes] | None = None) -> ExportContext:
    return ExportContext(task_type=task_type, label_attribute="defects", categories=("scratch", "dent"),
                         as_of="2026-11-30T00:00:00Z", feature_group="fg",
                         read_object=(objects or {}).__getitem__)


def _decode(counts: list[int], height: int, width: int) -> list[list[int]]:
    """COCO uncompressed RLE back to rows of 0/1."""
    flat, value = [], 0
    for run in counts:
        flat += [value] * run
        value = 1 - value
    return [[flat[x * height + y] for x in range(width)] for y in range(height)]


def test_mask_runs_are_coco_rle_down_the_columns_with_area_and_bbox():
    png = masks.paint(5, 4, [("#1f77b4", 1, 1, 2, 2), ("#ff7f0e", 0, 0, 1, 1)])
    (width, height), found = mask_annotations(png, {"scratch": "#1f77b4", "dent": "#ff7f0e", "other": "#000000"})
    assert (width, height) == (5, 4) and set(found) == {"scratch", "dent"}
    scratch = found["scratch"]
    assert scratch["segmentation"]["size"] == [4, 5]
    assert _decode(scratch["segmentation"]["counts"], 4, 5) == [
        [0, 0, 0, 0, 0], [0, 1, 1, 0, 0], [0, 1, 1, 0, 0], [0, 0, 0, 0, 0]]
    assert (scratch["area"], scratch["bbox"]) == (4, [1, 1, 2, 2])
    assert found["dent"]["segmentation"]["counts"][:2] == [0, 1]  # a class pixel first: a 0-long background run
    assert found["dent"]["bbox"] == [0, 0, 1, 1]


def test_segmentation_coco_has_one_annotation_per_class_present(tmp_path):
    uri_a, uri_b = "s3://b/masks/0.png", "s3://b/masks/1.png"
    objects = {uri_a: masks.paint(6, 4, [("#1f77b4", 0, 0, 2, 2), ("#ff7f0e", 4, 2, 2, 2)]),
               uri_b: masks.paint(6, 4, [])}
    records = [ExportRecord(f"s3://b/raw/{name}.png", "APPROVED",
                            {"mask_uri": uri, "color_map": json.dumps(COLOR_MAP), "event_time": "", "labeling_job": ""})
               for name, uri in (("a", uri_a), ("b", uri_b))]
    fmt = export_registry.lookup("semantic_segmentation", "coco")
    assert fmt is not None
    counts = fmt.write(records, LocalOutput(tmp_path), _ctx("semantic_segmentation", objects), lambda n: None)
    document = json.loads((tmp_path / "annotations.json").read_text())
    assert [c["name"] for c in document["categories"]] == ["scratch", "dent"]
    assert [(i["file_name"], i["width"], i["height"]) for i in document["images"]] == [("raw/a.png", 6, 4), ("raw/b.png", 6, 4)]
    assert [(a["image_id"], a["category_id"], a["area"], a["iscrowd"]) for a in document["annotations"]] == [
        (1, 1, 4, 1), (1, 2, 4, 1)]
    assert (counts.images, counts.empty_images, counts.per_category) == (2, 1, {"scratch": 1, "dent": 1})


def test_a_mask_that_cannot_be_read_names_the_image(tmp_path):
    record = ExportRecord("s3://b/raw/a.png", "APPROVED", {"mask_uri": "s3://b/gone.png", "color_map": json.dumps(COLOR_MAP)})
    fmt = export_registry.lookup("semantic_segmentation", "coco")
    with pytest.raises(RecordError, match=re.escape("record s3://b/raw/a.png: its mask s3://b/gone.png cannot be read")):
        fmt.write([record], LocalOutput(tmp_path), _ctx("semantic_segmentation", {"s3://b/gone.png": b"not a png"}),
                  lambda n: None)


@pytest.mark.parametrize(("task_type", "values", "classes"), [
    ("image_classification", {"class_id": "1", "class_name": "dent", "confidence": "0.0"}, ["dent"]),
    ("multilabel_image_classification", {"classes": json.dumps([{"class_id": 0, "class_name": "scratch"},
                                                                {"class_id": 1, "class_name": "dent"}])}, ["scratch", "dent"]),
    ("multilabel_image_classification", {"classes": "[]"}, []),
])
def test_classification_exports_a_class_list_per_image(tmp_path, task_type, values, classes):
    fmt = export_registry.lookup(task_type, "classes")
    assert fmt is not None and set(values) <= set(fmt.columns)
    record = ExportRecord("s3://b/raw/line-a/a.png", "REJECTED", values)
    counts = fmt.write([record], LocalOutput(tmp_path), _ctx(task_type), lambda n: None)
    (line,) = [json.loads(text) for text in (tmp_path / "classes.jsonl").read_text().splitlines()]
    assert line == {"image": "s3://b/raw/line-a/a.png", "file_name": "raw/line-a/a.png", "classes": classes,
                    "status": "REJECTED"}
    assert (tmp_path / "classes.txt").read_text() == "scratch\ndent\n"
    assert counts.files == ["classes.jsonl", "classes.txt"] and counts.rejected == 1
