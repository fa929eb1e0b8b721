"""What a query reads in Amazon S3, judged for its caller: each table's location, its files, their keys.

Athena reads a table's data with its caller's permissions: "When actors interact with Athena, their
permissions pass through Athena to determine what Athena can access. This means that users must have
permission to access Amazon S3 buckets in order to query them with Athena" ("Control access to Amazon S3
from Athena", https://docs.aws.amazon.com/athena/latest/ug/s3-permissions.html); the permissions to run a
query include "Amazon S3 locations where the underlying data to query is stored" ("Identity and access
management in Athena", https://docs.aws.amazon.com/athena/latest/ug/security-iam-athena.html). The
actions are the ones AWS's examples grant for a table's location: s3:ListBucket on the bucket and
s3:GetObject on the objects (AWS Knowledge Center, "athena-access-iam"; Athena "Data perimeters",
https://docs.aws.amazon.com/athena/latest/ug/data-perimeters.html: s3:GetObject and s3:ListBucket for the
principal accessing Athena). So for each ``"database"."table"`` a query reads, ``reads`` lists the S3
requests Athena makes as the caller:

- ``s3:ListBucket`` on the location's bucket, with ``s3:prefix`` = the location's key ending in "/"
  (which prefix Athena lists with is not documented; every folder it lists lies under the location);
- ``s3:GetObject`` on each data file of the table: the objects under the location in S3. The sandbox
  keeps a feature group's offline-store rows in SQLite, not as files, so for such a table that holds
  rows it checks the file its newest row would be in, where Feature Store writes it ("Amazon SageMaker
  Feature Store offline store data format", https://docs.aws.amazon.com/sagemaker/latest/dg/feature-store-offline.html:
  ``<ResolvedOutputS3Uri>/year=YYYY/month=MM/day=DD/hour=HH/<timestamp>_<random>.parquet``, the key
  ``sandbox.iam.feature_store`` checks the group's role writes), and for an Iceberg table first its
  current metadata file (Glue parameter ``metadata_location``). An empty table has no data files: none to
  read, as on AWS;
- an S3 Inventory table ("Querying Amazon S3 Inventory with Amazon Athena",
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-athena-query.html) is a
  ``SymlinkTextInputFormat`` table over the report's ``hive/`` folder: Athena lists each partition it
  reads (``hive/dt=<value>/``), reads its ``symlink.txt`` and then the data files the symlink names,
  which lie outside the table's location (the report's ``data/`` folder): s3:GetObject on both;
- ``kms:Decrypt`` on the key of every SSE-KMS object read (Amazon S3 User Guide, "Using server-side
  encryption with AWS KMS keys (SSE-KMS)", https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html;
  Athena "Encryption at rest", https://docs.aws.amazon.com/athena/latest/ug/encryption.html: Athena reads
  a table with the encryption options of the table data): the object's own key, or for the sandbox's
  stand-in offline-store file the feature group's ``S3StorageConfig.KmsKeyId``.

The refusal's wording: AWS documents none for engine version 3. ``Permission denied on S3 path: <uri>``
is what Athena answers as reported by its users (e.g. Kubecost's Athena troubleshooting guide, for a
partition folder); the AWS Knowledge Center ("Why do I get Access Denied when I run a query in Amazon
Athena", https://repost.aws/knowledge-center/access-denied-athena) shows an older form,
``AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403; ...) (Path: s3://...)``.
The sandbox gives the former with the S3 path, followed by IAM's sentence naming the action.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# (action, resource, request context) -> IAM's access-denied message, or None when allowed
Refused = Callable[[str, str, Mapping[str, str] | None], str | None]


@dataclass(frozen=True)
class S3Object:
    """One object Athena reads, and the KMS key ARN it is encrypted with (None: none to ask for)."""

    bucket: str
    key: str
    kms_key: str | None = None


@dataclass
class TableReads:
    """The S3 requests Athena makes as its caller to read one table."""

    listings: list[tuple[str, str]] = field(default_factory=list)  # (bucket, s3:prefix)
    objects: list[S3Object] = field(default_factory=list)


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def _folder(key: str) -> str:
    return key.rstrip("/") + "/" if key.strip("/") else ""


def _kms_arn(account: str, region: str, key_id: str | None) -> str | None:
    if not key_id:
        return None
    return key_id if key_id.startswith("arn:") else f"arn:aws:kms:{region}:{account}:key/{key_id}"


def _stored(account: str, region: str, bucket: str, key: str) -> S3Object:
    """The object with its SSE-KMS key, as moto stores it (objects under aws/s3 need no grant)."""
    from moto.s3.models import s3_backends

    found = s3_backends[account]["aws"].buckets.get(bucket)
    obj = found.keys.get(key) if found is not None else None
    kms = getattr(obj, "kms_key_id", None) if getattr(obj, "encryption", None) == "aws:kms" else None
    return S3Object(bucket, key, _kms_arn(account, region, kms))


def _objects_under(account: str, bucket: str, prefix: str) -> list[str]:
    from moto.s3.models import s3_backends

    found = s3_backends[account]["aws"].buckets.get(bucket)
    if found is None:
        return []
    return sorted(k for k in list(found.keys.keys()) if k.startswith(prefix) and not k.endswith("/"))


def _glue_table(account: str, region: str, database: str, table: str) -> dict[str, Any] | None:
    from moto.glue.models import glue_backends

    try:
        return glue_backends[account][region].get_table(database, table).as_dict()
    except Exception:  # moto's EntityNotFound / DatabaseNotFound: Athena fails TABLE_NOT_FOUND itself
        return None


def _feature_group(account: str, region: str, database: str, table: str) -> Any | None:
    """The feature group whose offline store is this Glue table (its DataCatalogConfig), or None."""
    from moto.sagemaker.models import sagemaker_backends

    from sandbox.featurestore.catalog import schema_of

    for group in list(sagemaker_backends[account][region].feature_groups.values()):
        if not group.offline_store_config:
            continue
        schema = schema_of(group)
        if (schema.database.lower(), schema.table.lower()) == (database, table):
            return group
    return None


def _newest_row(database: str, table: str, schema: Any) -> tuple[str, datetime] | None:
    """(record identifier, event time) of the table's newest visible row in the sandbox's store; None: empty."""
    from sandbox import registry
    from sandbox.featurestore.validation import parse_event_time

    sandbox = registry.current()
    if sandbox is None:
        return None
    sql = (f'SELECT "{schema.record_identifier}", "{schema.event_time_feature}" FROM "{database}"."{table}" '
           "ORDER BY rowid DESC LIMIT 1")
    try:
        _, rows = sandbox.offline_store.query(sql, read_only=True)
        return (str(rows[0][0]), parse_event_time(str(rows[0][1]))) if rows else None
    except Exception:  # sqlite3.Error, or an event time the store kept but cannot be parsed back
        return None


def _offline_store_files(account: str, region: str, group: Any, described: dict[str, Any]) -> list[S3Object]:
    """The sandbox's stand-in for the Parquet files Feature Store would have written (see the module doc):
    the file of the newest row (``sandbox.iam.feature_store.offline_object_key``), after an Iceberg table's
    current metadata file."""
    from sandbox.featurestore.catalog import schema_of
    from sandbox.iam.feature_store import offline_object_key

    schema = schema_of(group)
    kms = _kms_arn(account, region, schema.offline_kms_key_id)
    files = []
    metadata = (described.get("Parameters") or {}).get("metadata_location")
    if metadata:
        files.append(S3Object(*_split(metadata), kms))
    newest = _newest_row(schema.database, schema.table, schema)
    if newest is not None and schema.offline_s3_uri:
        files.append(S3Object(*offline_object_key(schema, account, region, newest[1], newest[0]), kms))
    return files


def _inventory_reads(account: str, region: str, described: dict[str, Any], query: str,
                     now: datetime) -> TableReads | None:
    from sandbox.inventory.tables import moto_sources, partition_files, symlink_table

    table = symlink_table(described)
    if table is None:
        return None
    _, read, list_keys = moto_sources(account)
    bucket, prefix = _split(table.location.rstrip("/") + "/")
    reads = TableReads(listings=[(bucket, prefix)])
    for dt, uris in sorted(partition_files(table, query, read, list_keys, now).items()):
        reads.listings.append((bucket, f"{prefix}dt={dt}/"))
        reads.objects.append(_stored(account, region, bucket, f"{prefix}dt={dt}/symlink.txt"))
        reads.objects += [_stored(account, region, *_split(uri)) for uri in uris]
    return reads


def reads(account: str, region: str, database: str, table: str, query: str, now: datetime) -> TableReads | None:
    """What Athena reads in S3 for ``database.table`` (None: no such Glue table, or not in S3)."""
    described = _glue_table(account, region, database, table)
    location = ((described or {}).get("StorageDescriptor") or {}).get("Location") or ""
    if described is None or not location.startswith("s3://"):
        return None
    inventory = _inventory_reads(account, region, described, query, now)
    if inventory is not None:
        return inventory
    bucket, key = _split(location)
    prefix = _folder(key)
    found = TableReads(listings=[(bucket, prefix)],
                       objects=[_stored(account, region, bucket, k) for k in _objects_under(account, bucket, prefix)])
    group = _feature_group(account, region, database, table)
    if group is not None and not found.objects:
        found.objects = _offline_store_files(account, region, group, described)
    return found


def denied_path(uri: str, denied: str) -> str:
    """The query's StateChangeReason for a refused S3 read (wording: see the module doc)."""
    return f"Permission denied on S3 path: {uri}. {denied}"


def refusal(account: str, region: str, query: str, tables: list[tuple[str, str]], refused: Refused,
            now: datetime) -> str | None:
    """The first refused S3 request of reading ``tables``, as the query's failure reason; None: all allowed."""
    for database, table in tables:
        found = reads(account, region, database, table, query, now)
        if found is None:
            continue
        for bucket, prefix in found.listings:
            denied = refused("s3:ListBucket", f"arn:aws:s3:::{bucket}", {"s3:prefix": prefix})
            if denied:
                return denied_path(f"s3://{bucket}/{prefix}", denied)
        for obj in found.objects:
            uri = f"s3://{obj.bucket}/{obj.key}"
            denied = refused("s3:GetObject", f"arn:aws:s3:::{obj.bucket}/{obj.key}", None)
            if not denied and obj.kms_key:
                denied = refused("kms:Decrypt", obj.kms_key, None)
            if denied:
                return denied_path(uri, denied)
    return None
