"""S3 Inventory of the raw prefix, and the Glue table Athena reads it through (storage.listing != list).

- The inventory configuration (PutBucketInventoryConfiguration,
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketInventoryConfiguration.html): daily, Parquet
  (CSV inventories URL-encode keys), current versions only, filtered to the raw prefix, delivered to the
  same bucket under ``<work_prefix>inventory/``, with the fields the pipeline reads: Size,
  LastModifiedDate, ETag.
- The destination needs a bucket policy statement that lets S3 write the reports ("Grant permissions
  for S3 Inventory and S3 analytics", example-bucket-policies.html): principal ``s3.amazonaws.com``,
  ``s3:PutObject`` on the destination objects, conditions ``aws:SourceArn`` (the source bucket),
  ``aws:SourceAccount`` and ``s3:x-amz-acl`` = ``bucket-owner-full-control``. It is merged into the
  bucket's policy under its own Sid; other statements are kept.
- The Glue table is the one "Querying Amazon S3 Inventory with Amazon Athena"
  (storage-inventory-athena-query.html) creates for Parquet reports: Parquet SerDe,
  ``SymlinkTextInputFormat``, location the report's ``hive/`` folder, partition ``dt`` projected as a
  date (``yyyy-MM-dd-HH-mm``, hourly, from the deploy day to NOW) so no partition is ever added.

Names are pure functions of the config (workflow.inventory), shared with the state machine's settings.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from botocore.exceptions import ClientError

from publish.changes import Change
from steps import layout
from workflow.config import PipelineConfig
from workflow.inventory import inventory_names

POLICY_SID = "S3InventoryDelivery"
OPTIONAL_FIELDS = ("Size", "LastModifiedDate", "ETag")
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
SYMLINK_INPUT = "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.IgnoreKeyTextOutputFormat"
# The columns of a Parquet report of current versions with OPTIONAL_FIELDS (storage-inventory-athena-query).
COLUMNS = (("bucket", "string"), ("key", "string"), ("size", "bigint"), ("last_modified_date", "timestamp"),
           ("e_tag", "string"))


def wanted(cfg: PipelineConfig) -> bool:
    """Whether the deploy sets up the inventory (storage.listing auto or inventory)."""
    return cfg.storage.listing != "list"


def inventory_configuration(cfg: PipelineConfig, account_id: str) -> dict[str, Any]:
    """PutBucketInventoryConfiguration's InventoryConfiguration for ``cfg``."""
    storage = cfg.storage
    destination: dict[str, Any] = {
        "AccountId": account_id, "Bucket": f"arn:aws:s3:::{storage.bucket}", "Format": "Parquet",
        "Prefix": layout.inventory_prefix(storage.work_prefix).rstrip("/"),
    }
    if storage.kms_key_arn:
        destination["Encryption"] = {"SSEKMS": {"KeyId": storage.kms_key_arn}}
    config: dict[str, Any] = {
        "Id": inventory_names(cfg).config_id, "IsEnabled": True, "IncludedObjectVersions": "Current",
        "Destination": {"S3BucketDestination": destination}, "Schedule": {"Frequency": "Daily"},
        "OptionalFields": list(OPTIONAL_FIELDS),
    }
    if storage.raw_prefix:
        config["Filter"] = {"Prefix": storage.raw_prefix}
    return config


def delivery_statement(cfg: PipelineConfig, account_id: str) -> dict[str, Any]:
    """The bucket policy statement that lets S3 Inventory deliver its reports (example-bucket-policies)."""
    bucket = cfg.storage.bucket
    return {
        "Sid": POLICY_SID, "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/{layout.inventory_prefix(cfg.storage.work_prefix)}*",
        "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"},
                      "StringEquals": {"aws:SourceAccount": account_id, "s3:x-amz-acl": "bucket-owner-full-control"}},
    }


def table_input(cfg: PipelineConfig, first_day: str) -> dict[str, Any]:
    """Glue CreateTable's TableInput; ``first_day`` (YYYY-MM-DD) starts the projected range."""
    names = inventory_names(cfg)
    return {
        "Name": names.table,
        "Description": f"S3 Inventory of s3://{cfg.storage.bucket}/{cfg.storage.raw_prefix} (daily, Parquet)",
        "TableType": "EXTERNAL_TABLE",
        "PartitionKeys": [{"Name": "dt", "Type": "string"}],
        "StorageDescriptor": {
            "Columns": [{"Name": name, "Type": kind} for name, kind in COLUMNS],
            "Location": names.hive_location,
            "InputFormat": SYMLINK_INPUT,
            "OutputFormat": TEXT_OUTPUT,
            "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE},
        },
        "Parameters": {
            "projection.enabled": "true",
            "projection.dt.type": "date",
            "projection.dt.format": "yyyy-MM-dd-HH-mm",
            "projection.dt.range": f"{first_day}-00-00,NOW",
            "projection.dt.interval": "1",
            "projection.dt.interval.unit": "HOURS",
        },
    }


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def ensure_configuration(s3: Any, cfg: PipelineConfig, account_id: str) -> Change:
    """Put the inventory configuration unless the bucket already has exactly it."""
    wanted_config = inventory_configuration(cfg, account_id)
    try:
        current = s3.get_bucket_inventory_configuration(Bucket=cfg.storage.bucket, Id=wanted_config["Id"])
        if current.get("InventoryConfiguration") == wanted_config:
            return Change("s3 inventory", wanted_config["Id"], "unchanged")
        action: Literal["created", "updated"] = "updated"
    except ClientError as error:
        if _code(error) not in ("NoSuchConfiguration", "NoSuchInventoryConfig", "404"):  # moto: NoSuchInventoryConfig
            raise
        action = "created"
    s3.put_bucket_inventory_configuration(Bucket=cfg.storage.bucket, Id=wanted_config["Id"],
                                          InventoryConfiguration=wanted_config)
    return Change("s3 inventory", wanted_config["Id"], action, "daily Parquet report; the first within 48 hours")


def ensure_delivery_policy(s3: Any, cfg: PipelineConfig, account_id: str) -> Change:
    """Merge the delivery statement into the bucket policy (its other statements kept)."""
    bucket = cfg.storage.bucket
    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as error:
        if _code(error) != "NoSuchBucketPolicy":
            raise
        policy = {"Version": "2012-10-17", "Statement": []}
    statements = policy.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else list(statements)
    statement = delivery_statement(cfg, account_id)
    if statement in statements:
        return Change("bucket policy", f"{bucket} {POLICY_SID}", "unchanged")
    kept = [s for s in statements if s.get("Sid") != POLICY_SID]
    action: Literal["created", "updated"] = "updated" if len(kept) < len(statements) else "created"
    policy["Statement"] = [*kept, statement]
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    return Change("bucket policy", f"{bucket} {POLICY_SID}", action, "S3 Inventory may write its reports")


def ensure_table(glue: Any, cfg: PipelineConfig, today: datetime | None = None) -> Change:
    """Create the Glue database and table, or bring the table's definition up to date."""
    names = inventory_names(cfg)
    try:
        glue.get_database(Name=names.database)
    except ClientError as error:
        if _code(error) != "EntityNotFoundException":
            raise
        try:  # a second deploy makes no create call: look first, create only what is absent
            glue.create_database(DatabaseInput={"Name": names.database,
                                                "Description": "S3 Inventory reports of labeling pipelines"})
        except ClientError as create_error:
            if _code(create_error) != "AlreadyExistsException":
                raise
    try:
        current = glue.get_table(DatabaseName=names.database, Name=names.table)["Table"]
    except ClientError as error:
        if _code(error) != "EntityNotFoundException":
            raise
        current = None
    first_day = (today or datetime.now(UTC)).strftime("%Y-%m-%d")
    if current is not None:
        first_day = (current.get("Parameters") or {}).get("projection.dt.range", first_day)[:10]
    table = table_input(cfg, first_day)
    if current is None:
        glue.create_table(DatabaseName=names.database, TableInput=table)
        return Change("glue table", f"{names.database}.{names.table}", "created", "partition projection on dt")
    same = all(current.get(key) == table[key] for key in ("PartitionKeys", "Parameters")) and all(
        (current.get("StorageDescriptor") or {}).get(key) == table["StorageDescriptor"][key]
        for key in ("Columns", "Location", "InputFormat", "OutputFormat"))
    if same:
        return Change("glue table", f"{names.database}.{names.table}", "unchanged")
    glue.update_table(DatabaseName=names.database, TableInput=table)
    return Change("glue table", f"{names.database}.{names.table}", "updated")


def ensure_inventory(s3: Any, glue: Any, cfg: PipelineConfig, account_id: str) -> list[Change]:
    """Every inventory resource for ``cfg`` (nothing when storage.listing is list)."""
    if not wanted(cfg):
        return []
    return [ensure_delivery_policy(s3, cfg, account_id), ensure_configuration(s3, cfg, account_id),
            ensure_table(glue, cfg)]
