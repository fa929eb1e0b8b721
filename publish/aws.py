"""boto3 sessions and clients for the deployer, with clear errors for missing credentials."""
from __future__ import annotations

from dataclasses import dataclass

import boto3
from botocore.config import Config
from botocore.exceptions import ProfileNotFound

_RETRIES = Config(retries={"max_attempts": 8, "mode": "adaptive"})


class AwsSetupError(RuntimeError):
    """No usable credentials, profile or region: the message says how to provide them."""


@dataclass
class AwsClients:
    """The clients one deploy uses, all bound to the same session, region and endpoint."""

    session: boto3.Session
    region: str
    endpoint_url: str | None = None

    def client(self, service: str):
        return self.session.client(service, region_name=self.region, endpoint_url=self.endpoint_url, config=_RETRIES)

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
    if session.get_credentials() is None:
        raise AwsSetupError(
            "no AWS credentials found: run 'aws configure', set AWS_PROFILE or AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY, pass --profile, or use --local for the offline sandbox"
        )
    return AwsClients(session=session, region=region, endpoint_url=endpoint_url)
