"""Server mode: boto3 clients with endpoint_url talk to the sandbox over HTTP on 127.0.0.1."""
from __future__ import annotations

import os

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sandbox import Sandbox


@pytest.fixture(scope="module")
def served():
    sb = Sandbox(region="eu-west-1")
    endpoint = sb.serve(port=0)
    try:
        yield sb, endpoint
    finally:
        sb.stop()


def client(endpoint: str, service: str, **kwargs):
    return boto3.client(service, endpoint_url=endpoint, region_name="eu-west-1", **kwargs)


def test_endpoint_is_loopback_and_moto_port_agrees(served):
    sb, endpoint = served
    assert endpoint.startswith("http://127.0.0.1:")
    assert os.environ["MOTO_PORT"] == endpoint.rsplit(":", 1)[1]


def test_s3_feature_store_and_athena_over_http(served):
    sb, endpoint = served
    s3 = client(endpoint, "s3")
    s3.create_bucket(Bucket="served-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_object(Bucket="served-bucket", Key="raw/a.jpg", Body=b"jpeg")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="served-bucket")["Contents"]] == ["raw/a.jpg"]

    client(endpoint, "sagemaker").create_feature_group(
        FeatureGroupName="served-group", RecordIdentifierFeatureName="image_uri", EventTimeFeatureName="event_time",
        FeatureDefinitions=[{"FeatureName": "image_uri", "FeatureType": "String"},
                            {"FeatureName": "event_time", "FeatureType": "String"},
                            {"FeatureName": "status", "FeatureType": "String"}],
        OfflineStoreConfig={"S3StorageConfig": {"S3Uri": "s3://served-bucket/fs"}},
        RoleArn="arn:aws:iam::123456789012:role/fs")
    table = client(endpoint, "sagemaker").describe_feature_group(
        FeatureGroupName="served-group")["OfflineStoreConfig"]["DataCatalogConfig"]["TableName"]

    runtime = client(endpoint, "sagemaker-featurestore-runtime")
    runtime.put_record(FeatureGroupName="served-group", Record=[
        {"FeatureName": "image_uri", "ValueAsString": "s3://served-bucket/raw/a.jpg"},
        {"FeatureName": "event_time", "ValueAsString": "2026-11-29T15:05:45.123Z"},
        {"FeatureName": "status", "ValueAsString": "APPROVED"}])
    result = runtime.batch_write_record(Entries=[{"FeatureGroupName": "served-group", "Record": [
        {"FeatureName": "image_uri", "ValueAsString": "x"}]}])
    assert [e["ErrorCode"] for e in result["Errors"]] == ["ValidationError"]
    with pytest.raises(ClientError) as caught:
        runtime.put_record(FeatureGroupName="other", Record=[{"FeatureName": "image_uri", "ValueAsString": "x"}])
    assert caught.value.response["Error"]["Code"] == "ResourceNotFound"

    athena = client(endpoint, "athena")
    query_id = athena.start_query_execution(
        QueryString=f'SELECT "image_uri", "status" FROM "sagemaker_featurestore"."{table}"',
        ResultConfiguration={"OutputLocation": "s3://served-bucket/athena/"})["QueryExecutionId"]
    assert athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]["State"] == "SUCCEEDED"
    csv = s3.get_object(Bucket="served-bucket", Key=f"athena/{query_id}.csv")["Body"].read().decode()
    assert csv == '"image_uri","status"\n"s3://served-bucket/raw/a.jpg","APPROVED"\n'
    assert len(sb.offline_store_rows("served-group")) == 1


def test_faults_apply_to_http_requests(served):
    sb, endpoint = served
    strict = Config(retries={"max_attempts": 0})
    sb.faults.add("s3", "ListBuckets", error_code="SlowDown", status=503)
    sb.faults.add("sagemaker-featurestore-runtime", "GetRecord", error_code="InternalFailure", status=500)
    sb.faults.add("stepfunctions", "ListStateMachines")
    with pytest.raises(ClientError) as caught:
        client(endpoint, "s3", config=strict).list_buckets()
    assert caught.value.response["Error"]["Code"] == "SlowDown"
    with pytest.raises(ClientError) as caught:
        client(endpoint, "sagemaker-featurestore-runtime", config=strict).get_record(
            FeatureGroupName="served-group", RecordIdentifierValueAsString="x")
    assert caught.value.response["Error"]["Code"] == "InternalFailure"
    with pytest.raises(ClientError) as caught:
        client(endpoint, "stepfunctions", config=strict).list_state_machines()
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    assert client(endpoint, "stepfunctions", config=strict).list_state_machines()["stateMachines"] == []
    assert sb.faults.calls[("stepfunctions", "ListStateMachines")] == 2  # one check per HTTP request
    before = sb.faults.calls[("s3", "PutObject")]
    sb.faults.add("s3", "PutObject", times=2)
    s3 = client(endpoint, "s3")  # default retries absorb two throttles
    s3.create_bucket(Bucket="retry-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_object(Bucket="retry-bucket", Key="a/b.txt", Body=b"x")
    assert sb.faults.calls[("s3", "PutObject")] - before == 3
