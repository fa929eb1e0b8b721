"""The Ground Truth stand-in inside the real Sandbox: installed at start, default workforce, faults."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from gt_helpers import (
    BUCKET,
    CHOICES,
    DOCUMENTED_CORS_RULE,
    GROUND_TRUTH_TRUST,
    LABELING_TEMPLATE,
    VERIFICATION_TEMPLATE,
    GroundTruthEnv,
)

from sandbox import Sandbox
from sandbox.sample_images import generate_sample_images


@pytest.fixture(scope="module")
def sandbox_env():
    with Sandbox(time_scale=0.001) as sb:
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": sb.region})
        iam = boto3.client("iam")
        role = iam.create_role(RoleName="gt", AssumeRolePolicyDocument=GROUND_TRUTH_TRUST)["Role"]["Arn"]
        iam.put_role_policy(RoleName="gt", PolicyName="bucket", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                   "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]}]}))
        env = GroundTruthEnv(sb, boto3.client("sagemaker"), s3, role, generate_sample_images(s3, BUCKET, "raw/", 4))
        s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": [DOCUMENTED_CORS_RULE]})
        env.put("work/labeling.liquid.html", LABELING_TEMPLATE)
        env.put("work/labeling-categories.json", json.dumps({"document-version": "2018-11-28", "labels": [{"label": "scratch"}]}))
        env.put("work/verification.liquid.html", VERIFICATION_TEMPLATE)
        env.put("work/verification-categories.json", json.dumps(
            {"document-version": "2018-11-28", "labels": [{"label": label} for label in (*CHOICES, "scratch")]}))
        yield env


def test_labeling_and_verification_with_the_default_workforce(sandbox_env):
    assert sandbox_env.sandbox.workforce is None  # the Sandbox's default: WorkforceProfile()
    sandbox_env.sm.create_labeling_job(**sandbox_env.labeling_request(name="in-sandbox-lbl"))
    labeled = sandbox_env.finish("in-sandbox-lbl")
    assert labeled["LabelingJobStatus"] == "Completed"
    manifest = labeled["LabelingJobOutput"]["OutputDatasetS3Uri"]
    sandbox_env.sm.create_labeling_job(**sandbox_env.verification_request(manifest, name="in-sandbox-vfy"))
    verified = sandbox_env.finish("in-sandbox-vfy")
    assert verified["LabelCounters"]["TotalLabeled"] == len(sandbox_env.image_keys)


def test_planned_fault_reaches_create_labeling_job(sandbox_env):
    sandbox_env.sandbox.faults.add("sagemaker", "CreateLabelingJob", error_code="ResourceLimitExceeded",
                                   message="You have reached the limit of active labeling jobs")
    with pytest.raises(ClientError) as caught:
        sandbox_env.sm.create_labeling_job(**sandbox_env.labeling_request(name="limited"))
    assert caught.value.response["Error"]["Code"] == "ResourceLimitExceeded"
    sandbox_env.sm.create_labeling_job(**sandbox_env.labeling_request(name="limited"))  # the fault was used up
