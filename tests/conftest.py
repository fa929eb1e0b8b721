"""Test-wide guard rails: no test may ever reach real AWS.

Fake credentials and a fixed region are set before any test module imports
boto3, and every endpoint a client could resolve to a real AWS host is refused
unless a mock (moto / the sandbox) intercepts the request first.
"""
from __future__ import annotations

import os

_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_REGION": "eu-west-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
for _key, _value in _FAKE_ENV.items():
    os.environ[_key] = _value
os.environ.pop("AWS_PROFILE", None)

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _refuse_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if an un-mocked HTTP request would leave this machine."""
    from urllib.parse import urlsplit

    import botocore.httpsession

    original_send = botocore.httpsession.URLLib3Session.send

    def _guarded(self, request):
        host = urlsplit(request.url).hostname or ""
        if host in {"localhost", "127.0.0.1", "::1"}:
            return original_send(self, request)  # the sandbox served on loopback
        raise RuntimeError(f"test tried to reach real AWS: {request.method} {request.url}")

    monkeypatch.setattr(botocore.httpsession.URLLib3Session, "send", _guarded)
