"""Which images already have an approved label, read from the feature group's offline store.

The current state of a record is its newest row (event_time, then api_invocation_time,
then write_time, all descending); a newest row with ``is_deleted`` true means no record.
An image is labeled only if its current state is APPROVED, so a REJECTED verdict sends it
back to labeling. The query is plain SQL that runs on Athena (Trino) and on SQLite (the
offline sandbox): a ``row_number()`` window, double-quoted identifiers, ``false`` literal.
Its result is read from the CSV Athena writes to S3, streamed, not GetQueryResults pages.
"""
from __future__ import annotations

import codecs
import csv
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from steps import contract
from steps.errors import AthenaQueryFailed, FeatureGroupMissing
from steps.manifests import iter_body_lines
from steps.s3_images import split_s3_uri

_DONE = {"SUCCEEDED", "FAILED", "CANCELLED"}


# Contract 1 (an UNLABELABLE record with the object's current ETag is done; notes/SESSION3.md): the
# feature and status names, here so that these queries do not wait for the feature group to have them.
IMAGE_ETAG = "image_etag"
STATUS_UNLABELABLE = "UNLABELABLE"


@dataclass(frozen=True)
class OfflineTable:
    """The Glue table behind a feature group's offline store (``has_etag``: it has the image_etag feature)."""

    database: str
    table: str
    has_etag: bool = False


@dataclass(frozen=True)
class CurrentLabel:
    """The newest record of an image that may make it done: its status and the ETag it was labeled at."""

    status: str
    etag: str


def is_done(label: CurrentLabel | None, etag: str) -> bool:
    """Contract 1: APPROVED, or UNLABELABLE at the object's current ETag, is done; anything else is missing."""
    if label is None:
        return False
    return label.status == contract.STATUS_APPROVED or (label.status == STATUS_UNLABELABLE and label.etag == etag)


@dataclass(frozen=True)
class PollPolicy:
    """GetQueryExecution polling: first wait, growth factor, longest wait, give-up time (seconds)."""

    first: float = 0.2
    growth: float = 1.5
    longest: float = 2.0
    timeout: float = 600.0


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def approved_query(table: OfflineTable) -> str:
    """SQL selecting the URIs whose newest offline-store row is APPROVED and not deleted."""
    uri = _quote(contract.RECORD_IDENTIFIER)
    return (
        f"SELECT {uri} FROM ("
        f"SELECT {uri}, \"status\", \"is_deleted\", row_number() OVER ("
        f"PARTITION BY {uri} ORDER BY {_quote(contract.EVENT_TIME)} DESC, "
        f"\"api_invocation_time\" DESC, \"write_time\" DESC) AS \"row_rank\" "
        f"FROM {_quote(table.database)}.{_quote(table.table)}"
        f") AS \"newest\" WHERE \"row_rank\" = 1 AND \"is_deleted\" = false "
        f"AND \"status\" = '{contract.STATUS_APPROVED}'"
    )


def _newest_rows(table: OfflineTable, columns: str) -> str:
    """The newest row of every record: ``row_rank`` 1 by event time, API invocation time, write time."""
    uri = _quote(contract.RECORD_IDENTIFIER)
    return (
        f"SELECT {columns}, \"is_deleted\", row_number() OVER ("
        f"PARTITION BY {uri} ORDER BY {_quote(contract.EVENT_TIME)} DESC, "
        f"\"api_invocation_time\" DESC, \"write_time\" DESC) AS \"row_rank\" "
        f"FROM {_quote(table.database)}.{_quote(table.table)}"
    )


def etag_column(table: OfflineTable) -> str:
    """The image_etag column, or '' for a group created before the feature existed (no record has one)."""
    return f'{_quote(IMAGE_ETAG)}' if table.has_etag else f"'' AS {_quote(IMAGE_ETAG)}"


def current_labels_query(table: OfflineTable) -> str:
    """SQL: uri, status and image_etag of every record whose newest row is APPROVED or UNLABELABLE."""
    uri = _quote(contract.RECORD_IDENTIFIER)
    selected = f'{uri}, "status", {etag_column(table)}'
    return (
        f"SELECT {uri}, \"status\", {_quote(IMAGE_ETAG)} FROM ("
        f"{_newest_rows(table, selected)}"
        f") AS \"newest\" WHERE \"row_rank\" = 1 AND \"is_deleted\" = false "
        f"AND \"status\" IN ('{contract.STATUS_APPROVED}', '{STATUS_UNLABELABLE}')"
    )


def offline_table(sagemaker: Any, feature_group: str) -> tuple[OfflineTable | None, str | None]:
    """The feature group's offline table, or (None, why) when there is nothing to query yet."""
    try:
        described = sagemaker.describe_feature_group(FeatureGroupName=feature_group)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"ResourceNotFound", "ResourceNotFoundException"}:
            return None, f"feature group {feature_group!r} does not exist"
        raise
    status = described.get("FeatureGroupStatus")
    catalog = (described.get("OfflineStoreConfig") or {}).get("DataCatalogConfig")
    if not catalog:
        return None, f"feature group {feature_group!r} has no offline store"
    if status != "Created":
        return None, f"feature group {feature_group!r} is {status}, not Created"
    features = {d.get("FeatureName") for d in described.get("FeatureDefinitions", ())}
    return OfflineTable(database=catalog["Database"], table=catalog["TableName"], has_etag=IMAGE_ETAG in features), None


def missing_cause(why: str) -> str:
    """The one-line cause of FeatureGroupMissing: what is wrong, and the two ways on."""
    return (f"{why}, so no approved label can be read and every image would be labeled again; "
            "redeploy (python deploy.py) to recreate the group, or start the execution with "
            "{\"allow_empty_feature_group\": true} to label every image from an empty group")


def run_query(
    athena: Any,
    query: str,
    workgroup: str,
    output_uri: str,
    kms_key_arn: str | None,
    poll: PollPolicy = PollPolicy(),
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """Run ``query`` and wait for it; return the S3 URI of its result CSV.

    Raises AthenaQueryFailed with Athena's reason when it fails, is cancelled or times out.
    """
    encryption = {"EncryptionOption": "SSE_KMS", "KmsKey": kms_key_arn} if kms_key_arn else {"EncryptionOption": "SSE_S3"}
    started = athena.start_query_execution(
        QueryString=query,
        WorkGroup=workgroup,
        ResultConfiguration={"OutputLocation": output_uri, "EncryptionConfiguration": encryption},
    )
    query_id = started["QueryExecutionId"]
    deadline = clock() + poll.timeout
    wait = poll.first
    while True:
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        status = execution["Status"]
        state = status["State"]
        if state == "SUCCEEDED":
            return execution["ResultConfiguration"]["OutputLocation"]
        if state in _DONE:
            reason = status.get("StateChangeReason") or status.get("AthenaError", {}).get("ErrorMessage") or "no reason given"
            raise AthenaQueryFailed(f"Athena query {query_id} {state}: {reason}")
        if clock() + wait > deadline:
            raise AthenaQueryFailed(f"Athena query {query_id} still {state} after {poll.timeout:.0f} s")
        sleep(wait)
        wait = min(poll.longest, wait * poll.growth)


def read_result_rows(s3: Any, result_uri: str, columns: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Stream ``columns`` of every row of an Athena result CSV (header row, quoted values) from S3.

    A NULL is an empty field, read as "".
    """
    bucket, key = split_s3_uri(result_uri)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        decoder = codecs.getincrementaldecoder("utf-8")()
        reader = csv.reader(decoder.decode(line) for line in iter_body_lines(body, keepends=True))
        header = next(reader, None)
        if header is None:
            return
        absent = [name for name in columns if name not in header]
        if absent:
            raise AthenaQueryFailed(f"Athena result {result_uri} has columns {header}, expected {list(columns)}")
        indexes = [header.index(name) for name in columns]
        for row in reader:
            if row:
                yield tuple(row[i] for i in indexes)
    finally:
        body.close()


def read_result_column(s3: Any, result_uri: str, column: str) -> Iterator[str]:
    """Stream one column of an Athena result CSV (header row, quoted values) from S3."""
    bucket, key = split_s3_uri(result_uri)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        decoder = codecs.getincrementaldecoder("utf-8")()
        lines = (decoder.decode(line) for line in iter_body_lines(body, keepends=True))
        reader = csv.reader(lines)
        header = next(reader, None)
        if header is None:
            return
        if column not in header:
            raise AthenaQueryFailed(f"Athena result {result_uri} has columns {header}, expected {column!r}")
        index = header.index(column)
        for row in reader:
            if row and row[index]:
                yield row[index]
    finally:
        body.close()


def readable_table(sagemaker: Any, feature_group: str, allow_missing: bool) -> tuple[OfflineTable | None, str | None]:
    """The offline table; FeatureGroupMissing when there is none, unless ``allow_missing`` (then (None, note))."""
    table, why = offline_table(sagemaker, feature_group)
    if table is None:
        if not allow_missing:
            raise FeatureGroupMissing(missing_cause(why or f"feature group {feature_group!r} cannot be read"))
        return None, f"{why}: every image counts as missing (allow_empty_feature_group)"
    return table, None


def current_labels(
    sagemaker: Any, athena: Any, s3: Any, feature_group: str, workgroup: str, output_uri: str,
    kms_key_arn: str | None = None, poll: PollPolicy = PollPolicy(), sleep: Callable[[float], None] = time.sleep,
    allow_missing: bool = False,
) -> tuple[dict[str, CurrentLabel], str | None]:
    """Image URI -> its newest record when that is APPROVED or UNLABELABLE (list mode's side of contract 1)."""
    table, note = readable_table(sagemaker, feature_group, allow_missing)
    if table is None:
        return {}, note
    result_uri = run_query(athena, current_labels_query(table), workgroup, output_uri, kms_key_arn, poll, sleep)
    columns = (contract.RECORD_IDENTIFIER, "status", IMAGE_ETAG)
    return {uri: CurrentLabel(status, etag) for uri, status, etag in read_result_rows(s3, result_uri, columns)}, None


def approved_image_uris(
    sagemaker: Any,
    athena: Any,
    s3: Any,
    feature_group: str,
    workgroup: str,
    output_uri: str,
    kms_key_arn: str | None = None,
    poll: PollPolicy = PollPolicy(),
    sleep: Callable[[float], None] = time.sleep,
    allow_missing: bool = False,
) -> tuple[set[str], str | None]:
    """The set of image URIs whose current label is APPROVED, and a note when none could be read.

    A feature group that is missing, has no offline store or is not Created would make every image
    look unlabeled, and the run would pay to label the whole bucket again: that raises
    FeatureGroupMissing unless ``allow_missing`` (the execution input's ``allow_empty_feature_group``).
    A group that exists and is empty (a first deploy) is not missing: it simply has no approvals.
    """
    table, why = offline_table(sagemaker, feature_group)
    if table is None:
        if not allow_missing:
            raise FeatureGroupMissing(missing_cause(why or f"feature group {feature_group!r} cannot be read"))
        return set(), f"{why}: every image counts as missing (allow_empty_feature_group)"
    result_uri = run_query(athena, approved_query(table), workgroup, output_uri, kms_key_arn, poll, sleep)
    return set(read_result_column(s3, result_uri, contract.RECORD_IDENTIFIER)), None
