"""steps.in_flight with the check Lambda's real role, on the sandbox that answers as S3 does.

Without s3:ListBucket on the whole bucket (the role may list only some prefixes), GetObject and
HeadObject of a missing key answer 403 AccessDenied, not 404 (Amazon S3 API Reference, GetObject
and HeadObject, "Permissions"). A marker released by another run between the listing and the read
is such a missing key: it must count as gone, not fail the run.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError

from publish.iam_roles import INLINE_POLICY_NAME
from reliability.pipeline import SandboxPipeline
from sandbox import Sandbox
from sandbox.iam.identity import acting_as
from steps import in_flight


@pytest.fixture()
def pipeline():
    with Sandbox(region="eu-west-1") as box:
        yield SandboxPipeline(box)


def _clients():
    return boto3.client("s3"), boto3.client("stepfunctions")


def _own_execution(pipeline: SandboxPipeline) -> str:
    arns = pipeline.deploy.arns
    return f"arn:aws:states:{arns.region}:{arns.account_id}:execution:{pipeline.cfg.pipeline.name}:own"


def test_a_marker_released_after_the_listing_is_gone_not_an_error(pipeline):
    work = pipeline.cfg.storage.work_prefix
    released = in_flight.marker_key(work, "scratch-released")
    now = datetime.now(UTC)
    found = in_flight.InFlight()
    with acting_as(pipeline.deploy.arns.check_lambda_role, "check"):
        s3, sfn = _clients()
        in_flight.judge_markers(s3, sfn, pipeline.bucket, {released: now}, _own_execution(pipeline), set(), now, found)
    assert (found.uris, found.runs, found.released) == (set(), [], 0)


def test_a_claim_withdrawn_while_it_was_read_is_gone_not_an_error(pipeline):
    """_exists: HeadObject of a marker deleted meanwhile answers 403 to this role."""
    key = in_flight.marker_key(pipeline.cfg.storage.work_prefix, "scratch-withdrawn")
    with acting_as(pipeline.deploy.arns.check_lambda_role, "check"):
        s3, _ = _clients()
        with pytest.raises(ClientError) as caught:
            s3.head_object(Bucket=pipeline.bucket, Key=key)
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403  # what AWS answers this role
        assert in_flight._exists(s3, pipeline.bucket, key) is False


def test_a_marker_the_role_may_not_read_still_fails_loudly(pipeline):
    """A real refusal (the marker exists) is not mistaken for a released claim."""
    work = pipeline.cfg.storage.work_prefix
    key = in_flight.marker_key(work, "scratch-other")
    marker = {"execution_arn": _own_execution(pipeline) + "-2", "run_id": "scratch-other",
              "manifest_uri": pipeline.uri(f"{work}runs/scratch-other/input.manifest"), "created": "2026-01-01T00:00:00"}
    pipeline.put(key, json.dumps(marker).encode())
    iam = boto3.client("iam")
    role = pipeline.deploy.arns.check_lambda_role.rsplit("/", 1)[-1]
    document = iam.get_role_policy(RoleName=role, PolicyName=INLINE_POLICY_NAME)["PolicyDocument"]
    document = document if isinstance(document, dict) else json.loads(document)
    document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != "ClaimImagesInFlight"]
    iam.put_role_policy(RoleName=role, PolicyName=INLINE_POLICY_NAME, PolicyDocument=json.dumps(document))
    now = datetime.now(UTC)
    with acting_as(pipeline.deploy.arns.check_lambda_role, "check"):
        s3, sfn = _clients()
        with pytest.raises(ClientError) as caught:
            in_flight.judge_markers(s3, sfn, pipeline.bucket, {key: now}, _own_execution(pipeline), set(), now,
                                    in_flight.InFlight())
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
