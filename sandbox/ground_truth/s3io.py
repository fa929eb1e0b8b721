"""S3 reads and writes for the Ground Truth stand-in, straight through moto's S3 backend.

URIs are ``s3://bucket/<key exactly as stored>``: no URL decoding, so keys with
spaces, unicode, ``+``, ``%`` or ``=`` round-trip unchanged.

A store made with ``for_labeling_job`` reads and writes as the job's RoleArn, the way Ground
Truth does: every object access is judged by the role's policies (``sandbox.iam.evaluation``)
and a denied one raises ``S3AccessDenied``. The caller decides what a denial means (see
``sandbox.iam.ground_truth``, which documents the choices).
"""
from __future__ import annotations

from typing import Any

from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends


class S3ObjectMissing(LookupError):
    """The URI is malformed, or names a bucket or key that does not exist."""


class S3AccessDenied(S3ObjectMissing):
    """The role may not read (or write) the object: AWS answers 403 AccessDenied.

    A subclass of S3ObjectMissing because every reader of the labeling job treats both alike: the
    object cannot be had (a ValidationException for the request's own files, a failure reason for
    an image)."""


def split_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of ``s3://bucket/key``; S3ObjectMissing if it is not of that form."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise S3ObjectMissing(f"{uri!r} is not an s3://bucket/key URI")
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket:
        raise S3ObjectMissing(f"{uri!r} has no bucket name")
    return bucket, key


class S3Store:
    """Objects of one account, as moto holds them; with ``role_arn``, reached as that role."""

    def __init__(self, account_id: str, role_arn: str | None = None, region: str | None = None,
                 session: str = "GroundTruth") -> None:
        self._backend = s3_backends[account_id]["global"]
        self.account_id = account_id
        self.role_arn = role_arn
        self.region = region
        self.session = session

    @classmethod
    def for_labeling_job(cls, account_id: str, region: str, request: dict[str, Any]) -> S3Store:
        """The store a labeling job uses: its RoleArn, assumed by sagemaker.amazonaws.com (raises
        the ValidationException AWS gives when the role cannot be assumed; see sandbox.iam.ground_truth)."""
        from sandbox.iam import ground_truth, trust

        if not trust.services_checked():
            return cls(account_id, region=region)
        role_arn = request.get("RoleArn")
        ground_truth.assume_job_role(account_id, role_arn)
        return cls(account_id, role_arn, region, session=ground_truth.session_name(request))

    def read(self, uri: str) -> bytes:
        """The object's bytes; S3ObjectMissing if the bucket or key does not exist, S3AccessDenied
        if the role may not read it."""
        bucket, key = split_s3_uri(uri)
        if not key:
            raise S3ObjectMissing(f"{uri!r} names a bucket, not an object")
        self._check("s3:GetObject", f"arn:aws:s3:::{bucket}/{key}", uri)
        try:
            obj = self._backend.get_object(bucket, key)
        except MissingBucket:
            raise S3ObjectMissing(f"bucket {bucket!r} of {uri!r} does not exist") from None
        if obj is None:
            self._check_missing_key(bucket, uri)
            raise S3ObjectMissing(f"object {uri!r} does not exist")
        obj_key_id = getattr(obj, "kms_key_id", None)
        if getattr(obj, "encryption", None) == "aws:kms" and obj_key_id:
            # Reading an SSE-KMS object needs kms:Decrypt on its key (S3 User Guide, "Using
            # server-side encryption with AWS KMS keys (SSE-KMS)", UsingKMSEncryption).
            self._check("kms:Decrypt", self._key_arn(obj_key_id), uri)
        return bytes(obj.value)

    def bucket_exists(self, bucket: str) -> bool:
        try:
            self._backend.get_bucket(bucket)
        except MissingBucket:
            return False
        return True

    def write(self, uri: str, body: bytes, kms_key_id: str | None = None) -> None:
        """Put an object (SSE-KMS with ``kms_key_id`` when given); S3AccessDenied if the role may not."""
        bucket, key = split_s3_uri(uri)
        self._check("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}", uri)
        if kms_key_id:
            # Writing with SSE-KMS needs kms:GenerateDataKey on the key (UsingKMSEncryption).
            self._check("kms:GenerateDataKey", self._key_arn(kms_key_id), uri)
        self._backend.put_object(bucket, key, body, encryption="aws:kms" if kms_key_id else None,
                                 kms_key_id=kms_key_id or None)

    # -- the role's permissions ---------------------------------------------------------------------

    def _check(self, action: str, resource: str, uri: str) -> None:
        if self.role_arn is None:
            return
        from sandbox.iam.evaluation import access_denied_message, evaluate

        decision = evaluate(self.account_id, self.role_arn, action, resource)
        if not decision.allowed:
            raise S3AccessDenied(f"Access Denied to {uri} ({access_denied_message(self.role_arn, action, resource, decision, self.session)})")

    def _check_missing_key(self, bucket: str, uri: str) -> None:
        """A missing key is 403 AccessDenied, not 404, unless the role may s3:ListBucket the bucket
        (S3 API Reference, API_GetObject, Permissions: without s3:ListBucket Amazon S3 returns
        HTTP 403 "access denied" for a key that does not exist)."""
        self._check("s3:ListBucket", f"arn:aws:s3:::{bucket}", uri)

    def _key_arn(self, key_id: str) -> str:
        if key_id.startswith("arn:"):
            return key_id
        return f"arn:aws:kms:{self.region}:{self.account_id}:key/{key_id}"
