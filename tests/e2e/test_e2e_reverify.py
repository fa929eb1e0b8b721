"""Labels a failed run drew are verified again by the next run, never bought again (issue 11, never pay twice).

Run 1's labeling job completes and its verification job fails (the workforce: "Workteam was deleted"), so
the run fails with every label drawn and none verified. Run 2 (steps.carried_labels) finds run 1's
completed labeling output, sends those labels straight to its verification job and creates no labeling
job for them; the records name run 1's labeling job, which drew the labels. An image replaced between
the runs (new ETag) no longer matches its label: it is labeled again.
"""
from __future__ import annotations

import pytest

from operate.executions import ExecutionRow, show_lines
from reliability.pipeline import SandboxPipeline, workforce
from reliability.reconcile import current_records
from sandbox import Sandbox
from steps import layout, naming
from steps.records import CARRIED_FROM_KEY

TIME_SCALE = 0.004
SHORT_JOBS = {"initializing_seconds": 30, "labeling_seconds": 120, "verification_seconds": 60}
FAILING = workforce(fail_verification_job="Workteam was deleted", **SHORT_JOBS)
IMAGES = 5


@pytest.fixture()
def pipeline():
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE, workforce=FAILING, offline_store_delay_seconds=0) as sandbox:
        yield SandboxPipeline(sandbox)


def _labeled(inputs: dict[str, list[dict]]) -> list[str]:
    """Every source-ref sent to a labeling job (not a verification job), with repeats."""
    return [line["source-ref"] for name, lines in inputs.items() if name.endswith("-lbl") for line in lines]


def _failed_first_run(pipeline: SandboxPipeline) -> str:
    first = pipeline.run()
    assert first.outcome.status == "FAILED" and first.outcome.error == "VerificationJobFailed", first.outcome.cause
    pipeline.sandbox.workforce = workforce(**SHORT_JOBS)  # the workteam is back
    return first.run_id or ""


def test_the_next_run_verifies_the_failed_runs_labels_and_labels_none_again(pipeline):
    uris = set(pipeline.upload_samples(IMAGES, seed=7))
    first = _failed_first_run(pipeline)
    first_labeling, first_verification = naming.job_names(first)

    second = pipeline.run()
    assert second.outcome.status == "SUCCEEDED", (second.outcome.error, second.outcome.cause)
    inputs = pipeline.job_inputs()
    second_labeling, second_verification = naming.job_names(second.run_id or "")
    assert sorted(_labeled(inputs)) == sorted(uris)  # labeling paid once across both runs
    assert second_labeling not in inputs  # no labeling job: every image carried its earlier label
    output = second.outcome.output
    assert output["carried"] == IMAGES and output["selected"] == IMAGES and output["approved"] == IMAGES
    attribute = pipeline.cfg.labeling.label_attribute
    verified = inputs[second_verification]
    assert {line["source-ref"] for line in verified} == uris
    assert all(attribute in line and line[CARRIED_FROM_KEY] == first_labeling for line in verified)

    records = current_records(pipeline.sandbox.offline_store_rows(pipeline.feature_group))
    assert set(records) == uris
    assert {row["status"] for row in records.values()} == {"APPROVED"}
    assert {row["labeling_job"] for row in records.values()} == {first_labeling}
    assert {row["verification_job"] for row in records.values()} == {second_verification}
    assert first_verification in inputs  # the failed verification job was paid: 3 x IMAGES objects in all

    description = pipeline.sfn.describe_execution(executionArn=second.outcome.arn)
    shown = show_lines(pipeline.sfn, ExecutionRow.from_description(description))
    assert any("earlier labels verified again" in line and line.rstrip().endswith(str(IMAGES)) for line in shown)
    assert any(line.strip().startswith("sent to labeling") and line.endswith(" 0") for line in shown)

    third = pipeline.run()  # nothing left: the carried labels are stored, nothing is carried or labeled again
    assert third.outcome.status == "SUCCEEDED" and third.outcome.output["selected"] == 0
    assert len(pipeline.job_inputs()) == len(inputs)


def test_an_image_replaced_since_is_labeled_again_and_the_others_are_carried(pipeline):
    uris = sorted(pipeline.upload_samples(IMAGES, seed=8))
    first = _failed_first_run(pipeline)
    replaced = uris[0]
    key = replaced[len(f"s3://{pipeline.bucket}/"):]
    pipeline.put(key, pipeline.read(uris[1]))  # other bytes: a new ETag

    second = pipeline.run()
    assert second.outcome.status == "SUCCEEDED", (second.outcome.error, second.outcome.cause)
    inputs = pipeline.job_inputs()
    second_labeling, second_verification = naming.job_names(second.run_id or "")
    assert [line["source-ref"] for line in inputs[second_labeling]] == [replaced]
    assert second.outcome.output["carried"] == IMAGES - 1 and second.outcome.output["selected"] == IMAGES
    assert {line["source-ref"] for line in inputs[second_verification]} == set(uris)
    work = pipeline.cfg.storage.work_prefix
    assert pipeline.keys(layout.handed_on_key(work, first, second.run_id or ""))  # run 1's labels were handed on

    records = current_records(pipeline.sandbox.offline_store_rows(pipeline.feature_group))
    assert set(records) == set(uris) and {row["status"] for row in records.values()} == {"APPROVED"}
    assert records[replaced]["labeling_job"] == second_labeling
    assert {records[uri]["labeling_job"] for uri in uris[1:]} == {naming.job_names(first)[0]}
