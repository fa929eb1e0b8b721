"""Athena's engine: run the query's actual SQL on the offline store and write the result CSV to S3.

Queries run when started (their state goes straight to SUCCEEDED or FAILED). SQL that SQLite cannot
run fails the query the way Athena does (``StateChangeReason`` plus ``AthenaError``), never with an
empty result. Results are written to ``<OutputLocation>/<QueryExecutionId>.csv`` in Athena's CSV
dialect: a header row, every value double-quoted (quotes doubled), NULL as an empty unquoted field,
booleans as ``true``/``false``. ``GetQueryResults`` pages at most 1,000 rows, header row first.

The wire layer (moto's AthenaResponse methods) is ``sandbox.athena.responses``; request errors are
``sandbox.athena.errors.InvalidRequestException``, which moto renders in Athena's error shape.
"""
from __future__ import annotations

import re
import sqlite3
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.athena.errors import InvalidRequestException
from sandbox.clock import SandboxClock
from sandbox.featurestore.offline_store import AthenaTimestamp, OfflineStore

MAX_PAGE = 1000
USER_ERROR_CATEGORY = 2  # Athena error catalog: 1 SYSTEM, 2 USER, 3 OTHER
USER_ERROR_TYPE = 1000  # "User error"
SYSTEM_ERROR_CATEGORY = 1
RESULT_WRITE_ERROR_TYPE = 401  # "Failed to write query results to Amazon S3"
_DECLARED_NAMES = (  # names a query defines itself: aliases, and CTE names (first and following)
    re.compile(r'\bAS\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.IGNORECASE),
    re.compile(r'\bWITH\s+(?:RECURSIVE\s+)?"?([A-Za-z_][A-Za-z0-9_]*)"?', re.IGNORECASE),
    re.compile(r',\s*"?([A-Za-z_][A-Za-z0-9_]*)"?\s*(?:\([^)]*\))?\s*AS\s*\(', re.IGNORECASE),
)
_S3_URI = re.compile(r"^s3://([^/]+)/?(.*)$")

PutObject = Callable[[str, str, str, bytes], None]  # (account, bucket, key, body); raises KeyError: no bucket


@dataclass
class QueryExecution:
    """One query: what was asked, its state, and its result once it ran."""

    query_id: str
    query: str
    database: str | None
    workgroup: str
    output_location: str
    submitted: datetime
    state: str = "QUEUED"
    completed: datetime | None = None
    state_change_reason: str | None = None
    athena_error: dict[str, Any] | None = None
    columns: list[str] = field(default_factory=list)
    column_types: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        """The ``QueryExecution`` structure of GetQueryExecution."""
        status: dict[str, Any] = {"State": self.state, "SubmissionDateTime": self.submitted.timestamp()}
        if self.completed:
            status["CompletionDateTime"] = self.completed.timestamp()
        if self.state_change_reason:
            status["StateChangeReason"] = self.state_change_reason
        if self.athena_error:
            status["AthenaError"] = self.athena_error
        elapsed = int(((self.completed or self.submitted) - self.submitted).total_seconds() * 1000)
        described: dict[str, Any] = {
            "QueryExecutionId": self.query_id,
            "Query": self.query,
            "StatementType": "DML",
            "ResultConfiguration": {"OutputLocation": self.output_location},
            "QueryExecutionContext": {"Catalog": "awsdatacatalog", **({"Database": self.database} if self.database else {})},
            "Status": status,
            "Statistics": {"EngineExecutionTimeInMillis": elapsed, "DataScannedInBytes": 0,
                           "TotalExecutionTimeInMillis": elapsed, "QueryQueueTimeInMillis": 0},
            "WorkGroup": self.workgroup,
            "EngineVersion": {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"},
        }
        return described


class AthenaEngine:
    """StartQueryExecution, GetQueryExecution and GetQueryResults over one sandbox's offline store."""

    def __init__(self, offline: OfflineStore, clock: SandboxClock, put_object: PutObject) -> None:
        self._offline = offline
        self._clock = clock
        self._put_object = put_object
        self._lock = threading.Lock()
        self._executions: dict[str, QueryExecution] = {}

    def start_query_execution(self, account: str, query: str, *, database: str | None, workgroup: str,
                              output_location: str | None,
                              authorize: Callable[[QueryExecution], str | None] | None = None,
                              runner: Callable[[QueryExecution], str | None] | None = None) -> str:
        """Run the query now; return its QueryExecutionId. InvalidRequestException for a bad request.
        ``authorize`` (sandbox.iam.athena) may refuse it for its caller: the query then FAILS."""
        if not query or len(query) > 262144:
            raise InvalidRequestException("QueryString must be 1 to 262144 characters long")
        if not output_location:
            raise InvalidRequestException(
                "No output location provided. An output location is required either through the Workgroup "
                "result configuration setting or as an API input."
            )
        if not _S3_URI.match(output_location):
            raise InvalidRequestException(f"OutputLocation must be an s3://bucket/prefix/ URI, got {output_location!r}")
        query_id = str(uuid.uuid4())
        csv_uri = output_location.rstrip("/") + f"/{query_id}.csv"
        execution = QueryExecution(query_id, query, database, workgroup, csv_uri, self._clock.now())
        with self._lock:
            self._executions[query_id] = execution
        execution.state = "RUNNING"
        refused = authorize(execution) if authorize else None
        if refused:
            self._fail(execution, refused)
        elif runner is not None:  # a statement SQLite does not run: OPTIMIZE / VACUUM (sandbox.athena.maintenance)
            reason = runner(execution)
            if reason:
                self._fail(execution, reason)
            else:
                execution.state = "SUCCEEDED"  # maintenance returns no rows
        else:
            self._run(account, execution)
        execution.completed = self._clock.now()
        return query_id

    def get_query_execution(self, query_id: str) -> dict[str, Any]:
        """GetQueryExecution's ``QueryExecution``."""
        return self._get(query_id).describe()

    def get_query_results(self, query_id: str, next_token: str | None = None, max_results: int | None = None) -> dict[str, Any]:
        """GetQueryResults: header row then data rows, at most ``max_results`` (<= 1000) per page."""
        execution = self._get(query_id)
        if execution.state != "SUCCEEDED":
            raise InvalidRequestException(f"Query has not yet finished. Current state: {execution.state}")
        page = max_results or MAX_PAGE
        if not 1 <= page <= MAX_PAGE:
            raise InvalidRequestException(f"MaxResults must be between 1 and {MAX_PAGE}, got {page}")
        start = int(next_token) if next_token else 0
        table = [tuple(execution.columns), *execution.rows]  # the header row is the first row of page one
        chunk = table[start:start + page]
        rows = [{"Data": [_cell(value) for value in row]} for row in chunk]
        result: dict[str, Any] = {
            "UpdateCount": 0,
            "ResultSet": {
                "Rows": rows,
                "ResultSetMetadata": {"ColumnInfo": [
                    {"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": name, "Label": name,
                     "Type": kind, "Precision": 0, "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": kind == "varchar"}
                    for name, kind in zip(execution.columns, execution.column_types, strict=True)
                ]},
            },
        }
        if start + page < len(table):
            result["NextToken"] = str(start + page)
        return result

    def list_query_executions(self, workgroup: str) -> list[str]:
        """ListQueryExecutions: ids of the workgroup's queries, newest first."""
        with self._lock:
            executions = [e for e in self._executions.values() if e.workgroup == workgroup]
        return [e.query_id for e in reversed(executions)]

    def stop_query_execution(self, query_id: str) -> None:
        """StopQueryExecution: queries here finish when started, so only the id is checked."""
        self._get(query_id)

    def _get(self, query_id: str) -> QueryExecution:
        with self._lock:
            execution = self._executions.get(query_id)
        if execution is None:
            raise InvalidRequestException(f"QueryExecution {query_id} was not found")
        return execution

    def _run(self, account: str, execution: QueryExecution) -> None:
        refused = self._load_inventory_tables(account, execution)
        if refused:
            self._fail(execution, refused)
            return
        try:
            columns, rows = self._offline.query(execution.query, read_only=True)
        except sqlite3.Error as error:
            self._fail(execution, _athena_reason(str(error)))
            return
        unknown = _unknown_identifiers(execution.query, self._offline.identifiers())
        if unknown:
            # SQLite reads an unresolvable "name" as a string literal and answers wrongly; Athena fails.
            self._fail(execution, f"COLUMN_NOT_FOUND: line 1:1: Column '{unknown[0]}' cannot be resolved")
            return
        execution.columns = columns
        execution.rows = [tuple(row) for row in rows]
        execution.column_types = [_athena_type([row[i] for row in rows]) for i in range(len(columns))]
        bucket, key = _S3_URI.match(execution.output_location).groups()  # type: ignore[union-attr]
        try:
            self._put_object(account, bucket, key, to_csv(columns, execution.rows).encode("utf-8"))
        except KeyError:
            self._fail(execution, f"Unable to verify/create output bucket {bucket}", system=True)
            return
        execution.state = "SUCCEEDED"

    def _load_inventory_tables(self, account: str, execution: QueryExecution) -> str | None:
        """Load the S3 Inventory tables the query names (sandbox.inventory.tables); a reason when one cannot be."""
        from sandbox.inventory.tables import InventoryTableError, InventoryTables, moto_sources

        tables = self.__dict__.setdefault("_inventory_tables", InventoryTables())
        try:
            tables.prepare(self._offline, execution.query, *moto_sources(account), self._clock.now())
        except InventoryTableError as error:
            return str(error)
        return None

    def _fail(self, execution: QueryExecution, reason: str, system: bool = False) -> None:
        execution.state = "FAILED"
        execution.state_change_reason = reason
        execution.athena_error = {
            "ErrorCategory": SYSTEM_ERROR_CATEGORY if system else USER_ERROR_CATEGORY,
            "ErrorType": RESULT_WRITE_ERROR_TYPE if system else USER_ERROR_TYPE,
            "Retryable": False,
            "ErrorMessage": reason,
        }


def to_csv(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    """Athena's result CSV: header row, every value quoted, NULL as an empty unquoted field."""
    lines = [",".join(_csv_field(name) for name in columns)]
    lines += [",".join(_csv_field(value) for value in row) for row in rows]
    return "\n".join(lines) + "\n"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv_field(value: Any) -> str:
    if value is None:
        return ""
    return '"' + _text(value).replace('"', '""') + '"'


def _cell(value: Any) -> dict[str, str]:
    return {} if value is None else {"VarCharValue": _text(value)}


def _athena_type(values: list[Any]) -> str:
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool):
        return "boolean"
    if isinstance(sample, int):
        return "bigint"
    if isinstance(sample, float):
        return "double"
    if isinstance(sample, AthenaTimestamp):
        return "timestamp"
    return "varchar"


def _quoted_identifiers(sql: str) -> list[str]:
    """The double-quoted identifiers of a SQL text (skipping single-quoted string literals)."""
    found: list[str] = []
    i = 0
    while i < len(sql):
        quote = sql[i]
        if quote in "'\"":
            j, text = i + 1, []
            while j < len(sql):
                if sql[j] == quote:
                    if j + 1 < len(sql) and sql[j + 1] == quote:
                        text.append(quote)
                        j += 2
                        continue
                    break
                text.append(sql[j])
                j += 1
            if quote == '"':
                found.append("".join(text))
            i = j + 1
        else:
            i += 1
    return found


def _unknown_identifiers(sql: str, known: set[str]) -> list[str]:
    """Quoted identifiers that name no database, table, column, alias or CTE of the query."""
    declared = {name.lower() for pattern in _DECLARED_NAMES for name in pattern.findall(sql)}
    return [name for name in _quoted_identifiers(sql) if name.lower() not in known | declared]


def _athena_reason(sqlite_message: str) -> str:
    """SQLite's error rephrased as Athena's StateChangeReason (ERROR_NAME: detail)."""
    missing_table = re.match(r"no such table: (.+)", sqlite_message)
    if missing_table:
        return f"TABLE_NOT_FOUND: line 1:1: Table 'awsdatacatalog.{missing_table.group(1)}' does not exist"
    missing_column = re.match(r"no such column: (.+)", sqlite_message)
    if missing_column:
        return f"COLUMN_NOT_FOUND: line 1:1: Column '{missing_column.group(1)}' cannot be resolved"
    if "not authorized" in sqlite_message:
        return "NOT_SUPPORTED: the sandbox's Athena only reads: writes, DDL and PRAGMA are not supported"
    if "syntax error" in sqlite_message or "incomplete input" in sqlite_message:
        return f"SYNTAX_ERROR: line 1:1: {sqlite_message}"
    return f"GENERIC_USER_ERROR: {sqlite_message}"
