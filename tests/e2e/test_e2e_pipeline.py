"""The real state machine, the real Lambda zip and the real job requests, end to end on the sandbox."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from publish.aws import AwsClients
from publish.deployer import Deployer
from publish.follow import follow
from publish.local import in_account
from sandbox import Sandbox
from sandbox.sample_images import generate_sample_images
from sandbox.workforce import WorkforceProfile
from workflow.config import load_config

ROOT = Path(__file__).resolve().parents[2]
QUICK_JOBS = dict(initializing_seconds=60, labeling_seconds=600, verification_seconds=300)


class Pipeline:
    """A deployed pipeline in a sandbox: upload images, run executions, read the feature group."""

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.cfg, _ = in_account(load_config(ROOT / "config.yaml"), sandbox.account_id)
        clients = AwsClients(session=boto3.Session(), region=self.cfg.pipeline.region)
        self.deploy = Deployer(self.cfg, clients).run()
        self.s3 = clients.client("s3")
        self.sfn = clients.client("stepfunctions")
        self.runs = 0

    def upload(self, count: int, seed: int = 0) -> list[str]:
        return generate_sample_images(self.s3, self.cfg.storage.bucket, self.cfg.storage.raw_prefix, count, seed=seed)

    def run(self, execution_input: dict | None = None):
        self.runs += 1
        started = self.sfn.start_execution(stateMachineArn=self.deploy.state_machine_arn, name=f"run-{self.runs}",
                                           input=json.dumps(execution_input or {}))
        return follow(self.sfn, started["executionArn"], emit=lambda line: None, poll_seconds=0.05, timeout_seconds=300)

    def newest(self) -> dict[str, dict]:
        """The current record per image, as the offline store defines it."""
        newest: dict[str, dict] = {}
        for row in self.sandbox.offline_store_rows(self.cfg.feature_store.feature_group_name):
            key = (row["event_time"], row["api_invocation_time"], row["write_time"])
            uri = row["image_uri"]
            if uri not in newest or key >= (newest[uri]["event_time"], newest[uri]["api_invocation_time"], newest[uri]["write_time"]):
                newest[uri] = row
        return newest


def _uris(pipeline: Pipeline, keys: list[str]) -> set[str]:
    return {f"s3://{pipeline.cfg.storage.bucket}/{key}" for key in keys}


@pytest.fixture()
def sandbox():
    with Sandbox(region="eu-west-1", time_scale=0.0002, workforce=WorkforceProfile(seed=3, **QUICK_JOBS)) as box:
        yield box


@pytest.fixture()
def pipeline(sandbox):
    return Pipeline(sandbox)


def test_first_run_labels_everything_and_the_second_ends_early(pipeline, sandbox):
    sandbox.workforce = WorkforceProfile(seed=3, approval_rate=1.0, **QUICK_JOBS)
    keys = pipeline.upload(12)
    first = pipeline.run()
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    assert first.output["images_found"] == 12 and first.output["selected"] == 12
    records = pipeline.newest()
    assert set(records) == _uris(pipeline, keys)
    assert {r["status"] for r in records.values()} == {"APPROVED"}
    for record in records.values():
        boxes = json.loads(record["annotations"])
        assert record["box_count"] == len(boxes)
        assert all(0 <= b["left"] and b["left"] + b["width"] <= record["width"] for b in boxes)
        assert json.loads(record["class_map"]) == ({"0": "scratch"} if boxes else {})  # the classes drawn
    second = pipeline.run()
    assert second.status == "SUCCEEDED"
    assert second.output["already_labeled"] == 12 and second.output["selected"] == 0
    assert "Start labeling job" not in second.states
    assert len(boto3.client("sagemaker").list_labeling_jobs()["LabelingJobSummaryList"]) == 2  # first run's two jobs only


def test_rejected_images_and_only_those_are_sent_again(pipeline, sandbox):
    keys = pipeline.upload(30)
    first = pipeline.run()
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    rejected = {uri for uri, r in pipeline.newest().items() if r["status"] == "REJECTED"}
    assert rejected and len(rejected) < 30
    assert first.output["rejected"] == len(rejected)
    runs = boto3.client("s3")
    second_manifest = None
    sandbox.workforce = WorkforceProfile(seed=4, approval_rate=1.0, **QUICK_JOBS)
    second = pipeline.run()
    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert second.output["selected"] == len(rejected)
    listing = runs.list_objects_v2(Bucket=pipeline.cfg.storage.bucket, Prefix=pipeline.cfg.storage.work_prefix + "runs/")
    manifests = sorted(o["Key"] for o in listing["Contents"] if o["Key"].endswith("input.manifest"))
    assert len(manifests) == 2
    for key in manifests:
        body = runs.get_object(Bucket=pipeline.cfg.storage.bucket, Key=key)["Body"].read().decode()
        refs = {json.loads(line)["source-ref"] for line in body.splitlines()}
        if len(refs) != 30:
            second_manifest = refs
    assert second_manifest == rejected
    assert {r["status"] for r in pipeline.newest().values()} == {"APPROVED"}
    assert set(pipeline.newest()) == _uris(pipeline, keys)


@pytest.mark.parametrize("kind", ["failed", "stopped"])
def test_a_failed_or_stopped_labeling_job_fails_the_execution_with_its_reason(pipeline, sandbox, kind):
    pipeline.upload(5)
    if kind == "failed":
        sandbox.workforce = WorkforceProfile(seed=3, fail_labeling_job="Workteam was deleted", **QUICK_JOBS)
        outcome = pipeline.run()
        assert outcome.status == "FAILED"
        assert "Workteam was deleted" in outcome.cause
        return
    sagemaker = boto3.client("sagemaker")
    import threading

    def stop_when_started():
        import time

        for _ in range(400):
            jobs = sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]
            if jobs:
                sagemaker.stop_labeling_job(LabelingJobName=jobs[0]["LabelingJobName"])
                return
            time.sleep(0.02)

    stopper = threading.Thread(target=stop_when_started)
    stopper.start()
    outcome = pipeline.run()
    stopper.join()
    assert outcome.status == "FAILED"
    assert "stopped" in outcome.cause.lower()
    assert not pipeline.newest()


def test_an_empty_bucket_succeeds_without_starting_a_job(pipeline):
    outcome = pipeline.run()
    assert outcome.status == "SUCCEEDED"
    assert outcome.output["images_found"] == 0
    assert boto3.client("sagemaker").list_labeling_jobs()["LabelingJobSummaryList"] == []


def test_two_thousand_images_keep_every_state_payload_under_4_kb(pipeline):
    pipeline.upload(2000)
    outcome = pipeline.run()
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert outcome.output["images_found"] == 2000
    assert outcome.max_state_payload_bytes < 4096
    cap = pipeline.cfg.labeling.max_images_per_run
    assert (outcome.output["selected"], outcome.output["backlog"]) == (min(cap, 2000), 2000 - min(cap, 2000))
    assert len(pipeline.newest()) == outcome.output["selected"]


def test_a_throttled_feature_store_write_is_retried_and_nothing_is_lost(pipeline, sandbox):
    keys = pipeline.upload(60)
    sandbox.faults.add("sagemaker-featurestore-runtime", "BatchWriteRecord", error_code="ThrottlingException",
                       status=400, times=2)
    sandbox.faults.add("sagemaker-featurestore-runtime", "BatchWriteRecord.entry", error_code="Unprocessed", times=5)
    outcome = pipeline.run()
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert outcome.output["written"] == 60
    assert set(pipeline.newest()) == _uris(pipeline, keys)
    calls = sandbox.faults.calls[("sagemaker-featurestore-runtime", "BatchWriteRecord")]
    assert calls >= 3 + 2  # 3 batches of 25 + the 2 throttled attempts (+ retries of unprocessed entries)


def test_a_bad_execution_input_fails_at_once_with_a_clear_cause(pipeline):
    outcome = pipeline.run({"max_images": 0})
    assert outcome.status == "FAILED"
    assert "max_images" in outcome.cause
    assert "Start labeling job" not in outcome.states
