"""Labels whose verification tasks expired are verified again by the next run, never labeled again (issue 11).

No verifier takes some (or all) of run 1's verification tasks before they expire (``verification_unlabeled_rate``).
Some: run 1 succeeds, its update counts those images ``unlabeled`` and keeps their labels in
``runs/<run>/unverified-labels.manifest`` (steps.unverified_labels). All: the verification job completes with
nothing verified, run 1 fails, and run 2's first state (steps.unwritten_output) keeps them the same way. Run 2, with a workforce that verifies,
carries those labels straight to its verification job (steps.carried_labels) and sends none of those images
to labeling: across both runs every image is sent to labeling exactly once.
"""
from __future__ import annotations

import pytest
from test_e2e_reverify import SHORT_JOBS, _labeled

from operate.executions import ExecutionRow, show_lines
from reliability.pipeline import SandboxPipeline, workforce
from reliability.reconcile import current_records
from sandbox import Sandbox
from steps import layout, naming
from steps.records import CARRIED_FROM_KEY

TIME_SCALE = 0.004
IMAGES = 6


@pytest.fixture()
def pipeline():
    expiring = workforce(verification_unlabeled_rate=1.0, **SHORT_JOBS)
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE, workforce=expiring, offline_store_delay_seconds=0) as sandbox:
        yield SandboxPipeline(sandbox)


def _expired_first_run(pipeline: SandboxPipeline, rate: float) -> tuple[str, int]:
    """Run 1 with ``rate`` of its verification tasks expiring; (its run id, how many expired).

    Some expired: it succeeds and its update keeps their labels. All expired: the verification job completes
    with nothing verified and the run fails (VerificationNothingLabeled) before its update; the next run's
    first state writes that output (steps.unwritten_output) and keeps the labels the same way."""
    pipeline.sandbox.workforce = workforce(verification_unlabeled_rate=rate, **SHORT_JOBS)
    first = pipeline.run()
    run = first.run_id or ""
    if rate < 1.0:
        assert first.outcome.status == "SUCCEEDED", (first.outcome.error, first.outcome.cause)
        output = first.outcome.output
        assert output["unlabeled"] > 0 and output["approved"] + output["unlabeled"] == IMAGES, output
        expired = output["unlabeled"]
    else:
        assert (first.outcome.status, first.outcome.error) == ("FAILED", "VerificationNothingLabeled"), \
            first.outcome.cause
        assert f"({IMAGES} expired, 0 failed)" in (first.outcome.cause or "")
        expired = IMAGES
    pipeline.sandbox.workforce = workforce(**SHORT_JOBS)  # verifiers take the tasks again
    return run, expired


def test_labels_whose_verification_expired_are_verified_by_the_next_run_and_labeled_once(pipeline):
    uris = set(pipeline.upload_samples(IMAGES, seed=11))
    first, expired = _expired_first_run(pipeline, 1.0)
    assert expired == IMAGES
    first_labeling, _ = naming.job_names(first)

    second = pipeline.run()
    assert second.outcome.status == "SUCCEEDED", (second.outcome.error, second.outcome.cause)
    inputs = pipeline.job_inputs()
    second_labeling, second_verification = naming.job_names(second.run_id or "")
    assert sorted(_labeled(inputs)) == sorted(uris)  # labeling paid once across both runs
    assert second_labeling not in inputs  # no labeling job: every image carried its earlier label
    output = second.outcome.output
    assert (output["carried"], output["selected"], output["approved"], output["unlabeled"]) == (IMAGES, IMAGES, IMAGES, 0)
    verified = inputs[second_verification]
    assert {line["source-ref"] for line in verified} == uris
    assert all(line[CARRIED_FROM_KEY] == first_labeling for line in verified)
    records = current_records(pipeline.sandbox.offline_store_rows(pipeline.feature_group))
    assert set(records) == uris
    assert {row["status"] for row in records.values()} <= {"APPROVED", "REJECTED"}
    assert {row["labeling_job"] for row in records.values()} == {first_labeling}
    assert {row["verification_job"] for row in records.values()} == {second_verification}

    description = pipeline.sfn.describe_execution(executionArn=second.outcome.arn)
    shown = show_lines(pipeline.sfn, ExecutionRow.from_description(description))
    assert any("earlier labels verified again" in line and line.rstrip().endswith(str(IMAGES)) for line in shown)

    work = pipeline.cfg.storage.work_prefix
    assert pipeline.keys(layout.handed_on_key(work, first, second.run_id or ""))  # run 1's labels were handed on
    assert pipeline.keys(layout.unverified_labels_key(work, first))  # kept by run 2's first state
    assert not pipeline.keys(layout.unverified_labels_key(work, second.run_id or ""))  # all verified: none kept

    third = pipeline.run()  # nothing left: nothing is carried or labeled again
    assert third.outcome.status == "SUCCEEDED" and third.outcome.output["selected"] == 0
    assert len(pipeline.job_inputs()) == len(inputs)


def test_only_the_expired_labels_are_carried_when_some_verification_tasks_expire(pipeline):
    uris = set(pipeline.upload_samples(IMAGES, seed=12))
    first, expired = _expired_first_run(pipeline, 0.5)
    assert 0 < expired < IMAGES
    first_labeling, _ = naming.job_names(first)

    second = pipeline.run()
    assert second.outcome.status == "SUCCEEDED", (second.outcome.error, second.outcome.cause)
    inputs = pipeline.job_inputs()
    second_labeling, second_verification = naming.job_names(second.run_id or "")
    assert sorted(_labeled(inputs)) == sorted(uris) and second_labeling not in inputs
    assert (second.outcome.output["carried"], second.outcome.output["selected"]) == (expired, expired)
    assert len(inputs[second_verification]) == expired
    assert pipeline.keys(layout.unverified_labels_key(pipeline.cfg.storage.work_prefix, first))  # run 1's update kept them

    records = current_records(pipeline.sandbox.offline_store_rows(pipeline.feature_group))
    assert set(records) == uris and {row["status"] for row in records.values()} == {"APPROVED"}
    assert {row["labeling_job"] for row in records.values()} == {first_labeling}
    assert sum(1 for row in records.values() if row["verification_job"] == second_verification) == expired
