"""IAM roles with one inline least-privilege policy each, created or brought up to date."""
from __future__ import annotations

import json
from urllib.parse import unquote

from botocore.exceptions import ClientError

from publish.changes import Action, Change

INLINE_POLICY_NAME = "labeling-pipeline"


def _as_dict(document) -> dict:
    if isinstance(document, dict):
        return document
    return json.loads(unquote(document))


def ensure_role(iam, name: str, trust: dict, policy: dict, tags: dict[str, str]) -> tuple[Change, str]:
    """Create the role, or update its trust and inline policy where they differ."""
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchEntity":
            raise
        role = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(trust),
            Description="Labeling pipeline (managed by deploy.py)",
            Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())],
        )["Role"]
        iam.put_role_policy(RoleName=name, PolicyName=INLINE_POLICY_NAME, PolicyDocument=json.dumps(policy))
        return Change("iam role", name, "created"), role["Arn"]
    updated = []
    if _as_dict(role["AssumeRolePolicyDocument"]) != trust:
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
        updated.append("trust policy")
    try:
        current = _as_dict(iam.get_role_policy(RoleName=name, PolicyName=INLINE_POLICY_NAME)["PolicyDocument"])
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchEntity":
            raise
        current = None
    if current != policy:
        iam.put_role_policy(RoleName=name, PolicyName=INLINE_POLICY_NAME, PolicyDocument=json.dumps(policy))
        updated.append("permissions")
    action: Action = "updated" if updated else "unchanged"
    return Change("iam role", name, action, ", ".join(updated)), role["Arn"]
