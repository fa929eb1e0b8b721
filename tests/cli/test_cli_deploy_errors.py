"""deploy.py as a command: every AWS or setup error is one line on stderr starting with "error:", exit 1.

Each case runs deploy.py in a subprocess, as a user would: importing the SDKs installs rich's
traceback printer (sagemaker_core), so only a real process shows what the user would see.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, env: dict[str, str] | None = None, code: str | None = None) -> subprocess.CompletedProcess:
    environ = {**os.environ, **(env or {})}
    environ = {k: v for k, v in environ.items() if v is not None}
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "deploy.py", *args]
    return subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=240)


def _assert_one_error_line(result: subprocess.CompletedProcess, *needles: str) -> str:
    assert "Traceback" not in result.stdout + result.stderr, (result.stdout + result.stderr)[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    assert lines[0].startswith("error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert result.returncode == 1
    return lines[0]


def test_unreachable_endpoint_is_one_line():
    result = _run("--endpoint-url", "http://127.0.0.1:9")
    _assert_one_error_line(result, "cannot reach http://127.0.0.1:9")
    assert len(result.stdout.splitlines()) < 5, result.stdout[-2000:]


class _RefusingSts(BaseHTTPRequestHandler):
    """Answers every request as STS does for an invalid access key (query protocol, XML error)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = (b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
                b"<Code>InvalidClientTokenId</Code><Message>The security token included in the request is "
                b"invalid.</Message></Error><RequestId>1</RequestId></ErrorResponse>")
        self.send_response(403)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def refusing_endpoint():
    server = HTTPServer(("127.0.0.1", 0), _RefusingSts)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_client_error_outside_the_deployer_is_one_line(refusing_endpoint):
    result = _run("--endpoint-url", refusing_endpoint)
    _assert_one_error_line(result, "GetCallerIdentity", "InvalidClientTokenId", "security token")


def test_missing_credentials_is_one_line():
    result = _run(env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None,
                       "AWS_SECURITY_TOKEN": None, "AWS_PROFILE": None, "AWS_CONFIG_FILE": os.devnull,
                       "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true",
                       "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None, "AWS_CONTAINER_CREDENTIALS_FULL_URI": None})
    _assert_one_error_line(result, "no AWS credentials")


def test_unknown_profile_is_one_line():
    result = _run("--profile", "no-such-profile")
    _assert_one_error_line(result, "no-such-profile", "not found")


_RAISING = """
import sys
import botocore.exceptions as e
import publish.aws
import deploy

def connect(*args, **kwargs):
    raise {error}

publish.aws.connect = connect
sys.exit(deploy.main(sys.argv[1:]))
"""


@pytest.mark.parametrize("error, needle", [
    ("e.NoRegionError()", "no AWS region"),
    ("e.NoCredentialsError()", "no AWS credentials"),
    ("e.ProfileNotFound(profile='ghost')", "'ghost' not found"),
    ("e.EndpointConnectionError(endpoint_url='https://sts.eu-west-1.amazonaws.com/')", "cannot reach"),
])
def test_each_sdk_setup_error_raised_anywhere_is_one_line(error, needle):
    result = _run(code=_RAISING.format(error=error))
    _assert_one_error_line(result, needle)


def test_config_errors_still_exit_2():
    result = _run("--config", "no-such-config.yaml")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_local_endpoint_needs_no_credentials_a_real_one_does(monkeypatch, tmp_path):
    """The served sandbox accepts any credentials, so a newcomer following the README need not invent
    some; any other endpoint still fails with the one-line 'no AWS credentials' error."""
    from publish.aws import AwsSetupError, connect

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    clients = connect("eu-west-1", None, "http://127.0.0.1:5000")
    assert clients.session.get_credentials() is not None
    with pytest.raises(AwsSetupError, match="no AWS credentials found"):
        connect("eu-west-1", None, "https://sagemaker.eu-west-1.amazonaws.com")
