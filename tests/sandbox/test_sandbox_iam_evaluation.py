"""sandbox.iam.evaluation: a role's identity-based policies judged with moto's policy evaluation."""
from __future__ import annotations

import json

import boto3
import pytest

from sandbox import Sandbox
from sandbox.iam import evaluation
from sandbox.iam.conditions import UnsupportedCondition
from sandbox.iam.evaluation import AccessDenied, Decision, access_denied_message, evaluate

BUCKET = "arn:aws:s3:::images-bucket"
PASSED = "arn:aws:iam::123456789012:role/passed"


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture()
def sandbox():
    with Sandbox() as box:
        yield box


@pytest.fixture()
def role(sandbox):
    iam = boto3.client("iam")
    arn = iam.create_role(RoleName="worker", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    iam.put_role_policy(RoleName="worker", PolicyName="inline", PolicyDocument=_policy(
        {"Sid": "ListRaw", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET,
         "Condition": {"StringLike": {"s3:prefix": ["raw/*"]}}},
        {"Sid": "ReadRaw", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"{BUCKET}/raw/*"},
        {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:GetObject", "Resource": f"{BUCKET}/raw/secret-*"},
        {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": PASSED,
         "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
        {"Sid": "OwnFunctions", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*",
         "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:states:*:123456789012:stateMachine:pipe-*"}}},
        {"Sid": "TlsOnly", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ))
    policy_arn = iam.create_policy(PolicyName="managed", PolicyDocument=_policy(
        {"Sid": "Describe", "Effect": "Allow", "Action": "sagemaker:DescribeFeatureGroup",
         "Resource": "arn:aws:sagemaker:eu-west-1:123456789012:feature-group/labels"}))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="worker", PolicyArn=policy_arn)
    return arn


def test_allow_implicit_deny_and_explicit_deny(sandbox, role):
    account = sandbox.account_id
    assert evaluate(account, role, "s3:GetObject", f"{BUCKET}/raw/a.png") == Decision("allowed", ("ReadRaw",))
    assert evaluate(account, role, "s3:PutObject", f"{BUCKET}/raw/a.png") == Decision("implicitDeny")
    assert evaluate(account, role, "s3:GetObject", f"{BUCKET}/raw/secret-1.png") == Decision("explicitDeny", ("NoSecrets",))
    assert evaluate(account, role, "sagemaker:DescribeFeatureGroup",
                    "arn:aws:sagemaker:eu-west-1:123456789012:feature-group/labels").allowed  # attached managed policy
    assert evaluate(account, "arn:aws:iam::123456789012:role/nobody", "s3:GetObject", f"{BUCKET}/raw/a").decision == "implicitDeny"


def test_actions_match_case_insensitively_and_resources_use_only_iam_wildcards(sandbox, role):
    """IAM action names are case-insensitive; in Resource only * and ? are wildcards (moto would
    read "." and "?" as regular-expression syntax)."""
    assert evaluate(sandbox.account_id, role, "S3:getobject", f"{BUCKET}/raw/a.png").allowed
    assert not evaluate(sandbox.account_id, role, "s3:GetObject", "arn:aws:s3:::imagesXbucket/raw/a.png").allowed


def test_a_condition_key_absent_from_the_context_does_not_match(sandbox, role):
    """reference_policies_elements_condition_operators: a key absent from the request context makes
    the condition false; moto 5.2.5 would let StringEquals hold and ignore StringLike entirely."""
    account = sandbox.account_id
    assert evaluate(account, role, "s3:ListBucket", BUCKET, {"s3:prefix": "raw/line-a/"}).allowed
    assert evaluate(account, role, "s3:ListBucket", BUCKET, {"s3:prefix": "labeling/"}).decision == "implicitDeny"
    missing = evaluate(account, role, "s3:ListBucket", BUCKET)
    assert missing.decision == "implicitDeny" and missing.missing_context == ("s3:prefix",)
    assert evaluate(account, role, "iam:PassRole", PASSED, {"iam:PassedToService": "sagemaker.amazonaws.com"}).allowed
    assert evaluate(account, role, "iam:PassRole", PASSED, {"iam:PassedToService": "lambda.amazonaws.com"}).decision == "implicitDeny"
    assert evaluate(account, role, "iam:PassRole", PASSED).decision == "implicitDeny"


def test_a_failed_condition_on_an_allow_is_not_a_deny(sandbox, role):
    """moto turns an Allow whose condition fails into an explicit deny; AWS just skips the statement."""
    decision = evaluate(sandbox.account_id, role, "iam:PassRole", PASSED, {"iam:PassedToService": "ec2.amazonaws.com"})
    assert decision.decision == "implicitDeny"


def test_arn_like_compares_each_arn_part(sandbox, role):
    account = sandbox.account_id
    fn = "arn:aws:lambda:eu-west-1:123456789012:function:check"
    ok = {"aws:SourceArn": "arn:aws:states:eu-west-1:123456789012:stateMachine:pipe-main"}
    other = {"aws:SourceArn": "arn:aws:states:eu-west-1:999999999999:stateMachine:pipe-main"}
    assert evaluate(account, role, "lambda:InvokeFunction", fn, ok).allowed
    assert evaluate(account, role, "lambda:InvokeFunction", fn, other).decision == "implicitDeny"


def test_secure_transport_is_true_for_every_sandbox_request(sandbox, role):
    """aws:SecureTransport (reference_policies_condition-keys): requests reach the sandbox as AWS's
    HTTPS endpoints, so a TLS-only Deny never applies."""
    assert evaluate(sandbox.account_id, role, "s3:GetObject", f"{BUCKET}/raw/a.png").allowed


def test_unsupported_operators_are_refused_not_guessed(sandbox):
    iam = boto3.client("iam")
    arn = iam.create_role(RoleName="odd", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    iam.put_role_policy(RoleName="odd", PolicyName="p", PolicyDocument=_policy(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}))
    with pytest.raises(UnsupportedCondition, match="IpAddress"):
        evaluate(sandbox.account_id, arn, "s3:GetObject", f"{BUCKET}/k")


def test_access_denied_messages_use_aws_wording():
    """troubleshoot_access-denied: the assumed-role session, the action, the resource and why."""
    role = "arn:aws:iam::123456789012:role/service/check-lambda"
    implicit = access_denied_message(role, "s3:PutObject", f"{BUCKET}/k", Decision("implicitDeny"), "check")
    assert implicit == ("User: arn:aws:sts::123456789012:assumed-role/check-lambda/check is not authorized to perform: "
                        f"s3:PutObject on resource: {BUCKET}/k because no identity-based policy allows the s3:PutObject action")
    explicit = AccessDenied(role, "s3:GetObject", f"{BUCKET}/k", Decision("explicitDeny", ("D",)), "check")
    assert str(explicit).endswith("with an explicit deny in an identity-based policy")
    assert (explicit.action, explicit.resource, explicit.session) == ("s3:GetObject", f"{BUCKET}/k", "check")


def test_evaluation_off_allows_everything():
    with Sandbox(iam_evaluation=False) as box:
        assert not evaluation.enabled()
        assert evaluate(box.account_id, "arn:aws:iam::123456789012:role/none", "s3:DeleteObject", f"{BUCKET}/k").allowed
    assert evaluation.enabled()
