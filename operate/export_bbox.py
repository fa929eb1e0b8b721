"""Bounding-box export formats: COCO, YOLO and the Ground Truth augmented manifest.

Every format reads the same features of a record: ``width``/``height``/``depth`` (the image size
Ground Truth reported), ``annotations`` (JSON list of ``{class_id, left, top, width, height}`` in
pixels) and ``class_map`` (JSON ``{"0": "scratch"}``: the class names of that record's job).
Class ids are mapped BY NAME to one category list for the whole export: ``labels.categories`` in
order, then any other name found in the records (a category removed from the config keeps its
labels). Images are written in image URI order, so the same as-of gives the same bytes.

- ``coco``: ``annotations.json`` in the COCO object-detection format (https://cocodataset.org/#format-data):
  ``images`` (id, file_name = the S3 key, coco_url = the S3 URI, width, height), ``categories``
  (id = position + 1; COCO ids start at 1), ``annotations`` (bbox ``[x, y, width, height]`` in
  pixels, area, iscrowd 0).
- ``yolo``: ``labels/<S3 key without extension>.txt``, one line ``class cx cy w h`` per box, all
  normalised to 0-1 by the image size (boxes clipped to the image), an empty file for an image
  with no box; ``classes.txt`` holds the class names, line n = class n (the Darknet/Ultralytics
  convention: https://docs.ultralytics.com/datasets/detect/).
- ``manifest``: ``labels.manifest``, JSON Lines, the Ground Truth bounding-box output format
  that SageMaker training jobs read as an augmented manifest (``AttributeNames``:
  ``["source-ref", "<label_attribute>"]``; https://docs.aws.amazon.com/sagemaker/latest/dg/augmented-manifest.html):
  ``source-ref``, ``<label_attribute>`` = ``{image_size, annotations}`` and
  ``<label_attribute>-metadata`` (class-map, type groundtruth/object-detection, human-annotated,
  creation-date, job-name), as https://docs.aws.amazon.com/sagemaker/latest/dg/sms-data-output.html
  documents. The per-box ``objects`` confidences are not kept in the feature group, so the
  metadata has none.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from operate.export_registry import ExportContext, ExportCounts, ExportRecord, Output, Tick, register
from steps import contract
from steps.s3_images import split_s3_uri

TASK_TYPE = "bounding_box"
COLUMNS = ("event_time", "width", "height", "depth", "annotations", "class_map", "labeling_job")
COCO_FILE = "annotations.json"
YOLO_CLASSES_FILE = "classes.txt"
MANIFEST_FILE = "labels.manifest"


class RecordError(ValueError):
    """A record whose features are not the bounding-box shape (names the image)."""


@dataclass(frozen=True)
class Box:
    category: str
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class BoxLabel:
    """One record, parsed: the image, its size and its boxes by category name."""

    uri: str
    status: str
    width: int
    height: int
    depth: int
    boxes: tuple[Box, ...]
    event_time: str
    labeling_job: str


def _number(value: Any, what: str, uri: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RecordError(f"record {uri}: {what} must be a number, got {value!r}")
    return float(value)


def parse_record(record: ExportRecord) -> BoxLabel:
    """The record's boxes with category names; RecordError naming the image when malformed."""
    uri, values = record.image_uri, record.values
    try:
        width, height = int(values["width"]), int(values["height"])
        depth = int(values.get("depth") or 3)
        annotations = json.loads(values.get("annotations") or "[]")
        class_map = json.loads(values.get("class_map") or "{}")
    except (KeyError, ValueError) as error:
        raise RecordError(f"record {uri}: width, height, annotations or class_map unreadable ({error})") from None
    if width <= 0 or height <= 0:
        raise RecordError(f"record {uri}: image size {width}x{height} is not positive")
    if not isinstance(annotations, list) or not isinstance(class_map, dict):
        raise RecordError(f"record {uri}: annotations must be a JSON list and class_map a JSON object")
    boxes = []
    for box in annotations:
        if not isinstance(box, dict):
            raise RecordError(f"record {uri}: each annotation must be an object, got {box!r}")
        class_id = box.get("class_id")
        name = class_map.get(str(class_id))
        if name is None:
            raise RecordError(f"record {uri}: class_id {class_id!r} is not in its class_map {class_map}")
        boxes.append(Box(str(name), *(_number(box.get(k), k, uri) for k in ("left", "top", "width", "height"))))
    return BoxLabel(uri, record.status, width, height, depth, tuple(boxes),
                    values.get("event_time", ""), values.get("labeling_job", ""))


def category_order(labels: Sequence[BoxLabel], configured: Sequence[str]) -> list[str]:
    """``labels.categories`` in order, then any other category name the records use (sorted)."""
    seen = {box.category for label in labels for box in label.boxes}
    return [*configured, *sorted(seen - set(configured))]


def _parse_all(records: Sequence[ExportRecord], ctx: ExportContext) -> tuple[list[BoxLabel], list[str]]:
    labels = [parse_record(record) for record in sorted(records, key=lambda r: r.image_uri)]
    return labels, category_order(labels, ctx.categories)


def _count(counts: ExportCounts, label: BoxLabel) -> None:
    counts.images += 1
    if label.status == contract.STATUS_APPROVED:
        counts.approved += 1
    else:
        counts.rejected += 1
    counts.boxes += len(label.boxes)
    counts.empty_images += not label.boxes
    for box in label.boxes:
        counts.per_category[box.category] = counts.per_category.get(box.category, 0) + 1


def _write_text(stream: IO[bytes], text: str) -> None:
    stream.write(text.encode("utf-8"))


def _clip(box: Box, width: int, height: int) -> tuple[float, float, float, float]:
    """The box inside the image: (left, top, right, bottom) in pixels."""
    left = min(max(box.left, 0.0), width)
    top = min(max(box.top, 0.0), height)
    right = min(max(box.left + box.width, 0.0), width)
    bottom = min(max(box.top + box.height, 0.0), height)
    return left, top, right, bottom


def _pixels(value: float) -> int | float:
    return int(value) if value == int(value) else value


class CocoFormat:
    name = "coco"
    task_type = TASK_TYPE
    columns = COLUMNS

    def write(self, records: Sequence[ExportRecord], output: Output, ctx: ExportContext, tick: Tick) -> ExportCounts:
        labels, categories = _parse_all(records, ctx)
        category_ids = {name: index + 1 for index, name in enumerate(categories)}
        counts = ExportCounts()
        images: list[dict[str, Any]] = []
        annotations: list[dict[str, Any]] = []
        for image_id, label in enumerate(labels, start=1):
            _count(counts, label)
            image: dict[str, Any] = {"id": image_id, "file_name": split_s3_uri(label.uri)[1], "coco_url": label.uri,
                                     "width": label.width, "height": label.height}
            if label.status != contract.STATUS_APPROVED:
                image["status"] = label.status  # only with --include-rejected; COCO readers ignore extra keys
            images.append(image)
            for box in label.boxes:
                annotations.append({
                    "id": len(annotations) + 1, "image_id": image_id, "category_id": category_ids[box.category],
                    "bbox": [_pixels(box.left), _pixels(box.top), _pixels(box.width), _pixels(box.height)],
                    "area": _pixels(box.width * box.height), "iscrowd": 0,
                })
            tick(1)
        document = {
            "info": {"description": f"labels of feature group {ctx.feature_group} as of {ctx.as_of}",
                     "version": ctx.as_of, "date_created": ctx.as_of},
            "licenses": [],
            "images": images,
            "categories": [{"id": category_ids[name], "name": name, "supercategory": "none"} for name in categories],
            "annotations": annotations,
        }
        with output.open(COCO_FILE) as stream:
            _write_text(stream, json.dumps(document, ensure_ascii=False, separators=(",", ":")))
        counts.files.append(COCO_FILE)
        return counts


def yolo_label_name(uri: str) -> str:
    """``s3://b/raw/line-a/part-1.png`` -> ``labels/raw/line-a/part-1.txt``."""
    key = split_s3_uri(uri)[1]
    stem = key.rsplit(".", 1)[0] if "." in key.rsplit("/", 1)[-1] else key
    return f"labels/{stem}.txt"


def yolo_lines(label: BoxLabel, class_ids: dict[str, int]) -> list[str]:
    """One ``class cx cy w h`` line per box (normalised, 6 decimals); boxes of no area are dropped."""
    lines = []
    for box in label.boxes:
        left, top, right, bottom = _clip(box, label.width, label.height)
        if right <= left or bottom <= top:
            continue
        cx, cy = (left + right) / 2 / label.width, (top + bottom) / 2 / label.height
        w, h = (right - left) / label.width, (bottom - top) / label.height
        lines.append(f"{class_ids[box.category]} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}")
    return lines


class YoloFormat:
    name = "yolo"
    task_type = TASK_TYPE
    columns = COLUMNS

    def write(self, records: Sequence[ExportRecord], output: Output, ctx: ExportContext, tick: Tick) -> ExportCounts:
        labels, categories = _parse_all(records, ctx)
        class_ids = {name: index for index, name in enumerate(categories)}
        names: dict[str, str] = {}
        for label in labels:
            name = yolo_label_name(label.uri)
            if name in names:
                raise RecordError(f"images {names[name]} and {label.uri} map to the same YOLO label file {name}; "
                                  "YOLO names labels after the image without its extension: rename one image")
            names[name] = label.uri
        counts = ExportCounts()
        for label in labels:
            _count(counts, label)
            name = yolo_label_name(label.uri)
            with output.open(name) as stream:
                _write_text(stream, "".join(f"{line}\n" for line in yolo_lines(label, class_ids)))
            counts.files.append(name)
            tick(1)
        with output.open(YOLO_CLASSES_FILE) as stream:
            _write_text(stream, "".join(f"{name}\n" for name in categories))
        counts.files.append(YOLO_CLASSES_FILE)
        return counts


def manifest_line(label: BoxLabel, class_ids: dict[str, int], ctx: ExportContext) -> dict[str, Any]:
    """One augmented-manifest line in Ground Truth's bounding-box output shape."""
    attribute = ctx.label_attribute
    metadata: dict[str, Any] = {
        "class-map": {str(index): name for name, index in class_ids.items()},
        "type": "groundtruth/object-detection",
        "human-annotated": "yes",
        "creation-date": label.event_time.rstrip("Z"),
        "job-name": f"labeling-job/{label.labeling_job}",
    }
    if label.status != contract.STATUS_APPROVED:
        metadata["verification-status"] = label.status  # only with --include-rejected
    return {
        "source-ref": label.uri,
        attribute: {
            "image_size": [{"width": label.width, "height": label.height, "depth": label.depth}],
            "annotations": [{"class_id": class_ids[box.category], "left": _pixels(box.left), "top": _pixels(box.top),
                             "width": _pixels(box.width), "height": _pixels(box.height)} for box in label.boxes],
        },
        f"{attribute}-metadata": metadata,
    }


class ManifestFormat:
    name = "manifest"
    task_type = TASK_TYPE
    columns = COLUMNS

    def write(self, records: Sequence[ExportRecord], output: Output, ctx: ExportContext, tick: Tick) -> ExportCounts:
        labels, categories = _parse_all(records, ctx)
        class_ids = {name: index for index, name in enumerate(categories)}
        counts = ExportCounts()
        with output.open(MANIFEST_FILE) as stream:
            for label in labels:
                _count(counts, label)
                line = json.dumps(manifest_line(label, class_ids, ctx), ensure_ascii=False, separators=(",", ":"))
                _write_text(stream, line + "\n")
                tick(1)
        counts.files.append(MANIFEST_FILE)
        return counts


for _format in (CocoFormat(), YoloFormat(), ManifestFormat()):
    register(_format)
