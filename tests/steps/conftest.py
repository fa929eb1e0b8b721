"""Fixtures for the Lambda step tests: an in-process Sandbox (moto S3 and SageMaker, the sandbox's
Athena over its offline store) and a fake Feature Store runtime."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from steps_fakes import BUCKET, FEATURE_GROUP, FakeFeatureStore

from sandbox import Sandbox
from sandbox.featurestore.catalog import schema_from_moto

_ATHENA_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how the offline store prints write_time / api_invocation_time
_SAGEMAKER_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(region="eu-west-1") as running:
        yield running


@pytest.fixture
def aws(sandbox: Sandbox) -> None:
    """AWS for the steps: the in-process sandbox."""


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
    """Create the feature group in the sandbox; return its offline-store Glue table name."""
    from steps.contract import FEATURE_DEFINITIONS

    role = boto3.client("iam").create_role(
        RoleName="feature-store", AssumeRolePolicyDocument=json.dumps(_SAGEMAKER_TRUST))["Role"]["Arn"]
    sagemaker.create_feature_group(
        FeatureGroupName=FEATURE_GROUP,
        RecordIdentifierFeatureName="image_uri",
        EventTimeFeatureName="event_time",
        FeatureDefinitions=[{"FeatureName": n, "FeatureType": t} for n, t in FEATURE_DEFINITIONS],
        OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/feature-store/"}},
        RoleArn=role,
    )
    described = sagemaker.describe_feature_group(FeatureGroupName=FEATURE_GROUP)
    return described["OfflineStoreConfig"]["DataCatalogConfig"]["TableName"]


class OfflineRows:
    """Rows put straight into the sandbox's offline store, with the store's own columns chosen."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def add_row(self, image_uri: str, status: str, event_time: str, *, write_time: str = "2026-01-01 00:00:00.000",
                api_invocation_time: str = "2026-01-01 00:00:00.000", is_deleted: bool = False) -> None:
        schema = schema_from_moto(self._sandbox.account_id, self._sandbox.region, FEATURE_GROUP)
        assert schema is not None, "create the feature group first (feature_group_table)"
        self._sandbox.offline_store.append(
            schema, {"image_uri": image_uri, "status": status, "event_time": event_time},
            write_time=datetime.strptime(write_time, _ATHENA_TIME),
            api_invocation_time=datetime.strptime(api_invocation_time, _ATHENA_TIME), is_deleted=is_deleted)

    def queries(self, workgroup: str = "primary") -> list[str]:
        """The SQL the sandbox's Athena was asked to run in ``workgroup``, oldest first."""
        engine = self._sandbox.athena
        return [engine.get_query_execution(query_id)["Query"]
                for query_id in reversed(engine.list_query_executions(workgroup))]


@pytest.fixture
def offline(sandbox: Sandbox, feature_group_table: str) -> OfflineRows:
    return OfflineRows(sandbox)


def _check_result_configuration(params: dict[str, Any], **_: Any) -> None:
    """What the steps must send to Athena: an s3:// prefix ending in "/" and encrypted results."""
    configuration = params["ResultConfiguration"]
    output = configuration["OutputLocation"]
    assert output.startswith("s3://") and output.endswith("/"), output
    assert configuration["EncryptionConfiguration"]["EncryptionOption"] in {"SSE_S3", "SSE_KMS", "CSE_KMS"}


@pytest.fixture
def athena(s3: Any, offline: OfflineRows) -> Any:
    """The sandbox's Athena (an athena client), checking each StartQueryExecution the steps send."""
    client = boto3.client("athena")
    client.meta.events.register("provide-client-params.athena.StartQueryExecution", _check_result_configuration)
    return client


@pytest.fixture
def featurestore() -> FakeFeatureStore:
    return FakeFeatureStore(FEATURE_GROUP)
