"""Feature Store writes the offline store as the feature group's RoleArn: a role that may not write
there (or may not be assumed) blocks the offline store instead of adding rows (sandbox.iam.feature_store)."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from sandbox import Sandbox

SAGEMAKER_TRUST = {"Version": "2012-10-17", "Statement": [  # publish.iam_policies.sagemaker_trust()
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
BUCKET, PREFIX, GROUP, ROLE = "fs-iam-bucket", "feature-store", "iam-group", "fs-iam-role"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _offline_policy(*actions: str, kms: bool = False) -> dict:
    statements = [{"Effect": "Allow", "Action": list(actions), "Resource": [f"arn:aws:s3:::{BUCKET}/{PREFIX}/*"]},
                  {"Effect": "Allow", "Action": ["s3:GetBucketAcl"], "Resource": [f"arn:aws:s3:::{BUCKET}"]}]
    if kms:
        statements.append({"Effect": "Allow", "Action": ["kms:Encrypt", "kms:GenerateDataKey"], "Resource": [KEY]})
    return {"Version": "2012-10-17", "Statement": statements}


@pytest.fixture()
def sb():
    with Sandbox(region="eu-west-1") as running:
        boto3.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        running.role_arn = boto3.client("iam").create_role(
            RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(SAGEMAKER_TRUST))["Role"]["Arn"]
        yield running


def _create_group(sb, policy: dict, kms_key: str | None = None) -> None:
    boto3.client("iam").put_role_policy(RoleName=ROLE, PolicyName="offline", PolicyDocument=json.dumps(policy))
    storage = {"S3Uri": f"s3://{BUCKET}/{PREFIX}"}
    if kms_key:
        storage["KmsKeyId"] = kms_key
    boto3.client("sagemaker").create_feature_group(
        FeatureGroupName=GROUP, RecordIdentifierFeatureName="id", EventTimeFeatureName="t",
        FeatureDefinitions=[{"FeatureName": "id", "FeatureType": "String"}, {"FeatureName": "t", "FeatureType": "String"}],
        OfflineStoreConfig={"S3StorageConfig": storage}, RoleArn=sb.role_arn)


def _put(record_id: str) -> None:
    boto3.client("sagemaker-featurestore-runtime").put_record(
        FeatureGroupName=GROUP, Record=[{"FeatureName": "id", "ValueAsString": record_id},
                                        {"FeatureName": "t", "ValueAsString": "2026-11-29T10:00:00Z"}])


def _status() -> dict:
    return boto3.client("sagemaker").describe_feature_group(FeatureGroupName=GROUP)["OfflineStoreStatus"]


def test_a_role_that_may_write_the_offline_prefix_gets_the_rows(sb):
    _create_group(sb, _offline_policy("s3:PutObject", "s3:PutObjectAcl"))
    _put("a")
    assert [row["id"] for row in sb.offline_store_rows(GROUP)] == ["a"]
    assert _status() == {"Status": "Active"}


def test_without_put_object_the_rows_never_appear_and_the_offline_store_is_blocked(sb):
    _create_group(sb, _offline_policy("s3:PutObjectAcl"))
    _put("a")  # PutRecord itself succeeds: the offline store is filled asynchronously
    assert sb.offline_store_rows(GROUP) == []
    status = _status()
    assert status["Status"] == "Blocked" and "s3:PutObject" in status["BlockedReason"]
    assert f"arn:aws:s3:::{BUCKET}/{PREFIX}/123456789012/sagemaker/eu-west-1/offline-store/{GROUP}-" in status["BlockedReason"]


def test_with_a_kms_key_the_role_needs_generate_data_key(sb):
    _create_group(sb, _offline_policy("s3:PutObject", "s3:PutObjectAcl"), kms_key=KEY)
    _put("a")
    status = _status()
    assert sb.offline_store_rows(GROUP) == [] and "kms:GenerateDataKey" in status["BlockedReason"]


def test_a_role_sagemaker_may_not_assume_is_refused_at_create(sb):
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    boto3.client("iam").update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(trust))
    with pytest.raises(ClientError) as raised:
        _create_group(sb, _offline_policy("s3:PutObject"))
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "sagemaker.amazonaws.com" in raised.value.response["Error"]["Message"]
