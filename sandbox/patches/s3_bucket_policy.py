"""S3 bucket policies see the request's transport (aws:SecureTransport)."""
from __future__ import annotations

import json
from typing import Any

from sandbox.patches.base import patch


def install() -> None:
    """Why: moto ignores condition operators it does not know (Bool among them), so the usual TLS-only
    statement (Deny s3:* when aws:SecureTransport is "false") denies every request with a bare 403.
    Requests reach the sandbox as AWS's HTTPS endpoints (in-process, or the local server standing
    in for them), so aws:SecureTransport is "true": such statements are resolved before moto
    evaluates the rest of the policy."""
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        document = json.loads(self.policy.decode())
        statements = document.get("Statement", [])
        statements = [statements] if isinstance(statements, dict) else statements
        document["Statement"] = [s for s in map(with_secure_transport, statements) if s is not None]
        if not document["Statement"]:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps(document)).is_action_permitted(action, resource)

    patch(FakeBucket, "get_permission", get_permission)


def with_secure_transport(statement: dict[str, Any]) -> dict[str, Any] | None:
    """The statement with its aws:SecureTransport condition decided (None: it never applies)."""
    conditions = statement.get("Condition") or {}
    flags = {k.lower(): v for k, v in (conditions.get("Bool") or {}).items()}
    if "aws:securetransport" not in flags:
        return statement
    wanted = flags["aws:securetransport"]
    wanted = wanted if isinstance(wanted, list) else [wanted]
    if "true" not in [str(v).lower() for v in wanted]:
        return None
    remaining_bool = {k: v for k, v in conditions["Bool"].items() if k.lower() != "aws:securetransport"}
    remaining = {**conditions, "Bool": remaining_bool} if remaining_bool else {
        k: v for k, v in conditions.items() if k != "Bool"}
    return {**statement, "Condition": remaining} if remaining else {
        k: v for k, v in statement.items() if k != "Condition"}
