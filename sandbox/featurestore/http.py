"""The Feature Store runtime's wire format (REST-JSON): route a request, render the answer.

Used both in-process (moto's botocore stubber hands over requests for
``featurestore-runtime.sagemaker.<region>.amazonaws.com``) and in server mode (the WSGI wrapper hands
over requests signed for ``sagemaker`` whose path is a runtime path).
"""
from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sandbox.featurestore.errors import FeatureStoreError, validation_error
from sandbox.featurestore.runtime import FeatureStoreRuntime

HOST_PATTERN = re.compile(r"^featurestore-runtime\.sagemaker\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$")
_GROUP_PATH = re.compile(r"^/FeatureGroup/([^/]+)$")

Response = tuple[int, dict[str, str], bytes]


def operation_for(method: str, path: str) -> str | None:
    """The API operation a request is for, or None when the path is not a Feature Store runtime path."""
    if method == "POST" and path == "/BatchWriteRecord":
        return "BatchWriteRecord"
    if method == "POST" and path == "/BatchGetRecord":
        return "BatchGetRecord"
    if _GROUP_PATH.match(path):
        return {"PUT": "PutRecord", "GET": "GetRecord", "DELETE": "DeleteRecord"}.get(method)
    if path.startswith("/FeatureGroup/") and path.endswith(("/ListRecords", "/Record")):
        return "ListRecords" if path.endswith("/ListRecords") else "UpdateRecord"
    return None


def handle(runtime: FeatureStoreRuntime, *, account: str, region: str, method: str, url: str,
           body: bytes | str | None) -> Response:
    """Answer one HTTP request to the runtime API."""
    parts = urlsplit(url)
    path = parts.path
    operation = operation_for(method, path)
    try:
        if operation is None:
            raise FeatureStoreError("UnknownOperationException", f"No Feature Store runtime operation for {method} {path}", 404)
        params = _params(operation, path, parse_qs(parts.query, keep_blank_values=True), body)
        handlers = {
            "PutRecord": runtime.put_record,
            "BatchWriteRecord": runtime.batch_write_record,
            "GetRecord": runtime.get_record,
            "BatchGetRecord": runtime.batch_get_record,
            "DeleteRecord": runtime.delete_record,
        }
        if operation not in handlers:
            raise validation_error(f"{operation} is not supported by the sandbox's Feature Store runtime")
        result = handlers[operation](account, region, params)
    except FeatureStoreError as error:
        return error_response(error)
    return 200, {"Content-Type": "application/json", "x-amzn-RequestId": str(uuid.uuid4())}, json.dumps(result).encode("utf-8")


def error_response(error: FeatureStoreError) -> Response:
    """The REST-JSON error answer botocore parses into ClientError(code, message)."""
    body = json.dumps({"__type": error.error_code, "Message": error.message}).encode("utf-8")
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": error.error_code,
               "x-amzn-RequestId": str(uuid.uuid4())}
    return error.code, headers, body


def _params(operation: str, path: str, query: dict[str, list[str]], body: bytes | str | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if body:
        try:
            params = json.loads(body)
        except ValueError as error:
            raise validation_error(f"Request body is not valid JSON: {error}") from error
        if not isinstance(params, dict):
            raise validation_error("Request body must be a JSON object")
    match = _GROUP_PATH.match(path)
    if match:
        params["FeatureGroupName"] = unquote(match.group(1))
    if operation == "GetRecord":
        _copy_query(query, params, {"RecordIdentifierValueAsString": "RecordIdentifierValueAsString",
                                    "ExpirationTimeResponse": "ExpirationTimeResponse"})
        if "FeatureName" in query:
            params["FeatureNames"] = query["FeatureName"]
    if operation == "DeleteRecord":
        _copy_query(query, params, {"RecordIdentifierValueAsString": "RecordIdentifierValueAsString",
                                    "EventTime": "EventTime", "DeletionMode": "DeletionMode"})
        if "TargetStores" in query:
            params["TargetStores"] = query["TargetStores"]
    return params


def _copy_query(query: dict[str, list[str]], params: dict[str, Any], names: dict[str, str]) -> None:
    for wire, param in names.items():
        if wire in query:
            params[param] = query[wire][0]
