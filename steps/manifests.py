"""Ground Truth manifests in S3: write an input manifest, stream an output manifest.

Manifests are JSON Lines. The input manifest is written ASCII-only (``ensure_ascii``):
any key, however exotic, decodes back to exactly the key S3 stores, whatever encoding
the reader assumes.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from steps.s3_images import ImageObject, split_s3_uri

CHUNK_SIZE = 64 * 1024


SOURCE_ETAG = "source-etag"  # the object's ETag when it was selected (contract 5): UNLABELABLE records keep it


def manifest_line(image: ImageObject | str) -> dict[str, str]:
    """One input-manifest object: ``source-ref``, and ``source-etag`` when the image's ETag is known.

    Ground Truth copies every key of an input line to the output line ("Labeling job output data",
    sms-data-output: "Each line in the output data file is identical to the manifest file with the
    addition of an attribute and value for the label"), so the ETag reaches UpdateFeatureStore.
    """
    if isinstance(image, str):
        return {"source-ref": image}
    return {"source-ref": image.uri, SOURCE_ETAG: image.etag} if image.etag else {"source-ref": image.uri}


def input_manifest_bytes(images: Iterable[ImageObject | str]) -> bytes:
    """The JSON Lines input manifest: one ``{"source-ref": uri, "source-etag": etag}`` per line."""
    return "".join(json.dumps(manifest_line(image)) + "\n" for image in images).encode("ascii")


def encryption_args(kms_key_arn: str | None) -> dict[str, str]:
    """PutObject arguments for server-side encryption: SSE-KMS with the key if given, else SSE-S3."""
    if kms_key_arn:
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_arn}
    return {"ServerSideEncryption": "AES256"}


def write_input_manifest(s3: Any, bucket: str, key: str, images: Iterable[ImageObject | str],
                         kms_key_arn: str | None) -> str:
    """Write the input manifest to ``s3://bucket/key`` and return its URI."""
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=input_manifest_bytes(images),
        ContentType="application/jsonlines",
        **encryption_args(kms_key_arn),
    )
    return f"s3://{bucket}/{key}"


def iter_body_lines(body: Any, chunk_size: int = CHUNK_SIZE, keepends: bool = False) -> Iterator[bytes]:
    """Yield the lines of a file-like body (e.g. botocore's StreamingBody) split on ``\\n``.

    Reads ``chunk_size`` bytes at a time, so only one chunk and one line are in memory.
    Unlike ``str.splitlines`` it never splits on other characters, so line numbers match
    the file's. ``\\r\\n`` endings lose their ``\\r`` unless ``keepends``.
    """
    pending = b""
    while True:
        chunk = body.read(chunk_size)
        if not chunk:
            break
        pending += chunk
        start = 0
        while True:
            end = pending.find(b"\n", start)
            if end < 0:
                break
            line = pending[start : end + 1]
            yield line if keepends else line.rstrip(b"\r\n")
            start = end + 1
        pending = pending[start:]
    if pending:
        yield pending if keepends else pending.rstrip(b"\r")


def read_manifest_lines(s3: Any, uri: str) -> Iterator[tuple[int, bytes]]:
    """Stream ``(line number, raw line)`` from a manifest in S3, numbering from 1, skipping blank lines."""
    bucket, key = split_s3_uri(uri)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        for number, line in enumerate(iter_body_lines(body), start=1):
            if line.strip():
                yield number, line
    finally:
        body.close()
