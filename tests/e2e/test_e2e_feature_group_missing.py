"""A deleted feature group stops the run before any labeling is paid for, unless the user allows an empty group."""
from __future__ import annotations

import pytest

from reliability.pipeline import CLEAN_WORKFORCE, TIME_SCALE, SandboxPipeline
from sandbox import Sandbox

IMAGES = 4


@pytest.fixture()
def pipeline():
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE, workforce=CLEAN_WORKFORCE) as sandbox:
        yield SandboxPipeline(sandbox)


def _labeling_jobs(p: SandboxPipeline) -> list[str]:
    summaries = p.clients.client("sagemaker").list_labeling_jobs()["LabelingJobSummaryList"]
    return sorted(job["LabelingJobName"] for job in summaries)


def test_a_deleted_feature_group_fails_at_once_and_starts_no_job(pipeline):
    uris = pipeline.upload_samples(IMAGES)
    first = pipeline.run().outcome
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    jobs = _labeling_jobs(pipeline)
    pipeline.clients.client("sagemaker").delete_feature_group(FeatureGroupName=pipeline.feature_group)

    refused = pipeline.run()
    outcome = refused.outcome
    assert (outcome.status, outcome.error) == ("FAILED", "FeatureGroupMissing")
    assert f"feature group '{pipeline.feature_group}' does not exist" in outcome.cause
    assert "redeploy" in outcome.cause and '{"allow_empty_feature_group": true}' in outcome.cause
    assert outcome.states[-1] == "Feature group missing" and "Start labeling job" not in outcome.states
    assert _labeling_jobs(pipeline) == jobs and refused.run_id is None

    allowed = pipeline.run({"allow_empty_feature_group": True})
    assert "Start labeling job" in allowed.outcome.states, (allowed.outcome.error, allowed.outcome.cause)
    assert pipeline.input_manifest(allowed.run_id) == set(uris)  # every image, as the user asked
    assert len(_labeling_jobs(pipeline)) > len(jobs)

