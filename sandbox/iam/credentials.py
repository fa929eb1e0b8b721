"""Requests signed with credentials from ``sts:AssumeRole`` are made as that role's session.

On AWS, temporary credentials returned by AssumeRole carry the role's identity: every request signed
with them is authorized against the role's policies ("Request temporary security credentials",
AWS STS AssumeRole: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html; the
caller is ``arn:aws:sts::<account>:assumed-role/<role>/<session>``). moto's STS records each
assumed role with its access key id; the request hook (``sandbox.iam.guard``) reads the access key
id from the request's SigV4 ``Authorization`` header and, when it belongs to an assumed role,
evaluates the request as that role. Requests signed with other keys (the sandbox's own
``testing`` credentials) stay unevaluated, as before.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

_ACCESS_KEY = re.compile(r"Credential=([A-Z0-9]+)/")


def assumed_role_of(account: str, headers: Mapping[str, str]) -> tuple[str, str] | None:
    """``(role_arn, session name)`` of the assumed role whose key signed the request, else None."""
    match = _ACCESS_KEY.search(headers.get("authorization", ""))
    if not match or match.group(1) == "testing":
        return None
    from moto.sts.models import sts_backends

    found = sts_backends[account]["aws"].get_assumed_role_from_access_key(match.group(1))
    return None if found is None else (found.role_arn, found.session_name)
