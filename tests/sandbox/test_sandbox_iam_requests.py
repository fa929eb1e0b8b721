"""Requests made as a role (sandbox.iam.identity.acting_as) are evaluated and denied with AWS's errors."""
from __future__ import annotations

import json
import threading

import boto3
import pytest
from botocore.exceptions import ClientError

from sandbox import Sandbox
from sandbox.iam.identity import acting_as, current

BUCKET = "iam-test-bucket"
GROUP = "labels"


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(sid: str, actions: list[str], resources: list[str], condition: dict | None = None) -> dict:
    statement = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


@pytest.fixture()
def sandbox():
    with Sandbox() as box:
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": box.region})
        s3.put_object(Bucket=BUCKET, Key="raw/a.png", Body=b"png")
        yield box


def _role(name: str, *statements: dict) -> str:
    iam = boto3.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    if statements:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=_policy(*statements))
    return arn


def _error(call) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"].get("Message", "")


def test_s3_denials_are_403_access_denied_naming_the_session_action_and_resource(sandbox):
    role = _role("reader", _allow("Read", ["s3:GetObject"], [f"arn:aws:s3:::{BUCKET}/raw/*"]))
    s3 = boto3.client("s3")
    with acting_as(role, "check-fn"):
        assert s3.get_object(Bucket=BUCKET, Key="raw/a.png")["Body"].read() == b"png"
        code, status, message = _error(lambda: s3.put_object(Bucket=BUCKET, Key="raw/b.png", Body=b"x"))
    assert (code, status) == ("AccessDenied", 403)
    assert message == (f"User: arn:aws:sts::{sandbox.account_id}:assumed-role/reader/check-fn is not authorized to "
                       f"perform: s3:PutObject on resource: arn:aws:s3:::{BUCKET}/raw/b.png because no identity-based "
                       f"policy allows the s3:PutObject action")
    assert s3.put_object(Bucket=BUCKET, Key="raw/b.png", Body=b"x")  # no identity: not evaluated


def test_bucket_level_actions_are_judged_on_the_bucket_arn(sandbox):
    """ListObjectsV2 is s3:ListBucket on the bucket ARN with s3:prefix; GetBucketLocation too takes the bucket."""
    role = _role("lister",
                 _allow("List", ["s3:ListBucket"], [f"arn:aws:s3:::{BUCKET}"], {"StringLike": {"s3:prefix": ["raw/*"]}}),
                 _allow("LocateOnObjects", ["s3:GetBucketLocation"], [f"arn:aws:s3:::{BUCKET}/*"]))
    s3 = boto3.client("s3")
    with acting_as(role, "s"):
        assert s3.list_objects_v2(Bucket=BUCKET, Prefix="raw/")["KeyCount"] == 1
        assert _error(lambda: s3.list_objects_v2(Bucket=BUCKET, Prefix="labeling/"))[:2] == ("AccessDenied", 403)
        assert _error(lambda: s3.list_objects_v2(Bucket=BUCKET))[:2] == ("AccessDenied", 403)
        assert _error(lambda: s3.get_bucket_location(Bucket=BUCKET))[:2] == ("AccessDenied", 403)


@pytest.mark.parametrize("list_grant, expected", [
    (None, ("AccessDenied", 403)),
    ({"StringLike": {"s3:prefix": ["raw/*"]}}, ("AccessDenied", 403)),
    ({}, ("NoSuchKey", 404)),
])
def test_a_missing_key_is_403_unless_the_role_may_list_the_bucket(sandbox, list_grant, expected):
    """API_GetObject / API_HeadObject, Permissions: 404 with s3:ListBucket on the bucket, else 403.
    A prefix-limited ListBucket grant does not count (what context AWS uses is undocumented)."""
    statements = [_allow("Read", ["s3:GetObject"], [f"arn:aws:s3:::{BUCKET}/*"])]
    if list_grant is not None:
        statements.append(_allow("List", ["s3:ListBucket"], [f"arn:aws:s3:::{BUCKET}"], list_grant or None))
    role = _role("maybe-lister", *statements)
    s3 = boto3.client("s3")
    with acting_as(role, "s"):
        assert _error(lambda: s3.get_object(Bucket=BUCKET, Key="raw/missing.png"))[:2] == expected
        head = _error(lambda: s3.head_object(Bucket=BUCKET, Key="raw/missing.png"))
        assert head[1] == expected[1]  # HEAD answers carry no body: the code is the status
        assert s3.head_object(Bucket=BUCKET, Key="raw/a.png")["ContentLength"] == 3
    assert _error(lambda: s3.get_object(Bucket=BUCKET, Key="raw/missing.png"))[:2] == ("NoSuchKey", 404)


def test_json_services_answer_access_denied_exception(sandbox):
    """Common Errors: AccessDeniedException, HTTP 400, for JSON-protocol services."""
    role = _role("nothing")
    calls = {
        "athena": lambda: boto3.client("athena").start_query_execution(QueryString="SELECT 1", WorkGroup="primary"),
        "stepfunctions": lambda: boto3.client("stepfunctions").describe_execution(
            executionArn=f"arn:aws:states:{sandbox.region}:{sandbox.account_id}:execution:pipe:run-1"),
        "sagemaker": lambda: boto3.client("sagemaker").describe_feature_group(FeatureGroupName=GROUP),
        "glue": lambda: boto3.client("glue").get_table(DatabaseName="sagemaker_featurestore", Name="t"),
    }
    with acting_as(role, "s"):
        for service, call in calls.items():
            code, status, message = _error(call)
            assert (code, status) == ("AccessDeniedException", 400), service
            assert "because no identity-based policy allows" in message, service


def test_feature_store_runtime_answers_access_forbidden_without_batch_write_record(sandbox):
    """BatchWriteRecord needs sagemaker:BatchWriteRecord on the group (Service Authorization
    Reference); the runtime's modelled denial is AccessForbidden (403). Whether AWS also checks
    sagemaker:PutRecord is undocumented, so the sandbox does not."""
    group = f"arn:aws:sagemaker:{sandbox.region}:{sandbox.account_id}:feature-group/{GROUP}"
    role = _role("writer", _allow("Put", ["sagemaker:PutRecord"], [group]))
    runtime = boto3.client("sagemaker-featurestore-runtime")
    entry = {"FeatureGroupName": GROUP, "Record": [{"FeatureName": "id", "ValueAsString": "1"}]}
    with acting_as(role, "update-fn"):
        code, status, message = _error(lambda: runtime.batch_write_record(Entries=[entry]))
    assert (code, status) == ("AccessForbidden", 403)
    assert f"sagemaker:BatchWriteRecord on resource: {group}" in message


def test_a_call_without_an_iam_rule_is_refused_loudly(sandbox):
    role = _role("any", _allow("All", ["sagemaker:*"], ["*"]))
    with acting_as(role, "s"):
        code, status, message = _error(lambda: boto3.client("sagemaker").list_feature_groups())
    assert (code, status) == ("SandboxNoIamRule", 400)
    assert "sandbox.iam.actions" in message
    with acting_as(role, "s"):
        assert boto3.client("sts").get_caller_identity()  # needs no permission on AWS


def test_threads_inherit_the_identity_only_when_asked(sandbox):
    role = "arn:aws:iam::123456789012:role/x"
    seen: dict[str, object] = {}

    def probe(name: str) -> None:
        seen[name] = current()

    with acting_as(role, "fn", threads=True):
        worker = threading.Thread(target=probe, args=("inherited",))
        worker.start()
        worker.join()
    with acting_as(role, "svc"):
        worker = threading.Thread(target=probe, args=("not inherited",))
        worker.start()
        worker.join()
    assert seen == {"inherited": (role, "fn"), "not inherited": None}
    assert current() is None


def test_simulate_principal_policy_answers_with_the_same_evaluation(sandbox):
    """API_SimulatePrincipalPolicy: one result per action and resource, paged with MaxItems/Marker."""
    objects = f"arn:aws:s3:::{BUCKET}/raw/*"
    role = _role("simulated",
                 _allow("Read", ["s3:GetObject"], [objects]),
                 _allow("List", ["s3:ListBucket"], [f"arn:aws:s3:::{BUCKET}"], {"StringLike": {"s3:prefix": ["raw/*"]}}),
                 {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"})
    iam = boto3.client("iam")
    answer = iam.simulate_principal_policy(
        PolicySourceArn=role, ActionNames=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        ResourceArns=[f"arn:aws:s3:::{BUCKET}/raw/a.png"])
    decisions = {r["EvalActionName"]: r["EvalDecision"] for r in answer["EvaluationResults"]}
    assert decisions == {"s3:GetObject": "allowed", "s3:PutObject": "implicitDeny", "s3:DeleteObject": "explicitDeny"}
    assert answer["IsTruncated"] is False
    (read,) = [r for r in answer["EvaluationResults"] if r["EvalActionName"] == "s3:GetObject"]
    assert read["MatchedStatements"][0]["SourcePolicyId"] == "inline"

    listing = {"PolicySourceArn": role, "ActionNames": ["s3:ListBucket"], "ResourceArns": [f"arn:aws:s3:::{BUCKET}"]}
    (without,) = iam.simulate_principal_policy(**listing)["EvaluationResults"]
    assert (without["EvalDecision"], without["MissingContextValues"]) == ("implicitDeny", ["s3:prefix"])
    context = [{"ContextKeyName": "s3:prefix", "ContextKeyValues": ["raw/line-a/"], "ContextKeyType": "string"}]
    (with_prefix,) = iam.simulate_principal_policy(**listing, ContextEntries=context)["EvaluationResults"]
    assert with_prefix["EvalDecision"] == "allowed"

    first = iam.simulate_principal_policy(PolicySourceArn=role, ActionNames=["s3:GetObject", "s3:PutObject"], MaxItems=1)
    assert first["IsTruncated"] is True and len(first["EvaluationResults"]) == 1
    second = iam.simulate_principal_policy(PolicySourceArn=role, ActionNames=["s3:GetObject", "s3:PutObject"],
                                           MaxItems=1, Marker=first["Marker"])
    assert second["IsTruncated"] is False
    assert [r["EvalResourceName"] for r in first["EvaluationResults"] + second["EvaluationResults"]] == ["*", "*"]
    paginated = iam.get_paginator("simulate_principal_policy").paginate(
        PolicySourceArn=role, ActionNames=["s3:GetObject", "s3:PutObject", "s3:ListBucket"], PaginationConfig={"PageSize": 2})
    assert sum(len(page["EvaluationResults"]) for page in paginated) == 3

    code, status, _ = _error(lambda: iam.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{sandbox.account_id}:role/absent", ActionNames=["s3:GetObject"]))
    assert (code, status) == ("NoSuchEntity", 404)


def test_sse_kms_objects_need_the_key_as_well(sandbox):
    """UsingKMSEncryption, Permissions: uploading with a KMS key needs kms:GenerateDataKey on it,
    downloading needs kms:Decrypt."""
    key = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    objects = [f"arn:aws:s3:::{BUCKET}/*"]
    s3_only = _role("s3-only", _allow("Objects", ["s3:GetObject", "s3:PutObject"], objects))
    with_key = _role("with-key", _allow("Objects", ["s3:GetObject", "s3:PutObject"], objects),
                     _allow("Key", ["kms:GenerateDataKey", "kms:Decrypt"], [key]))
    s3 = boto3.client("s3")
    put = {"Bucket": BUCKET, "Key": "labeling/secret.txt", "Body": b"s", "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key}
    with acting_as(s3_only, "s"):
        code, status, message = _error(lambda: s3.put_object(**put))
        assert (code, status) == ("AccessDenied", 403) and f"kms:GenerateDataKey on resource: {key}" in message
    with acting_as(with_key, "s"):
        s3.put_object(**put)
        assert s3.get_object(Bucket=BUCKET, Key="labeling/secret.txt")["Body"].read() == b"s"
    with acting_as(s3_only, "s"):
        code, _, message = _error(lambda: s3.get_object(Bucket=BUCKET, Key="labeling/secret.txt"))
        assert code == "AccessDenied" and f"kms:Decrypt on resource: {key}" in message
