"""An in-process request, as the parameters of its API call (what ``sandbox.iam.actions`` maps).

The request hook sees botocore's prepared HTTP request, not the call's parameters. This module
reads them back with the service's botocore model: the JSON body (json / rest-json protocols), the
form body (query protocol), and the members the model binds to the URI path, the query string and
headers (rest protocols). S3 virtual-hosted-style requests carry the bucket in the host name.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import botocore.session

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")
_S3_VIRTUAL_HOST = re.compile(r"^(?P<bucket>.+)\.s3[.-](?:[a-z0-9-]+\.)?amazonaws\.com$")


@dataclass(frozen=True)
class Call:
    """One API call: boto3 client name, operation, account, region and decoded parameters."""

    service: str
    operation: str
    account: str
    region: str
    params: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


@cache
def _model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


def decode(service: str, operation: str, account: str, default_region: str, method: str, url: str,
           headers: Mapping[str, Any], body: Any) -> Call:
    """The ``Call`` a prepared request stands for."""
    text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else body
    text = text if isinstance(text, str) else ""  # a streamed body (an S3 upload) holds no parameters
    plain_headers = {str(k).lower(): (v.decode() if isinstance(v, bytes) else str(v)) for k, v in headers.items()}
    scope = _CREDENTIAL_SCOPE.search(plain_headers.get("authorization", ""))
    region = scope.group(1) if scope else default_region
    try:
        model = _model(service)
        operation_model = model.operation_model(operation)
    except Exception:  # an unknown service or operation: no parameters to read
        return Call(service, operation, account, region, {}, plain_headers)
    protocol = model.protocol
    params: dict[str, Any] = {}
    if protocol in ("json", "rest-json") and text.strip().startswith("{"):
        try:
            params.update(json.loads(text))
        except ValueError:
            pass
    elif protocol in ("query", "ec2"):
        params.update({k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()})
    if protocol.startswith("rest"):
        params.update(_rest_members(service, operation_model, url, plain_headers))
    return Call(service, operation, account, region, params, plain_headers)


def _rest_members(service: str, operation_model: Any, url: str, headers: Mapping[str, str]) -> dict[str, Any]:
    parts = urlsplit(url)
    path = parts.path
    if service == "s3":
        match = _S3_VIRTUAL_HOST.match(parts.hostname or "")
        if match and not match.group("bucket").startswith("s3"):
            path = f"/{match.group('bucket')}{path}"
    found: dict[str, Any] = {}
    template = operation_model.http.get("requestUri", "/").split("?", 1)[0]
    found.update(_match_uri(template, path))
    query = parse_qs(parts.query, keep_blank_values=True)
    shape = operation_model.input_shape
    for name, member in (shape.members.items() if shape is not None else ()):
        location, wire = member.serialization.get("location"), member.serialization.get("name", name)
        if location == "querystring" and wire in query:
            found[name] = query[wire][0]
        elif location == "header" and wire.lower() in headers:
            found[name] = headers[wire.lower()]
    return found


def _match_uri(template: str, path: str) -> dict[str, str]:
    """Values of ``{Name}`` / ``{Name+}`` placeholders of a request URI template found in ``path``."""
    names: list[str] = []

    def placeholder(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return "(.+)" if match.group(2) else "([^/]*)"

    pattern = re.sub(r"\\\{(\w+)(\\\+)?\\\}", placeholder, re.escape(template))
    matched = re.fullmatch(pattern, path) or re.fullmatch(pattern.rstrip("/"), path.rstrip("/"))
    if not matched:
        return {}
    return {name: unquote(value) for name, value in zip(names, matched.groups(), strict=True)}
