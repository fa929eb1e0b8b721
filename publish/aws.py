"""boto3 sessions and clients for the commands, with clear errors for missing credentials.

The one-line form of every AWS error is ``cli.describe_aws_error``.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ProfileNotFound

from cli import CommandError

_RETRIES = Config(retries={"max_attempts": 8, "mode": "adaptive"})


class AwsSetupError(CommandError):
    """No usable credentials, profile or region: the message says how to provide them (exit 1)."""


@dataclass
class AwsClients:
    """The clients one deploy uses, all bound to the same session, region and endpoint."""

    session: boto3.Session
    region: str
    endpoint_url: str | None = None

    def client(self, service: str):
        # boto3-stubs types a client per literal service name; ours is chosen at run time.
        return self.session.client(  # type: ignore[call-overload]
            service, region_name=self.region, endpoint_url=self.endpoint_url, config=_RETRIES)

    def account_id(self) -> str:
        return self.client("sts").get_caller_identity()["Account"]


def connect(region: str | None, profile: str | None = None, endpoint_url: str | None = None) -> AwsClients:
    """Open a session; fail with one line if there is no profile, region or credentials."""
    try:
        session = boto3.Session(profile_name=profile) if profile else boto3.Session()
    except ProfileNotFound:
        raise AwsSetupError(f"AWS profile {profile!r} not found: check ~/.aws/config or drop --profile") from None
    region = region or session.region_name
    if not region:
        raise AwsSetupError("no AWS region: set pipeline.region in config.yaml, pass --region, or set AWS_REGION")
    if session.get_credentials() is None and _is_loopback(endpoint_url):
        # The offline sandbox (deploy.py --local --serve) accepts any credentials: don't make a
        # newcomer invent some. Never for a real endpoint.
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
    if session.get_credentials() is None:
        raise AwsSetupError(
            "no AWS credentials found: run 'aws configure', set AWS_PROFILE or AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY, pass --profile, or use --local for the offline sandbox"
        )
    return AwsClients(session=session, region=region, endpoint_url=endpoint_url)


def _is_loopback(endpoint_url: str | None) -> bool:
    host = urlsplit(endpoint_url).hostname if endpoint_url else None
    return host in ("localhost", "127.0.0.1", "::1")
