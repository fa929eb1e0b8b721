"""The CORS rule Ground Truth's worker UI needs on the bucket holding the input images.

Ground Truth: "If you do not add a CORS configuration to the Amazon S3 buckets that contain your
input data, labeling tasks for those input data objects will fail", with the rule below
(https://docs.aws.amazon.com/sagemaker/latest/dg/sms-cors-update.html). The deployer adds it to
the bucket's configuration, created or existing, keeping every rule the owner wrote.
"""
from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from publish.changes import Change

RULE_ID = "labeling-pipeline-ground-truth"
# The documented rule (sms-cors-update, JSON form), with an ID so later deploys recognise it.
GROUND_TRUTH_RULE = {
    "ID": RULE_ID,
    "AllowedHeaders": [],
    "AllowedMethods": ["GET"],
    "AllowedOrigins": ["*"],
    "ExposeHeaders": ["Access-Control-Allow-Origin"],
}
# https://docs.aws.amazon.com/AmazonS3/latest/API/API_CORSConfiguration.html: up to 100 rules.
MAX_RULES = 100
# https://docs.aws.amazon.com/AmazonS3/latest/API/API_CORSRule.html: the methods and the ID length S3 takes.
ALLOWED_METHODS = {"GET", "PUT", "HEAD", "POST", "DELETE"}
MAX_ID_LENGTH = 255


class CorsError(RuntimeError):
    """The bucket's existing CORS configuration cannot take the rule: nothing was written."""


def _normal(rule: dict) -> dict:
    """A rule as compared: list fields as sorted lists (absent = empty), ID left out."""
    fields = ("AllowedHeaders", "AllowedMethods", "AllowedOrigins", "ExposeHeaders")
    normal: dict[str, Any] = {key: sorted(rule.get(key) or []) for key in fields}
    normal["AllowedMethods"] = sorted(m.upper() for m in normal["AllowedMethods"])
    normal["MaxAgeSeconds"] = rule.get("MaxAgeSeconds")
    return normal


def grants_ground_truth(rule: dict) -> bool:
    """True when ``rule`` is the documented Ground Truth rule (whatever its ID)."""
    return _normal(rule) == _normal(GROUND_TRUTH_RULE)


def problems(rules: list[dict]) -> list[str]:
    """Why S3 would refuse this configuration (empty: it would take it)."""
    found = []
    if len(rules) > MAX_RULES:
        found.append(f"{len(rules)} rules, more than S3's {MAX_RULES}")
    for number, rule in enumerate(rules, start=1):
        name = f"rule {number}" + (f" ({rule['ID']})" if rule.get("ID") else "")
        methods = rule.get("AllowedMethods") or []
        if not methods:
            found.append(f"{name} has no AllowedMethods")
        bad = sorted({m.upper() for m in methods} - ALLOWED_METHODS)
        if bad:
            found.append(f"{name} allows {', '.join(bad)}, not one of {', '.join(sorted(ALLOWED_METHODS))}")
        origins = rule.get("AllowedOrigins") or []
        if not origins:
            found.append(f"{name} has no AllowedOrigins")
        found += [f"{name} origin {o!r} has more than one '*'" for o in origins if o.count("*") > 1]
        if len(rule.get("ID") or "") > MAX_ID_LENGTH:
            found.append(f"{name} has an ID longer than {MAX_ID_LENGTH} characters")
    return found


def merged(existing: list[dict]) -> list[dict] | None:
    """The configuration with the Ground Truth rule, or None when ``existing`` already has it.

    The rule goes first: S3 answers a cross-origin request with the first rule that matches it
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html), so an owner's rule
    placed earlier could otherwise answer the worker UI without the exposed header. Every other
    rule is kept as it is, in its order; an outdated copy of ours (same ID) is replaced.
    """
    if any(grants_ground_truth(rule) for rule in existing):
        return None
    return [dict(GROUND_TRUTH_RULE), *(rule for rule in existing if rule.get("ID") != RULE_ID)]


def current_rules(s3, bucket: str) -> list[dict]:
    """The bucket's CORS rules; [] when it has no CORS configuration."""
    try:
        return list(s3.get_bucket_cors(Bucket=bucket).get("CORSRules", []))
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchCORSConfiguration":
            return []
        raise


def ensure_cors(s3, bucket: str) -> Change:
    """Add the Ground Truth rule to the bucket's CORS configuration unless it is there already.

    The whole configuration is checked before the one PutBucketCors that replaces it: a bad
    existing configuration is reported and left exactly as it was.
    """
    existing = current_rules(s3, bucket)
    wanted = merged(existing)
    if wanted is None:
        return Change("s3 bucket cors", bucket, "unchanged", "Ground Truth rule present")
    found = problems(wanted)
    if found:
        raise CorsError(
            f"bucket {bucket}'s CORS configuration cannot take the Ground Truth rule (GET from any origin): "
            f"{'; '.join(found)}; fix it (aws s3api get-bucket-cors --bucket {bucket}) and deploy again"
        )
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": wanted})
    if not existing:
        return Change("s3 bucket cors", bucket, "created", "Ground Truth rule: GET from any origin")
    kept = len(wanted) - 1
    return Change("s3 bucket cors", bucket, "updated", f"Ground Truth rule added; {kept} existing rule(s) kept")
