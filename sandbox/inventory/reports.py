"""S3 Inventory reports, delivered on demand in the documented layout.

"Locating your inventory list" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-location.html):
a report of configuration ``config-ID`` on ``source-bucket`` goes to the destination bucket as

    destination-prefix/source-bucket/config-ID/data/<name>.parquet         the inventory list files
    destination-prefix/source-bucket/config-ID/YYYY-MM-DDTHH-MMZ/manifest.json
    destination-prefix/source-bucket/config-ID/YYYY-MM-DDTHH-MMZ/manifest.checksum   (MD5 of manifest.json)
    destination-prefix/source-bucket/config-ID/hive/dt=YYYY-MM-DD-HH-MM/symlink.txt  (the data files' URIs)

``manifest.json`` carries ``sourceBucket``, ``destinationBucket``, ``version``, ``creationTimestamp``
(milliseconds), ``fileFormat``, ``fileSchema`` and ``files`` (``key``, ``size``, ``MD5checksum``), as
the same page shows. The Parquet columns are those of "Querying Amazon S3 Inventory with Amazon
Athena" (storage-inventory-athena-query): ``bucket``, ``key``, then ``version_id``, ``is_latest``,
``is_delete_marker`` (only with IncludedObjectVersions All), then the optional fields the configuration
asks for (``size``, ``last_modified_date``, ``e_tag``, ``storage_class``). Keys are written as S3 stores
them: only CSV reports URL-encode keys ("Amazon S3 Inventory list", storage-inventory.html).

Undocumented, chosen here: the ``dt`` partition and the manifest folder use the same minute (AWS's
hive ``dt`` is typically the day at 01-00); ``e_tag`` is written without S3's double quotes (the
pipeline's query strips them either way); ``last_modified_date`` has second precision, as S3's
listings show LastModified, so both of the pipeline's listing modes order images alike.
"""
from __future__ import annotations

import hashlib
import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

PutObject = Callable[[str, str, bytes], None]  # (bucket, key, body)

VERSION = "2016-11-30"
# Parquet types of the columns, in report order ("Querying Amazon S3 Inventory with Amazon Athena").
_VERSION_COLUMNS = ("version_id", "is_latest", "is_delete_marker")
_OPTIONAL = {  # OptionalFields value -> column name
    "Size": "size",
    "LastModifiedDate": "last_modified_date",
    "ETag": "e_tag",
    "StorageClass": "storage_class",
}


@dataclass(frozen=True)
class Report:
    """One delivered report: where its pieces are."""

    config_id: str
    destination_bucket: str
    data_keys: list[str]
    manifest_key: str
    symlink_key: str
    dt: str
    rows: int


def _schema(columns: list[str]) -> Any:
    import pyarrow as pa  # type: ignore[import-untyped]

    types = {"bucket": pa.string(), "key": pa.string(), "version_id": pa.string(), "is_latest": pa.bool_(),
             "is_delete_marker": pa.bool_(), "size": pa.int64(), "last_modified_date": pa.timestamp("ms", tz="UTC"),
             "e_tag": pa.string(), "storage_class": pa.string()}
    return pa.schema([(name, types[name]) for name in columns])


def file_schema(columns: list[str]) -> str:
    """The manifest's ``fileSchema`` for Parquet: the Parquet message type of the columns."""
    kinds = {"is_latest": "optional boolean", "is_delete_marker": "optional boolean", "size": "optional int64",
             "last_modified_date": "optional int64"}
    parts = []
    for name in columns:
        if name in ("bucket", "key"):
            parts.append(f"required binary {name} (UTF8);")
        elif name == "last_modified_date":
            parts.append(f"{kinds[name]} {name} (TIMESTAMP_MILLIS);")
        elif name in kinds:
            parts.append(f"{kinds[name]} {name};")
        else:
            parts.append(f"optional binary {name} (UTF8);")
    return "message s3.inventory { " + " ".join(parts) + " }"


def columns_for(config: dict[str, Any]) -> list[str]:
    """The report's columns for an inventory configuration (Get/PutBucketInventoryConfiguration shape)."""
    columns = ["bucket", "key"]
    if config.get("IncludedObjectVersions") == "All":
        columns += list(_VERSION_COLUMNS)
    fields = config.get("OptionalFields") or []
    columns += [column for field, column in _OPTIONAL.items() if field in fields]
    return columns


def write_report(put: PutObject, config: dict[str, Any], source_bucket: str, table: Any, now: datetime) -> Report:
    """Write one report of ``table`` (a pyarrow Table with the configuration's columns) as S3 would."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    destination = config["Destination"]["S3BucketDestination"]
    dest_bucket = destination["Bucket"].removeprefix("arn:aws:s3:::")
    prefix = destination.get("Prefix") or ""
    base = f"{prefix.rstrip('/')}/" if prefix else ""
    root = f"{base}{source_bucket}/{config['Id']}/"
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="snappy")
    data = sink.getvalue()
    data_key = f"{root}data/{uuid.uuid4()}.parquet"
    put(dest_bucket, data_key, data)
    moment = now.astimezone(UTC)
    stamp = moment.strftime("%Y-%m-%dT%H-%MZ")
    dt = moment.strftime("%Y-%m-%d-%H-%M")
    manifest = {
        "sourceBucket": source_bucket,
        "destinationBucket": f"arn:aws:s3:::{dest_bucket}",
        "version": VERSION,
        "creationTimestamp": str(int(moment.timestamp() * 1000)),
        "fileFormat": "Parquet",
        "fileSchema": file_schema(list(table.schema.names)),
        "files": [{"key": data_key, "size": len(data), "MD5checksum": hashlib.md5(data).hexdigest()}],
    }
    body = json.dumps(manifest, indent=2).encode("utf-8")
    manifest_key = f"{root}{stamp}/manifest.json"
    put(dest_bucket, manifest_key, body)
    put(dest_bucket, f"{root}{stamp}/manifest.checksum", hashlib.md5(body).hexdigest().encode("ascii"))
    symlink_key = f"{root}hive/dt={dt}/symlink.txt"
    put(dest_bucket, symlink_key, f"s3://{dest_bucket}/{data_key}\n".encode())
    return Report(config["Id"], dest_bucket, [data_key], manifest_key, symlink_key, dt, table.num_rows)


def _bucket_table(bucket: Any, source_bucket: str, config: dict[str, Any]) -> Any:
    """The current objects of a moto bucket under the configuration's filter prefix, as a pyarrow Table."""
    import pyarrow as pa

    columns = columns_for(config)
    prefix = (config.get("Filter") or {}).get("Prefix") or ""
    rows: dict[str, list[Any]] = {name: [] for name in columns}
    for key in sorted(bucket.keys.keys()):
        if not key.startswith(prefix):
            continue
        obj = bucket.keys[key]
        if getattr(obj, "is_delete_marker", False):
            continue
        values = {"bucket": source_bucket, "key": key, "version_id": obj.version_id, "is_latest": True,
                  "is_delete_marker": False, "size": obj.size,
                  "last_modified_date": obj.last_modified.replace(microsecond=0, tzinfo=UTC),
                  "e_tag": obj.etag.strip('"'), "storage_class": obj.storage_class}
        for name in columns:
            rows[name].append(values[name])
    return pa.table(rows, schema=_schema(columns))


def deliver_reports(account: str, source_bucket: str, now: datetime) -> list[Report]:
    """Deliver one report for every enabled Parquet inventory configuration of ``source_bucket``."""
    from moto.s3.models import s3_backends

    backend = s3_backends[account]["aws"]
    bucket = backend.get_bucket(source_bucket)

    def put(dest_bucket: str, key: str, body: bytes) -> None:
        backend.put_object(dest_bucket, key, body)

    reports = []
    for inventory in list(bucket.inventory_configs.values()):
        config = rendered(inventory)
        if not config["IsEnabled"] or config["Destination"]["S3BucketDestination"].get("Format") != "Parquet":
            continue  # only Parquet is produced here: the pipeline configures nothing else
        reports.append(write_report(put, config, source_bucket, _bucket_table(bucket, source_bucket, config), now))
    return reports


def rendered(inventory: Any) -> dict[str, Any]:
    """A moto inventory configuration in GetBucketInventoryConfiguration's shape (sandbox.patches.s3_inventory)."""
    fields = inventory.optional_fields or []
    if isinstance(fields, dict):
        fields = fields.get("Field", [])
    if isinstance(fields, str):
        fields = [fields]
    enabled = inventory.is_enabled
    config: dict[str, Any] = {
        "Destination": inventory.destination,
        "IsEnabled": enabled if isinstance(enabled, bool) else str(enabled).lower() == "true",
        "Id": inventory.id,
        "IncludedObjectVersions": getattr(inventory, "included_object_versions", "All"),
        "Schedule": inventory.schedule,
    }
    if inventory.filters:
        config["Filter"] = inventory.filters
    if fields:
        config["OptionalFields"] = list(fields)
    return config
