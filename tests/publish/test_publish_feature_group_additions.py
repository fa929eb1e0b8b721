"""A feature group created by an earlier release gets the features it lacks (UpdateFeatureGroup), and keeps its records."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from publish import feature_group
from steps import contract

OLD_FEATURES = [name for name, _ in contract.FEATURE_DEFINITIONS if name not in {n for n, _ in contract.ADDED_FEATURES}]


ROLE = "arn:aws:iam::{account}:role/scratch-labeling-feature-store"


def _role(sandbox) -> str:
    iam = boto3.client("iam")
    trust = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": '
             '"sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}')
    iam.create_role(RoleName="scratch-labeling-feature-store", AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName="scratch-labeling-feature-store", PolicyName="offline-store", PolicyDocument=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetBucketAcl"], '
        '"Resource": "*"}]}'))
    return ROLE.format(account=sandbox.account_id)


def _old_release_group(cfg, sandbox) -> dict:
    """The group as the release before image_etag / failure_reason created it, holding one record."""
    boto3.client("s3").create_bucket(Bucket=cfg.storage.bucket,
                                     CreateBucketConfiguration={"LocationConstraint": cfg.pipeline.region})
    sm = boto3.client("sagemaker")
    request = feature_group.feature_group_request(cfg, _role(sandbox))
    old = {**request, "FeatureDefinitions": [d for d in request["FeatureDefinitions"] if d["FeatureName"] in OLD_FEATURES]}
    sm.create_feature_group(**old)
    boto3.client("sagemaker-featurestore-runtime").put_record(
        FeatureGroupName=old["FeatureGroupName"],
        Record=[{"FeatureName": "image_uri", "ValueAsString": "s3://b/raw/a.png"},
                {"FeatureName": "event_time", "ValueAsString": "2026-11-29T10:00:00.000Z"},
                {"FeatureName": "status", "ValueAsString": "APPROVED"}])
    return request


def test_missing_features_are_added_and_old_records_read_null(cfg, sandbox):
    request = _old_release_group(cfg, sandbox)
    sm = boto3.client("sagemaker")
    added = feature_group.add_missing_features(sm, request, poll_seconds=0.01)
    assert added is not None and added.action == "updated"
    assert "image_etag" in added.detail and "failure_reason" in added.detail
    assert feature_group.ensure_feature_group(sm, request).action == "unchanged"  # nothing is a conflict any more
    described = boto3.client("sagemaker").describe_feature_group(FeatureGroupName=cfg.feature_store.feature_group_name)
    assert {"image_etag", "failure_reason"} <= {d["FeatureName"] for d in described["FeatureDefinitions"]}
    assert described["LastUpdateStatus"] == {"Status": "Successful"}
    columns = [c["Name"] for c in boto3.client("glue").get_table(
        DatabaseName="sagemaker_featurestore", Name="scratch_labels")["Table"]["StorageDescriptor"]["Columns"]]
    assert {"image_etag", "failure_reason"} <= set(columns) and columns[-3:] == ["write_time", "api_invocation_time",
                                                                                "is_deleted"]
    boto3.client("sagemaker-featurestore-runtime").put_record(
        FeatureGroupName=cfg.feature_store.feature_group_name,
        Record=[{"FeatureName": "image_uri", "ValueAsString": "s3://b/raw/b.png"},
                {"FeatureName": "event_time", "ValueAsString": "2026-11-29T10:00:00.000Z"},
                {"FeatureName": "status", "ValueAsString": "UNLABELABLE"},
                {"FeatureName": "image_etag", "ValueAsString": "abc"}])
    rows = {r["image_uri"]: r for r in sandbox.offline_store_rows(cfg.feature_store.feature_group_name)}
    assert rows["s3://b/raw/a.png"]["image_etag"] is None and rows["s3://b/raw/b.png"]["image_etag"] == "abc"
    assert feature_group.add_missing_features(sm, request) is None  # a second deploy adds nothing


def test_no_group_yet_or_a_foreign_group_gets_nothing_added(cfg, sandbox):
    request = feature_group.feature_group_request(cfg, "arn:aws:iam::000000000000:role/x")
    sm = boto3.client("sagemaker")
    assert feature_group.add_missing_features(sm, request) is None  # CreateFeatureGroup makes it complete
    _old_release_group(cfg, sandbox)
    foreign = {**request, "RecordIdentifierFeatureName": "event_time"}  # not a group of ours
    assert feature_group.add_missing_features(sm, foreign) is None


def test_update_feature_group_refuses_reserved_and_existing_names(cfg, sandbox):
    _old_release_group(cfg, sandbox)
    sm = boto3.client("sagemaker")
    for name in ("write_time", "status"):
        with pytest.raises(ClientError) as raised:
            sm.update_feature_group(FeatureGroupName=cfg.feature_store.feature_group_name,
                                    FeatureAdditions=[{"FeatureName": name, "FeatureType": "String"}])
        assert raised.value.response["Error"]["Code"] == "ValidationException"
