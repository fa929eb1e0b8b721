"""Read the newest record of every image from the offline store, as of a point in time.

As of WHICH time: ``write_time``, which Feature Store adds to every offline-store row as the time
the row was written to the offline store, and which the page names as the column for time-travel
queries ("Amazon SageMaker Feature Store offline store data format",
https://docs.aws.amazon.com/sagemaker/latest/dg/feature-store-offline.html).
Not ``event_time``: ours is the verification's ``creation-date``, set before the record is
written, and a retried update or a late run can write a row whose event_time lies before an
earlier export's as-of; filtering on it would let that later write change the earlier export.
A row's write_time is set when it is written, so every later write has a later write_time and
an export ``--as-of T`` reads the same rows whenever it runs, once the rows written up to T are
visible (records reach the offline store within 15 minutes, same page; when a row becomes visible
relative to its write_time is not documented, so an as-of in the last 15 minutes may still gain rows).

Among the rows written up to the as-of, the newest per image wins, ordered as the pipeline
orders them (event_time, api_invocation_time, write_time, descending); a newest row that is
deleted, UNLABELABLE, or REJECTED (unless asked for) exports nothing for that image, never an
older approval. The SQL runs unchanged on Athena (Trino) and on the sandbox's SQLite: the time
comparison is on ``CAST(... AS VARCHAR)`` (Athena prints timestamp(3) as
``2026-11-29 15:05:45.123``, which sorts as text in time order).
"""
from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from operate.export_registry import ExportRecord
from steps import contract
from steps.errors import AthenaQueryFailed
from steps.labeled_images import OfflineTable, run_query
from steps.manifests import iter_body_lines
from steps.s3_images import split_s3_uri

SNAPSHOT_COLUMN = "snapshot_write_time"  # newest write_time among the rows up to the as-of
NEWEST_COLUMN = "newest_write_time"  # newest write_time in the whole table (is an as-of in the future?)
EXPORTABLE = (contract.STATUS_APPROVED, contract.STATUS_REJECTED)  # UNLABELABLE: never


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def athena_time(iso_utc: str) -> str:
    """``2026-11-29T15:05:45.123Z`` -> ``2026-11-29 15:05:45.123000``.

    Athena prints a timestamp(3) (Glue tables) as ``...45.123`` and a timestamp(6) (Iceberg tables)
    as ``...45.123456``; six digits compare right, as text, with both.
    """
    text = iso_utc.replace("T", " ").rstrip("Z")
    whole, _, fraction = text.partition(".")
    return f"{whole}.{(fraction + '000000')[:6]}"


def export_query(table: OfflineTable, columns: Sequence[str], statuses: Sequence[str], as_of: str | None) -> str:
    """The SQL: newest row per image among rows written up to ``as_of`` (``YYYY-MM-DD HH:MM:SS.mmm``,
    None: every row), of the given statuses; plus the newest write_time it saw (the snapshot)."""
    unknown = [status for status in statuses if status not in EXPORTABLE]
    if unknown:
        raise ValueError(f"cannot export records of status {unknown}; exportable: {EXPORTABLE}")
    uri = _quote(contract.RECORD_IDENTIFIER)
    wanted = [uri, '"status"', *(_quote(c) for c in columns if c not in (contract.RECORD_IDENTIFIER, "status"))]
    written = 'CAST("write_time" AS VARCHAR)'
    where = f" WHERE {written} <= '{as_of}'" if as_of else ""
    status_list = ", ".join(f"'{status}'" for status in statuses)
    table_name = f"{_quote(table.database)}.{_quote(table.table)}"
    return (
        f"SELECT {', '.join(wanted)}, \"{SNAPSHOT_COLUMN}\", "
        f"(SELECT max({written}) FROM {table_name}) AS \"{NEWEST_COLUMN}\" FROM ("
        f"SELECT {', '.join(wanted)}, \"is_deleted\", row_number() OVER ("
        f"PARTITION BY {uri} ORDER BY {_quote(contract.EVENT_TIME)} DESC, "
        f"\"api_invocation_time\" DESC, \"write_time\" DESC) AS \"row_rank\", "
        f"max({written}) OVER () AS \"{SNAPSHOT_COLUMN}\" "
        f"FROM {table_name}{where}"
        f") AS \"newest\" WHERE \"row_rank\" = 1 AND \"is_deleted\" = false "
        f"AND \"status\" IN ({status_list}) ORDER BY {uri}"
    )


@dataclass(frozen=True)
class QueryResult:
    records: list[ExportRecord]
    snapshot: str | None  # newest write_time among the rows read (Athena's text form); None: no rows
    newest: str | None = None  # newest write_time in the table; None: no rows returned


def _rows(s3: Any, result_uri: str) -> Iterator[dict[str, str]]:
    bucket, key = split_s3_uri(result_uri)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        decoder = codecs.getincrementaldecoder("utf-8")()
        reader = csv.DictReader(decoder.decode(line) for line in iter_body_lines(body, keepends=True))
        yield from reader
    finally:
        body.close()


def read_records(athena: Any, s3: Any, table: OfflineTable, columns: Sequence[str], statuses: Sequence[str],
                 as_of: str | None, workgroup: str, output_uri: str, kms_key_arn: str | None = None,
                 **poll: Any) -> QueryResult:
    """Run ``export_query`` and read its result CSV from S3 (streamed, not GetQueryResults pages)."""
    result_uri = run_query(athena, export_query(table, columns, statuses, as_of), workgroup, output_uri,
                           kms_key_arn, **poll)
    records: list[ExportRecord] = []
    snapshot = newest = None
    for row in _rows(s3, result_uri):
        if contract.RECORD_IDENTIFIER not in row or "status" not in row:
            raise AthenaQueryFailed(f"Athena result {result_uri} has columns {sorted(row)}, expected "
                                    f"{contract.RECORD_IDENTIFIER!r} and 'status'")
        snapshot = row.get(SNAPSHOT_COLUMN) or snapshot
        newest = row.get(NEWEST_COLUMN) or newest
        values = {name: row.get(name) or "" for name in columns}
        records.append(ExportRecord(row[contract.RECORD_IDENTIFIER], row["status"], values))
    return QueryResult(records, snapshot, newest)
