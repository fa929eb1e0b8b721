"""Planned failures for tests: throttling or 5xx on any AWS API, crashing or timing-out Lambdas.

A test plans faults on the sandbox's ``FaultPlan``; every request that reaches the sandbox
(in-process or in server mode) passes through ``FaultPlan.check(service, operation)`` before moto
or a stand-in handles it, so a fault can be planned on any API the pipeline calls. Services are
named as boto3 names its clients ("s3", "stepfunctions", "sagemaker-featurestore-runtime", ...);
operations by their API name ("PutObject").

Per-entry faults of ``BatchWriteRecord`` are planned on the pseudo-operation
``"BatchWriteRecord.entry"``: each planned fault is consumed by one entry, which then lands in the
response's ``Errors`` (or, with ``error_code="Unprocessed"``, in ``UnprocessedEntries``).
"""
from __future__ import annotations

import collections
import json
import threading
import uuid
from dataclasses import dataclass
from xml.sax.saxutils import escape

from moto.core.exceptions import JsonRESTError

# botocore event names carry the hyphenated service id, which differs from the boto3 client name
# for a few services; map them back so plans and counters always use client names.
SERVICE_ID_TO_CLIENT_NAME = {
    "sfn": "stepfunctions",
    "eventbridge": "events",
    "cloudwatch-logs": "logs",
    "sagemaker-runtime": "sagemaker-runtime",
    "lambda": "lambda",
}

UNPROCESSED = "Unprocessed"  # error_code of a BatchWriteRecord.entry fault that leaves the entry unprocessed
LAMBDA_TIMEOUT_ERROR = "Sandbox.Timedout"  # what Step Functions reports for a timed-out Lambda


def client_name(service: str) -> str:
    """The boto3 client name for a service id or client name ("sfn" -> "stepfunctions")."""
    return SERVICE_ID_TO_CLIENT_NAME.get(service, service)


class InjectedFault(JsonRESTError):
    """An error the test planned; renders as the service's own error response."""

    def __init__(self, error_code: str, message: str, status: int = 400) -> None:
        super().__init__(error_code, message)
        self.code = status
        self.error_code = error_code

    def __str__(self) -> str:
        return f"{self.error_code} ({self.code}): {self.message}"

    def render(self, protocol: str) -> tuple[int, dict[str, str], bytes]:
        """The error as (status, headers, body) in the service's protocol, as botocore parses it."""
        code, message, request_id = escape(self.error_code), escape(self.message), str(uuid.uuid4())
        headers = {"x-amzn-RequestId": request_id, "x-amz-request-id": request_id}
        if protocol == "rest-xml":  # S3
            body = (f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message>"
                    f"<RequestId>{request_id}</RequestId></Error>")
            return self.code, {**headers, "Content-Type": "application/xml"}, body.encode("utf-8")
        if protocol == "ec2":
            body = (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                    f"<RequestID>{request_id}</RequestID></Response>")
            return self.code, {**headers, "Content-Type": "text/xml"}, body.encode("utf-8")
        if protocol == "query":
            body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                    f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>")
            return self.code, {**headers, "Content-Type": "text/xml"}, body.encode("utf-8")
        body = json.dumps({"__type": self.error_code, "message": self.message})
        headers.update({"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": self.error_code})
        return self.code, headers, body.encode("utf-8")


@dataclass
class _Planned:
    error_code: str
    status: int
    message: str
    remaining: int


@dataclass(frozen=True)
class LambdaFault:
    """A planned Lambda failure: ``kind`` is "crash" (the handler raises) or "timeout"."""

    kind: str
    message: str


class FaultPlan:
    """Failures planned by a test, consumed in order as matching calls arrive."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._api: dict[tuple[str, str], collections.deque[_Planned]] = collections.defaultdict(collections.deque)
        self._lambda: dict[str, collections.deque[list]] = collections.defaultdict(collections.deque)
        self.calls: collections.Counter[tuple[str, str]] = collections.Counter()

    def add(self, service: str, operation: str, *, error_code: str = "ThrottlingException",
            status: int = 400, message: str = "Rate exceeded", times: int = 1) -> None:
        """Make the next ``times`` calls of ``service``/``operation`` fail with this error."""
        if times < 1:
            raise ValueError(f"times must be >= 1, got {times}")
        if not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error status (400-599), got {status}")
        if not operation or not operation[0].isupper():
            raise ValueError(f"operation must be an API name like 'PutObject', got {operation!r}")
        with self._lock:
            self._api[(client_name(service), operation)].append(_Planned(error_code, status, message, times))

    def check(self, service: str, operation: str) -> None:
        """Raise the next planned fault for this API, if any (consumes one)."""
        key = (client_name(service), operation)
        with self._lock:
            self.calls[key] += 1
            queue = self._api.get(key)
            if not queue:
                return
            planned = queue[0]
            planned.remaining -= 1
            if planned.remaining <= 0:
                queue.popleft()
        raise InjectedFault(planned.error_code, planned.message, planned.status)

    def crash_lambda(self, function_name: str, times: int = 1, message: str = "boom") -> None:
        """Make the next ``times`` invocations of the function raise ``Exception(message)``."""
        self._add_lambda(function_name, LambdaFault("crash", message), times)

    def timeout_lambda(self, function_name: str, times: int = 1) -> None:
        """Make the next ``times`` invocations of the function time out."""
        self._add_lambda(function_name, LambdaFault("timeout", "Task timed out"), times)

    def take_lambda_fault(self, function_name: str) -> LambdaFault | None:
        """The next planned fault for an invocation of ``function_name`` (consumed), or None."""
        with self._lock:
            queue = self._lambda.get(function_name)
            if not queue:
                return None
            entry = queue[0]
            entry[1] -= 1
            if entry[1] <= 0:
                queue.popleft()
            return entry[0]

    def clear(self) -> None:
        """Forget every planned fault and reset the call counter."""
        with self._lock:
            self._api.clear()
            self._lambda.clear()
            self.calls.clear()

    def _add_lambda(self, function_name: str, fault: LambdaFault, times: int) -> None:
        if times < 1:
            raise ValueError(f"times must be >= 1, got {times}")
        if ":" in function_name:
            raise ValueError(f"pass the function name, not an ARN: {function_name!r}")
        with self._lock:
            self._lambda[function_name].append([fault, times])
