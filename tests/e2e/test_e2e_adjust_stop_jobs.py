"""on_reject adjust: when one branch of the Parallel "Labeling and adjustment" fails, both jobs are stopped.

Step Functions stops the other branch, not the Ground Truth job it started; the Parallel state's catch
(workflow/graph/adjust.py ``_stop_parallel_jobs``) stops both jobs before the run fails. Run 1 rejects some
labels; run 2 sends them to an adjustment job beside a labeling job for new images, and one of the two
jobs fails while the other is still running (its workers take a simulated week: 2 real minutes, so it is
still running when the catch stops it, however slow the machine).
"""
from __future__ import annotations

import boto3
import pytest
from adjust_helpers import adjust_config, half_rejecting_sandbox

from reliability.pipeline import QUICK_JOBS, SandboxPipeline
from sandbox.workforce import WorkforceProfile
from steps import naming
from workflow.graph import NAME_JOBS

IMAGES = 12
NEW_IMAGES = 3
WEEK = 7 * 24 * 3600


@pytest.fixture()
def sandbox():
    with half_rejecting_sandbox() as box:
        yield box


def _second_run_with_one_job_failing(sandbox, tmp_path, **workforce):
    """Run 1 (some labels rejected), then run 2 with 3 new images under ``workforce``; returns (run 2, jobs)."""
    pipeline = SandboxPipeline(sandbox, adjust_config(tmp_path))
    uris = pipeline.upload_samples(IMAGES)
    first = pipeline.run()
    assert first.outcome.status == "SUCCEEDED", (first.outcome.error, first.outcome.cause)
    assert 0 < first.outcome.output["rejected"] < IMAGES
    body = pipeline.read(uris[0])
    for i in range(NEW_IMAGES):
        pipeline.put(f"{pipeline.cfg.storage.raw_prefix}line-c/new-{i}.png", body)
    sandbox.workforce = WorkforceProfile(seed=12, approval_rate=1.0, **{**QUICK_JOBS, **workforce})
    second = pipeline.run()
    sagemaker = boto3.client("sagemaker")
    status = {kind: sagemaker.describe_labeling_job(LabelingJobName=name)["LabelingJobStatus"]
              for kind, name in (("labeling", naming.job_names(second.run_id)[0]),
                                 ("adjustment", naming.adjustment_job_name(second.run_id)))}
    return second, status


def test_a_failed_labeling_job_stops_the_adjustment_job_still_running(sandbox, tmp_path):
    run, status = _second_run_with_one_job_failing(sandbox, tmp_path, fail_labeling_job="Workteam was deleted",
                                                   verification_seconds=WEEK)
    assert run.outcome.status == "FAILED"
    assert status["labeling"] == "Failed"
    assert status["adjustment"] in ("Stopping", "Stopped"), status  # no worker goes on adjusting for nothing
    assert run.outcome.error == "PipelineStepFailed"
    assert run.outcome.cause.startswith(f"{NAME_JOBS} failed with LabelingJobFailed: labeling job ")
    assert f"{NAME_JOBS} failed: stop adjustment job" in run.outcome.states


def test_a_failed_adjustment_job_stops_the_labeling_job_still_running(sandbox, tmp_path):
    run, status = _second_run_with_one_job_failing(sandbox, tmp_path, fail_verification_job="Workteam was deleted",
                                                   labeling_seconds=WEEK)
    assert run.outcome.status == "FAILED"
    assert status["adjustment"] == "Failed"
    assert status["labeling"] in ("Stopping", "Stopped"), status
    assert run.outcome.cause.startswith(f"{NAME_JOBS} failed with AdjustmentJobFailed: adjustment job ")
    assert f"{NAME_JOBS} failed: stop labeling job" in run.outcome.states
