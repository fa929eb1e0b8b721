"""Objects Ground Truth cannot label are recorded UNLABELABLE once and not sent again until replaced (issue 11 point 1).

A zero-byte PNG and a text file named .png fail in the labeling job with a failure-reason that says the
object is not a supported image (sandbox/ground_truth/workers.py); the update step writes them as
UNLABELABLE records with their ETag (steps.unlabelable). The next run's selection (contract 1 of
notes/SESSION3.md, steps.missing) treats them as done while their ETag is unchanged: nothing is sent.
Replacing one with a real image gives it a new ETag, and the run after that sends exactly that one.
"""
from __future__ import annotations

import pytest

from reliability.pipeline import SandboxPipeline, workforce
from reliability.reconcile import current_records
from sandbox import Sandbox
from sandbox.sample_images import generate_sample_images

LAG_SECONDS = 900  # the offline store shows records ~15 simulated minutes after the write, as AWS documents
TIME_SCALE = 0.004
SHORT_JOBS = workforce(initializing_seconds=30, labeling_seconds=120, verification_seconds=60)
GOOD = 4


@pytest.fixture()
def pipeline():
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE, workforce=SHORT_JOBS,
                 offline_store_delay_seconds=LAG_SECONDS) as sandbox:
        yield SandboxPipeline(sandbox)


def _etag(pipeline: SandboxPipeline, uri: str) -> str:
    return pipeline.s3.head_object(Bucket=pipeline.bucket, Key=uri.split("/", 3)[3])["ETag"].strip('"')


def _jobs(pipeline: SandboxPipeline) -> int:
    return len(pipeline.clients.client("sagemaker").list_labeling_jobs()["LabelingJobSummaryList"])


def test_unlabelable_objects_are_recorded_once_and_sent_again_only_when_replaced(pipeline):
    raw = pipeline.cfg.storage.raw_prefix
    pipeline.upload_samples(GOOD, seed=1)
    empty = pipeline.put(raw + "line-a/empty.png", b"")
    text = pipeline.put(raw + "line-a/notes.png", b"this is a text file, not a PNG\n")

    first = pipeline.run()
    assert first.outcome.status == "SUCCEEDED", (first.outcome.error, first.outcome.cause)
    assert first.outcome.output["unlabelable"] == 2
    assert first.outcome.output["approved"] == GOOD
    pipeline.sandbox.clock.advance(LAG_SECONDS)  # past the offline store's lag
    records = current_records(pipeline.sandbox.offline_store_rows(pipeline.feature_group))
    for uri in (empty, text):
        assert records[uri]["status"] == "UNLABELABLE"
        assert records[uri]["image_etag"] == _etag(pipeline, uri)
        assert "not a supported image" in records[uri]["failure_reason"]

    jobs = _jobs(pipeline)
    second = pipeline.run()
    assert second.outcome.status == "SUCCEEDED", (second.outcome.error, second.outcome.cause)
    assert second.outcome.output["selected"] == 0, "unchanged unlabelable objects must not be sent again"
    assert _jobs(pipeline) == jobs

    body = pipeline.read(generate_sample_images_uri(pipeline))
    pipeline.put(raw + "line-a/empty.png", body)  # replaced by a real image: a new ETag
    third = pipeline.run()
    assert third.outcome.status == "SUCCEEDED", (third.outcome.error, third.outcome.cause)
    assert pipeline.input_manifest(third.run_id) == {empty}
    pipeline.sandbox.clock.advance(LAG_SECONDS)
    records = current_records(pipeline.sandbox.offline_store_rows(pipeline.feature_group))
    assert records[empty]["status"] == "APPROVED" and records[empty]["image_etag"] == _etag(pipeline, empty)
    assert records[text]["status"] == "UNLABELABLE"


def generate_sample_images_uri(pipeline: SandboxPipeline) -> str:
    """A real image's URI (outside the raw prefix), to copy over a replaced object."""
    key = generate_sample_images(pipeline.s3, pipeline.bucket, "elsewhere/", 1, seed=9)[0]
    return pipeline.uri(key)


def test_a_run_whose_every_object_is_unlabelable_is_recorded_by_the_next_run_before_it_selects(pipeline):
    raw = pipeline.cfg.storage.raw_prefix
    bad = {pipeline.put(raw + "empty.png", b""), pipeline.put(raw + "notes.png", b"not an image\n")}
    first = pipeline.run()  # the labeling job labels nothing: the run ends at "Labeling: nothing labeled"
    assert first.outcome.status == "FAILED" and first.outcome.error == "LabelingNothingLabeled"
    jobs = _jobs(pipeline)
    second = pipeline.run()  # its first state writes run 1's UNLABELABLE lines, waits out the lag, then checks
    assert second.outcome.status == "SUCCEEDED", (second.outcome.error, second.outcome.cause)
    assert second.outcome.output["selected"] == 0 and _jobs(pipeline) == jobs
    records = current_records(pipeline.sandbox.offline_store_rows(pipeline.feature_group))
    assert {uri for uri, row in records.items() if row["status"] == "UNLABELABLE"} == bad
