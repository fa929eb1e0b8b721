"""Server mode: the sandbox on a local port, for the AWS CLI, boto3 with ``endpoint_url`` or a notebook.

moto's WSGI application answers every service; ``SandboxApp`` wraps it to (a) check planned faults
for each request, by service and operation, and (b) answer Feature Store runtime requests (signed
for ``sagemaker``, with runtime paths such as ``PUT /FeatureGroup/<name>``), which moto cannot
route. ``MOTO_PORT`` is set to the port while serving: moto's Step Functions engine reaches the
services there whenever it is not intercepted in-process.

Run standalone: ``python -m sandbox.server --port 5000``.
"""
from __future__ import annotations

import argparse
import io
import os
import re
import threading
from typing import TYPE_CHECKING, Any, Callable, Iterable
from urllib.parse import parse_qs

from werkzeug.serving import make_server

from sandbox.faults import InjectedFault
from sandbox.featurestore import http as featurestore_http
from sandbox.moto_patches import protocol_of

if TYPE_CHECKING:
    from sandbox.core import Sandbox

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
_SIGNING_NAME_TO_CLIENT = {"states": "stepfunctions", "monitoring": "cloudwatch", "email": "ses"}
_STATUS_TEXT = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests",
                500: "Internal Server Error", 503: "Service Unavailable"}


class SandboxApp:
    """WSGI application: planned faults and the Feature Store runtime in front of moto's app."""

    def __init__(self, sandbox: "Sandbox", moto_app: Callable[..., Iterable[bytes]]) -> None:
        self._sandbox = sandbox
        self._moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = _peek_body(environ)
        scope = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        region = scope.group(1) if scope else self._sandbox.region
        signing_name = scope.group(2) if scope else ""
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        runtime_operation = featurestore_http.operation_for(method, path) if signing_name == "sagemaker" else None
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
        return self._moto_app(environ, start_response)


class SandboxServer:
    """moto's server application, wrapped by SandboxApp, on 127.0.0.1 in a daemon thread."""

    def __init__(self, sandbox: "Sandbox", port: int = 0) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

        app = SandboxApp(sandbox, DomainDispatcherApplication(create_backend_app))
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


def main() -> None:
    """Run the sandbox as a server until interrupted."""
    from sandbox.core import Sandbox

    parser = argparse.ArgumentParser(description="Serve the offline AWS sandbox on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--region", default="eu-west-1")
    parser.add_argument("--time-scale", type=float, default=0.001)
    args = parser.parse_args()
    sandbox = Sandbox(region=args.region, time_scale=args.time_scale)
    print(f"sandbox serving on {sandbox.serve(port=args.port)} (Ctrl-C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
