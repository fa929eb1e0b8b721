"""Server mode: boto3 clients with endpoint_url talk to the sandbox over HTTP on 127.0.0.1."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from xml.etree import ElementTree

import boto3
import botocore.session
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


def _feature_store_role(endpoint: str, name: str = "fs") -> str:
    """A role Feature Store may assume and write the offline store with (the sandbox evaluates both)."""
    iam = client(endpoint, "iam")
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except ClientError:
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"Service": "sagemaker.amazonaws.com"}}]}
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        writes = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        iam.put_role_policy(RoleName=name, PolicyName="offline-store", PolicyDocument=json.dumps(writes))
        return arn


def test_endpoint_is_loopback_and_moto_port_agrees(served):
    _sb, endpoint = served
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
        RoleArn=_feature_store_role(endpoint))
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


def _group(endpoint: str, name: str) -> None:
    client(endpoint, "sagemaker").create_feature_group(
        FeatureGroupName=name, RecordIdentifierFeatureName="id", EventTimeFeatureName="t",
        FeatureDefinitions=[{"FeatureName": "id", "FeatureType": "String"}, {"FeatureName": "t", "FeatureType": "String"}],
        OfflineStoreConfig={"S3StorageConfig": {"S3Uri": "s3://listing-bucket/fs"}}, RoleArn=_feature_store_role(endpoint))


def test_list_feature_groups_filters_sorts_and_pages(served):
    """`aws sagemaker list-feature-groups` against a served sandbox (moto has no ListFeatureGroups)."""
    _sb, endpoint = served
    client(endpoint, "s3").create_bucket(Bucket="listing-bucket",
                                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    for name in ("listing-b", "listing-a", "listing-c"):
        _group(endpoint, name)
    sm = client(endpoint, "sagemaker")
    names = lambda response: [g["FeatureGroupName"] for g in response["FeatureGroupSummaries"]]  # noqa: E731
    ascending = sm.list_feature_groups(NameContains="listing-", SortBy="Name", SortOrder="Ascending")
    assert names(ascending) == ["listing-a", "listing-b", "listing-c"]
    summary = ascending["FeatureGroupSummaries"][0]
    assert summary["FeatureGroupArn"].endswith(":feature-group/listing-a")
    assert summary["FeatureGroupStatus"] == "Created" and summary["OfflineStoreStatus"] == {"Status": "Active"}
    assert "CreationTime" in summary
    newest_first = sm.list_feature_groups(NameContains="listing-")
    assert names(newest_first) == ["listing-c", "listing-a", "listing-b"]  # default: CreationTime, Descending
    first = sm.list_feature_groups(NameContains="listing-", SortBy="Name", SortOrder="Descending", MaxResults=2)
    assert names(first) == ["listing-c", "listing-b"] and first["NextToken"]
    rest = sm.list_feature_groups(NameContains="listing-", SortBy="Name", SortOrder="Descending", MaxResults=2,
                                  NextToken=first["NextToken"])
    assert names(rest) == ["listing-a"] and "NextToken" not in rest
    paged = [n for page in sm.get_paginator("list_feature_groups").paginate(
        NameContains="listing-", PaginationConfig={"PageSize": 1}) for n in names(page)]
    assert sorted(paged) == ["listing-a", "listing-b", "listing-c"]
    assert names(sm.list_feature_groups(NameContains="listing-", FeatureGroupStatusEquals="CreateFailed")) == []
    with pytest.raises(ClientError) as caught:
        sm.list_feature_groups(NextToken="not-a-token")
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_unimplemented_actions_answer_in_the_services_error_shape(served):
    _sb, endpoint = served
    strict = Config(retries={"max_attempts": 1})
    cases = [
        (client(endpoint, "sagemaker", config=strict).list_devices, {}, "UnknownOperationException", 400),  # json
        (client(endpoint, "lambda", config=strict).get_runtime_management_config, {"FunctionName": "f"},
         "UnknownOperationException", 400),  # rest-json
        (client(endpoint, "iam", config=strict).change_password, {"OldPassword": "a", "NewPassword": "b"},
         "InvalidAction", 400),  # query
    ]
    for call, kwargs, code, status in cases:
        with pytest.raises(ClientError) as caught:
            call(**kwargs)
        error = caught.value.response["Error"]
        assert (error["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
        assert caught.value.operation_name in error["Message"] and "<html" not in error["Message"].lower()


def _raw(endpoint: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, bytes]:
    request = urllib.request.Request(endpoint + "/", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def _signed_for(service: str) -> str:
    return f"AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/{service}/aws4_request, SignedHeaders=host, Signature=0"


def test_raw_http_requests_for_unimplemented_actions_get_no_html(served):
    _sb, endpoint = served
    status, content_type, body = _raw(endpoint, b"{}", {
        "X-Amz-Target": "SageMaker.ListDevices", "Content-Type": "application/x-amz-json-1.1",
        "Authorization": _signed_for("sagemaker")})
    assert (status, content_type) == (400, "application/x-amz-json-1.1")
    payload = json.loads(body)
    assert payload["__type"] == "UnknownOperationException" and "ListDevices" in payload["message"]

    status, content_type, body = _raw(endpoint, b"Action=ChangePassword&Version=2010-05-08&OldPassword=a&NewPassword=b", {
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Authorization": _signed_for("iam")})
    assert status == 400 and b"<html" not in body.lower()
    error = ElementTree.fromstring(body).find("Error")
    assert error.findtext("Code") == "InvalidAction" and "ChangePassword" in error.findtext("Message")


def test_rest_xml_services_get_s3s_not_implemented_error():
    from botocore.parsers import RestXMLParser

    from sandbox.wsgi import unsupported_action

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/bucket", "CONTENT_TYPE": ""}
    status, headers, body = unsupported_action("s3", "GetBucketSomething", environ)
    model = botocore.session.get_session().get_service_model("s3").operation_model("GetBucketCors")
    parsed = RestXMLParser().parse({"status_code": status, "headers": headers, "body": body}, model.output_shape)
    assert status == 501 and parsed["Error"]["Code"] == "NotImplemented"
    assert "s3 GetBucketSomething" in parsed["Error"]["Message"]
