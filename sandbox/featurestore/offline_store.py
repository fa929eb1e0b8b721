"""The offline store: every write of every feature group as a row, in SQLite, queryable by Athena.

One SQLite connection holds one attached database per Glue database (``sagemaker_featurestore``) and
one table per feature group, named like its Glue table, so Athena's ``"database"."table"`` SQL runs
unchanged. Columns follow the feature definitions (Integral INTEGER, Fractional REAL, String TEXT)
plus the columns the real offline store adds: ``write_time`` and ``api_invocation_time``
(timestamps, stored as Athena prints them: ``2026-11-29 15:05:45.123``) and ``is_deleted``
(boolean, 0/1).

Rows are not visible at once: "When you call PutRecord, your data is buffered, batched, and written into
Amazon S3 within 15 minutes" ("Amazon SageMaker Feature Store offline store data format",
https://docs.aws.amazon.com/sagemaker/latest/dg/feature-store-offline.html). Each row gets a visible-from
time on the sandbox clock, ``delay_seconds`` after its write; queries see only rows past it. AWS gives
an upper bound, not the lag of one record: the sandbox uses the whole delay for every row (worst case).
"""
from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.featurestore.validation import FeatureGroupSchema

BOOLEAN_TYPE = "SANDBOX_BOOLEAN"
TIMESTAMP_TYPE = "SANDBOX_TIMESTAMP"
_SQL_TYPES = {"Integral": "INTEGER", "Fractional": "REAL", "String": "TEXT"}
_IDENTIFIER = re.compile(r"^[A-Za-z0-9_]+$")


_READ_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}


def _read_only_authorizer(action: int, *_: Any) -> int:
    return sqlite3.SQLITE_OK if action in _READ_ACTIONS else sqlite3.SQLITE_DENY


class AthenaTimestamp(str):
    """A timestamp value read back from the store (so results know its Athena type)."""


sqlite3.register_converter(BOOLEAN_TYPE, lambda raw: raw not in (b"0", b""))
sqlite3.register_converter(TIMESTAMP_TYPE, lambda raw: AthenaTimestamp(raw.decode("utf-8")))


def athena_timestamp(moment: datetime) -> str:
    """``2026-11-29 15:05:45.123``: how Athena prints a timestamp (millisecond precision)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


@dataclass(frozen=True)
class _Pending:
    """A row written but not yet visible to queries (the offline store's lag)."""

    visible_from: datetime
    database: str
    table: str
    columns: tuple[str, ...]
    row: tuple[Any, ...]


class OfflineStore:
    """Rows of every feature group, and SQL over them."""

    def __init__(self, now: Callable[[], datetime] | None = None, delay_seconds: float = 0.0) -> None:
        """``now``: the sandbox clock; ``delay_seconds``: how long after its write a row becomes visible."""
        if delay_seconds < 0:
            raise ValueError(f"offline store delay must be >= 0 seconds, got {delay_seconds}")
        if delay_seconds and now is None:
            raise ValueError("an offline store delay needs a clock (now)")
        self._now = now
        self.delay_seconds = delay_seconds
        self._pending: list[_Pending] = []  # in write order, so in visible_from order
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False, detect_types=sqlite3.PARSE_DECLTYPES)
        self._databases: set[str] = set()
        self._tables: dict[str, tuple[str, str, list[str]]] = {}  # feature group name -> (db, table, columns)
        self._blocked: dict[str, str] = {}  # feature group name -> BlockedReason (sandbox.iam.feature_store)

    def ensure_table(self, schema: FeatureGroupSchema) -> None:
        """Create the feature group's table (and its database) if they do not exist yet.

        A group created again after a deletion writes to a new S3 location (the offline store's
        ``ResolvedOutputS3Uri`` carries the group's creation time, feature-store-offline) while the old
        files stay (API_DeleteFeatureGroup): a table of the same name that a deleted group left behind
        is moved aside, rows kept, so the new group's table starts empty.
        """
        known = self._tables.get(schema.name)
        if known is None and (schema.database, schema.table) in {entry[:2] for entry in self._tables.values()}:
            raise ValueError(f"offline store table {schema.database}.{schema.table} belongs to another feature group")
        if known is None and schema.database in self._databases:
            self._set_aside(schema.database, schema.table)
        if known is not None and known[:2] == (schema.database, schema.table):
            return
        for identifier in (schema.database, schema.table):
            if not _IDENTIFIER.match(identifier):
                raise ValueError(f"offline store identifier must match [A-Za-z0-9_]+, got {identifier!r}")
        columns = [f'"{name}" {_SQL_TYPES[kind]}' for name, kind in schema.feature_types.items()]
        columns += [f'"write_time" {TIMESTAMP_TYPE}', f'"api_invocation_time" {TIMESTAMP_TYPE}',
                    f'"is_deleted" {BOOLEAN_TYPE} NOT NULL']
        with self._lock:
            if schema.database not in self._databases:
                self._db.execute(f"ATTACH DATABASE ':memory:' AS \"{schema.database}\"")
                self._databases.add(schema.database)
            self._db.execute(f'CREATE TABLE IF NOT EXISTS "{schema.database}"."{schema.table}" ({", ".join(columns)})')
            self._tables[schema.name] = (schema.database, schema.table,
                                         [*schema.feature_types, "write_time", "api_invocation_time", "is_deleted"])

    def add_columns(self, schema: FeatureGroupSchema) -> None:
        """Add the columns of features added to an existing group (UpdateFeatureGroup); old rows read NULL."""
        known = self._tables.get(schema.name)
        if known is None:
            self.ensure_table(schema)
            return
        database, table, columns = known
        added = [(name, kind) for name, kind in schema.feature_types.items() if name not in columns]
        with self._lock:
            for name, kind in added:
                self._db.execute(f'ALTER TABLE "{database}"."{table}" ADD COLUMN "{name}" {_SQL_TYPES[kind]}')
            self._tables[schema.name] = (database, table,
                                         [*schema.feature_types, "write_time", "api_invocation_time", "is_deleted"])

    def _set_aside(self, database: str, table: str) -> None:
        with self._lock:
            exists = self._db.execute(f'SELECT 1 FROM "{database}".sqlite_master WHERE type = \'table\' AND name = ?',
                                      (table,)).fetchone()
            if not exists:
                return
            taken = {row[0] for row in self._db.execute(f'SELECT name FROM "{database}".sqlite_master')}
            aside = next(f"{table}__deleted_{n}" for n in range(1, len(taken) + 2) if f"{table}__deleted_{n}" not in taken)
            # Rows still on their way belong to the deleted group's files, not to the new group's table.
            self._flush(lambda pending: (pending.database, pending.table) == (database, table))
            self._db.execute(f'ALTER TABLE "{database}"."{table}" RENAME TO "{aside}"')

    def append(self, schema: FeatureGroupSchema, values: dict[str, Any], *, write_time: datetime,
               api_invocation_time: datetime, is_deleted: bool = False) -> None:
        """Add one row: the record's features (missing ones NULL) and the store's own columns."""
        self.ensure_table(schema)
        database, table, columns = self._tables[schema.name]
        row = [values.get(name) for name in schema.feature_types]
        row += [athena_timestamp(write_time), athena_timestamp(api_invocation_time), int(is_deleted)]
        with self._lock:
            if self.delay_seconds and self._now is not None:
                visible_from = self._now() + timedelta(seconds=self.delay_seconds)
                self._pending.append(_Pending(visible_from, database, table, tuple(columns), tuple(row)))
            else:
                self._insert(database, table, columns, row)

    def _insert(self, database: str, table: str, columns: Any, row: Any) -> None:
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        self._db.execute(f'INSERT INTO "{database}"."{table}" ({names}) VALUES ({marks})', row)

    def _flush(self, due: Callable[[_Pending], bool] | None = None) -> None:
        """Insert the pending rows that are visible by now (or every row ``due`` selects); hold the lock."""
        if not self._pending:
            return
        now = self._now() if self._now is not None else None
        kept = []
        for pending in self._pending:
            if (due(pending) if due else now is None or pending.visible_from <= now):
                self._insert(pending.database, pending.table, pending.columns, pending.row)
            else:
                kept.append(pending)
        self._pending = kept

    def pending_count(self) -> int:
        """How many written rows are not visible to queries yet."""
        with self._lock:
            self._flush()
            return len(self._pending)

    def block(self, feature_group_name: str, reason: str) -> None:
        """Replication into the group's offline store failed: keep the first reason, drop the row."""
        with self._lock:
            self._blocked.setdefault(feature_group_name, reason)

    def status(self, feature_group_name: str) -> dict[str, str]:
        """DescribeFeatureGroup's OfflineStoreStatus: Active, or Blocked with its BlockedReason."""
        reason = self._blocked.get(feature_group_name)
        return {"Status": "Blocked", "BlockedReason": reason} if reason else {"Status": "Active"}

    def forget(self, feature_group_name: str) -> None:
        """The group was deleted: its rows stay in their table (as AWS leaves the offline store's
        files in S3), but they are no longer the group's; a group created again gets a new table."""
        with self._lock:
            self._tables.pop(feature_group_name, None)
            self._blocked.pop(feature_group_name, None)

    def rows(self, feature_group_name: str) -> list[dict[str, Any]]:
        """Every visible row of a feature group in write order (is_deleted as bool, timestamps as text)."""
        if feature_group_name not in self._tables:
            return []
        database, table, _ = self._tables[feature_group_name]
        columns, rows = self.query(f'SELECT * FROM "{database}"."{table}" ORDER BY rowid')
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def query(self, sql: str, read_only: bool = False) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one SQL statement; sqlite3.Error propagates for the caller to report.

        ``read_only``: anything but reading (writes, DDL, PRAGMA, ATTACH) fails with
        sqlite3.DatabaseError "not authorized".
        """
        with self._lock:
            self._flush()
            if read_only:
                self._db.set_authorizer(_read_only_authorizer)
            try:
                cursor = self._db.execute(sql)
                columns = [d[0] for d in cursor.description or []]
                return columns, cursor.fetchall()
            finally:
                if read_only:
                    self._db.set_authorizer(None)

    def identifiers(self) -> set[str]:
        """Lower-cased names of every database, table and column in the store."""
        names: set[str] = set()
        for database, table, columns in self._tables.values():
            names.update({database.lower(), table.lower()}, (c.lower() for c in columns))
        for (database, table), external in getattr(self, "_external", {}).items():
            names.update({database.lower(), table.lower()}, (c.lower() for c in external))
        return names

    def replace_external_table(self, database: str, table: str, columns: list[tuple[str, str]],
                               rows: list[tuple[Any, ...]]) -> None:
        """Create (or replace) a table that is no feature group's, with these rows: an Athena table over
        other S3 data (sandbox.inventory.tables). ``columns``: (name, SQLite type) pairs."""
        for identifier in (database, table, *(name for name, _ in columns)):
            if not _IDENTIFIER.match(identifier):
                raise ValueError(f"offline store identifier must match [A-Za-z0-9_]+, got {identifier!r}")
        with self._lock:
            if database not in self._databases:
                self._db.execute(f"ATTACH DATABASE ':memory:' AS \"{database}\"")
                self._databases.add(database)
            self._db.execute(f'DROP TABLE IF EXISTS "{database}"."{table}"')
            self._db.execute(f'CREATE TABLE "{database}"."{table}" '
                             f'({", ".join(f"{chr(34)}{name}{chr(34)} {kind}" for name, kind in columns)})')
            marks = ", ".join("?" for _ in columns)
            self._db.executemany(f'INSERT INTO "{database}"."{table}" VALUES ({marks})', rows)
            external: dict[tuple[str, str], list[str]] = self.__dict__.setdefault("_external", {})
            external[(database, table)] = [name for name, _ in columns]

    def close(self) -> None:
        """Release the database."""
        self._db.close()
