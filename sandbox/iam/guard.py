"""The request hook's IAM step: evaluate a request made under an identity, answer a denial as AWS does.

The identity is ``sandbox.iam.identity``'s (a service acting for a role), else the assumed role whose
AssumeRole credentials signed the request (``sandbox.iam.credentials``); requests with neither are not
evaluated.

``denial(...)`` returns None (go on) or the (status, headers, body) of AWS's access-denied error in
the service's protocol:
- S3 (rest-xml): 403 ``<Error><Code>AccessDenied</Code>`` (botocore's S3 model: AccessDenied, 403);
  HEAD requests carry no body, as on AWS;
- JSON and REST-JSON services: ``{"__type": "AccessDeniedException", "Message": ...}`` with HTTP 400
  ("Common Errors" of the service API references, e.g.
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html), except where
  botocore's model names the service's own error: the Feature Store runtime's AccessForbidden (403);
- query services (IAM, STS): 403 ``AccessDenied``.

S3's answer for a missing key depends on s3:ListBucket (Amazon S3 API Reference, GetObject and
HeadObject, "Permissions": https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html): with it, 404 NoSuchKey;
without it, 403 AccessDenied. Which request context AWS uses for that ListBucket check is not
documented (in particular whether ``s3:prefix`` is set to the key). The sandbox evaluates it with
no ``s3:prefix``, the stricter reading: a ListBucket grant limited by an ``s3:prefix`` condition
does not turn the 403 into a 404. Code that handles the 403 works on AWS either way.
"""
from __future__ import annotations

import json
import uuid
from typing import Any
from xml.sax.saxutils import escape

from sandbox.iam import actions, credentials, evaluation, identity
from sandbox.iam.requests import Call, decode

Response = tuple[int, dict[str, str], bytes]

# (error code, HTTP status) of an access denial, where it differs from JSON's AccessDeniedException/400.
_DENIED = {
    "s3": ("AccessDenied", 403),
    "sagemaker-featurestore-runtime": ("AccessForbidden", 403),
    "iam": ("AccessDenied", 403),
    "sts": ("AccessDenied", 403),
}


def denial(service: str, operation: str, protocol: str, account: str, region: str, request: Any) -> Response | None:
    """AWS's error for a request the current identity may not make; None when it may (or none is set)."""
    headers = {str(k).lower(): (v.decode() if isinstance(v, bytes) else str(v)) for k, v in request.headers.items()}
    if not evaluation.enabled():
        return None
    who = identity.current() or credentials.assumed_role_of(account, headers)  # acting_as, else AssumeRole keys
    if who is None:
        return None
    role_arn, session = who
    call = decode(service, operation, account, region, request.method, request.url, headers, request.body)
    checks = actions.checks_for(call)
    if checks is None:
        message = (f"the sandbox has no IAM rule for {service} {operation} (made as {role_arn}); "
                   f"add a row to sandbox.iam.actions.ROWS")
        return render(service, protocol, "SandboxNoIamRule", message, 400, request.method)
    for check in checks:
        decision = evaluation.evaluate(account, role_arn, check.action, check.resource, check.context)
        if not decision.allowed:
            return _denied(service, protocol, role_arn, session, check, decision, request.method)
    if service == "s3" and operation in ("GetObject", "HeadObject") and _missing_key(call):
        check = actions.Check("s3:ListBucket", actions.s3_bucket(call))
        decision = evaluation.evaluate(account, role_arn, check.action, check.resource, {})
        if not decision.allowed:
            return _denied(service, protocol, role_arn, session, check, decision, request.method)
    return None


def _denied(service: str, protocol: str, role_arn: str, session: str, check: actions.Check,
            decision: evaluation.Decision, method: str) -> Response:
    code, status = _DENIED.get(service, ("AccessDeniedException", 400))
    message = evaluation.access_denied_message(role_arn, check.action, check.resource, decision, session)
    return render(service, protocol, code, message, status, method)


def render(service: str, protocol: str, code: str, message: str, status: int, method: str = "POST") -> Response:
    """An error response as botocore parses it for ``protocol``."""
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-RequestId": request_id, "x-amz-request-id": request_id}
    if protocol == "rest-xml":
        if method == "HEAD":
            return status, headers, b""
        body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{escape(code)}</Code>'
                f"<Message>{escape(message)}</Message><RequestId>{request_id}</RequestId></Error>")
        return status, {**headers, "Content-Type": "application/xml"}, body.encode("utf-8")
    if protocol in ("query", "ec2"):
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{escape(code)}</Code><Message>{escape(message)}"
                f"</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>")
        return status, {**headers, "Content-Type": "text/xml"}, body.encode("utf-8")
    headers.update({"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code})
    return status, headers, json.dumps({"__type": code, "Message": message}).encode("utf-8")


def _missing_key(call: Call) -> bool:
    """Whether the call names an existing bucket but a key it does not hold (no version asked for)."""
    from moto.s3.models import s3_backends

    if "VersionId" in call.params:
        return False
    bucket = s3_backends[call.account]["aws"].buckets.get(str(call.params.get("Bucket", "")))
    return bucket is not None and str(call.params.get("Key", "")) not in bucket.keys
