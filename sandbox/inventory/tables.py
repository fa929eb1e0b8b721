"""The sandbox's Athena reads Glue tables over S3 Inventory reports: projection -> symlink -> Parquet rows.

"Querying Amazon S3 Inventory with Amazon Athena"
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-athena-query.html) defines the
table: Parquet SerDe, ``SymlinkTextInputFormat``, ``LOCATION`` the report's ``hive/`` folder, partitioned
by ``dt`` with partition projection (``projection.dt.type`` date, format ``yyyy-MM-dd-HH-mm``, a range
ending at NOW). Before a query runs, every such table it names (``"database"."table"``) is loaded into
SQLite with the partitions the query selects:

- partition projection ("Use partition projection with Amazon Athena", partition-projection.html):
  partition values come from the table properties, not from the catalog; a value outside the projected
  range, or whose folder holds nothing, yields no rows (not an error);
- ``dt = '<value>'`` literals of the query choose the partitions; without one, every delivered one
  within the range is read;
- each partition's ``symlink.txt`` lists the data files (one ``s3://`` URI per line), read as Parquet,
  columns matched by name (a column absent from a file is NULL).

A load is kept while the symlink files it read are unchanged, so repeated queries cost one load.
"""
from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

SYMLINK_INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat"
_TABLE = re.compile(r'"([^"]+)"\s*\.\s*"([^"]+)"')
_DT_LITERAL = re.compile(r'"?dt"?\s*=\s*\'([^\']*)\'', re.IGNORECASE)
_JAVA_TO_STRPTIME = (("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"))
_SQL_TYPES = {"string": "TEXT", "bigint": "INTEGER", "int": "INTEGER", "boolean": "SANDBOX_BOOLEAN",
              "timestamp": "SANDBOX_TIMESTAMP", "double": "REAL"}

Reader = Callable[[str, str], bytes | None]  # (bucket, key) -> body, None when absent
Lister = Callable[[str, str], list[str]]  # (bucket, prefix) -> keys


class InventoryTableError(RuntimeError):
    """The table cannot be read: the message is Athena's StateChangeReason."""


@dataclass(frozen=True)
class SymlinkTable:
    """What the loader needs of a Glue table over symlinked Parquet files with a projected ``dt``."""

    database: str
    table: str
    columns: list[tuple[str, str]]  # (name, Hive type), the partition column last
    location: str  # s3://bucket/.../hive/
    dt_format: str  # strptime format
    dt_range: tuple[str, str]  # first value, last value or NOW


def _strptime_format(java: str) -> str:
    for pattern, directive in _JAVA_TO_STRPTIME:
        java = java.replace(pattern, directive)
    return java


def symlink_table(described: dict[str, Any]) -> SymlinkTable | None:
    """The table's reading recipe (GetTable's ``Table``), or None for any other kind of table."""
    storage = described.get("StorageDescriptor") or {}
    if storage.get("InputFormat") != SYMLINK_INPUT_FORMAT:
        return None
    parameters = described.get("Parameters") or {}
    partitions = [(p["Name"], p.get("Type", "string")) for p in described.get("PartitionKeys") or []]
    if [name for name, _ in partitions] != ["dt"] or parameters.get("projection.enabled") != "true":
        return None
    first, _, last = (parameters.get("projection.dt.range") or ",NOW").partition(",")
    columns = [(c["Name"], c.get("Type", "string")) for c in storage.get("Columns") or []] + partitions
    return SymlinkTable(described["DatabaseName"], described["Name"], columns, storage["Location"],
                        _strptime_format(parameters.get("projection.dt.format", "yyyy-MM-dd-HH-mm")), (first, last))


def _in_range(table: SymlinkTable, value: str, now: datetime) -> bool:
    try:
        moment = datetime.strptime(value, table.dt_format).replace(tzinfo=UTC)
        first = datetime.strptime(table.dt_range[0], table.dt_format).replace(tzinfo=UTC)
        last = now if table.dt_range[1].strip().upper() == "NOW" else datetime.strptime(
            table.dt_range[1], table.dt_format).replace(tzinfo=UTC)
    except ValueError:
        return False
    return first <= moment <= last


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def partition_files(table: SymlinkTable, query: str, read: Reader, list_keys: Lister,
                    now: datetime) -> dict[str, list[str]]:
    """dt value -> data file URIs, for the partitions the query selects that exist and are in range."""
    bucket, prefix = _split(table.location.rstrip("/") + "/")
    wanted = _DT_LITERAL.findall(query)
    if not wanted:
        wanted = sorted({key[len(prefix) + 3:].split("/", 1)[0] for key in list_keys(bucket, prefix + "dt=")
                         if key.endswith("/symlink.txt")})
    files: dict[str, list[str]] = {}
    for value in wanted:
        if not _in_range(table, value, now):
            continue
        body = read(bucket, f"{prefix}dt={value}/symlink.txt")
        if body is not None:
            files[value] = [line.strip() for line in body.decode("utf-8").splitlines() if line.strip()]
    return files


def read_rows(table: SymlinkTable, files: dict[str, list[str]], read: Reader) -> list[tuple[Any, ...]]:
    """Every row of the partitions' Parquet files, in the table's column order (timestamps as Athena prints them)."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.compute as pc  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    names = [name for name, _ in table.columns if name != "dt"]
    rows: list[tuple[Any, ...]] = []
    for dt, uris in sorted(files.items()):
        for uri in uris:
            body = read(*_split(uri))
            if body is None:
                raise InventoryTableError(f"HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split {uri}: the file "
                                          "listed in symlink.txt does not exist")
            data = pq.read_table(io.BytesIO(body))
            columns = []
            for name in names:
                if name not in data.column_names:
                    columns.append([None] * data.num_rows)
                    continue
                column = data.column(name)
                if pa.types.is_timestamp(column.type):
                    column = pc.strftime(column, format="%Y-%m-%d %H:%M:%S")
                    columns.append([None if v is None else v[:23] for v in column.to_pylist()])
                else:
                    columns.append(column.to_pylist())
            rows.extend(zip(*columns, [dt] * data.num_rows, strict=True))
    return rows


class InventoryTables:
    """Loads the symlink tables a query names into the offline store's SQLite, once per report."""

    def __init__(self) -> None:
        self._loaded: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._lock = threading.Lock()

    def prepare(self, offline: Any, query: str, describe: Callable[[str, str], dict[str, Any] | None],
                read: Reader, list_keys: Lister, now: datetime) -> None:
        """Load every symlink table ``query`` names (``describe``: GetTable's ``Table`` or None)."""
        for database, name in sorted(set(_TABLE.findall(query))):
            described = describe(database, name)
            table = symlink_table(described) if described else None
            if table is None:
                continue
            files = partition_files(table, query, read, list_keys, now)
            stamp = tuple(sorted((dt, tuple(uris)) for dt, uris in files.items()))
            with self._lock:
                if self._loaded.get((database, name)) == stamp:
                    continue
                columns = [(column, _SQL_TYPES.get(kind.lower(), "TEXT")) for column, kind in table.columns]
                offline.replace_external_table(database, name, columns, read_rows(table, files, read))
                self._loaded[(database, name)] = stamp


def moto_sources(account: str) -> tuple[Callable[[str, str], dict[str, Any] | None], Reader, Lister]:
    """GetTable, GetObject and a key listing straight from moto's backends (Athena reads as the service).

    The Glue table is looked up in every region of the account that has a catalog (the sandbox runs one)."""
    from moto.glue.models import glue_backends
    from moto.s3.models import s3_backends

    def describe(database: str, table: str) -> dict[str, Any] | None:
        for backend in list(glue_backends[account].values()):
            try:
                return backend.get_table(database, table).as_dict()
            except Exception:
                continue
        return None

    def bucket(name: str) -> Any:
        try:
            return s3_backends[account]["aws"].get_bucket(name)
        except Exception:
            return None

    def read(name: str, key: str) -> bytes | None:
        found = bucket(name)
        obj = found.keys.get(key) if found is not None else None
        return obj.value if obj is not None else None

    def list_keys(name: str, prefix: str) -> list[str]:
        found = bucket(name)
        return [key for key in found.keys.keys() if key.startswith(prefix)] if found is not None else []

    return describe, read, list_keys
