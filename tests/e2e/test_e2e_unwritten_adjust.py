"""verification.on_reject: adjust — a run whose update fails for good leaves both its labeling job's and its
adjustment job's verified labels in the verification output; the next run writes both first (each with its
label_path and the job that drew it) and sends none of those images to Ground Truth again (issue 11 point 3).
"""
from __future__ import annotations

import boto3
import pytest
from adjust_helpers import adjust_config, half_rejecting_sandbox

from reliability.pipeline import QUICK_JOBS, SandboxPipeline
from reliability.reconcile import current_records
from sandbox.workforce import WorkforceProfile
from steps import naming

IMAGES = 10
NEW_IMAGES = 2


@pytest.fixture()
def sandbox():
    with half_rejecting_sandbox() as box:
        yield box


def _jobs() -> list[str]:
    return sorted(j["LabelingJobName"] for j in boto3.client("sagemaker").list_labeling_jobs()["LabelingJobSummaryList"])


def test_the_next_run_writes_a_failed_adjust_runs_labels_of_both_paths_first(sandbox, tmp_path):
    pipeline = SandboxPipeline(sandbox, adjust_config(tmp_path))
    uris = pipeline.upload_samples(IMAGES)
    first = pipeline.run()
    assert first.outcome.status == "SUCCEEDED", (first.outcome.error, first.outcome.cause)
    records = current_records(sandbox.offline_store_rows(pipeline.feature_group))
    rejected = {uri for uri, row in records.items() if row["status"] == "REJECTED"}
    assert 0 < len(rejected) < IMAGES

    body = pipeline.read(uris[0])
    new = {pipeline.put(f"{pipeline.cfg.storage.raw_prefix}line-c/new-{i}.png", body) for i in range(NEW_IMAGES)}
    sandbox.workforce = WorkforceProfile(seed=12, approval_rate=1.0, **QUICK_JOBS)
    sandbox.faults.add("sagemaker-featurestore-runtime", "BatchWriteRecord", error_code="InternalFailure",
                       status=500, message="planned", times=10_000)
    second = pipeline.run()  # labels the new images and adjusts the rejected ones, then cannot write them
    assert second.outcome.status == "FAILED" and "Update feature store" in (second.outcome.cause or "")
    sandbox.faults.clear()
    labeling_job, _ = naming.job_names(second.run_id)
    adjustment_job = naming.adjustment_job_name(second.run_id)
    jobs = _jobs()
    assert {labeling_job, adjustment_job} <= set(jobs)

    third = pipeline.run()
    assert third.outcome.status == "SUCCEEDED", (third.outcome.error, third.outcome.cause)
    assert third.outcome.output["selected"] == 0  # nothing labeled, adjusted or verified again
    assert _jobs() == jobs
    after = current_records(sandbox.offline_store_rows(pipeline.feature_group))
    assert all(after[uri]["status"] == "APPROVED" for uri in rejected | new)
    assert {uri: (after[uri]["label_path"], after[uri]["labeling_job"]) for uri in rejected | new} == {
        **dict.fromkeys(rejected, ("adjustment", adjustment_job)), **dict.fromkeys(new, ("labeling", labeling_job))}
