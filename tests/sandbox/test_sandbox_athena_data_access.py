"""Athena reads a table's data in S3 with its caller's permissions (sandbox.iam.athena_data).

Each query runs as a role whose policy grants everything the query needs, less one statement: the
query must FAIL naming the S3 path it could not read ("Control access to Amazon S3 from Athena",
s3-permissions). The offline store's table and the S3 Inventory table (its symlink.txt files and the
report files they name) are both read this way.
"""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from publish import inventory
from sandbox import Sandbox
from sandbox.iam import identity
from workflow.config import load_config, replace
from workflow.inventory import inventory_names

REPO_ROOT = Path(__file__).resolve().parents[2]
_BASE = load_config(REPO_ROOT / "config.yaml")
BUCKET = "data-access-bucket"
CFG = replace(_BASE, storage=replace(_BASE.storage, bucket=BUCKET, listing="inventory"))
OUTPUT = f"s3://{BUCKET}/athena/"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
FEATURES = [("image_uri", "String"), ("event_time", "String"), ("status", "String")]
REPORTS = f"labeling/inventory/{BUCKET}/{inventory_names(CFG).config_id}/"


def _statements() -> dict[str, dict]:
    """Everything the queries of this module need, by Sid."""
    bucket = f"arn:aws:s3:::{BUCKET}"
    return {
        "RunQueries": {"Action": ["athena:StartQueryExecution", "athena:GetQueryExecution"], "Resource": "*"},
        "ReadCatalog": {"Action": ["glue:GetDatabase", "glue:GetTable", "glue:UpdateTable"], "Resource": "*"},
        "LocateBucket": {"Action": "s3:GetBucketLocation", "Resource": bucket},
        "WriteResults": {"Action": "s3:PutObject", "Resource": f"{bucket}/athena/*"},
        "ListData": {"Action": "s3:ListBucket", "Resource": bucket,
                     "Condition": {"StringLike": {"s3:prefix": ["fs/*", f"{REPORTS}*"]}}},
        "ReadOfflineStore": {"Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"{bucket}/fs/*"},
        "ReadSymlinks": {"Action": "s3:GetObject", "Resource": f"{bucket}/{REPORTS}hive/*"},
        "ReadReportFiles": {"Action": "s3:GetObject", "Resource": f"{bucket}/{REPORTS}data/*"},
        "DecryptOfflineStore": {"Action": "kms:Decrypt", "Resource": KEY},
    }


def _role(name: str, without: tuple[str, ...] = (), **replaced: dict) -> str:
    statements = {**_statements(), **replaced}
    document = {"Version": "2012-10-17", "Statement": [
        {"Sid": sid, "Effect": "Allow", **body} for sid, body in statements.items() if sid not in without]}
    iam = boto3.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="athena", PolicyDocument=json.dumps(document))
    return arn


def _writer_role() -> str:
    """The feature groups' role: Feature Store writes their offline stores with it."""
    iam = boto3.client("iam")
    arn = iam.create_role(RoleName="feature-store", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    iam.put_role_policy(RoleName="feature-store", PolicyName="write", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetBucketAcl"],
             "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]},
            {"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": KEY}]}))
    return arn


def _group(name: str, role: str, *, kms: bool = False, table_format: str | None = None, rows: int = 1) -> str:
    """A feature group with ``rows`` records; its offline store's Glue table name."""
    storage: dict = {"S3Uri": f"s3://{BUCKET}/fs/{name}"}
    if kms:
        storage["KmsKeyId"] = KEY
    offline: dict = {"S3StorageConfig": storage}
    if table_format:
        offline["TableFormat"] = table_format
    boto3.client("sagemaker").create_feature_group(
        FeatureGroupName=name, RecordIdentifierFeatureName="image_uri", EventTimeFeatureName="event_time",
        FeatureDefinitions=[{"FeatureName": n, "FeatureType": t} for n, t in FEATURES],
        OfflineStoreConfig=offline, RoleArn=role)
    for index in range(rows):
        boto3.client("sagemaker-featurestore-runtime").put_record(FeatureGroupName=name, Record=[
            {"FeatureName": "image_uri", "ValueAsString": f"s3://{BUCKET}/raw/{index}.jpg"},
            {"FeatureName": "event_time", "ValueAsString": "2026-11-29T10:00:00Z"},
            {"FeatureName": "status", "ValueAsString": "APPROVED"}])
    described = boto3.client("sagemaker").describe_feature_group(FeatureGroupName=name)
    catalog = described["OfflineStoreConfig"]["DataCatalogConfig"]
    return f'"{catalog["Database"]}"."{catalog["TableName"]}"'


@pytest.fixture(scope="module")
def box():
    with Sandbox(region="eu-west-1") as running:
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        for name in ("a.jpg", "b.png"):
            s3.put_object(Bucket=BUCKET, Key=f"raw/{name}", Body=name.encode())
        inventory.ensure_inventory(s3, boto3.client("glue"), CFG, running.account_id)
        running.deliver_inventory_reports(BUCKET)
        writer = _writer_role()
        running.tables = {  # type: ignore[attr-defined]
            "offline": _group("labels", writer),
            "empty": _group("empty-labels", writer, rows=0),
            "encrypted": _group("encrypted-labels", writer, kms=True),
            "iceberg": _group("iceberg-labels", writer, table_format="Iceberg"),
        }
        yield running


def _run(role_arn: str, sql: str) -> dict:
    """Start ``sql`` as the role and return its QueryExecution."""
    with identity.acting_as(role_arn, "athena-test"):
        athena = boto3.client("athena")
        query_id = athena.start_query_execution(QueryString=sql, ResultConfiguration={"OutputLocation": OUTPUT})[
            "QueryExecutionId"]
        return athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]


def _inventory_sql() -> str:
    names = inventory_names(CFG)
    return f'SELECT "key" FROM "{names.database}"."{names.table}" ORDER BY "key"'


def _status(execution: dict) -> tuple[str, str]:
    status = execution["Status"]
    return status["State"], status.get("StateChangeReason", "")


def test_a_role_that_may_read_every_location_runs_every_query(box):
    role = _role("reads-everything")
    for table in box.tables.values():
        assert _status(_run(role, f"SELECT * FROM {table}")) == ("SUCCEEDED", "")
    assert _status(_run(role, _inventory_sql())) == ("SUCCEEDED", "")


def test_without_get_object_on_the_offline_store_the_query_fails(box):
    role = _role("no-offline-reads", without=("ReadOfflineStore",))
    state, reason = _status(_run(role, f"SELECT * FROM {box.tables['offline']}"))
    assert state == "FAILED"
    assert reason.startswith(f"Permission denied on S3 path: s3://{BUCKET}/fs/labels/123456789012/sagemaker/"
                             "eu-west-1/offline-store/labels-"), reason
    assert "/data/year=2026/month=11/day=29/hour=10/" in reason and reason.split(". ", 1)[0].endswith(".parquet")
    assert "is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::" in reason


def test_an_empty_offline_store_has_no_files_to_read(box):
    role = _role("no-offline-reads-empty", without=("ReadOfflineStore",))
    assert _status(_run(role, f"SELECT * FROM {box.tables['empty']}")) == ("SUCCEEDED", "")


def test_without_list_bucket_on_the_location_the_query_fails(box):
    elsewhere = {"Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{BUCKET}",
                 "Condition": {"StringLike": {"s3:prefix": ["raw/*"]}}}
    for name, changes in (("no-listing", {"without": ("ListData",)}), ("lists-elsewhere", {"ListData": elsewhere})):
        role = _role(name, **changes)  # type: ignore[arg-type]
        state, reason = _status(_run(role, f"SELECT * FROM {box.tables['offline']}"))
        assert state == "FAILED"
        assert reason.startswith(f"Permission denied on S3 path: s3://{BUCKET}/fs/labels/"), reason
        assert reason.split(". ", 1)[0].endswith("/data/")
        assert f"s3:ListBucket on resource: arn:aws:s3:::{BUCKET} " in reason


def test_without_kms_decrypt_an_encrypted_offline_store_cannot_be_read(box):
    role = _role("no-decrypt", without=("DecryptOfflineStore",))
    assert _status(_run(role, f"SELECT * FROM {box.tables['offline']}")) == ("SUCCEEDED", "")  # not encrypted
    state, reason = _status(_run(role, f"SELECT * FROM {box.tables['encrypted']}"))
    assert state == "FAILED"
    assert reason.startswith(f"Permission denied on S3 path: s3://{BUCKET}/fs/encrypted-labels/"), reason
    assert f"kms:Decrypt on resource: {KEY}" in reason


def test_an_iceberg_table_reads_its_metadata_file_first(box):
    role = _role("no-offline-reads-iceberg", without=("ReadOfflineStore",))
    state, reason = _status(_run(role, f"SELECT * FROM {box.tables['iceberg']}"))
    assert state == "FAILED"
    assert reason.split(". ", 1)[0].endswith(".metadata.json") and "/metadata/" in reason, reason


def test_without_get_object_on_the_inventory_report_files_the_query_fails(box):
    role = _role("no-report-files", without=("ReadReportFiles",))
    state, reason = _status(_run(role, _inventory_sql()))
    assert state == "FAILED"
    assert reason.startswith(f"Permission denied on S3 path: s3://{BUCKET}/{REPORTS}data/"), reason
    assert reason.split(". ", 1)[0].endswith(".parquet")
    assert "s3:GetObject" in reason


def test_without_get_object_on_the_symlink_files_the_query_fails(box):
    role = _role("no-symlinks", without=("ReadSymlinks",))
    state, reason = _status(_run(role, _inventory_sql()))
    assert state == "FAILED"
    assert reason.startswith(f"Permission denied on S3 path: s3://{BUCKET}/{REPORTS}hive/dt="), reason
    assert reason.split(". ", 1)[0].endswith("/symlink.txt")


def test_without_list_bucket_on_the_reports_the_inventory_query_fails(box):
    offline_only = {"Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{BUCKET}",
                    "Condition": {"StringLike": {"s3:prefix": ["fs/*"]}}}
    role = _role("no-report-listing", ListData=offline_only)
    state, reason = _status(_run(role, _inventory_sql()))
    assert state == "FAILED"
    assert reason.startswith(f"Permission denied on S3 path: s3://{BUCKET}/{REPORTS}hive/. "), reason


def test_optimize_needs_list_bucket_on_the_table_folder(box):
    """Table optimization prerequisites (AWS Glue): s3:ListBucket on the bucket, as for the other actions."""
    allowed = _role("optimizer")
    table = box.tables["iceberg"]
    assert _status(_run(allowed, f"OPTIMIZE {table} REWRITE DATA USING BIN_PACK")) == ("SUCCEEDED", "")
    refused = _role("optimizer-without-listing", without=("ListData",))
    state, reason = _status(_run(refused, f"OPTIMIZE {table} REWRITE DATA USING BIN_PACK"))
    assert state == "FAILED"
    assert f"s3:ListBucket on resource: arn:aws:s3:::{BUCKET} " in reason
