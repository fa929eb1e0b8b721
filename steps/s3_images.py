"""List the raw images under a prefix: every page, extensions matched case-insensitively."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, NamedTuple


class ImageObject(NamedTuple):
    """One raw image: when it was written, its S3 URI (the key exactly as S3 stores it) and its ETag.

    Field order is the backlog order: tuples compare oldest first, then by URI (unique, so the ETag,
    without its quotes, never decides).
    """

    last_modified: datetime
    uri: str
    etag: str = ""


def bare_etag(etag: str | None) -> str:
    """An ETag without the double quotes S3 puts around it ("Common Response Headers": ETag)."""
    return (etag or "").strip('"')


def s3_uri(bucket: str, key: str) -> str:
    """``s3://bucket/key`` with the key verbatim (no URL encoding: Ground Truth expects it raw)."""
    return f"s3://{bucket}/{key}"


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> (bucket, key); ValueError naming the URI if it is not one."""
    if not isinstance(uri, str) or not uri.startswith("s3://") or "/" not in uri[5:] or uri[5:].startswith("/"):
        raise ValueError(f"expected an S3 URI like s3://bucket/key, got {uri!r}")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def key_is_listed(s3: Any, bucket: str, key: str) -> bool:
    """Whether ``key`` exists, asked with ListObjectsV2 (the key sorts before every longer key).

    For roles that may list a prefix but not the whole bucket: S3 answers their GetObject or
    HeadObject of a missing key with 403 AccessDenied, not 404 (Amazon S3 API Reference, GetObject,
    "Permissions"), so only a listing tells "missing" from "refused".
    """
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1).get("Contents", ())
    return any(obj["Key"] == key for obj in listed)


def is_image_key(key: str, extensions: Iterable[str]) -> bool:
    """True for a key ending in one of ``extensions`` (lower-case, with the dot), ignoring case.

    Keys ending in "/" are folder placeholders made by the console, never images.
    """
    if key.endswith("/"):
        return False
    return key.lower().endswith(tuple(extensions))


def list_images(s3: Any, bucket: str, prefix: str, extensions: Iterable[str]) -> Iterator[ImageObject]:
    """Yield every image under ``s3://bucket/prefix``, following all ListObjectsV2 pages.

    Zero-byte images are kept: labeling reports them as failures instead of hiding them.
    """
    suffixes = tuple(ext.lower() for ext in extensions)
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", ()):
            key = obj["Key"]
            if is_image_key(key, suffixes):
                yield ImageObject(last_modified=obj["LastModified"], uri=s3_uri(bucket, key),
                                  etag=bare_etag(obj.get("ETag")))
