"""Server mode's HTTP side: the sandbox on a local port, for the AWS CLI, boto3 with ``endpoint_url``
or a notebook.

moto's WSGI application answers every service; ``SandboxApp`` wraps it to (a) check planned faults
for each request, by service and operation, and (b) answer Feature Store runtime requests (signed
for ``sagemaker``, with runtime paths such as ``PUT /FeatureGroup/<name>``), which moto cannot
route, and (c) answer an action moto lacks with the service's own error shape, never an HTML page.
``MOTO_PORT`` is set to the port while serving: moto's Step Functions engine reaches the services
there whenever it is not intercepted in-process.

``Sandbox.serve`` starts it; ``python -m sandbox.server`` runs it from the command line.
"""
from __future__ import annotations

import io
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from werkzeug.serving import make_server

from sandbox.faults import InjectedFault
from sandbox.featurestore import http as featurestore_http
from sandbox.protocols import protocol_of

if TYPE_CHECKING:
    from sandbox.registry import RunningSandbox as Sandbox

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
_SIGNING_NAME_TO_CLIENT = {"states": "stepfunctions", "monitoring": "cloudwatch", "email": "ses"}
_STATUS_TEXT = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests",
                500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable"}


class SandboxApp:
    """WSGI application: planned faults and the Feature Store runtime in front of moto's app."""

    def __init__(self, sandbox: Sandbox, moto_app: Callable[..., Iterable[bytes]]) -> None:
        self._sandbox = sandbox
        self._moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = _peek_body(environ)
        scope = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        region = scope.group(1) if scope else self._sandbox.region
        signing_name = scope.group(2) if scope else ""
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        runtime_operation = featurestore_http.operation_for(method, path) if signing_name == "sagemaker" else None
        operation: str | None
        if runtime_operation:
            service, operation = "sagemaker-featurestore-runtime", runtime_operation
        else:
            service = _SIGNING_NAME_TO_CLIENT.get(signing_name, signing_name)
            operation = _operation(service, environ, body) if service else None
        if operation:
            try:
                self._sandbox.faults.check(service, operation)
            except InjectedFault as fault:
                return _respond(start_response, *fault.render(protocol_of(service)))
        if runtime_operation:
            query = environ.get("QUERY_STRING", "")
            url = f"http://{environ.get('HTTP_HOST', 'localhost')}{path}" + (f"?{query}" if query else "")
            return _respond(start_response, *featurestore_http.handle(
                self._sandbox.featurestore, account=self._sandbox.account_id, region=region, method=method,
                url=url, body=body))
        return self._answer_with_moto(environ, start_response, service, operation)

    def _answer_with_moto(self, environ: dict[str, Any], start_response: Callable[..., Any], service: str,
                          operation: str | None) -> Iterable[bytes]:
        """moto's answer; where moto has none (NotImplementedError, or an HTML error page), AWS's error
        shape for the service's protocol, naming the action: never HTML, which no SDK can parse."""
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured[:] = [status, headers]
            return lambda data: None

        try:
            chunks = self._moto_app(environ, capture)
            try:
                body = b"".join(chunks)
            finally:
                getattr(chunks, "close", lambda: None)()
        except NotImplementedError:
            return _respond(start_response, *unsupported_action(service, operation, environ))
        except Exception as error:  # moto crashed: AWS would answer InternalFailure, not a page
            return _respond(start_response, *internal_failure(service, operation, environ, error))
        status, headers = captured
        if int(status.split()[0]) >= 400 and body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
            return _respond(start_response, *unsupported_action(service, operation, environ))
        start_response(status, headers)
        return [body]


# The error each protocol answers for an action the service does not have:
# - query (IAM, STS): InvalidAction, 400: "The action or operation requested is invalid" (Common
#   Errors, e.g. https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html);
# - rest-xml (S3): NotImplemented, 501: "A header you provided implies functionality that is not
#   implemented" (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html);
# - json and rest-json: UnknownOperationException, 400. Undocumented: it is what AWS's JSON services
#   answer for an unknown X-Amz-Target, and what botocore's JSON parser reads as the code.
_UNSUPPORTED = {"query": ("InvalidAction", 400), "ec2": ("InvalidAction", 400), "rest-xml": ("NotImplemented", 501)}


def _protocol(service: str, environ: dict[str, Any]) -> str:
    if service:
        return protocol_of(service)
    content_type = environ.get("CONTENT_TYPE", "")
    return "query" if "x-www-form-urlencoded" in content_type else "json"


def _action(service: str, operation: str | None, environ: dict[str, Any]) -> str:
    what = operation or f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '/')}"
    return f"{service} {what}" if service else what


def unsupported_action(service: str, operation: str | None, environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) saying the sandbox does not implement this action, in its protocol."""
    protocol = _protocol(service, environ)
    code, status = _UNSUPPORTED.get(protocol, ("UnknownOperationException", 400))
    message = (f"The offline sandbox does not implement {_action(service, operation, environ)} "
               "(moto 5.2.5 has no such action); AWS does")
    return InjectedFault(code, message, status).render(protocol)


def internal_failure(service: str, operation: str | None, environ: dict[str, Any],
                     error: Exception) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of an InternalFailure (500, Common Errors) for a crash behind the sandbox."""
    message = (f"The offline sandbox failed on {_action(service, operation, environ)}: "
               f"{type(error).__name__}: {' '.join(str(error).split())}")
    return InjectedFault("InternalFailure", message, 500).render(_protocol(service, environ))


class SandboxServer:
    """moto's server application, wrapped by SandboxApp, on 127.0.0.1 in a daemon thread."""

    def __init__(self, sandbox: Sandbox, port: int = 0) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

        app = SandboxApp(sandbox, DomainDispatcherApplication(create_backend_app))
        # One access-log line per request would interleave with a local run's progress lines.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
        self._thread: threading.Thread | None = None
        self._previous_port: str | None = None

    def start(self) -> str:
        """Serve in the background; returns ``http://127.0.0.1:<port>``."""
        port = self._server.server_port
        self._previous_port = os.environ.get("MOTO_PORT")
        os.environ["MOTO_PORT"] = str(port)
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-server", daemon=True)
        self._thread.start()
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        """Stop serving and restore MOTO_PORT."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._previous_port is None:
            os.environ.pop("MOTO_PORT", None)
        else:
            os.environ["MOTO_PORT"] = self._previous_port


def _peek_body(environ: dict[str, Any]) -> bytes:
    """Read the request body and put it back for the application behind."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _operation(service: str, environ: dict[str, Any], body: bytes) -> str | None:
    """The API operation of a request to ``service`` (json target header, query Action, or REST route)."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.split(".")[-1]
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if not action and "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
    if action:
        return action[0]
    try:
        from moto.core.request import Request
        from moto.core.routing import get_service_router

        operation, _ = get_service_router(service).match(Request(environ))
        return operation.name
    except Exception:  # unknown service or route: moto will answer it as it can
        return None


def _respond(start_response: Callable[..., Any], status: int, headers: dict[str, str], body: bytes) -> list[bytes]:
    start_response(f"{status} {_STATUS_TEXT.get(status, 'Error')}",
                   [*headers.items(), ("Content-Length", str(len(body)))])
    return [body]
