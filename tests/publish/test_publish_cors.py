"""The deployer gives the image bucket Ground Truth's CORS rule, keeping the owner's rules.

Ground Truth fails the tasks of objects whose bucket lacks the rule
(https://docs.aws.amazon.com/sagemaker/latest/dg/sms-cors-update.html).
"""
from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from publish.aws import AwsClients
from publish.changes import DeployError
from publish.deployer import Deployer

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTED = {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"], "ExposeHeaders": ["Access-Control-Allow-Origin"]}
OWNERS_RULE = {"ID": "uploads", "AllowedMethods": ["PUT", "POST"], "AllowedOrigins": ["https://upload.example.com"],
               "AllowedHeaders": ["*"], "MaxAgeSeconds": 3000}


def _deploy(cfg):
    return Deployer(cfg, AwsClients(session=boto3.Session(), region=cfg.pipeline.region)).run()


def _bucket(name: str) -> None:
    boto3.client("s3").create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})


def _rules(bucket: str) -> list[dict]:
    return boto3.client("s3").get_bucket_cors(Bucket=bucket)["CORSRules"]


def _puts(sandbox) -> int:
    return sandbox.faults.calls[("s3", "PutBucketCors")]


def _is_documented(rule: dict) -> bool:
    return ({k: sorted(rule.get(k) or []) for k in ("AllowedHeaders", "AllowedMethods", "AllowedOrigins", "ExposeHeaders")}
            == {"AllowedHeaders": [], **{k: sorted(v) for k, v in DOCUMENTED.items()}} and "MaxAgeSeconds" not in rule)


def _cors_change(result):
    return next(c for c in result.report.changes if c.kind == "s3 bucket cors")


def test_new_bucket_gets_the_documented_rule_and_a_second_deploy_leaves_it(cfg, sandbox):
    first = _deploy(cfg)
    assert _cors_change(first).action == "created"
    rules = _rules(cfg.storage.bucket)
    assert len(rules) == 1 and _is_documented(rules[0])
    puts = _puts(sandbox)
    second = _deploy(cfg)
    assert _cors_change(second).action == "unchanged"
    assert _puts(sandbox) == puts  # no PutBucketCors on a deploy that changes nothing


def test_existing_bucket_keeps_the_owners_rules(cfg, sandbox):
    _bucket(cfg.storage.bucket)
    boto3.client("s3").put_bucket_cors(Bucket=cfg.storage.bucket, CORSConfiguration={"CORSRules": [OWNERS_RULE]})
    change = _cors_change(_deploy(cfg))
    assert (change.action, change.detail) == ("updated", "Ground Truth rule added; 1 existing rule(s) kept")
    rules = _rules(cfg.storage.bucket)
    assert _is_documented(rules[0])
    kept = [r for r in rules if r.get("ID") == "uploads"]
    assert len(kept) == 1 and kept[0]["AllowedOrigins"] == ["https://upload.example.com"]
    assert sorted(kept[0]["AllowedMethods"]) == ["POST", "PUT"] and kept[0]["MaxAgeSeconds"] == 3000


def test_owner_who_already_has_the_rule_is_not_touched(sandbox):
    from publish import bucket_cors

    _bucket("owned")
    s3 = boto3.client("s3")
    s3.put_bucket_cors(Bucket="owned", CORSConfiguration={"CORSRules": [OWNERS_RULE, {"ID": "mine", **DOCUMENTED}]})
    puts = _puts(sandbox)
    change = bucket_cors.ensure_cors(s3, "owned")
    assert change.action == "unchanged"
    assert _puts(sandbox) == puts
    assert [r.get("ID") for r in _rules("owned")] == ["uploads", "mine"]


def test_a_full_configuration_is_reported_and_left_as_it_was(cfg, sandbox):
    _bucket(cfg.storage.bucket)
    full = [{"ID": f"r{i}", "AllowedMethods": ["PUT"], "AllowedOrigins": [f"https://{i}.example.com"]} for i in range(100)]
    boto3.client("s3").put_bucket_cors(Bucket=cfg.storage.bucket, CORSConfiguration={"CORSRules": full})
    puts = _puts(sandbox)
    with pytest.raises(DeployError) as failure:
        _deploy(cfg)
    message = str(failure.value)
    assert failure.value.step == "bucket" and "\n" not in message
    assert "cannot take the Ground Truth rule" in message and "101 rules, more than S3's 100" in message
    assert _puts(sandbox) == puts
    assert [r["ID"] for r in _rules(cfg.storage.bucket)] == [f"r{i}" for i in range(100)]
    assert not any(c.kind == "iam role" for c in failure.value.done)  # nothing after the bucket ran


def test_problems_name_what_s3_would_refuse():
    from publish import bucket_cors

    bad = [{"AllowedMethods": ["GET", "PATCH"], "AllowedOrigins": ["https://*.*.example.com"]},
           {"ID": "x" * 256, "AllowedMethods": [], "AllowedOrigins": []}]
    found = bucket_cors.problems(bad)
    assert "rule 1 allows PATCH, not one of DELETE, GET, HEAD, POST, PUT" in found
    assert "rule 1 origin 'https://*.*.example.com' has more than one '*'" in found
    assert any("has no AllowedMethods" in p for p in found) and any("has no AllowedOrigins" in p for p in found)
    assert any("ID longer than 255" in p for p in found)


def test_an_outdated_copy_of_our_rule_is_replaced_not_duplicated():
    from publish import bucket_cors

    outdated = {"ID": bucket_cors.RULE_ID, "AllowedMethods": ["GET"], "AllowedOrigins": ["https://old.example.com"]}
    wanted = bucket_cors.merged([OWNERS_RULE, outdated])
    assert wanted == [bucket_cors.GROUND_TRUTH_RULE, OWNERS_RULE]
