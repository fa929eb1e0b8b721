"""Each labels.task_type end to end: the shipped config.yaml with only task_type changed, deployed and run.

One record per image, of the task type's shape; classification has no verification job and
REJECTS (labels again) images whose consolidated confidence is below labels.min_confidence.
"""
from __future__ import annotations

import io
import json
from collections import Counter

import pytest
from PIL import Image
from task_type_configs import TASK_TYPES, write_config

from reliability.pipeline import QUICK_JOBS, TIME_SCALE, SandboxPipeline
from reliability.reconcile import current_records
from sandbox import Sandbox
from sandbox.ground_truth import masks
from sandbox.workforce import WorkforceProfile
from steps import task_types


@pytest.fixture()
def sandbox():
    workforce = WorkforceProfile(seed=5, approval_rate=1.0, **QUICK_JOBS)
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE, workforce=workforce) as box:
        yield box


def _deploy(sandbox, tmp_path, task_type: str, **changes) -> SandboxPipeline:
    return SandboxPipeline(sandbox, write_config(tmp_path, task_type, **changes))


def _records(pipeline: SandboxPipeline) -> tuple[dict[str, dict], Counter]:
    rows = pipeline.sandbox.offline_store_rows(pipeline.feature_group)
    return current_records(rows), Counter(row["image_uri"] for row in rows)


def _check_shape(pipeline: SandboxPipeline, task_type: str, record: dict) -> None:
    cfg = pipeline.cfg
    if task_type == "bounding_box":
        boxes = json.loads(record["annotations"])
        assert record["box_count"] == len(boxes)
    elif task_type == "semantic_segmentation":
        color_map = json.loads(record["color_map"])
        assert color_map["0"]["class-name"] == "BACKGROUND"
        size, colours = masks.colours(pipeline.read(record["mask_uri"]))
        assert size == Image.open(io.BytesIO(pipeline.read(record["image_uri"]))).size
        assert colours <= {entry["hex-color"] for entry in color_map.values()}
        assert record["verification_job"]
    elif task_type == "image_classification":
        answers = [*cfg.labels.categories, cfg.labels.none_category]
        assert answers[record["class_id"]] == record["class_name"]
        assert record["confidence"] == 0.0  # one worker per image: Ground Truth reports 0.00
    else:
        classes = json.loads(record["classes"])
        assert all(entry["class_name"] in cfg.labels.categories for entry in classes)
    features = {name for name, _ in task_types.feature_definitions(task_type)}
    present = {name for name, value in record.items() if value is not None and value != ""}
    own = features - {name for name, _ in task_types.feature_definitions("bounding_box")} if task_type != "bounding_box" else {"annotations"}
    assert own - {"confidence"} <= present, (own, present)  # multi-label: no confidence when no class was chosen


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_changing_only_task_type_runs_end_to_end_with_one_record_per_image(sandbox, tmp_path, task_type):
    pipeline = _deploy(sandbox, tmp_path, task_type)
    uris = pipeline.upload_samples(8)
    run = pipeline.run()
    outcome = run.outcome
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    verified = task_types.has_verification(task_type)
    assert ("Start verification job" in outcome.states) == verified
    assert outcome.output["approved"] == 8 and outcome.output["selected"] == 8
    assert (outcome.output["verification_job_name"] is None) != verified
    records, writes = _records(pipeline)
    assert set(records) == set(uris) and set(writes.values()) == {1}
    for record in records.values():
        assert record["status"] == "APPROVED"
        _check_shape(pipeline, task_type, record)


def test_classification_below_the_minimum_confidence_is_rejected_and_labeled_again(sandbox, tmp_path):
    pipeline = _deploy(sandbox, tmp_path, "image_classification",
                       **{"labels.min_confidence": 0.75, "labeling.workers_per_object": 3})
    uris = pipeline.upload_samples(12)
    first = pipeline.run().outcome
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    records, _ = _records(pipeline)
    rejected = {uri for uri, record in records.items() if record["status"] == "REJECTED"}
    assert rejected and len(rejected) < 12
    assert all((record["confidence"] < 0.75) == (uri in rejected) for uri, record in records.items())
    assert first.output["rejected"] == len(rejected)
    second_run = pipeline.run()
    assert second_run.outcome.status == "SUCCEEDED", (second_run.outcome.error, second_run.outcome.cause)
    assert second_run.outcome.output["selected"] == len(rejected)
    again, _ = _records(pipeline)
    assert set(again) == set(uris)
    relabeled = {uri for uri, record in again.items() if record["labeling_job"] != records[uri]["labeling_job"]}
    assert relabeled == rejected  # exactly the rejected images went to the second labeling job


@pytest.mark.parametrize("task_type", [t for t in TASK_TYPES if t != "bounding_box"])
def test_deploy_local_succeeds_for_the_task_type(tmp_path, capsys, task_type):
    import deploy

    code = deploy.main(["--config", str(write_config(tmp_path, task_type)), "--local", "--images", "4",
                        "--time-scale", str(TIME_SCALE)])
    out, err = capsys.readouterr()
    assert code == 0, out[-2000:] + err[-2000:]
    assert "feature group  4 records" in out  # one record per image (approved or rejected)
    assert ("Start verification job" in out) == (task_type == "semantic_segmentation")
    assert ("has no verification job: the verification section is ignored" in err) == (task_type != "semantic_segmentation")
