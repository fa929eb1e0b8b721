"""Athena's Iceberg table maintenance: ``OPTIMIZE <table> REWRITE DATA USING BIN_PACK`` and ``VACUUM <table>``.

AWS ("OPTIMIZE", https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html; "VACUUM",
https://docs.aws.amazon.com/athena/latest/ug/vacuum-statement.html; "Optimize Iceberg tables",
querying-iceberg-data-optimization):

- both are "supported only for Apache Iceberg tables"; a table is an Iceberg table when its Glue
  entry says so (Parameters ``table_type`` = ``ICEBERG``, the open-source Glue catalog's convention that
  Athena requires, querying-iceberg). On any other (Hive) table the query FAILS. The error text Athena
  gives then is not documented: the sandbox's is ``NOT_SUPPORTED: ...`` with the documented sentence;
- "VACUUM expects the Iceberg data to be in an Amazon S3 folder rather than an Amazon S3 bucket": a table
  at a bucket's root fails with the documented ``GENERIC_INTERNAL_ERROR: Path missing in file system
  location: s3://<bucket>``;
- "For VACUUM to be able to delete data files, your query execution role must have s3:DeleteObject ...
  If the permission is not present, the VACUUM query will succeed, but the files will not be deleted."
- compaction rewrites files and commits new table metadata: the caller reads and writes the table's S3
  location and updates its Glue entry. Athena documents no permission list for it; the sandbox checks
  the list AWS Glue documents for its own Iceberg compaction and snapshot expiration ("Table
  optimization prerequisites", https://docs.aws.amazon.com/glue/latest/dg/optimization-prerequisites.html):
  glue:GetTable and glue:UpdateTable on the catalog, database and table; s3:ListBucket on the bucket
  (checked with ``s3:prefix`` the table's folder: which prefix Athena lists with is not documented);
  s3:GetObject and s3:PutObject on the data. A refusal fails the query (wording not documented).

Neither statement changes what a query reads (compaction "optimize[s] the structural layout of the
table without altering table content"), so the rows in the sandbox's store stay as they are; each run
is recorded in the engine's ``MaintenanceLog`` (``log_of``).
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_NAME = r'[`"]?([A-Za-z0-9_]+)[`"]?'
_TARGET = rf"(?:{_NAME}\s*\.\s*)?{_NAME}"
_OPTIMIZE = re.compile(rf"^\s*OPTIMIZE\s+{_TARGET}\s+REWRITE\s+DATA\s+USING\s+BIN_PACK(?:\s+WHERE\s+.+?)?\s*;?\s*$",
                       re.IGNORECASE | re.DOTALL)
_VACUUM = re.compile(rf"^\s*VACUUM\s+{_TARGET}\s*;?\s*$", re.IGNORECASE)
_STARTS = re.compile(r"^\s*(OPTIMIZE|VACUUM)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Maintenance:
    """One maintenance statement: which, and on which table (database None: the query's context)."""

    statement: str  # OPTIMIZE | VACUUM
    database: str | None
    table: str


@dataclass(frozen=True)
class MaintenanceRun:
    """One successful maintenance query, as the sandbox records it."""

    query_id: str
    statement: str
    database: str
    table: str
    files_deleted: bool  # VACUUM without s3:DeleteObject succeeds and deletes nothing


@dataclass
class MaintenanceLog:
    """Every maintenance query that succeeded on one Athena engine, in order (``log_of``)."""

    runs: list[MaintenanceRun] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, run: MaintenanceRun) -> None:
        with self._lock:
            self.runs.append(run)


def log_of(engine: Any) -> MaintenanceLog:
    """The maintenance log of one ``AthenaEngine`` (kept on it, created on first use)."""
    log = getattr(engine, "maintenance_log", None)
    if log is None:
        log = MaintenanceLog()
        engine.maintenance_log = log
    return log


def runner(sql: str, *, account: str, region: str, log: MaintenanceLog) -> Callable[[Any], str | None] | None:
    """What the engine runs instead of SQLite for OPTIMIZE and VACUUM (``AthenaEngine.start_query_execution``'s
    ``runner``): a function of the QueryExecution returning its failure reason, or None when it succeeded.
    None for every other statement."""
    try:
        maintenance = parse(sql)
    except ValueError as error:
        reason = str(error)
        return lambda execution: reason
    if maintenance is None:
        return None

    def run_statement(execution: Any) -> str | None:
        return run(maintenance, query_id=execution.query_id, account=account, region=region,
                   context_database=execution.database, log=log)

    return run_statement


def parse(sql: str) -> Maintenance | None:
    """The statement when ``sql`` is OPTIMIZE or VACUUM; None for anything else.
    A statement that starts with either word but is malformed raises ValueError (Athena: a syntax error)."""
    if not _STARTS.match(sql):
        return None
    for pattern, statement in ((_OPTIMIZE, "OPTIMIZE"), (_VACUUM, "VACUUM")):
        match = pattern.match(sql)
        if match:
            return Maintenance(statement, match.group(1), match.group(2))
    raise ValueError("SYNTAX_ERROR: line 1:1: expected OPTIMIZE [db.]table REWRITE DATA USING BIN_PACK [WHERE ...] "
                     "or VACUUM [db.]table")


def glue_table(account: str, region: str, database: str, table: str) -> dict[str, Any] | None:
    """The table's Glue entry (moto's Glue backend) as GetTable returns it, or None."""
    from moto.glue.models import glue_backends

    glue = glue_backends[account][region]
    try:
        return glue.get_table(database, table).as_dict()
    except Exception:  # moto raises its own EntityNotFound / DatabaseNotFound
        return None


def is_iceberg(table: dict[str, Any]) -> bool:
    """Athena's test: the Glue entry's ``table_type`` parameter is ICEBERG (case-insensitive)."""
    return str((table.get("Parameters") or {}).get("table_type", "")).upper() == "ICEBERG"


def run(maintenance: Maintenance, *, query_id: str, account: str, region: str,
        context_database: str | None, log: MaintenanceLog) -> str | None:
    """Run the statement; return the query's failure reason, or None when it SUCCEEDED (and is logged)."""
    database = (maintenance.database or context_database or "default").lower()
    name = maintenance.table.lower()
    table = glue_table(account, region, database, name)
    if table is None:
        return f"TABLE_NOT_FOUND: line 1:1: Table 'awsdatacatalog.{database}.{name}' does not exist"
    if not is_iceberg(table):
        return (f"NOT_SUPPORTED: {maintenance.statement} is supported only for Apache Iceberg tables; "
                f"{database}.{name} is not an Iceberg table")
    location = (table.get("StorageDescriptor") or {}).get("Location") or ""
    bucket, _, folder = location.removeprefix("s3://").partition("/")
    if maintenance.statement == "VACUUM" and not folder.strip("/"):
        return f"GENERIC_INTERNAL_ERROR: Path missing in file system location: s3://{bucket}"
    refused = _refused(account, region, database, name, bucket, folder)
    if refused:
        return f"Insufficient permissions to execute the query. {refused}"
    deletes = maintenance.statement == "VACUUM" and not _denied(
        "s3:DeleteObject", f"arn:aws:s3:::{bucket}/{folder.rstrip('/')}/data/orphan.parquet")
    log.add(MaintenanceRun(query_id, maintenance.statement, database, name, files_deleted=deletes))
    return None


def _denied(action: str, resource: str, context: dict[str, str] | None = None) -> str | None:
    """The AccessDenied message when the current caller (a role) may not; None when it may or is not a role."""
    from sandbox.iam import evaluation, identity

    who = identity.current()
    if who is None or not evaluation.enabled():
        return None
    role_arn, session = who
    account = role_arn.split(":")[4]
    decision = evaluation.evaluate(account, role_arn, action, resource, context)
    return None if decision.allowed else evaluation.access_denied_message(role_arn, action, resource, decision, session)


def _refused(account: str, region: str, database: str, table: str, bucket: str, folder: str) -> str | None:
    glue = [f"arn:aws:glue:{region}:{account}:catalog", f"arn:aws:glue:{region}:{account}:database/{database}",
            f"arn:aws:glue:{region}:{account}:table/{database}/{table}"]
    data_file = f"arn:aws:s3:::{bucket}/{folder.rstrip('/')}/data/compacted.parquet"
    checks: list[tuple[str, str, dict[str, str] | None]] = [
        (action, resource, None) for action in ("glue:GetTable", "glue:UpdateTable") for resource in glue]
    checks.append(("s3:ListBucket", f"arn:aws:s3:::{bucket}", {"s3:prefix": folder.rstrip("/") + "/" if folder.strip("/") else ""}))
    checks += [("s3:GetObject", data_file, None), ("s3:PutObject", data_file, None)]
    for action, resource, context in checks:
        denied = _denied(action, resource, context)
        if denied:
            return denied
    return None
