"""The deployer's S3 Inventory: configuration, the delivery statement in the bucket policy, the Glue table,
and the IAM the inventory mode needs (nothing of it in list mode)."""
from __future__ import annotations

import json

import boto3

from publish import inventory
from publish.iam_policies import PolicyContext, check_function_policy, state_machine_policy
from workflow.config import replace
from workflow.inventory import inventory_names
from workflow.resources import ResourceArns


def _bucket(cfg) -> None:
    boto3.client("s3").create_bucket(Bucket=cfg.storage.bucket,
                                     CreateBucketConfiguration={"LocationConstraint": cfg.pipeline.region})


def test_the_configuration_is_a_daily_parquet_list_of_current_raw_images_under_the_work_prefix(cfg, sandbox):
    config = inventory.inventory_configuration(cfg, sandbox.account_id)
    destination = config["Destination"]["S3BucketDestination"]
    assert (destination["Format"], config["Schedule"], config["IncludedObjectVersions"]) == (
        "Parquet", {"Frequency": "Daily"}, "Current")
    assert destination["Bucket"] == f"arn:aws:s3:::{cfg.storage.bucket}"
    assert destination["Prefix"] == cfg.storage.work_prefix + "inventory"
    assert config["Filter"] == {"Prefix": cfg.storage.raw_prefix}
    assert {"Size", "LastModifiedDate", "ETag"} <= set(config["OptionalFields"])


def test_the_delivery_statement_joins_the_bucket_policy_and_keeps_the_others(cfg, sandbox):
    _bucket(cfg)
    s3 = boto3.client("s3")
    other = {"Sid": "Theirs", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": f"arn:aws:s3:::{cfg.storage.bucket}/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    s3.put_bucket_policy(Bucket=cfg.storage.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [other]}))
    assert inventory.ensure_delivery_policy(s3, cfg, sandbox.account_id).action == "created"
    assert inventory.ensure_delivery_policy(s3, cfg, sandbox.account_id).action == "unchanged"
    statements = json.loads(s3.get_bucket_policy(Bucket=cfg.storage.bucket)["Policy"])["Statement"]
    assert statements[0] == other
    delivery = statements[1]
    assert delivery["Principal"] == {"Service": "s3.amazonaws.com"} and delivery["Action"] == "s3:PutObject"
    assert delivery["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws:s3:::{cfg.storage.bucket}"}
    assert delivery["Condition"]["StringEquals"] == {"aws:SourceAccount": sandbox.account_id,
                                                     "s3:x-amz-acl": "bucket-owner-full-control"}
    assert delivery["Resource"].endswith(f"/{cfg.storage.work_prefix}inventory/*")


def test_the_glue_table_reads_the_hive_symlinks_with_dt_projected(cfg, sandbox):
    glue = boto3.client("glue")
    assert inventory.ensure_table(glue, cfg).action == "created"
    assert inventory.ensure_table(glue, cfg).action == "unchanged"
    names = inventory_names(cfg)
    table = glue.get_table(DatabaseName=names.database, Name=names.table)["Table"]
    storage = table["StorageDescriptor"]
    assert storage["InputFormat"] == "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat"
    assert storage["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    assert storage["Location"] == names.hive_location and names.hive_location.endswith(f"/{names.config_id}/hive/")
    assert table["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    parameters = table["Parameters"]
    assert (parameters["projection.enabled"], parameters["projection.dt.type"], parameters["projection.dt.format"]) == (
        "true", "date", "yyyy-MM-dd-HH-mm")
    assert parameters["projection.dt.range"].endswith(",NOW")


def test_list_mode_sets_up_no_inventory_and_grants_no_query(cfg, sandbox):
    listed = replace(cfg, storage=replace(cfg.storage, listing="list"))
    assert inventory.ensure_inventory(boto3.client("s3"), boto3.client("glue"), listed, sandbox.account_id) == []
    arns = ResourceArns.for_account(listed, sandbox.account_id)
    actions = {a for s in state_machine_policy(PolicyContext.for_config(listed, arns))["Statement"]
               for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert not any(a.startswith(("athena:", "glue:")) for a in actions)


def test_inventory_mode_grants_the_query_to_the_state_machine_narrowly(cfg, sandbox):
    arns = ResourceArns.for_account(cfg, sandbox.account_id)
    ctx = PolicyContext.for_config(cfg, arns)
    statements = {s["Sid"]: s for s in state_machine_policy(ctx)["Statement"]}
    query = statements["RunInventoryQuery"]
    assert set(query["Action"]) == {"athena:StartQueryExecution", "athena:GetQueryExecution", "athena:StopQueryExecution"}
    assert query["Resource"] == [f"arn:aws:athena:{cfg.pipeline.region}:{sandbox.account_id}:workgroup/"
                                 f"{cfg.feature_store.athena_workgroup}"]
    names = inventory_names(cfg)
    tables = statements["ReadInventoryAndOfflineStoreTables"]["Resource"]
    assert f"arn:aws:glue:{cfg.pipeline.region}:{sandbox.account_id}:table/{names.database}/{names.table}" in tables
    assert all("*" not in r for s in statements.values() if s["Sid"] in (
        "RunInventoryQuery", "ReadInventoryAndOfflineStoreTables") for r in s["Resource"])
    listing = {s["Sid"]: s for s in check_function_policy(ctx)["Statement"]}["ListRawImagesOfflineStoreAndActiveRuns"]
    assert any(p.endswith(f"{names.config_id}/hive/*") for p in listing["Condition"]["StringLike"]["s3:prefix"])
