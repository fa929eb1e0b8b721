"""Images in flight: what other executions are labeling, so no image goes to labeling twice.

Scheduled runs overlap (human labeling takes days), so each run claims its images:

1. A run that selects images writes its input manifest, then a marker
   ``<work_prefix>active/<run_id>.json`` = ``{"execution_arn", "run_id", "manifest_uri",
   "created"}`` (``claim``).
2. Before selecting, a run reads every marker (one per active run) and asks Step Functions
   about its execution (``read_in_flight``). RUNNING (or PENDING_REDRIVE): the run's images
   are in flight. SUCCEEDED less than ``OFFLINE_STORE_LAG_SECONDS`` ago: its records may not
   be queryable yet in the offline store, so its images are in flight too, unless every
   approval it reports (``approved`` in the execution output) is already visible, which
   ends the wait early. Anything else (failed, aborted, timed out, succeeded long ago, no
   such execution, an unreadable marker) is stale: the marker is deleted and ignored. The
   marker of the run's own execution (a retried Lambda) is never "another run".
3. The race: two runs selecting in the same second can each read the markers before the
   other writes its own. It is closed by ``older_claims``: after writing its marker a run
   lists the markers again and gives up any image also claimed by a marker it had not seen
   and that S3 stamped no later than its own. S3 is strongly consistent, so of two claims
   the later-written one always sees the earlier one; with equal (1-second) stamps both may
   give the image up, which only defers it to the next run.

Limits: a failed execution stops its job on its Catch path; an aborted or timed-out one, or one
failed by an error no Catch handles (States.Runtime, States.DataLimitExceeded), has it stopped by
the execution-ended rule (steps/stop_execution_jobs.py); should a job still outlive its execution (a lost event), its images may be labeled again by the next run, but
its labels never reach the feature store, so records are never duplicated. Redriving
a failed execution after its marker was deleted is not covered: start a new execution instead.
Markers and manifests are read as streams (a manifest may hold 100,000 lines).
"""
from __future__ import annotations

import json
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from steps.errors import ManifestError
from steps.layout import MARKER_SUFFIX, active_prefix, marker_key
from steps.manifests import encryption_args, read_manifest_lines
from steps.s3_images import key_is_listed, split_s3_uri

OFFLINE_STORE_LAG_SECONDS = 1200  # Feature Store fills the offline store within ~15 minutes
# The execution output's count of approved images (workflow.graph's summary).
APPROVED_OUTPUT_KEY = "approved"
LIVE_STATUSES = frozenset({"RUNNING", "PENDING_REDRIVE"})
MARKER_KEYS = ("execution_arn", "run_id", "manifest_uri", "created")


class InFlightUnknown(RuntimeError):
    """A run is in flight but its images cannot be read: refuse to guess."""


@dataclass(frozen=True)
class Marker:
    """One run's claim, as read from S3."""

    key: str
    last_modified: datetime
    execution_arn: str
    run_id: str
    manifest_uri: str


@dataclass
class InFlight:
    """The images other runs hold, and what reading their markers did."""

    uris: set[str] = field(default_factory=set)
    runs: list[str] = field(default_factory=list)  # run ids judged in flight
    released: int = 0  # stale markers deleted
    seen: dict[str, datetime] = field(default_factory=dict)  # marker key -> LastModified when read
    notes: list[str] = field(default_factory=list)


def list_markers(s3: Any, bucket: str, work_prefix: str) -> dict[str, datetime]:
    """Every marker key under the active prefix with its LastModified, all pages."""
    paginator = s3.get_paginator("list_objects_v2")
    markers: dict[str, datetime] = {}
    for page in paginator.paginate(Bucket=bucket, Prefix=active_prefix(work_prefix)):
        for obj in page.get("Contents", ()):
            if obj["Key"].endswith(MARKER_SUFFIX):
                markers[obj["Key"]] = obj["LastModified"]
    return markers


def parse_marker(key: str, last_modified: datetime, body: bytes) -> Marker:
    """A Marker from a marker file's bytes; ValueError naming the key and what is wrong."""
    try:
        data = json.loads(body)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        data = None
    if not isinstance(data, dict) or any(not isinstance(data.get(name), str) for name in MARKER_KEYS):
        raise ValueError(f"marker {key} must be a JSON object with string fields {', '.join(MARKER_KEYS)}")
    try:
        split_s3_uri(data["manifest_uri"])
    except ValueError:
        raise ValueError(f"marker {key}: manifest_uri {data['manifest_uri']!r} is not an s3://bucket/key URI") from None
    return Marker(key, last_modified, data["execution_arn"], data["run_id"], data["manifest_uri"])


def manifest_source_refs(s3: Any, uri: str) -> Iterator[str]:
    """Stream the ``source-ref`` of every line of an input manifest."""
    for number, line in read_manifest_lines(s3, uri):
        try:
            ref = json.loads(line).get("source-ref")
        except (ValueError, AttributeError):
            ref = None
        if not isinstance(ref, str):
            raise ManifestError(f"{uri} line {number}: expected {{\"source-ref\": \"s3://...\"}}")
        yield ref


def _error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def _approved(output: str | None) -> int | None:
    try:
        value = json.loads(output).get(APPROVED_OUTPUT_KEY) if output else None
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _images(s3: Any, marker: Marker, status: str) -> set[str]:
    try:
        return set(manifest_source_refs(s3, marker.manifest_uri))
    except ClientError as error:
        raise InFlightUnknown(
            f"run {marker.run_id} is {status} but its manifest {marker.manifest_uri} cannot be read "
            f"({_error_code(error)}); wait for that run to end or restore the manifest"
        ) from None


def held_images(s3: Any, sfn: Any, marker: Marker, labeled: Container[str], now: datetime,
                store_readable: bool = True) -> set[str] | None:
    """The images ``marker``'s run still holds, or None when the marker is stale.

    A run that succeeded recently holds its images until its approvals are visible, unless
    there is no offline store to wait for (``store_readable`` False: the feature group was
    deleted or is not Created): then its records cannot appear, and its images are free.
    """
    try:
        described = sfn.describe_execution(executionArn=marker.execution_arn)
    except ClientError as error:
        if _error_code(error) == "ExecutionDoesNotExist":
            return None
        raise
    status = described["status"]
    if status in LIVE_STATUSES:
        return _images(s3, marker, status)
    stopped = described.get("stopDate")
    if status != "SUCCEEDED" or stopped is None or (now - stopped).total_seconds() >= OFFLINE_STORE_LAG_SECONDS:
        return None
    if not store_readable:
        return None
    images = _images(s3, marker, "recently SUCCEEDED")
    approved = _approved(described.get("output"))
    if approved is not None and sum(1 for image in images if image in labeled) >= approved:
        return None  # every approval of that run is already visible in the offline store
    return images


def _gone(s3: Any, bucket: str, key: str, error: ClientError) -> bool:
    """Whether a failed GetObject/HeadObject of ``key`` means the object no longer exists.

    Without s3:ListBucket on the whole bucket S3 answers a missing key with 403 AccessDenied, not
    404 NoSuchKey (Amazon S3 API Reference, GetObject and HeadObject, "Permissions"); this role may
    list only some prefixes. So a 403 is settled by listing the key itself (allowed under the
    markers' prefix): not listed means gone; listed means the read really was refused.
    """
    code = _error_code(error)
    if code in {"NoSuchKey", "404", "NotFound"}:
        return True
    if code not in {"AccessDenied", "403"}:
        return False
    return not key_is_listed(s3, bucket, key)


def _read_marker(s3: Any, bucket: str, key: str, last_modified: datetime) -> Marker | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if _gone(s3, bucket, key, error):
            return None  # released by another run since the listing
        raise
    return parse_marker(key, last_modified, body)


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if _gone(s3, bucket, key, error):
            return False
        raise
    return True


def judge_markers(
    s3: Any, sfn: Any, bucket: str, markers: Mapping[str, datetime], own_execution_arn: str,
    labeled: Container[str], now: datetime, found: InFlight, store_readable: bool = True,
) -> None:
    """Add the images of every in-flight run among ``markers`` to ``found``; delete stale markers."""
    for key, last_modified in sorted(markers.items()):
        found.seen[key] = last_modified
        try:
            marker = _read_marker(s3, bucket, key, last_modified)
        except ValueError as error:
            found.notes.append(f"{error}: deleted")
            release(s3, bucket, key)
            found.released += 1
            continue
        if marker is None or marker.execution_arn == own_execution_arn:
            continue
        try:
            images = held_images(s3, sfn, marker, labeled, now, store_readable)
        except InFlightUnknown:
            if not _exists(s3, bucket, key):
                continue  # the run withdrew its claim (marker, then manifest) while we read it
            raise
        if images is None:
            release(s3, bucket, key)
            found.released += 1
        else:
            found.uris |= images
            found.runs.append(marker.run_id)


def read_in_flight(
    s3: Any, sfn: Any, bucket: str, work_prefix: str, own_execution_arn: str,
    labeled: Container[str], now: datetime, store_readable: bool = True,
) -> InFlight:
    """The images held by other runs' markers (stale markers are deleted on the way)."""
    found = InFlight()
    judge_markers(s3, sfn, bucket, list_markers(s3, bucket, work_prefix), own_execution_arn, labeled, now, found,
                  store_readable)
    return found


def claim(
    s3: Any, bucket: str, work_prefix: str, run: str, execution_arn: str, manifest_uri: str,
    kms_key_arn: str | None, now: datetime,
) -> str:
    """Write this run's marker (after its manifest); return the marker's key."""
    key = marker_key(work_prefix, run)
    body = {"execution_arn": execution_arn, "run_id": run, "manifest_uri": manifest_uri,
            "created": now.isoformat(timespec="milliseconds")}
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(body).encode("utf-8"),
                  ContentType="application/json", **encryption_args(kms_key_arn))
    return key


def older_claims(
    s3: Any, sfn: Any, bucket: str, work_prefix: str, own_key: str, own_execution_arn: str,
    seen: Mapping[str, datetime], labeled: Container[str], now: datetime,
) -> InFlight:
    """Images claimed by markers the first read missed that S3 stamped no later than ours.

    Call right after ``claim``: of two runs that raced, the one whose marker was written
    last sees the other here and must give up the images both claimed.
    """
    markers = list_markers(s3, bucket, work_prefix)
    own = markers.get(own_key)
    if own is None:
        raise RuntimeError(f"marker {own_key} is missing right after it was written: another run deleted it")
    newly = {key: stamp for key, stamp in markers.items()
             if key != own_key and seen.get(key) != stamp and stamp <= own}
    found = InFlight()
    judge_markers(s3, sfn, bucket, newly, own_execution_arn, labeled, now, found)
    return found


def release(s3: Any, bucket: str, key: str) -> None:
    """Delete a marker (deleting one that is already gone is fine). A run withdrawing its own
    claim deletes the marker before the manifest, so readers never see a marker without one."""
    s3.delete_object(Bucket=bucket, Key=key)
