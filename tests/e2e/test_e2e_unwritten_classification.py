"""A classification run's labels that were never written are written first by the next run, which then sends
none of those images to Ground Truth again (issue 11 point 3, for the task types without a verification job).

Image classification and multi-label image classification have no verification job: the update step writes
the records straight from the labeling job's output. Run 1's update fails for good (every BatchWriteRecord
call fails), so its paid labels stay in S3 only. Run 2's first state (steps.unwritten_output) must write them
from that labeling output, report them, wait out the offline store's lag, and find every image labeled.
"""
from __future__ import annotations

import pytest
from task_type_configs import write_config

from operate.executions import ExecutionRow, show_lines
from reliability.pipeline import SandboxPipeline, workforce
from reliability.reconcile import current_records
from sandbox import Sandbox
from steps import naming, task_types

LAG_SECONDS = 900
TIME_SCALE = 0.004
SHORT_JOBS = workforce(initializing_seconds=30, labeling_seconds=120, verification_seconds=60)
IMAGES = 6


@pytest.fixture()
def sandbox():
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE, workforce=SHORT_JOBS,
                 offline_store_delay_seconds=LAG_SECONDS) as box:
        yield box


def _jobs(pipeline: SandboxPipeline) -> list[str]:
    return sorted(j["LabelingJobName"] for j in
                  pipeline.clients.client("sagemaker").list_labeling_jobs()["LabelingJobSummaryList"])


@pytest.mark.parametrize("task_type", task_types.CLASSIFICATION_TYPES)
def test_the_next_run_writes_a_failed_classification_runs_labels_first_and_labels_none_of_them(sandbox, tmp_path,
                                                                                               task_type):
    pipeline = SandboxPipeline(sandbox, write_config(tmp_path, task_type))
    uris = set(pipeline.upload_samples(IMAGES, seed=4))
    pipeline.sandbox.faults.add("sagemaker-featurestore-runtime", "BatchWriteRecord", error_code="InternalFailure",
                                status=500, message="planned", times=10_000)
    first = pipeline.run()
    assert first.outcome.status == "FAILED" and "Update feature store" in (first.outcome.cause or "")
    assert "Start verification job" not in first.outcome.states  # classification: the labels are the labeling job's
    assert pipeline.sandbox.offline_store_rows(pipeline.feature_group) == []  # the paid labels never arrived
    pipeline.sandbox.faults.clear()
    jobs = _jobs(pipeline)
    assert jobs == [naming.job_names(first.run_id)[0]]

    second = pipeline.run()
    assert second.outcome.status == "SUCCEEDED", (second.outcome.error, second.outcome.cause)
    assert second.outcome.output["selected"] == 0 and second.outcome.output["already_labeled"] == IMAGES
    assert pipeline.input_manifest(second.run_id) is None and _jobs(pipeline) == jobs  # nothing sent again
    records = current_records(pipeline.sandbox.offline_store_rows(pipeline.feature_group))
    assert set(records) == uris
    assert {row["labeling_job"] for row in records.values()} == {naming.job_names(first.run_id)[0]}
    assert {row["status"] for row in records.values()} == {"APPROVED"}  # labels.min_confidence 0: as the update
    own = "class_id" if task_type == task_types.IMAGE_CLASSIFICATION else "classes"
    assert all(row[own] is not None for row in records.values())

    description = pipeline.sfn.describe_execution(executionArn=second.outcome.arn)
    shown = show_lines(pipeline.sfn, ExecutionRow.from_description(description))
    assert f"  earlier runs' output written  {IMAGES} records of {first.run_id}" in shown

    third = pipeline.run()  # idempotent: the output is marked complete, nothing is written or waited for again
    assert third.outcome.status == "SUCCEEDED" and third.outcome.output["selected"] == 0
    rows = pipeline.sandbox.offline_store_rows(pipeline.feature_group)
    pipeline.sandbox.clock.advance(LAG_SECONDS)
    assert len(pipeline.sandbox.offline_store_rows(pipeline.feature_group)) == len(rows) == IMAGES
