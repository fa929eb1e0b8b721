"""The real state machine, the real Lambda zip and the real job requests, end to end on the sandbox."""
from __future__ import annotations

import json

import boto3
import pytest

from reliability.pipeline import QUICK_JOBS, TIME_SCALE, SandboxPipeline
from reliability.reconcile import current_records
from sandbox import Sandbox
from sandbox.workforce import WorkforceProfile


class Pipeline(SandboxPipeline):
    """The reliability suite's deployed pipeline, plus what these tests read: the current records."""

    def newest(self) -> dict[str, dict]:
        """The current record per image, as the offline store defines it."""
        return current_records(self.sandbox.offline_store_rows(self.feature_group))


@pytest.fixture()
def sandbox():
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE, workforce=WorkforceProfile(seed=3, **QUICK_JOBS)) as box:
        yield box


@pytest.fixture()
def pipeline(sandbox):
    return Pipeline(sandbox)


def test_first_run_labels_everything_and_the_second_ends_early(pipeline, sandbox):
    sandbox.workforce = WorkforceProfile(seed=3, approval_rate=1.0, **QUICK_JOBS)
    uris = pipeline.upload_samples(12)
    first = pipeline.run().outcome
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    assert first.output["images_found"] == 12 and first.output["selected"] == 12
    records = pipeline.newest()
    assert set(records) == set(uris)
    assert {r["status"] for r in records.values()} == {"APPROVED"}
    for record in records.values():
        boxes = json.loads(record["annotations"])
        assert record["box_count"] == len(boxes)
        assert all(0 <= b["left"] and b["left"] + b["width"] <= record["width"] for b in boxes)
        assert json.loads(record["class_map"]) == ({"0": "scratch"} if boxes else {})  # the classes drawn
    second = pipeline.run().outcome
    assert second.status == "SUCCEEDED"
    assert second.output["already_labeled"] == 12 and second.output["selected"] == 0
    assert "Start labeling job" not in second.states
    assert len(boto3.client("sagemaker").list_labeling_jobs()["LabelingJobSummaryList"]) == 2  # first run's two jobs only


def test_rejected_images_and_only_those_are_sent_again(pipeline, sandbox):
    uris = pipeline.upload_samples(30)
    first = pipeline.run().outcome
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    rejected = {uri for uri, r in pipeline.newest().items() if r["status"] == "REJECTED"}
    assert rejected and len(rejected) < 30
    assert first.output["rejected"] == len(rejected)
    sandbox.workforce = WorkforceProfile(seed=4, approval_rate=1.0, **QUICK_JOBS)
    second_run = pipeline.run()
    second = second_run.outcome
    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert second.output["selected"] == len(rejected)
    manifests = [k for k in pipeline.keys(pipeline.cfg.storage.work_prefix + "runs/") if k.endswith("/input.manifest")]
    assert len(manifests) == 2
    second_manifest = pipeline.input_manifest(second_run.run_id)
    assert second_manifest == rejected
    assert {r["status"] for r in pipeline.newest().values()} == {"APPROVED"}
    assert set(pipeline.newest()) == set(uris)


@pytest.mark.parametrize("kind", ["failed", "stopped"])
def test_a_failed_or_stopped_labeling_job_fails_the_execution_with_its_reason(pipeline, sandbox, kind):
    pipeline.upload_samples(5)
    if kind == "failed":
        sandbox.workforce = WorkforceProfile(seed=3, fail_labeling_job="Workteam was deleted", **QUICK_JOBS)
        outcome = pipeline.run().outcome
        assert outcome.status == "FAILED"
        assert "Workteam was deleted" in outcome.cause
        return
    outcome = pipeline.run_stopping_the_labeling_job().outcome
    assert outcome.status == "FAILED"
    assert "stopped" in outcome.cause.lower()
    assert not pipeline.newest()


def test_an_empty_bucket_succeeds_without_starting_a_job(pipeline):
    outcome = pipeline.run().outcome
    assert outcome.status == "SUCCEEDED"
    assert outcome.output["images_found"] == 0
    assert boto3.client("sagemaker").list_labeling_jobs()["LabelingJobSummaryList"] == []


def test_two_thousand_images_keep_every_state_payload_under_4_kb(pipeline):
    pipeline.upload_samples(2000)
    outcome = pipeline.run().outcome
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert outcome.output["images_found"] == 2000
    assert outcome.max_state_payload_bytes < 4096
    cap = pipeline.cfg.labeling.max_images_per_run
    assert (outcome.output["selected"], outcome.output["backlog"]) == (min(cap, 2000), 2000 - min(cap, 2000))
    assert len(pipeline.newest()) == outcome.output["selected"]


def test_a_throttled_feature_store_write_is_retried_and_nothing_is_lost(pipeline, sandbox):
    uris = pipeline.upload_samples(60)
    sandbox.faults.add("sagemaker-featurestore-runtime", "BatchWriteRecord", error_code="ThrottlingException",
                       status=400, times=2)
    sandbox.faults.add("sagemaker-featurestore-runtime", "BatchWriteRecord.entry", error_code="Unprocessed", times=5)
    outcome = pipeline.run().outcome
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert outcome.output["written"] == 60
    assert set(pipeline.newest()) == set(uris)
    calls = sandbox.faults.calls[("sagemaker-featurestore-runtime", "BatchWriteRecord")]
    assert calls >= 3 + 2  # 3 batches of 25 + the 2 throttled attempts (+ retries of unprocessed entries)


def test_a_bad_execution_input_fails_at_once_with_a_clear_cause(pipeline):
    outcome = pipeline.run({"max_images": 0}).outcome
    assert outcome.status == "FAILED"
    assert "max_images" in outcome.cause
    assert "Start labeling job" not in outcome.states
