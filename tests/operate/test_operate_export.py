"""runs.py export on a sandbox feature group holding crafted records: what is exported as of when, and every error.

Records are written with PutRecord into the sandbox's Feature Store; the sandbox clock is moved
between writes so that their write_time differ. The exports are parsed back with each format's
own conventions (COCO bbox [x, y, w, h]; YOLO normalised centre and size; the manifest's Ground
Truth shape) and compared with the records written.
"""
from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import boto3
import pytest

import runs
from operate.export import ExportError, export_labels, iso_utc
from operate.export_bbox import yolo_label_name
from operate.export_output import OutputError
from publish.aws import AwsClients
from sandbox import Sandbox
from steps.contract import FEATURE_DEFINITIONS
from workflow.config import load_config

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "config.yaml")
BUCKET = "my-factory-images"
GROUP = "scratch-labels"
ATTRIBUTE = "scratch-boxes"


def _uri(name: str) -> str:
    return f"s3://{BUCKET}/raw/{name}.png"


def _put(status: str, name: str, boxes: list[dict], *, class_map: dict | None = None, width: int = 200,
         height: int = 100, event_time: str = "2026-11-29T10:00:00.000Z") -> None:
    values = {
        "image_uri": _uri(name), "event_time": event_time, "status": status, "width": str(width),
        "height": str(height), "depth": "3", "annotations": json.dumps(boxes),
        "class_map": json.dumps(class_map or {"0": "scratch"}), "box_count": str(len(boxes)),
        "labeling_job": "scratch-run-lbl", "verification_job": "scratch-run-vfy",
    }
    boto3.client("sagemaker-featurestore-runtime").put_record(
        FeatureGroupName=GROUP, Record=[{"FeatureName": k, "ValueAsString": v} for k, v in values.items()])


def _box(left: int, top: int, width: int, height: int, class_id: int = 0) -> dict:
    return {"class_id": class_id, "left": left, "top": top, "width": width, "height": height}


@pytest.fixture(scope="module")
def store():
    """A feature group with three generations of writes, an hour apart on the sandbox clock.

    first:  a APPROVED (1 box), b APPROVED (2 boxes), c APPROVED (0 boxes), d REJECTED, e UNLABELABLE
    second: b REJECTED (newer verdict hides the approval), f APPROVED with class map {"0": "dent", "1": "scratch"}
    third:  g APPROVED
    """
    with Sandbox(region="eu-west-1", iam_evaluation=False, time_scale=1.0) as sb:
        boto3.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        boto3.client("sagemaker").create_feature_group(
            FeatureGroupName=GROUP, RecordIdentifierFeatureName="image_uri", EventTimeFeatureName="event_time",
            FeatureDefinitions=[{"FeatureName": n, "FeatureType": t} for n, t in FEATURE_DEFINITIONS],
            OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/feature-store"}},
            OnlineStoreConfig={"EnableOnlineStore": False}, RoleArn="arn:aws:iam::123456789012:role/fs")
        times = {}
        _put("APPROVED", "a", [_box(10, 20, 30, 40)])
        _put("APPROVED", "b", [_box(0, 0, 200, 100), _box(150, 50, 100, 100)])
        _put("APPROVED", "c", [])
        _put("REJECTED", "d", [_box(5, 5, 5, 5)])
        _put("UNLABELABLE", "e", [])
        times["first"] = sb.clock.now()
        sb.clock.advance(3600)
        _put("REJECTED", "b", [_box(1, 1, 2, 2)], event_time="2026-11-29T11:00:00.000Z")
        _put("APPROVED", "f", [_box(1, 2, 3, 4, class_id=1), _box(5, 6, 7, 8, class_id=0)],
             class_map={"0": "dent", "1": "scratch"})
        times["second"] = sb.clock.now()
        sb.clock.advance(3600)
        _put("APPROVED", "g", [_box(0, 0, 10, 10)])
        times["third"] = sb.clock.now()
        yield sb, times


@pytest.fixture
def export(store, tmp_path):
    cfg = load_config(CONFIG)
    clients = AwsClients(session=boto3.Session(), region="eu-west-1")
    counter = iter(range(1000))

    def run(fmt: str, **kwargs):
        out = kwargs.pop("out", None) or str(tmp_path / f"{fmt}-{next(counter)}")
        return export_labels(cfg, clients, fmt, out, **kwargs), Path(out)

    return run


def _coco_boxes(folder: Path) -> dict[str, list[tuple]]:
    document = json.loads((folder / "annotations.json").read_text())
    names = {c["id"]: c["name"] for c in document["categories"]}
    images = {image["id"]: image for image in document["images"]}
    boxes: dict[str, list[tuple]] = {image["coco_url"]: [] for image in document["images"]}
    for annotation in document["annotations"]:
        boxes[images[annotation["image_id"]]["coco_url"]].append((names[annotation["category_id"]], *annotation["bbox"]))
    return boxes


def test_coco_round_trip_exports_the_newest_approved_records_only(export, store):
    result, folder = export("coco")
    boxes = _coco_boxes(folder)
    # b's newest verdict is REJECTED, d is REJECTED, e is UNLABELABLE: none exported.
    assert boxes == {
        _uri("a"): [("scratch", 10, 20, 30, 40)],
        _uri("c"): [],
        _uri("f"): [("scratch", 1, 2, 3, 4), ("dent", 5, 6, 7, 8)],
        _uri("g"): [("scratch", 0, 0, 10, 10)],
    }
    document = json.loads((folder / "annotations.json").read_text())
    assert [c["name"] for c in document["categories"]] == ["scratch", "dent"]  # config order, then others by name
    assert {(i["file_name"], i["width"], i["height"]) for i in document["images"]} == {
        (f"raw/{n}.png", 200, 100) for n in "acfg"}
    assert (result.counts.images, result.counts.approved, result.counts.boxes, result.counts.empty_images) == (4, 4, 4, 1)
    assert result.counts.per_category == {"scratch": 3, "dent": 1}
    summary = json.loads((folder / "export.json").read_text())
    assert summary["counts"]["images"] == 4 and summary["files"] == ["annotations.json"]
    assert summary["as_of"] == result.as_of <= iso_utc(store[1]["third"])  # the newest write read


def test_yolo_round_trip_normalises_centre_and_size_and_writes_the_class_names(export):
    result, folder = export("yolo")
    classes = (folder / "classes.txt").read_text().splitlines()
    assert classes == ["scratch", "dent"]
    parsed = {}
    for name in "acfg":
        lines = (folder / yolo_label_name(_uri(name))).read_text().splitlines()
        parsed[name] = [(classes[int(c)], *(round(float(v) * size, 3) for v, size in zip(xywh, (200, 100, 200, 100), strict=True)))
                        for c, *xywh in (line.split() for line in lines)]
    assert parsed["a"] == [("scratch", 25.0, 40.0, 30.0, 40.0)]  # centre of (10, 20, 30, 40)
    assert parsed["c"] == []  # an image with no box: an empty label file
    assert sorted(parsed["f"]) == [("dent", 8.5, 10.0, 7.0, 8.0), ("scratch", 2.5, 4.0, 3.0, 4.0)]
    assert not (folder / "labels/raw/b.txt").exists() and not (folder / "labels/raw/e.txt").exists()
    assert result.counts.files[-1] == "classes.txt" and len(result.counts.files) == 5


def test_manifest_round_trip_is_ground_truths_bounding_box_output(export):
    result, folder = export("manifest")
    lines = [json.loads(line) for line in (folder / "labels.manifest").read_text().splitlines()]
    assert [line["source-ref"] for line in lines] == [_uri(n) for n in "acfg"]
    f = lines[2]
    label, metadata = f[ATTRIBUTE], f[f"{ATTRIBUTE}-metadata"]
    assert label["image_size"] == [{"width": 200, "height": 100, "depth": 3}]
    names = metadata["class-map"]
    assert names == {"0": "scratch", "1": "dent"}
    assert [(names[str(a["class_id"])], a["left"], a["top"], a["width"], a["height"]) for a in label["annotations"]] == [
        ("scratch", 1, 2, 3, 4), ("dent", 5, 6, 7, 8)]
    assert metadata["type"] == "groundtruth/object-detection" and metadata["human-annotated"] == "yes"
    assert metadata["job-name"] == "labeling-job/scratch-run-lbl" and metadata["creation-date"] == "2026-11-29T10:00:00.000"
    assert result.counts.images == 4


def test_as_of_reads_the_store_as_it_was_and_a_later_write_does_not_change_it(export, store):
    _, times = store
    as_of = iso_utc(times["first"])
    first, folder = export("coco", as_of=as_of)
    # As of the first generation, b was still APPROVED and f, g did not exist.
    assert set(_coco_boxes(folder)) == {_uri("a"), _uri("b"), _uri("c")}
    assert first.as_of == as_of and first.as_of_given
    _put("REJECTED", "a", [], event_time="2026-11-29T09:00:00.000Z")  # written now, with an OLDER event time
    try:
        _, folder_again = export("coco", as_of=as_of)
        assert (folder_again / "annotations.json").read_bytes() == (folder / "annotations.json").read_bytes()
    finally:
        _put("APPROVED", "a", [_box(10, 20, 30, 40)], event_time="2026-11-29T10:00:00.000Z")


def test_without_as_of_the_newest_write_is_reported_and_reproduces_the_export(export):
    newest, folder = export("coco")
    assert not newest.as_of_given
    _, folder_again = export("coco", as_of=newest.as_of)
    assert (folder_again / "annotations.json").read_bytes() == (folder / "annotations.json").read_bytes()


def test_include_rejected_adds_the_rejected_but_never_unlabelable(export):
    result, folder = export("coco", include_rejected=True)
    boxes = _coco_boxes(folder)
    assert set(boxes) == {_uri(n) for n in "abcdfg"}  # e (UNLABELABLE) never
    assert boxes[_uri("b")] == [("scratch", 1, 1, 2, 2)]  # b's newest record, the rejected one
    statuses = {i["coco_url"]: i.get("status") for i in json.loads((folder / "annotations.json").read_text())["images"]}
    assert statuses[_uri("b")] == "REJECTED" and statuses[_uri("a")] is None
    assert (result.counts.approved, result.counts.rejected) == (4, 2)


def test_export_to_s3_uploads_whole_objects_and_export_json_last(export):
    result, _ = export("yolo", out=f"s3://{BUCKET}/exports/yolo-1")
    s3 = boto3.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="exports/yolo-1/")["Contents"]]
    assert sorted(keys) == sorted(f"exports/yolo-1/{name}" for name in [*result.counts.files, "export.json"])
    body = s3.get_object(Bucket=BUCKET, Key="exports/yolo-1/classes.txt")["Body"].read()
    assert body == b"scratch\ndent\n"
    assert result.output == f"s3://{BUCKET}/exports/yolo-1/"


def test_progress_bar_is_drawn_only_when_asked(export):
    stream = io.StringIO()
    export("manifest", progress=True, progress_stream=stream)
    assert stream.getvalue().endswith("[##############################] 4/4 images\n")
    quiet = io.StringIO()
    export("manifest", progress=False, progress_stream=quiet)
    assert quiet.getvalue() == ""


def test_a_malformed_record_fails_in_one_line_and_leaves_no_file(export, store, tmp_path):
    _put("APPROVED", "zz-bad", [{"class_id": 7, "left": 0, "top": 0, "width": 1, "height": 1}])
    out = tmp_path / "bad"
    try:
        with pytest.raises(ExportError, match=r"record s3://my-factory-images/raw/zz-bad.png: class_id 7 is not in"):
            export("coco", out=str(out))
    finally:
        _put("REJECTED", "zz-bad", [])
    assert not out.exists() or not [p for p in out.rglob("*") if p.is_file()]  # no half file, no temp file


def test_an_empty_result_is_an_error(export, store):
    _, times = store
    with pytest.raises(ExportError, match=r"feature group scratch-labels has no approved records as of"):
        export("coco", as_of=iso_utc(times["first"] - timedelta(days=3)))


def test_as_of_after_the_clock_and_every_write_is_refused(export):
    with pytest.raises(runs.cli.UsageError, match=r"--as-of 2100-01-01T00:00:00.000Z is in the future"):
        export("coco", as_of="2100-01-01")


def test_a_non_empty_output_folder_is_refused(export, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(OutputError, match="is not empty"):
        export("coco", out=str(tmp_path / "full"))
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"


def _cli(*argv: str) -> tuple[int, list[str]]:
    lines: list[str] = []
    return runs.main(["export", "--config", CONFIG, *argv], out=lines.append), lines


def test_cli_prints_the_summary(store, tmp_path):
    code, lines = _cli("--format", "coco", "--out", str(tmp_path / "cli"))
    assert code == 0, lines
    assert lines[0] == f"exported   4 images (4 approved) as coco to {tmp_path / 'cli'}"
    assert lines[1] == "boxes      4 (scratch 3, dent 1); 1 images with no box"
    assert lines[2].startswith("as of      ") and "the same --as-of gives the same export" in lines[2]


@pytest.mark.parametrize(("argv", "message"), [
    (["--format", "pascal", "--out", "x"], "error: runs.py export: argument --format: invalid choice: 'pascal'"),
    (["--format", "coco", "--out", "x", "--as-of", "yesterday"], "error: --as-of 'yesterday' is not a date or time"),
    (["--format", "coco", "--out", "x", "--as-of", "2100-01-01T00:00:00Z"], "error: --as-of 2100-01-01T00:00:00.000Z is in the future"),
    (["--format", "coco", "--out", "ftp://host/x"], "error: --out ftp://host/x: only local folders and s3://bucket/prefix"),
])
def test_cli_bad_input_is_one_line_and_exit_2(store, tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, lines = _cli(*argv)
    err = capsys.readouterr().err
    assert code == 2 and lines == []
    assert err.startswith(message) and err.count("\n") == 1
    assert not (tmp_path / "x").exists()


def test_cli_empty_result_is_one_line_and_exit_1(store, tmp_path, capsys):
    code, _ = _cli("--format", "yolo", "--out", str(tmp_path / "none"), "--as-of", "2000-01-01")
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: feature group scratch-labels has no approved records as of 2000-01-01")
    assert err.count("\n") == 1 and not (tmp_path / "none").exists()


def test_cli_progress_flag_draws_the_bar_on_stderr(store, tmp_path, capsys):
    code, lines = _cli("--format", "manifest", "--out", str(tmp_path / "bar"), "--progress")
    captured = capsys.readouterr()
    assert code == 0 and lines[0].startswith("exported   4 images")
    assert captured.err.startswith("\rexporting [") and captured.err.endswith("] 4/4 images\n")
    code, _ = _cli("--format", "manifest", "--out", str(tmp_path / "quiet"))
    assert code == 0 and capsys.readouterr().err == ""  # stderr is not a terminal here


def test_cli_missing_output_bucket_is_one_aws_line_and_exit_1(store, capsys):
    code, _ = _cli("--format", "coco", "--out", "s3://no-such-bucket-h13b/exports")
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: AWS refused ListObjectsV2: NoSuchBucket") and err.count("\n") == 1
