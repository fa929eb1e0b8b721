"""The pipeline's bucket and the Ground Truth assets in it (UI templates, category files)."""
from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from publish.changes import Change


def _encryption_args(kms_key_arn: str | None) -> dict:
    if kms_key_arn:
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_arn}
    return {"ServerSideEncryption": "AES256"}


def tls_only_bucket_policy(bucket: str) -> dict:
    """Refuse every request to the bucket that does not use TLS."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }],
    }


def ensure_bucket(s3, bucket: str, region: str, kms_key_arn: str | None) -> Change:
    """Use the bucket if it exists (its policy is the owner's business); else create it locked down."""
    try:
        s3.head_bucket(Bucket=bucket)
        return Change("s3 bucket", bucket, "unchanged", "exists; its policy is left as it is")
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchBucket", "NotFound"):
            raise
    create: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**create)
    rule = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key_arn} if kms_key_arn else {"SSEAlgorithm": "AES256"}
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": rule, "BucketKeyEnabled": bool(kms_key_arn)}]})
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(tls_only_bucket_policy(bucket)))
    return Change("s3 bucket", bucket, "created", "encrypted, public access blocked, TLS only")


def ensure_object(s3, bucket: str, key: str, body: bytes, content_type: str, kms_key_arn: str | None) -> Change:
    """Upload ``body`` unless the object already holds exactly these bytes."""
    try:
        current = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("NoSuchKey", "404"):
            raise
        current = None
    if current == body:
        return Change("s3 object", f"s3://{bucket}/{key}", "unchanged")
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, **_encryption_args(kms_key_arn))
    return Change("s3 object", f"s3://{bucket}/{key}", "created" if current is None else "updated")
