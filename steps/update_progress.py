"""Which manifest lines an update has written: one marker per run, so a retried update skips them.

The marker (``steps.layout.update_progress_key``) holds the manifest URI and the written line numbers
as ranges. It is read at start and written again after every confirmed batch (the lines a batch
wrote are in a PutObject that starts after the batch ended), so an update killed mid-way loses at
most the batches still in flight, never a line it reported written. A line that is not in the
marker is written again: a record is a full overwrite, so that is safe, only not free.
Standard library and boto3 only: this module ships in the Lambda zip.
"""
from __future__ import annotations

import json
import threading
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from steps.manifests import encryption_args
from steps.s3_images import key_is_listed

VERSION = 1


def to_ranges(lines: set[int]) -> list[list[int]]:
    """Sorted line numbers as inclusive ranges: {1, 2, 3, 7} -> [[1, 3], [7, 7]]."""
    ranges: list[list[int]] = []
    for line in sorted(lines):
        if ranges and line == ranges[-1][1] + 1:
            ranges[-1][1] = line
        else:
            ranges.append([line, line])
    return ranges


def from_ranges(ranges: list[list[int]]) -> set[int]:
    return {line for first, last in ranges for line in range(first, last + 1)}


def parse(body: bytes, manifest_uri: str) -> set[int]:
    """The written lines a marker body records for ``manifest_uri`` (none if it is for another manifest)."""
    document = json.loads(body)
    if document.get("version") != VERSION or document.get("manifest_uri") != manifest_uri:
        return set()
    return from_ranges(document.get("written_lines") or [])


def is_complete(body: bytes, manifest_uri: str) -> bool:
    """Whether the marker says every line of ``manifest_uri`` was written (``complete``, set by ``finish``)."""
    try:
        document = json.loads(body)
    except ValueError:
        return False
    return (isinstance(document, dict) and document.get("version") == VERSION
            and document.get("manifest_uri") == manifest_uri and document.get("complete") is True)


def render(manifest_uri: str, lines: set[int], complete: bool = False) -> bytes:
    document: dict[str, Any] = {"version": VERSION, "manifest_uri": manifest_uri, "written_lines": to_ranges(lines)}
    if complete:
        document["complete"] = True  # every line of the manifest is written: nothing left for a later run
    return json.dumps(document).encode()


class Progress:
    """The written lines of one update, saved to S3 after each confirmed batch (thread-safe)."""

    def __init__(self, s3: Any, bucket: str, key: str, manifest_uri: str, kms_key_arn: str | None) -> None:
        self.s3, self.bucket, self.key, self.manifest_uri, self.kms_key_arn = s3, bucket, key, manifest_uri, kms_key_arn
        self.done: set[int] = set()
        self.saves = 0
        self.save_error: str | None = None
        self._lock = threading.Lock()
        self._dirty = False
        self._saving = False

    def load(self) -> set[int]:
        """Read the marker, if any. A missing key is settled by listing it first: this role may
        list only the markers, and without s3:ListBucket S3 answers a missing key with 403, not 404
        (Amazon S3 API Reference, GetObject, "Permissions")."""
        if not key_is_listed(self.s3, self.bucket, self.key):
            return set()
        body = self.s3.get_object(Bucket=self.bucket, Key=self.key)["Body"].read()
        try:
            self.done = parse(body, self.manifest_uri)
        except (ValueError, TypeError, AttributeError):
            self.done = set()  # unreadable: write every line again (safe), the marker is rewritten
        return set(self.done)

    def finish(self) -> None:
        """Mark the whole manifest written (steps.unwritten_output then skips the run); best effort."""
        with self._lock:
            body = render(self.manifest_uri, self.done, complete=True)
        try:
            self.s3.put_object(Bucket=self.bucket, Key=self.key, Body=body, ContentType="application/json",
                               **encryption_args(self.kms_key_arn))
            self.saves += 1
        except (ClientError, BotoCoreError) as error:
            self.save_error = self.save_error or f"{type(error).__name__}: {error}"

    def record(self, lines: list[int]) -> None:
        """Add lines confirmed written and save; one thread saves at a time, others' lines join its next save."""
        with self._lock:
            self.done.update(lines)
            self._dirty = True
            if self._saving:
                return
            self._saving = True
        while True:
            with self._lock:
                if not self._dirty:
                    self._saving = False
                    return
                body, self._dirty = render(self.manifest_uri, self.done), False
            try:
                self.s3.put_object(Bucket=self.bucket, Key=self.key, Body=body, ContentType="application/json",
                                   **encryption_args(self.kms_key_arn))
                self.saves += 1
            except (ClientError, BotoCoreError) as error:  # the records are written; only a retry's shortcut is lost
                with self._lock:
                    self.save_error = self.save_error or f"{type(error).__name__}: {error}"
                    self._saving = False
                return
