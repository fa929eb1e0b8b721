"""Ground Truth reads and writes S3 (and KMS) as the labeling job's RoleArn, with the pipeline's own
ground_truth_policy: each permission removed is denied as AWS denies it (sandbox.iam.ground_truth)."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from gt_helpers import BUCKET, CHOICES, DOCUMENTED_CORS_RULE, LABELING_TEMPLATE, GroundTruthEnv

from publish.iam_policies import PolicyContext, ground_truth_policy
from sandbox import Sandbox
from sandbox.sample_images import generate_sample_images
from workflow.config import load_config, replace

SAGEMAKER_TRUST = {"Version": "2012-10-17", "Statement": [  # publish.iam_policies.sagemaker_trust()
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
ROOT = Path(__file__).resolve().parents[2]
ROLE = "gt-iam-paths"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OUTPUTS = f"s3://{BUCKET}/work/runs/iam/"  # inside the policy's WriteJobOutputs prefix
CORS_RULE = DOCUMENTED_CORS_RULE


def _policy(kms_key: str | None = None) -> dict:
    """The deployer's Ground Truth policy for a config whose bucket and prefixes are the fixtures'."""
    cfg = load_config(ROOT / "config.yaml")
    cfg = replace(cfg, storage=replace(cfg.storage, bucket=BUCKET, raw_prefix="raw/", work_prefix="work/",
                                       kms_key_arn=kms_key))
    ctx = PolicyContext(cfg=cfg, account_id="123456789012", check_function_name="c", update_function_name="u",
                        state_machine_name="s", ground_truth_role_arn=f"arn:aws:iam::123456789012:role/{ROLE}")
    return ground_truth_policy(ctx)


def _set_policy(document: dict) -> None:
    boto3.client("iam").put_role_policy(RoleName=ROLE, PolicyName="labeling-pipeline", PolicyDocument=json.dumps(document))


def _without(document: dict, action: str, resource_part: str = "") -> dict:
    """The policy with ``action`` removed (only from resources containing ``resource_part``)."""
    changed = copy.deepcopy(document)
    kept = []
    for statement in changed["Statement"]:
        if action in statement["Action"] and all(resource_part in r for r in statement["Resource"]):
            statement["Action"] = [a for a in statement["Action"] if a != action]
        elif action in statement["Action"] and resource_part:
            others = [r for r in statement["Resource"] if resource_part not in r]
            kept.append({**statement, "Sid": statement["Sid"] + "Rest", "Action": [action], "Resource": others})
            statement["Action"] = [a for a in statement["Action"] if a != action]
            statement["Resource"] = [r for r in statement["Resource"] if resource_part in r]
        if statement["Action"]:
            kept.append(statement)
    changed["Statement"] = kept
    return changed


@pytest.fixture(scope="module")
def env():
    with Sandbox(time_scale=0.001) as sb:
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": sb.region})
        s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": [CORS_RULE]})
        role = boto3.client("iam").create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(SAGEMAKER_TRUST))
        env = GroundTruthEnv(sb, boto3.client("sagemaker"), s3, role["Role"]["Arn"],
                             generate_sample_images(s3, BUCKET, "raw/", 3))
        env.put("work/labeling.liquid.html", LABELING_TEMPLATE)
        env.put("work/labeling-categories.json", json.dumps({"document-version": "2018-11-28", "labels": [{"label": "scratch"}]}))
        env.put("work/verification-categories.json", json.dumps(
            {"document-version": "2018-11-28", "labels": [{"label": label} for label in (*CHOICES, "scratch")]}))
        yield env


@pytest.fixture()
def gt(env):
    _set_policy(_policy())
    boto3.client("iam").update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(SAGEMAKER_TRUST))
    yield env
    _set_policy(_policy())
    boto3.client("iam").update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(SAGEMAKER_TRUST))


def _request(env: GroundTruthEnv, name: str, **overrides) -> dict:
    return env.labeling_request(name=name, **{"OutputConfig": {"S3OutputPath": OUTPUTS}, **overrides})


def _failure_reasons(env: GroundTruthEnv, described: dict) -> list[str]:
    lines = env.read_lines(described["LabelingJobOutput"]["OutputDatasetS3Uri"])
    return [line["scratch-boxes-metadata"].get("failure-reason", "") for line in lines]


def test_the_documented_policy_lets_ground_truth_do_its_job(gt):
    gt.sm.create_labeling_job(**_request(gt, "iam-ok"))
    described = gt.finish("iam-ok")
    assert described["LabelingJobStatus"] == "Completed", described.get("FailureReason")


def test_an_unreadable_input_manifest_is_a_validation_exception(gt):
    """Reads of the request's own files happen while it is validated (sandbox.iam.ground_truth)."""
    _set_policy(_without(_policy(), "s3:GetObject", "/work/"))
    with pytest.raises(ClientError) as raised:
        gt.sm.create_labeling_job(**_request(gt, "iam-manifest"))
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    message = raised.value.response["Error"]["Message"]
    assert "Access Denied" in message and "s3:GetObject" in message


def test_an_unreadable_image_fails_that_object_with_a_failure_reason(gt):
    _set_policy(_without(_policy(), "s3:GetObject", "/raw/"))
    gt.sm.create_labeling_job(**_request(gt, "iam-images"))
    described = gt.finish("iam-images")
    reasons = _failure_reasons(gt, described)
    assert reasons and all("Access Denied" in reason and "s3:GetObject" in reason for reason in reasons)
    assert described["LabelCounters"]["FailedNonRetryableError"] == len(reasons)


def test_a_missing_image_is_access_denied_without_list_bucket_and_missing_with_it(gt):
    manifest = gt.put_manifest("work/missing.manifest", [{"source-ref": f"s3://{BUCKET}/raw/no-such-image.png"}])
    gt.sm.create_labeling_job(**_request(gt, "iam-missing-listed", manifest=manifest))
    (listed,) = _failure_reasons(gt, gt.finish("iam-missing-listed"))
    assert "does not exist" in listed and "Access Denied" not in listed
    _set_policy(_without(_policy(), "s3:ListBucket"))
    gt.sm.create_labeling_job(**_request(gt, "iam-missing-unlisted", manifest=manifest))
    (unlisted,) = _failure_reasons(gt, gt.finish("iam-missing-unlisted"))
    assert "Access Denied" in unlisted and "s3:ListBucket" in unlisted


def test_an_output_the_role_may_not_write_fails_the_job(gt):
    _set_policy(_without(_policy(), "s3:PutObject"))
    gt.sm.create_labeling_job(**_request(gt, "iam-output"))
    described = gt.finish("iam-output")
    assert described["LabelingJobStatus"] == "Failed"
    assert "s3:PutObject" in described["FailureReason"] and "LabelingJobOutput" not in described


def test_kms_generate_data_key_is_needed_to_write_an_encrypted_output(gt):
    request = _request(gt, "iam-kms-out", OutputConfig={"S3OutputPath": OUTPUTS, "KmsKeyId": KEY})
    _set_policy(_policy(kms_key=KEY))
    gt.sm.create_labeling_job(**request)
    assert gt.finish("iam-kms-out")["LabelingJobStatus"] == "Completed"
    _set_policy(_without(_policy(kms_key=KEY), "kms:GenerateDataKey"))
    gt.sm.create_labeling_job(**{**request, "LabelingJobName": "iam-kms-out-denied"})
    described = gt.finish("iam-kms-out-denied")
    assert described["LabelingJobStatus"] == "Failed" and "kms:GenerateDataKey" in described["FailureReason"]


def test_kms_decrypt_is_needed_to_read_an_encrypted_image(gt):
    gt.s3.put_object(Bucket=BUCKET, Key="raw/encrypted.png", Body=gt.s3.get_object(
        Bucket=BUCKET, Key=gt.image_keys[0])["Body"].read(), ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
    manifest = gt.put_manifest("work/encrypted.manifest", [{"source-ref": f"s3://{BUCKET}/raw/encrypted.png"}])
    _set_policy(_policy(kms_key=KEY))
    gt.sm.create_labeling_job(**_request(gt, "iam-kms-in", manifest=manifest))
    assert _failure_reasons(gt, gt.finish("iam-kms-in")) == [""]
    _set_policy(_without(_policy(kms_key=KEY), "kms:Decrypt"))
    gt.sm.create_labeling_job(**_request(gt, "iam-kms-in-denied", manifest=manifest))
    (reason,) = _failure_reasons(gt, gt.finish("iam-kms-in-denied"))
    assert "kms:Decrypt" in reason


def test_a_role_sagemaker_may_not_assume_is_refused_at_create(gt):
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    boto3.client("iam").update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(trust))
    with pytest.raises(ClientError) as raised:
        gt.sm.create_labeling_job(**_request(gt, "iam-trust"))
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "sagemaker.amazonaws.com" in raised.value.response["Error"]["Message"]
