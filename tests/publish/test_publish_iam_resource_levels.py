"""Bucket-level S3 actions are granted on the bucket ARN, object actions on object ARNs.

Service Authorization Reference, "Actions, resources, and condition keys for Amazon S3": the
resource type of s3:ListBucket, s3:GetBucketLocation, s3:GetBucketAcl, s3:ListBucketMultipartUploads
is ``bucket``; of s3:GetObject, s3:PutObject, s3:DeleteObject, s3:AbortMultipartUpload,
s3:PutObjectAcl it is ``object``. A grant on the other kind of ARN never matches a request.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from publish.iam_policies import PolicyContext, role_documents
from workflow import resources
from workflow.config import load_config

ROOT = Path(__file__).resolve().parents[2]
BUCKET_ACTIONS = {"s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketAcl", "s3:ListBucketMultipartUploads"}
OBJECT_ACTIONS = {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:PutObjectAcl"}


def _as_list(value):
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def documents():
    cfg = load_config(ROOT / "config.yaml")
    arns = resources.ResourceArns.for_account(cfg, "123456789012")
    return role_documents(PolicyContext.for_config(cfg, arns))


def test_bucket_and_object_actions_are_granted_on_their_own_resource_type(documents):
    wrong = []
    for role, docs in documents.items():
        for statement in docs.policy["Statement"]:
            actions = set(_as_list(statement["Action"]))
            s3_resources = [r for r in _as_list(statement["Resource"]) if r.startswith("arn:aws:s3:::")]
            objects = [r for r in s3_resources if "/" in r]
            buckets = [r for r in s3_resources if "/" not in r]
            if actions & BUCKET_ACTIONS and objects:
                wrong.append(f"{role}/{statement.get('Sid')}: {sorted(actions & BUCKET_ACTIONS)} on {objects}")
            if actions & OBJECT_ACTIONS and buckets:
                wrong.append(f"{role}/{statement.get('Sid')}: {sorted(actions & OBJECT_ACTIONS)} on {buckets}")
    assert wrong == []


def test_the_check_lambda_may_locate_its_bucket(documents):
    """Athena looks up the query result bucket as its caller (s3:GetBucketLocation, bucket ARN)."""
    bucket = "arn:aws:s3:::" + load_config(ROOT / "config.yaml").storage.bucket
    grants = [s for s in documents["check_lambda"].policy["Statement"]
              if "s3:GetBucketLocation" in _as_list(s["Action"])]
    assert grants and all(_as_list(s["Resource"]) == [bucket] for s in grants)
