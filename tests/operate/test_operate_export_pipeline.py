"""Export after a real run on a served sandbox (deploy.py --local --serve), through runs.py and --endpoint-url.

The pipeline labels and verifies sample images with simulated workers (some verdicts rejected);
the approved records are read from the sandbox's offline store directly (newest row per image),
and every export format, parsed back with its own conventions, must give the same images and boxes.
"""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

import runs
from operate.export import export_labels
from operate.export_bbox import yolo_label_name
from operate.local import run_local
from publish.aws import AwsClients
from sandbox import Sandbox
from sandbox.workforce import WorkforceProfile
from workflow.config import load_config

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "config.yaml")
QUICK_JOBS = {"initializing_seconds": 60, "labeling_seconds": 600, "verification_seconds": 300}


@pytest.fixture(scope="module")
def served():
    """``deploy.py --local --serve``: a served sandbox after one run of 12 images, about 1 in 4 rejected."""
    sandbox = Sandbox(region="eu-west-1", time_scale=0.0002,
                      workforce=WorkforceProfile(seed=11, approval_rate=0.75, **QUICK_JOBS)).start()
    try:
        sandbox.serve(port=0)
        cfg = load_config(CONFIG)
        run = run_local(cfg, sandbox, 12, emit=lambda line: None)
        assert run.outcome.status == "SUCCEEDED", run.outcome
        yield sandbox, cfg
    finally:
        sandbox.stop()


def _approved(sandbox: Sandbox, group: str) -> dict[str, dict]:
    """The newest offline-store row of each image whose verdict is APPROVED (the pipeline's own order)."""
    newest: dict[str, dict] = {}
    for row in sandbox.offline_store_rows(group):
        key = (row["event_time"], row["api_invocation_time"], row["write_time"])
        current = newest.get(row["image_uri"])
        if current is None or key >= (current["event_time"], current["api_invocation_time"], current["write_time"]):
            newest[row["image_uri"]] = row
    return {uri: row for uri, row in newest.items() if row["status"] == "APPROVED" and not row["is_deleted"]}


def _expected_boxes(row: dict) -> list[tuple]:
    names = json.loads(row["class_map"])
    return sorted((names[str(b["class_id"])], b["left"], b["top"], b["width"], b["height"])
                  for b in json.loads(row["annotations"]))


def test_runs_py_export_coco_against_the_served_sandbox_counts_the_approved_records(served, tmp_path):
    sandbox, cfg = served
    approved = _approved(sandbox, cfg.feature_store.feature_group_name)
    assert 0 < len(approved) < 12  # the workforce rejected some: the export must leave them out
    lines: list[str] = []
    code = runs.main(["export", "--config", CONFIG, "--format", "coco", "--out", str(tmp_path / "coco"),
                      "--endpoint-url", sandbox.endpoint], out=lines.append)
    assert code == 0, lines
    document = json.loads((tmp_path / "coco" / "annotations.json").read_text())
    assert len(document["images"]) == len(approved)
    assert {image["coco_url"] for image in document["images"]} == set(approved)
    assert lines[0].startswith(f"exported   {len(approved)} images ({len(approved)} approved) as coco")


@pytest.mark.parametrize("fmt", ["coco", "yolo", "manifest"])
def test_round_trip_of_every_format_gives_the_approved_boxes(served, tmp_path, fmt):
    sandbox, cfg = served
    clients = AwsClients(session=boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing"),
                         region=cfg.pipeline.region, endpoint_url=sandbox.endpoint)
    result = export_labels(cfg, clients, fmt, str(tmp_path / fmt))
    approved = _approved(sandbox, cfg.feature_store.feature_group_name)
    expected = {uri: _expected_boxes(row) for uri, row in approved.items()}
    sizes = {uri: (int(row["width"]), int(row["height"])) for uri, row in approved.items()}
    folder = tmp_path / fmt
    if fmt == "coco":
        document = json.loads((folder / "annotations.json").read_text())
        names = {c["id"]: c["name"] for c in document["categories"]}
        images = {i["id"]: i for i in document["images"]}
        got: dict[str, list] = {i["coco_url"]: [] for i in document["images"]}
        for a in document["annotations"]:
            got[images[a["image_id"]]["coco_url"]].append((names[a["category_id"]], *a["bbox"]))
        assert {i["coco_url"]: (i["width"], i["height"]) for i in document["images"]} == sizes
    elif fmt == "yolo":
        classes = (folder / "classes.txt").read_text().splitlines()
        got = {}
        for uri, (width, height) in sizes.items():
            boxes = []
            for line in (folder / yolo_label_name(uri)).read_text().splitlines():
                c, cx, cy, w, h = line.split()
                bw, bh = float(w) * width, float(h) * height
                boxes.append((classes[int(c)], round(float(cx) * width - bw / 2), round(float(cy) * height - bh / 2),
                              round(bw), round(bh)))
            got[uri] = boxes
        assert len(list((folder / "labels").rglob("*.txt"))) == len(approved)
    else:
        attribute = cfg.labeling.label_attribute
        got = {}
        for raw in (folder / "labels.manifest").read_text().splitlines():
            line = json.loads(raw)
            names = line[f"{attribute}-metadata"]["class-map"]
            size = line[attribute]["image_size"][0]
            assert (size["width"], size["height"]) == sizes[line["source-ref"]]
            got[line["source-ref"]] = [(names[str(a["class_id"])], a["left"], a["top"], a["width"], a["height"])
                                       for a in line[attribute]["annotations"]]
    assert {uri: sorted(boxes) for uri, boxes in got.items()} == expected
    assert result.counts.images == len(approved) and result.counts.boxes == sum(map(len, expected.values()))
