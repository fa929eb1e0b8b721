"""The image list from S3 Inventory: the newest report, the one Athena query, and its small result.

S3 Inventory writes a daily Parquet list of the raw prefix under the work prefix ("Locating your inventory
list", storage-inventory-location): data files, a ``manifest.json`` per report and a Hive layout,
``hive/dt=YYYY-MM-DD-HH-MM/symlink.txt``, that the Glue table (publish/inventory.py) reads with partition
projection on ``dt`` ("Querying Amazon S3 Inventory with Amazon Athena", storage-inventory-athena-query).

The set difference runs in Athena: ``missing_query`` takes the newest report's images under the raw prefix
with an image extension, drops those whose newest offline-store record is done (contract 1: APPROVED, or
UNLABELABLE at the object's current ETag), and returns the oldest ``limit`` of the rest plus two counts.
The Lambda reads only that result: its time and memory depend on the cap, not on the bucket.

SQL rules (the query runs on Athena's Trino and, in the sandbox, on SQLite): the prefix is matched with
``substr`` (Athena's LIKE is case-sensitive, SQLite's is not), extensions with ``lower(substr(key, -n))``
(a negative start counts from the end in both), identifiers double-quoted.
Standard library only: this module ships in the Lambda zip.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from steps import contract
from steps.labeled_images import IMAGE_ETAG, STATUS_UNLABELABLE, OfflineTable, current_labels_query, read_result_rows
from steps.s3_images import ImageObject, s3_uri

SYMLINK = "symlink.txt"
_DT = re.compile(r"dt=(\d{4}-\d{2}-\d{2}-\d{2}-\d{2})/" + re.escape(SYMLINK) + "$")
RESULT_COLUMNS = ("images_found", "missing_total", "key", "last_modified_date", "etag")


class InventoryMissing(RuntimeError):
    """storage.listing is 'inventory' but no report has been delivered yet."""


@dataclass(frozen=True)
class InventoryTable:
    """The Glue table over the inventory reports, and the newest report's partition."""

    database: str
    table: str
    dt: str  # YYYY-MM-DD-HH-MM


@dataclass(frozen=True)
class MissingPage:
    """What the query returned: the oldest missing images (at most its limit) and the two counts."""

    images_found: int
    missing_total: int
    images: list[ImageObject]


def newest_report(s3: Any, bucket: str, hive_prefix: str) -> str | None:
    """The ``dt`` of the newest delivered report (its symlink.txt exists), None before the first.

    One key per daily report: a year of reports is one ListObjectsV2 page.
    """
    newest: str | None = None
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=hive_prefix):
        for obj in page.get("Contents", ()):
            found = _DT.search(obj["Key"][len(hive_prefix):])
            if found and (newest is None or found.group(1) > newest):
                newest = found.group(1)
    return newest


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def extension_condition(extensions: Iterable[str]) -> str:
    """Case-insensitive "ends with one of ``extensions``", grouped by length (no LIKE)."""
    by_length: dict[int, list[str]] = {}
    for ext in sorted({ext.lower() for ext in extensions}):
        by_length.setdefault(len(ext), []).append(ext)
    tests = [f"lower(substr(\"key\", -{length})) IN ({', '.join(_literal(e) for e in group)})"
             for length, group in sorted(by_length.items())]
    return "(" + " OR ".join(tests) + ")"


def _labels(table: OfflineTable | None) -> str:
    """The newest record of every image that may make it done (empty when there is no offline store)."""
    if table is None:
        return "SELECT '' AS \"image_uri\", '' AS \"status\", '' AS \"image_etag\" WHERE 1 = 0"
    return current_labels_query(table)


def missing_query(inventory: InventoryTable, offline: OfflineTable | None, bucket: str, raw_prefix: str,
                  extensions: Iterable[str], limit: int) -> str:
    """The one query: newest report's images minus the done ones, oldest ``limit`` first, plus counts.

    Always one row at least (the counts, with NULL image columns when nothing is missing).
    """
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    prefix = (f"substr(\"key\", 1, {len(raw_prefix)}) = {_literal(raw_prefix)} AND " if raw_prefix else "")
    uri = _quote(contract.RECORD_IDENTIFIER)
    return (
        f"WITH \"images\" AS (SELECT \"key\", \"last_modified_date\", replace(\"e_tag\", '\"', '') AS \"etag\" "
        f"FROM {_quote(inventory.database)}.{_quote(inventory.table)} "
        f"WHERE \"dt\" = {_literal(inventory.dt)} AND {prefix}{extension_condition(extensions)}), "
        f"\"labels\" AS ({_labels(offline)}), "
        f"\"missing\" AS (SELECT i.\"key\", i.\"last_modified_date\", i.\"etag\" FROM \"images\" AS i "
        f"LEFT JOIN \"labels\" AS l ON l.{uri} = ({_literal(s3_uri(bucket, ''))} || i.\"key\") "
        f"WHERE l.{uri} IS NULL OR NOT (l.\"status\" = '{contract.STATUS_APPROVED}' OR "
        f"(l.\"status\" = '{STATUS_UNLABELABLE}' AND l.{_quote(IMAGE_ETAG)} = i.\"etag\"))), "
        f"\"counts\" AS (SELECT (SELECT count(*) FROM \"images\") AS \"images_found\", "
        f"(SELECT count(*) FROM \"missing\") AS \"missing_total\"), "
        f"\"oldest\" AS (SELECT \"key\", \"last_modified_date\", \"etag\" FROM \"missing\" "
        f"ORDER BY \"last_modified_date\", \"key\" LIMIT {limit}) "
        f"SELECT c.\"images_found\", c.\"missing_total\", o.\"key\", o.\"last_modified_date\", o.\"etag\" "
        f"FROM \"counts\" AS c LEFT JOIN \"oldest\" AS o ON true "
        f"ORDER BY o.\"last_modified_date\", o.\"key\""
    )


def parse_timestamp(text: str) -> datetime:
    """Athena's CSV timestamp (``2026-11-29 15:05:45.123``, UTC) as an aware datetime."""
    for layout in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"expected an Athena timestamp like 2026-11-29 15:05:45.123, got {text!r}")


def _rows(s3: Any, result_uri: str) -> Iterator[tuple[str, ...]]:
    return read_result_rows(s3, result_uri, RESULT_COLUMNS)


def read_missing(s3: Any, result_uri: str, bucket: str) -> MissingPage:
    """The query's result, streamed from its CSV in S3 (at most ``limit`` + 1 rows)."""
    images: list[ImageObject] = []
    found = total = 0
    for images_found, missing_total, key, last_modified, etag in _rows(s3, result_uri):
        found, total = int(images_found), int(missing_total)
        if key:
            images.append(ImageObject(parse_timestamp(last_modified), s3_uri(bucket, key), etag))
    return MissingPage(found, total, images)
