"""sandbox.iam.requests + actions: each prepared request maps to the IAM action, resource and context
the Service Authorization Reference names for its operation."""
from __future__ import annotations

import json

import pytest

from sandbox import Sandbox
from sandbox.iam.actions import Check, checks_for
from sandbox.iam.requests import decode

ACCOUNT, REGION = "123456789012", "eu-west-1"
AUTH = {"Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20261130/{REGION}/s3/aws4_request, Signature=x"}


@pytest.fixture(autouse=True)
def sandbox():
    with Sandbox(region=REGION) as box:
        yield box


def _checks(service: str, operation: str, method: str, url: str, body: bytes | None = None) -> list[Check]:
    return checks_for(decode(service, operation, ACCOUNT, REGION, method, url, AUTH, body))


def test_s3_object_and_bucket_requests_in_both_addressing_styles():
    virtual = "https://images.s3.eu-west-1.amazonaws.com/raw/line%20a/x.png"
    path = "https://s3.eu-west-1.amazonaws.com/images/raw/line%20a/x.png"
    for url in (virtual, path):
        assert _checks("s3", "GetObject", "GET", url) == [Check("s3:GetObject", "arn:aws:s3:::images/raw/line a/x.png")]
    listing = _checks("s3", "ListObjectsV2", "GET", "https://images.s3.eu-west-1.amazonaws.com/?list-type=2&prefix=raw%2F")
    assert listing == [Check("s3:ListBucket", "arn:aws:s3:::images", {"s3:prefix": "raw/"})]
    assert _checks("s3", "HeadObject", "HEAD", virtual) == [Check("s3:GetObject", "arn:aws:s3:::images/raw/line a/x.png")]
    assert _checks("s3", "GetBucketLocation", "GET", "https://images.s3.eu-west-1.amazonaws.com/?location") == [
        Check("s3:GetBucketLocation", "arn:aws:s3:::images")]


def test_json_and_rest_json_requests():
    group = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:feature-group/scratch-labels"
    assert _checks("sagemaker", "DescribeFeatureGroup", "POST", f"https://api.sagemaker.{REGION}.amazonaws.com/",
                   json.dumps({"FeatureGroupName": "Scratch-Labels"}).encode()) == [Check("sagemaker:DescribeFeatureGroup", group)]
    batch = json.dumps({"Entries": [{"FeatureGroupName": "scratch-labels", "Record": []}]}).encode()
    assert _checks("sagemaker-featurestore-runtime", "BatchWriteRecord", "POST",
                   f"https://featurestore-runtime.sagemaker.{REGION}.amazonaws.com/BatchWriteRecord", batch) == [
        Check("sagemaker:BatchWriteRecord", group)]
    assert _checks("sagemaker-featurestore-runtime", "PutRecord", "PUT",
                   f"https://featurestore-runtime.sagemaker.{REGION}.amazonaws.com/FeatureGroup/scratch-labels", b"{}") == [
        Check("sagemaker:PutRecord", group)]
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:check"
    assert _checks("lambda", "Invoke", "POST",
                   f"https://lambda.{REGION}.amazonaws.com/2015-03-31/functions/check/invocations?Qualifier=live", b"{}") == [
        Check("lambda:InvokeFunction", f"{function}:live")]
    execution = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:pipe:run-1"
    assert _checks("stepfunctions", "DescribeExecution", "POST", f"https://states.{REGION}.amazonaws.com/",
                   json.dumps({"executionArn": execution}).encode()) == [Check("states:DescribeExecution", execution)]


def test_glue_get_table_needs_the_catalog_the_database_and_the_table():
    body = json.dumps({"DatabaseName": "sagemaker_featurestore", "Name": "labels"}).encode()
    base = f"arn:aws:glue:{REGION}:{ACCOUNT}"
    assert _checks("glue", "GetTable", "POST", f"https://glue.{REGION}.amazonaws.com/", body) == [
        Check("glue:GetTable", f"{base}:catalog"), Check("glue:GetTable", f"{base}:database/sagemaker_featurestore"),
        Check("glue:GetTable", f"{base}:table/sagemaker_featurestore/labels")]


def test_an_operation_without_a_row_has_no_checks():
    assert _checks("sagemaker", "ListFeatureGroups", "POST", f"https://api.sagemaker.{REGION}.amazonaws.com/", b"{}") is None
    assert _checks("sts", "GetCallerIdentity", "POST", "https://sts.amazonaws.com/", b"Action=GetCallerIdentity") == []
