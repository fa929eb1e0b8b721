"""Two overlapping executions on the sandbox never send the same image to labeling twice."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import boto3
from helpers_wait import wait_until

from operate.follow import follow
from publish.aws import AwsClients
from publish.deployer import Deployer
from sandbox import Sandbox
from sandbox.sample_images import generate_sample_images
from sandbox.workforce import WorkforceProfile
from workflow.config import load_config
from workflow.resources import in_account

ROOT = Path(__file__).resolve().parents[2]
TIME_SCALE = 0.0002  # one simulated hour lasts 0.72 s
WEEK = 7 * 24 * 3600
# Execution A's workers take a simulated week (2 real minutes): A is still labeling while B runs, however slow
# the machine; once B has ended the test moves the sandbox clock past A's week.
SLOW_LABELING = WorkforceProfile(seed=5, approval_rate=1.0, initializing_seconds=60, labeling_seconds=WEEK,
                                 verification_seconds=300)
QUICK = WorkforceProfile(seed=6, approval_rate=1.0, initializing_seconds=60, labeling_seconds=600,
                         verification_seconds=300)
FIRST, NEW = 6, 4


def _wait_for_labeling_job_in_progress(sagemaker) -> str:
    def in_progress() -> str | None:
        jobs = sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]
        return jobs[0]["LabelingJobName"] if jobs and jobs[0]["LabelingJobStatus"] == "InProgress" else None

    return wait_until(in_progress, "a labeling job InProgress")


def _input_manifests(s3, bucket: str, work_prefix: str) -> dict[str, set[str]]:
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=f"{work_prefix}runs/")
    manifests = {}
    for obj in listing.get("Contents", ()):
        if obj["Key"].endswith("/input.manifest"):
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read().decode()
            manifests[obj["Key"]] = {json.loads(line)["source-ref"] for line in body.splitlines()}
    return manifests


def test_a_second_execution_labels_only_the_new_images_while_the_first_is_labeling():
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE, workforce=SLOW_LABELING) as sandbox:
        cfg, _ = in_account(load_config(ROOT / "config.yaml"), sandbox.account_id)
        clients = AwsClients(session=boto3.Session(), region=cfg.pipeline.region)
        deployed = Deployer(cfg, clients).run()
        s3, sfn, sagemaker = clients.client("s3"), clients.client("stepfunctions"), clients.client("sagemaker")
        bucket, raw = cfg.storage.bucket, cfg.storage.raw_prefix
        first_keys = generate_sample_images(s3, bucket, raw, FIRST, seed=1)

        a = sfn.start_execution(stateMachineArn=deployed.state_machine_arn, name="run-a", input="{}")["executionArn"]
        a_job = _wait_for_labeling_job_in_progress(sagemaker)
        new_keys = generate_sample_images(s3, bucket, f"{raw}later/", NEW, seed=2)
        sandbox.workforce = QUICK
        b = sfn.start_execution(stateMachineArn=deployed.state_machine_arn, name="run-b", input="{}")["executionArn"]
        b_outcome = follow(sfn, b, emit=lambda line: None, poll_seconds=0.05, timeout_seconds=60)
        assert sagemaker.describe_labeling_job(LabelingJobName=a_job)["LabelingJobStatus"] == "InProgress"
        sandbox.clock.advance(WEEK)  # A's workers finish
        a_outcome = follow(sfn, a, emit=lambda line: None, poll_seconds=0.05, timeout_seconds=60)

        assert a_outcome.status == b_outcome.status == "SUCCEEDED", (a_outcome.cause, b_outcome.cause)
        assert (a_outcome.output["selected"], a_outcome.output["images_found"]) == (FIRST, FIRST)
        # B saw none of A's images labeled (A was still labeling them) and left all of them to A.
        assert (b_outcome.output["images_found"], b_outcome.output["already_labeled"], b_outcome.output["missing"],
                b_outcome.output["selected"], b_outcome.output["backlog"]) == (FIRST + NEW, 0, NEW, NEW, 0)
        uris = lambda keys: {f"s3://{bucket}/{key}" for key in keys}  # noqa: E731
        manifests = _input_manifests(s3, bucket, cfg.storage.work_prefix)
        assert sorted(map(len, manifests.values())) == sorted([FIRST, NEW])
        assert set.union(*manifests.values()) == uris(first_keys) | uris(new_keys)
        sent = Counter(uri for refs in manifests.values() for uri in refs)
        assert max(sent.values()) == 1, "an image was in two labeling manifests"

        rows = Counter(row["image_uri"] for row in sandbox.offline_store_rows(cfg.feature_store.feature_group_name))
        assert set(rows) == uris(first_keys) | uris(new_keys)
        assert set(rows.values()) == {1}, "an image got more than one record"

        c = sfn.start_execution(stateMachineArn=deployed.state_machine_arn, name="run-c", input="{}")["executionArn"]
        c_outcome = follow(sfn, c, emit=lambda line: None, poll_seconds=0.05, timeout_seconds=60)
        assert c_outcome.status == "SUCCEEDED"
        assert (c_outcome.output["already_labeled"], c_outcome.output["selected"]) == (FIRST + NEW, 0)
        # Both runs' approvals are visible, so the third run released their claims.
        assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix=f"{cfg.storage.work_prefix}active/")
