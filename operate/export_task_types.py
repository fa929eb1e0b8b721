"""Export formats of the task types other than bounding boxes (registered in operate.export_registry).

- semantic_segmentation ``coco``: ``annotations.json`` in the COCO format
  (https://cocodataset.org/#format-data) with one annotation per image and class present in its
  mask: ``segmentation`` as uncompressed RLE (``{"counts": [...], "size": [height, width]}``,
  column-major runs starting with background, as COCO's RLE), ``iscrowd`` 1 ("a collection of
  objects ... RLE is used"), ``area`` (pixels) and ``bbox`` of those pixels. The masks are read
  from S3 (each record's ``mask_uri``) and their colours named by its ``color_map`` (Ground Truth's
  ``internal-color-map``); categories are ``labels.categories`` in order, then other names found.
- image_classification / multilabel_image_classification ``classes``: ``classes.jsonl`` with one
  line per image, ``{"image": <s3 uri>, "file_name": <key>, "classes": [names]}`` (one name, or any
  number; ``[]`` for "none of them"), plus ``classes.txt`` (the class names, line n = class n).
"""
from __future__ import annotations

import io
import itertools
import json
from collections.abc import Sequence
from typing import Any

from PIL import Image

from operate.export_bbox import RecordError
from operate.export_registry import ExportContext, ExportCounts, ExportRecord, Output, Tick, register
from steps import contract
from steps.s3_images import split_s3_uri

COCO_FILE = "annotations.json"
CLASSES_FILE = "classes.jsonl"
CLASS_NAMES_FILE = "classes.txt"


def _json_value(record: ExportRecord, feature: str, kind: type) -> Any:
    try:
        value = json.loads(record.values.get(feature) or "null")
    except ValueError:
        raise RecordError(f"record {record.image_uri}: {feature} is not JSON") from None
    if not isinstance(value, kind):
        raise RecordError(f"record {record.image_uri}: {feature} must be a JSON {kind.__name__}")
    return value


def _count(counts: ExportCounts, record: ExportRecord, names: Sequence[str]) -> None:
    counts.images += 1
    counts.approved += record.status == contract.STATUS_APPROVED
    counts.rejected += record.status != contract.STATUS_APPROVED
    counts.empty_images += not names
    for name in names:
        counts.per_category[name] = counts.per_category.get(name, 0) + 1


def mask_annotations(png: bytes, colours: dict[str, str]) -> tuple[tuple[int, int], dict[str, dict[str, Any]]]:
    """(width, height) and, per class name present, its COCO segmentation (uncompressed RLE), area and bbox."""
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
    width, height = rgb.size
    column_major = rgb.transpose(Image.Transpose.TRANSPOSE).tobytes()  # COCO's RLE runs down the columns
    by_colour = {tuple(int(hex_colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)): name
                 for name, hex_colour in colours.items()}
    pixels = [column_major[i:i + 3] for i in range(0, len(column_major), 3)]
    result: dict[str, dict[str, Any]] = {}
    for colour, name in by_colour.items():
        target = bytes(colour)
        runs: list[int] = []
        xs: list[int] = []
        ys: list[int] = []
        position = area = 0
        for is_class, group in itertools.groupby(pixels, key=target.__eq__):
            length = sum(1 for _ in group)
            if not runs and is_class:
                runs.append(0)  # COCO RLE starts with the background's run
            runs.append(length)
            if is_class:
                first, last = position, position + length - 1
                area += length
                xs += [first // height, last // height]
                # within one column: those rows; over several: the whole height (both ends are included)
                ys += [first % height, last % height] if first // height == last // height else [0, height - 1]
            position += length
        if area:
            result[name] = {"segmentation": {"counts": runs, "size": [height, width]}, "area": area,
                            "bbox": [min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1]}
    return (width, height), result


class SegmentationCocoFormat:
    name = "coco"
    task_type = "semantic_segmentation"
    columns = ("event_time", "mask_uri", "color_map", "labeling_job")

    def write(self, records: Sequence[ExportRecord], output: Output, ctx: ExportContext, tick: Tick) -> ExportCounts:
        read = ctx.read_object
        if read is None:
            raise RecordError("the semantic segmentation export reads the masks from S3 and has no S3 client")
        counts = ExportCounts()
        images: list[dict[str, Any]] = []
        annotations: list[dict[str, Any]] = []
        parsed: list[tuple[ExportRecord, tuple[int, int], dict[str, dict[str, Any]]]] = []
        for record in sorted(records, key=lambda r: r.image_uri):
            color_map = _json_value(record, "color_map", dict)
            colours = {str(entry.get("class-name")): str(entry.get("hex-color")) for entry in color_map.values()
                       if isinstance(entry, dict) and entry.get("class-name") != "BACKGROUND"}
            mask_uri = record.values.get("mask_uri") or ""
            try:
                size, per_class = mask_annotations(read(mask_uri), colours)
            except (OSError, ValueError) as error:
                raise RecordError(f"record {record.image_uri}: its mask {mask_uri} cannot be read ({error})") from None
            parsed.append((record, size, per_class))
        seen = {name for _, _, per_class in parsed for name in per_class}
        categories = [*ctx.categories, *sorted(seen - set(ctx.categories))]
        category_ids = {name: index + 1 for index, name in enumerate(categories)}
        for image_id, (record, (width, height), per_class) in enumerate(parsed, start=1):
            _count(counts, record, sorted(per_class))
            image: dict[str, Any] = {"id": image_id, "file_name": split_s3_uri(record.image_uri)[1],
                                     "coco_url": record.image_uri, "width": width, "height": height,
                                     "mask_uri": record.values.get("mask_uri")}
            if record.status != contract.STATUS_APPROVED:
                image["status"] = record.status
            images.append(image)
            for name in sorted(per_class, key=category_ids.__getitem__):
                annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": category_ids[name],
                                    **per_class[name], "iscrowd": 1})
            tick(1)
        document = {
            "info": {"description": f"labels of feature group {ctx.feature_group} as of {ctx.as_of}",
                     "version": ctx.as_of, "date_created": ctx.as_of},
            "licenses": [], "images": images,
            "categories": [{"id": category_ids[n], "name": n, "supercategory": "none"} for n in categories],
            "annotations": annotations,
        }
        with output.open(COCO_FILE) as stream:
            stream.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        counts.files.append(COCO_FILE)
        return counts


class ClassesFormat:
    name = "classes"

    def __init__(self, task_type: str) -> None:
        self.task_type = task_type
        self.columns = (("event_time", "class_id", "class_name", "confidence", "labeling_job")
                        if task_type == "image_classification" else
                        ("event_time", "classes", "class_map", "confidence", "labeling_job"))

    def _names(self, record: ExportRecord) -> list[str]:
        if self.task_type == "image_classification":
            name = record.values.get("class_name") or ""
            if not name:
                raise RecordError(f"record {record.image_uri}: class_name is empty")
            return [name]
        classes = _json_value(record, "classes", list)
        return [str(entry.get("class_name")) for entry in classes if isinstance(entry, dict)]

    def write(self, records: Sequence[ExportRecord], output: Output, ctx: ExportContext, tick: Tick) -> ExportCounts:
        counts, lines, seen = ExportCounts(), [], set()
        for record in sorted(records, key=lambda r: r.image_uri):
            names = self._names(record)
            _count(counts, record, names)
            seen.update(names)
            line: dict[str, Any] = {"image": record.image_uri, "file_name": split_s3_uri(record.image_uri)[1],
                                    "classes": names}
            if record.status != contract.STATUS_APPROVED:
                line["status"] = record.status
            lines.append(json.dumps(line, ensure_ascii=False))
            tick(1)
        with output.open(CLASSES_FILE) as stream:
            stream.write("".join(f"{line}\n" for line in lines).encode("utf-8"))
        with output.open(CLASS_NAMES_FILE) as stream:
            names = [*ctx.categories, *sorted(seen - set(ctx.categories))]
            stream.write("".join(f"{name}\n" for name in names).encode("utf-8"))
        counts.files += [CLASSES_FILE, CLASS_NAMES_FILE]
        return counts


register(SegmentationCocoFormat())
register(ClassesFormat("image_classification"))
register(ClassesFormat("multilabel_image_classification"))
