"""Verified output an earlier run never wrote is written first by the next run, which then labels none of it
(issue 11 point 3).

Run 1's update step fails for good (every BatchWriteRecord call fails: the step's retries and the state
machine's run out), so its verification output stays in S3 and the run fails. Run 2's first state
(steps.unwritten_output) finds run 1 among the failed executions, writes its verified lines, reports
them, waits out the offline store's lag, and its check then finds every image labeled: nothing goes to
Ground Truth again.
"""
from __future__ import annotations

import pytest

from operate.executions import ExecutionRow, show_lines
from reliability.pipeline import SandboxPipeline, workforce
from reliability.reconcile import current_records
from sandbox import Sandbox
from steps import naming

LAG_SECONDS = 900
TIME_SCALE = 0.004
SHORT_JOBS = workforce(initializing_seconds=30, labeling_seconds=120, verification_seconds=60)
IMAGES = 6


@pytest.fixture()
def pipeline():
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE, workforce=SHORT_JOBS,
                 offline_store_delay_seconds=LAG_SECONDS) as sandbox:
        yield SandboxPipeline(sandbox)


def _jobs(pipeline: SandboxPipeline) -> list[str]:
    return [j["LabelingJobName"] for j in
            pipeline.clients.client("sagemaker").list_labeling_jobs()["LabelingJobSummaryList"]]


def test_the_next_run_writes_the_failed_runs_verified_output_first_and_labels_none_of_it(pipeline):
    uris = set(pipeline.upload_samples(IMAGES, seed=4))
    pipeline.sandbox.faults.add("sagemaker-featurestore-runtime", "BatchWriteRecord", error_code="InternalFailure",
                                status=500, message="planned", times=10_000)
    first = pipeline.run()
    assert first.outcome.status == "FAILED" and "Update feature store" in (first.outcome.cause or "")
    assert pipeline.sandbox.offline_store_rows(pipeline.feature_group) == []  # the verified labels never arrived
    pipeline.sandbox.faults.clear()
    jobs = _jobs(pipeline)

    second = pipeline.run()
    assert second.outcome.status == "SUCCEEDED", (second.outcome.error, second.outcome.cause)
    assert second.outcome.output["selected"] == 0 and second.outcome.output["already_labeled"] == IMAGES
    assert pipeline.input_manifest(second.run_id) is None and _jobs(pipeline) == jobs  # nothing sent again
    records = current_records(pipeline.sandbox.offline_store_rows(pipeline.feature_group))
    assert set(records) == uris
    assert {row["verification_job"] for row in records.values()} == {naming.job_names(first.run_id)[1]}

    description = pipeline.sfn.describe_execution(executionArn=second.outcome.arn)
    shown = show_lines(pipeline.sfn, ExecutionRow.from_description(description))
    assert f"  earlier runs' output written  {IMAGES} records of {first.run_id}" in shown

    third = pipeline.run()  # idempotent: the output is marked complete, nothing is written or waited for again
    assert third.outcome.status == "SUCCEEDED" and third.outcome.output["selected"] == 0
    rows = pipeline.sandbox.offline_store_rows(pipeline.feature_group)
    pipeline.sandbox.clock.advance(LAG_SECONDS)
    assert len(pipeline.sandbox.offline_store_rows(pipeline.feature_group)) == len(rows) == IMAGES
