"""Recovery of earlier runs' output per task type (steps.unwritten_output): classification has no verification
job, so its records come from the labeling output, exactly as the update step writes them; the adjust path's
labels are in the verification output."""
from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest
from steps_fakes import BUCKET, FakeFeatureStore, verified_line
from test_steps_unlabelable import NOT_IMAGE, failed_line
from test_steps_unwritten_output import WORK, _aborted_run, _event, _machine, _outputs, _run

from steps import layout, naming, task_types, unwritten_output
from steps import update_feature_store as update
from steps.log import StepSummary
from steps.update_progress import Progress

ATTRIBUTE = "scratch-boxes"  # the label attribute of _event's settings


class TaskTypeFeatureStore(FakeFeatureStore):
    """FakeFeatureStore that accepts the features of ``task_type``'s group (the base knows the box features only)."""

    def __init__(self, task_type: str) -> None:
        super().__init__()
        self.known = {name for name, _ in task_types.feature_definitions(task_type)}

    def _write(self, entries: list[dict[str, Any]]) -> dict[str, Any]:
        errors = []
        for entry in entries:
            values = {v["FeatureName"]: v["ValueAsString"] for v in entry["Record"]}
            if set(values) - self.known:
                errors.append(self._error(entry, "ValidationError", f"unknown features {sorted(set(values) - self.known)}"))
                continue
            self.records[values["image_uri"]] = values
            self.write_count[values["image_uri"]] += 1
        return {"Errors": errors, "UnprocessedEntries": []}


@pytest.fixture
def sfn(aws: None) -> Any:
    return boto3.client("stepfunctions")


def classified(uri: str, confidence: float, label: int = 1) -> dict[str, Any]:
    """An image-classification labeling output line (sms-data-output: class index, class-name, confidence)."""
    return {"source-ref": uri, "source-etag": "e-" + uri[-5:], ATTRIBUTE: label,
            f"{ATTRIBUTE}-metadata": {"class-name": ["scratch", "dent"][label], "confidence": confidence,
                                      "type": "groundtruth/image-classification", "human-annotated": "yes",
                                      "creation-date": "2026-11-29T10:00:00", "job-name": "labeling-job/x"}}


def multilabelled(uri: str, confidences: dict[str, float]) -> dict[str, Any]:
    """A multi-label image-classification labeling output line (class-map and confidence-map)."""
    return {"source-ref": uri, ATTRIBUTE: [int(key) for key in confidences],
            f"{ATTRIBUTE}-metadata": {"class-map": {key: ["scratch", "dent"][int(key)] for key in confidences},
                                      "confidence-map": confidences,
                                      "type": "groundtruth/image-classification-multilabel",
                                      "creation-date": "2026-11-29T10:00:00", "job-name": "labeling-job/x"}}


def _labeling_output(s3: Any, run: str, lines: list[dict[str, Any]]) -> str:
    labeling_job, _ = naming.job_names(run)
    key = layout.output_manifest_key(layout.labeling_output_prefix(WORK, run), labeling_job)
    s3.put_object(Bucket=BUCKET, Key=key, Body="".join(json.dumps(line) + "\n" for line in lines).encode())
    return f"s3://{BUCKET}/{key}"


def _settings(machine: str, task_type: str, min_confidence: float) -> dict[str, Any]:
    event = _event(machine)
    event["settings"].update(task_type=task_type, min_confidence=min_confidence)
    return event


def _as_the_update_writes(s3: Any, event: dict[str, Any], run: str, manifest_uri: str, task_type: str) -> dict:
    """What the update step itself writes for that run's output (workflow.graph: classification passes the
    labeling output as both manifest_uri and labeling_manifest_uri), into a fresh store, without a marker."""
    store = TaskTypeFeatureStore(task_type)
    labeling_job, verification_job = naming.job_names(run)
    update.update_feature_store({"execution": event["execution"], "manifest_uri": manifest_uri,
                                 "labeling_manifest_uri": manifest_uri, "labeling_job_name": labeling_job,
                                 "verification_job_name": verification_job, "settings": event["settings"]},
                                s3, store, StepSummary("x", stream=io.StringIO()))
    return store.records


@pytest.mark.parametrize("task_type", task_types.CLASSIFICATION_TYPES)
def test_a_failed_classification_runs_labels_are_written_as_the_update_writes_them(s3, sfn, task_type):
    machine = _machine(sfn)
    run = _aborted_run(sfn, machine, "run-1")
    if task_type == task_types.IMAGE_CLASSIFICATION:
        lines = [classified("s3://b/raw/a0.png", 0.9), classified("s3://b/raw/a1.png", 0.4, label=0),
                 classified("s3://b/raw/a2.png", 0.75)]
    else:
        lines = [multilabelled("s3://b/raw/a0.png", {"0": 0.9, "1": 0.8}), multilabelled("s3://b/raw/a1.png", {"1": 0.4}),
                 multilabelled("s3://b/raw/a2.png", {})]
    uri = _labeling_output(s3, run, [*lines, failed_line("s3://b/raw/bad.png", NOT_IMAGE, attribute=ATTRIBUTE)])
    event = _settings(machine, task_type, min_confidence=0.7)
    store = TaskTypeFeatureStore(task_type)
    result = _run(s3, sfn, store, event)
    assert result == {"runs_examined": 1, "runs_written": [run], "written": 4, "unlabelable": 1, "left": 0,
                      "not_written": []}
    # min_confidence applied exactly as the update does: the same records, field for field
    assert store.records == _as_the_update_writes(s3, event, run, uri, task_type)
    assert {u: r["status"] for u, r in store.records.items()} == {
        "s3://b/raw/a0.png": "APPROVED", "s3://b/raw/a1.png": "REJECTED", "s3://b/raw/a2.png": "APPROVED",
        "s3://b/raw/bad.png": "UNLABELABLE"}
    assert {r["labeling_job"] for u, r in store.records.items()} == {naming.job_names(run)[0]}
    again = _run(s3, sfn, store, event)  # idempotent: both markers say complete
    assert (again["written"], again["runs_written"]) == (0, [])
    assert max(store.write_count.values()) == 1


def test_a_classification_runs_lines_its_update_wrote_are_skipped(s3, sfn):
    machine = _machine(sfn)
    run = _aborted_run(sfn, machine, "run-1")
    uri = _labeling_output(s3, run, [classified(f"s3://b/raw/{n}.png", 0.9) for n in range(5)])
    Progress(s3, BUCKET, layout.update_progress_key(WORK, run), uri, None).record([1, 2])  # its update wrote 2 lines
    store = TaskTypeFeatureStore(task_types.IMAGE_CLASSIFICATION)
    result = _run(s3, sfn, store, _settings(machine, task_types.IMAGE_CLASSIFICATION, 0.0))
    assert (result["written"], result["unlabelable"]) == (3, 0)
    assert sorted(store.records) == ["s3://b/raw/2.png", "s3://b/raw/3.png", "s3://b/raw/4.png"]


def test_a_classification_run_without_labeling_output_has_nothing_to_write(s3, sfn):
    machine = _machine(sfn)
    _aborted_run(sfn, machine, "run-1")  # failed before its labeling job completed: no output manifest
    result = _run(s3, sfn, TaskTypeFeatureStore(task_types.IMAGE_CLASSIFICATION),
                  _settings(machine, task_types.IMAGE_CLASSIFICATION, 0.0))
    assert (result["runs_examined"], result["written"], result["runs_written"]) == (1, 0, [])


def test_the_records_output_is_the_one_the_update_reads_per_task_type():
    run = "scratch-20261130t100000-abc"
    labeling_job, verification_job = naming.job_names(run)
    for task_type in task_types.TASK_TYPES:
        key = unwritten_output.records_output_key(WORK, run, task_type)
        expected = verification_job if task_types.has_verification(task_type) else labeling_job
        assert key == layout.output_manifest_key(
            (layout.verification_output_prefix if task_types.has_verification(task_type)
             else layout.labeling_output_prefix)(WORK, run), expected)


def test_the_adjust_paths_labels_are_recovered_from_the_verification_output(s3, sfn):
    """on_reject adjust: the verification output holds the labeling job's and the adjustment job's lines
    (steps.filter_labeled_objects); recovery writes both, each with its label_path and the job that drew it."""
    machine = _machine(sfn)
    run = _aborted_run(sfn, machine, "run-1")
    adjusted = json.loads(verified_line("s3://b/raw/old.png", 0))
    adjusted[f"{ATTRIBUTE}-metadata"].update({"adjustment-status": "adjusted", "job-name": "labeling-job/run-1-adj"})
    _outputs(s3, run, [verified_line("s3://b/raw/new.png", 0), json.dumps(adjusted)])
    store = FakeFeatureStore()
    result = _run(s3, sfn, store, _event(machine))
    assert (result["written"], result["runs_written"]) == (2, [run])
    paths = {uri: (record["label_path"], record["labeling_job"]) for uri, record in store.records.items()}
    assert paths == {"s3://b/raw/new.png": ("labeling", naming.job_names(run)[0]),
                     "s3://b/raw/old.png": ("adjustment", "run-1-adj")}
