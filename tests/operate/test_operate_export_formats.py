"""The export formats without AWS: YOLO normalisation and clipping, name collisions, the per-task-type registry."""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from cli import UsageError
from operate import export_registry
from operate.export import _format, check_not_future, parse_as_of
from operate.export_bbox import Box, BoxLabel, RecordError, YoloFormat, parse_record, yolo_label_name, yolo_lines
from operate.export_output import LocalOutput, Progress
from operate.export_registry import ExportContext, ExportCounts, ExportRecord, Output, Tick

CTX = ExportContext("bounding_box", "scratch-boxes", ("scratch",), "2026-11-29T10:00:00.000Z", "scratch-labels")


def _record(uri: str, boxes: list[dict], class_map: dict | None = None) -> ExportRecord:
    return ExportRecord(uri, "APPROVED", {"width": "200", "height": "100", "depth": "3",
                                          "annotations": json.dumps(boxes),
                                          "class_map": json.dumps(class_map or {"0": "scratch"})})


def test_yolo_boxes_are_clipped_to_the_image_and_empty_ones_dropped():
    label = BoxLabel("s3://b/raw/a.png", "APPROVED", 200, 100, 3, (
        Box("scratch", 150, 50, 100, 100),  # sticks out right and bottom: clipped to (150, 50)-(200, 100)
        Box("scratch", -10, -10, 20, 20),  # sticks out left and top: clipped to (0, 0)-(10, 10)
        Box("scratch", 300, 10, 5, 5),  # entirely outside: dropped
    ), "", "")
    assert yolo_lines(label, {"scratch": 0}) == ["0 0.875000 0.750000 0.250000 0.500000",
                                                 "0 0.025000 0.050000 0.050000 0.100000"]


def test_yolo_label_names_follow_the_image_key():
    assert yolo_label_name("s3://b/raw/line-a/part-1.png") == "labels/raw/line-a/part-1.txt"
    assert yolo_label_name("s3://b/raw/v1.2/noext") == "labels/raw/v1.2/noext.txt"


def test_two_images_with_the_same_yolo_label_file_fail_before_writing(tmp_path):
    records = [_record("s3://b/raw/a.png", []), _record("s3://b/raw/a.jpg", [])]
    with pytest.raises(RecordError, match=r"map to the same YOLO label file labels/raw/a\.txt"):
        YoloFormat().write(records, LocalOutput(tmp_path / "out"), CTX, lambda n: None)
    assert not (tmp_path / "out").exists()


def test_a_record_with_an_unreadable_size_names_the_image():
    with pytest.raises(RecordError, match=r"record s3://b/raw/a.png: image size 0x100 is not positive"):
        parse_record(ExportRecord("s3://b/raw/a.png", "APPROVED", {"width": "0", "height": "100", "annotations": "[]",
                                                                   "class_map": "{}"}))


def test_local_output_replaces_atomically_and_leaves_no_temp_file_on_error(tmp_path):
    output = LocalOutput(tmp_path)
    with output.open("a.txt") as stream:
        stream.write(b"first")
    with pytest.raises(RuntimeError), output.open("a.txt") as stream:
        stream.write(b"half")
        raise RuntimeError("disk full")
    assert (tmp_path / "a.txt").read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_progress_bar_counts_to_the_total():
    import io

    stream = io.StringIO()
    bar = Progress(3, enabled=True, stream=stream)
    for _ in range(3):
        bar(1)
    bar.close()
    assert stream.getvalue().endswith("[##############################] 3/3 images\n")


class _Masks:
    """A format another task type could register (H14: semantic segmentation)."""

    name = "masks"
    task_type = "keypoint"
    columns = ("mask_uri",)

    def write(self, records: Sequence[ExportRecord], output: Output, ctx: ExportContext, tick: Tick) -> ExportCounts:
        return ExportCounts(images=len(records))


def test_other_task_types_plug_in_their_formats(monkeypatch):
    monkeypatch.setattr(export_registry, "_REGISTRY", dict(export_registry._REGISTRY))
    assert export_registry.formats_for("bounding_box") == ["coco", "manifest", "yolo"]
    with pytest.raises(UsageError, match="labels of task type keypoint cannot be exported yet"):
        _format("keypoint", "coco")
    export_registry.register(_Masks())
    assert export_registry.lookup("keypoint", "masks").columns == ("mask_uri",)
    assert "masks" in export_registry.format_names()
    with pytest.raises(UsageError, match=r"--format 'coco' is not available for task type keypoint; "
                                         r"use one of: masks"):
        _format("keypoint", "coco")
    with pytest.raises(ValueError, match="already registered"):
        export_registry.register(_Masks())


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-29", "2026-11-29T00:00:00+00:00"),
    ("2026-11-29T18:00:00Z", "2026-11-29T18:00:00+00:00"),
    ("2026-11-29 18:00:00.123", "2026-11-29T18:00:00.123000+00:00"),
    ("2026-11-29T20:00:00+02:00", "2026-11-29T18:00:00+00:00"),
])
def test_as_of_accepts_iso_8601_in_utc_unless_a_zone_is_given(text, expected):
    assert parse_as_of(text).isoformat() == expected


def test_as_of_in_the_future_is_refused_unless_records_were_written_after_it():
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    check_not_future(datetime(2026, 11, 29, 11, tzinfo=UTC), now, None)
    check_not_future(datetime(2026, 11, 29, 13, tzinfo=UTC), now, datetime(2026, 11, 29, 14, tzinfo=UTC))  # sandbox clock
    with pytest.raises(UsageError, match="is in the future"):
        check_not_future(datetime(2026, 11, 29, 13, tzinfo=UTC), now, datetime(2026, 11, 29, 12, 30, tzinfo=UTC))


def test_as_of_compares_right_with_millisecond_and_microsecond_timestamps():
    from operate.export_query import athena_time

    as_of = athena_time("2026-11-29T15:05:45.123Z")
    assert as_of == "2026-11-29 15:05:45.123000"
    assert "2026-11-29 15:05:45.123" <= as_of < "2026-11-29 15:05:45.124"  # Glue: timestamp(3)
    assert "2026-11-29 15:05:45.123000" <= as_of < "2026-11-29 15:05:45.123001"  # Iceberg: timestamp(6)
