"""Where an export writes: a local folder or an S3 prefix, each file whole or not at all; the progress bar.

Local folder: each file is written to a hidden temporary file in the same folder, flushed to
disk, then renamed over its final name (``os.replace``: atomic on one file system), so a
reader sees the old file or the complete new one, never half of one; on any error the
temporary file is removed.

S3 prefix: each file is first built completely in a local temporary file, then uploaded. An
S3 object appears only when its PutObject (or, for large files, CompleteMultipartUpload)
succeeds, and a reader then gets the whole object ("Amazon S3 provides strong read-after-write
consistency": https://docs.aws.amazon.com/AmazonS3/latest/userguide/Welcome.html#ConsistencyModel;
an upload in parts is "assembled" into the object only on completion:
https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html). So each object is atomic;
a SET of objects is not: S3 has no multi-object transaction. An export therefore writes its
``export.json`` (counts, as-of, the list of files) last: a prefix without it is an unfinished
export.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TextIO

from cli import CommandError


class OutputError(CommandError):
    """The output location cannot be used (exit 2: a bad --out)."""

    exit_code = 2


class LocalOutput:
    """Files under a local folder (created if missing)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def describe(self) -> str:
        return str(self.folder)

    def check_empty(self) -> None:
        """OutputError unless the folder is missing or empty: an export never mixes with other files."""
        if self.folder.exists() and not self.folder.is_dir():
            raise OutputError(f"--out {self.folder} is a file; give a folder (it is created if missing)")
        if self.folder.is_dir() and any(self.folder.iterdir()):
            raise OutputError(f"--out {self.folder} is not empty; give a new or empty folder "
                              "(an export never mixes with files already there)")

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        target = self.folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                yield stream
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class S3Output:
    """Objects under ``s3://bucket/prefix/``, each uploaded only once its file is complete."""

    def __init__(self, s3: Any, bucket: str, prefix: str, kms_key_arn: str | None = None) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_arn} if kms_key_arn else {}

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def check_empty(self) -> None:
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=1)
        if listed.get("KeyCount", 0):
            raise OutputError(f"--out {self.describe()} already holds objects; give a new prefix "
                              "(an export never mixes with objects already there)")

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        with tempfile.TemporaryFile() as stream:
            yield stream
            stream.seek(0)
            self.s3.upload_fileobj(stream, self.bucket, self.prefix + name, ExtraArgs=self.extra or None)


def parse_out(out: str, s3_client: Any = None, kms_key_arn: str | None = None) -> LocalOutput | S3Output:
    """``--out``: ``s3://bucket/prefix`` or a local folder."""
    if out.startswith("s3://"):
        bucket, _, prefix = out[len("s3://"):].partition("/")
        if not bucket:
            raise OutputError(f"--out {out} names no bucket; give s3://bucket/prefix or a local folder")
        if s3_client is None:
            raise OutputError("an s3:// --out needs an S3 client")
        return S3Output(s3_client, bucket, prefix, kms_key_arn)
    if "://" in out:
        raise OutputError(f"--out {out}: only local folders and s3://bucket/prefix are supported")
    return LocalOutput(Path(out))


class Progress:
    """A one-line progress bar on a terminal: ``exporting [#####.....]  5,000/10,000 images``.

    Drawn only when ``enabled``; redrawn at most every 0.1 s; ``close`` ends the line.
    """

    WIDTH = 30

    def __init__(self, total: int, enabled: bool, stream: TextIO | None = None, label: str = "exporting") -> None:
        self.total = max(total, 1)
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.label = label
        self.done = 0
        self._drawn = -1  # the count last drawn
        self._drawn_at = 0.0

    def __call__(self, count: int) -> None:
        self.done += count
        if self.enabled and (time.monotonic() - self._drawn_at >= 0.1 or self.done >= self.total):
            self._draw()

    def _draw(self) -> None:
        filled = min(self.WIDTH, self.WIDTH * self.done // self.total)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {self.done:,}/{self.total:,} images")
        self.stream.flush()
        self._drawn = self.done
        self._drawn_at = time.monotonic()

    def close(self) -> None:
        if self.enabled:
            if self._drawn != self.done:
                self._draw()
            self.stream.write("\n")
            self.stream.flush()
