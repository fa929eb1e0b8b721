"""Fixtures for the Lambda step tests: moto S3 and SageMaker, fake Athena and Feature Store."""
from __future__ import annotations

from typing import Any, Iterator

import boto3
import pytest
from moto import mock_aws

from steps_fakes import FakeAthena, FakeFeatureStore

BUCKET = "factory-images"
FEATURE_GROUP = "scratch-labels"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def s3(aws: None) -> Any:
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return client


@pytest.fixture
def sagemaker(aws: None) -> Any:
    return boto3.client("sagemaker")


@pytest.fixture
def feature_group_table(sagemaker: Any) -> str:
    """Create the feature group in moto; return its offline-store Glue table name."""
    from steps.contract import FEATURE_DEFINITIONS

    sagemaker.create_feature_group(
        FeatureGroupName=FEATURE_GROUP,
        RecordIdentifierFeatureName="image_uri",
        EventTimeFeatureName="event_time",
        FeatureDefinitions=[{"FeatureName": n, "FeatureType": t} for n, t in FEATURE_DEFINITIONS],
        OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/feature-store/"}},
        RoleArn="arn:aws:iam::123456789012:role/feature-store",
    )
    described = sagemaker.describe_feature_group(FeatureGroupName=FEATURE_GROUP)
    return described["OfflineStoreConfig"]["DataCatalogConfig"]["TableName"]


@pytest.fixture
def athena(s3: Any, feature_group_table: str) -> FakeAthena:
    return FakeAthena(s3, feature_group_table)


@pytest.fixture
def featurestore() -> FakeFeatureStore:
    return FakeFeatureStore(FEATURE_GROUP)
