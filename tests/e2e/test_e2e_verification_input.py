"""Objects the labeling job could not label never reach the verification job, and the run says how many.

A verification job's input must contain the label attribute being verified
(sms-data-verify-adjust-prereq); the labeling job's failed lines carry only
``<attr>-metadata`` with ``failure-reason`` (sms-data-output). The sandbox's verification
job fails such objects, as AWS would.
"""
from __future__ import annotations

import boto3
import pytest

from operate.executions import summary_lines
from reliability.pipeline import QUICK_JOBS, TIME_SCALE, SandboxPipeline
from reliability.reconcile import current_records
from sandbox import Sandbox
from sandbox.workforce import WorkforceProfile
from steps import layout, naming

IMAGES = 30


@pytest.fixture()
def sandbox():
    # About a third of the labeling tasks expire: those objects come back unlabeled.
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE,
                 workforce=WorkforceProfile(seed=5, approval_rate=1.0, unlabeled_rate=0.35, **QUICK_JOBS)) as box:
        yield box


def test_unlabeled_objects_are_left_out_of_verification_and_counted(sandbox):
    pipeline = SandboxPipeline(sandbox)
    pipeline.upload_samples(IMAGES)
    run = pipeline.run()
    outcome = run.outcome
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    sagemaker = boto3.client("sagemaker")
    labeling_job, verification_job = naming.job_names(run.run_id)
    labeling = sagemaker.describe_labeling_job(LabelingJobName=labeling_job)
    failed = labeling["LabelCounters"]["Unlabeled"] + labeling["LabelCounters"]["FailedNonRetryableError"]
    assert 0 < failed < IMAGES

    verification = sagemaker.describe_labeling_job(LabelingJobName=verification_job)
    input_uri = verification["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"]
    assert input_uri == pipeline.uri(layout.verification_input_key(pipeline.cfg.storage.work_prefix, run.run_id))
    attribute = pipeline.cfg.labeling.label_attribute
    kept = pipeline.manifest_lines(input_uri)
    assert len(kept) == IMAGES - failed
    assert all(attribute in line and "failure-reason" not in line[f"{attribute}-metadata"] for line in kept)
    # Every object the verification job got could be verified: none failed for lack of a label.
    assert verification["LabelCounters"]["FailedNonRetryableError"] == 0
    assert verification["LabelCounters"]["TotalLabeled"] == IMAGES - failed

    output = outcome.output
    assert output["left_out"] == failed
    assert output["approved"] == IMAGES - failed and output["unlabeled"] == 0
    assert output["written"] == IMAGES - failed
    assert ["left", "out", "(labeling", "failed)", str(failed)] in [line.split() for line in summary_lines(output)]


def test_images_left_out_stay_missing_and_the_next_run_sends_them_again(sandbox):
    pipeline = SandboxPipeline(sandbox)
    uris = pipeline.upload_samples(IMAGES)
    first = pipeline.run().outcome
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    failed = first.output["left_out"]
    assert failed > 0
    sandbox.workforce = WorkforceProfile(seed=6, approval_rate=1.0, **QUICK_JOBS)
    second = pipeline.run()
    assert second.outcome.status == "SUCCEEDED", (second.outcome.error, second.outcome.cause)
    assert second.outcome.output["selected"] == failed and second.outcome.output["left_out"] == 0
    assert len(pipeline.input_manifest(second.run_id)) == failed
    assert set(current_records(sandbox.offline_store_rows(pipeline.feature_group))) == set(uris)
