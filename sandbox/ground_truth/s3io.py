"""S3 reads and writes for the Ground Truth stand-in, straight through moto's S3 backend.

URIs are ``s3://bucket/<key exactly as stored>``: no URL decoding, so keys with
spaces, unicode, ``+``, ``%`` or ``=`` round-trip unchanged.
"""
from __future__ import annotations

from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends


class S3ObjectMissing(LookupError):
    """The URI is malformed, or names a bucket or key that does not exist."""


def split_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of ``s3://bucket/key``; S3ObjectMissing if it is not of that form."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise S3ObjectMissing(f"{uri!r} is not an s3://bucket/key URI")
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket:
        raise S3ObjectMissing(f"{uri!r} has no bucket name")
    return bucket, key


class S3Store:
    """Objects of one account, as moto holds them."""

    def __init__(self, account_id: str) -> None:
        self._backend = s3_backends[account_id]["global"]

    def read(self, uri: str) -> bytes:
        """The object's bytes; S3ObjectMissing if the bucket or key does not exist."""
        bucket, key = split_s3_uri(uri)
        if not key:
            raise S3ObjectMissing(f"{uri!r} names a bucket, not an object")
        try:
            obj = self._backend.get_object(bucket, key)
        except MissingBucket:
            raise S3ObjectMissing(f"bucket {bucket!r} of {uri!r} does not exist") from None
        if obj is None:
            raise S3ObjectMissing(f"object {uri!r} does not exist")
        return bytes(obj.value)

    def bucket_exists(self, bucket: str) -> bool:
        try:
            self._backend.get_bucket(bucket)
        except MissingBucket:
            return False
        return True

    def write(self, uri: str, body: bytes, kms_key_id: str | None = None) -> None:
        """Put an object (SSE-KMS with ``kms_key_id`` when given)."""
        bucket, key = split_s3_uri(uri)
        extra = {"encryption": "aws:kms", "kms_key_id": kms_key_id} if kms_key_id else {}
        self._backend.put_object(bucket, key, body, **extra)
