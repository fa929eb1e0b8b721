"""S3 bucket policies in the sandbox: a TLS-only policy lets requests through (they count as HTTPS)."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from sandbox import Sandbox


def tls_only(bucket: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}


def test_tls_only_policy_allows_requests_and_plain_denies_still_deny():
    with Sandbox(region="eu-west-1"):
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="policy-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        s3.put_bucket_policy(Bucket="policy-bucket", Policy=json.dumps(tls_only("policy-bucket")))
        with pytest.raises(ClientError) as caught:
            s3.get_object(Bucket="policy-bucket", Key="missing")
        assert caught.value.response["Error"]["Code"] == "NoSuchKey"  # not moto's bare 403
        s3.put_object(Bucket="policy-bucket", Key="k", Body=b"x")
        assert s3.get_object(Bucket="policy-bucket", Key="k")["Body"].read() == b"x"

        deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                                                         "Resource": "arn:aws:s3:::policy-bucket/*"}]}
        s3.put_bucket_policy(Bucket="policy-bucket", Policy=json.dumps(deny))
        with pytest.raises(ClientError) as caught:
            s3.get_object(Bucket="policy-bucket", Key="k")
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
