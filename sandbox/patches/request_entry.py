"""Every in-process request: planned faults, IAM for calls made as a role, and the Feature Store runtime."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSResponse

from sandbox import registry
from sandbox.faults import InjectedFault, client_name
from sandbox.featurestore import http as featurestore_http
from sandbox.iam import guard as iam_guard
from sandbox.patches.base import patch
from sandbox.protocols import protocol_of

_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def _response(url: str, status: int, headers: dict[str, str], body: bytes) -> AWSResponse:
    """A response botocore reads as if it came from the wire."""
    from moto.core.botocore_stubber import MockRawResponse

    # botocore wraps any mapping in HeadersDict; botocore-stubs asks for HTTPHeaders.
    return AWSResponse(url, status, headers, MockRawResponse(body))  # type: ignore[arg-type]


def install() -> None:
    """moto routes in-process requests through BotocoreStubber (botocore's before-send hook).

    Why: (a) faults must be injectable on every API; the hook's event name names the service and
    operation exactly ("before-send.s3.PutObject"), for boto3 and for moto's Step Functions engine
    alike. (b) moto has no routing for the Feature Store runtime host
    (featurestore-runtime.sagemaker.<region>.amazonaws.com): it would answer 404. (c) moto never
    evaluates IAM for these requests; a request made under an identity is (sandbox.iam.guard).
    """
    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.__call__

    def __call__(self: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> AWSResponse | None:
        host = urlsplit(request.url).hostname or ""
        sandbox = registry.current()
        if not self.enabled or sandbox is None or host in _LOOPBACK:
            return original(self, event_name, request, **kwargs)  # loopback: the served sandbox answers
        parts = event_name.split(".")
        service = client_name(parts[1]) if len(parts) > 2 else ""
        operation = parts[2] if len(parts) > 2 else ""
        try:
            sandbox.faults.check(service, operation)
        except InjectedFault as fault:
            status, headers, body = fault.render(protocol_of(service))
            return _response(request.url, status, headers, body)
        denied = iam_guard.denial(service, operation, protocol_of(service), sandbox.account_id, sandbox.region, request)
        if denied is not None:  # (c) IAM: requests made as a role (sandbox.iam.identity) are evaluated
            return _response(request.url, *denied)
        match = featurestore_http.HOST_PATTERN.match(host)
        if match:
            status, headers, body = featurestore_http.handle(
                sandbox.featurestore, account=sandbox.account_id, region=match.group(1),
                method=request.method, url=request.url, body=request.body)
            return _response(request.url, status, headers, body)
        return original(self, event_name, request, **kwargs)

    patch(BotocoreStubber, "__call__", __call__)
