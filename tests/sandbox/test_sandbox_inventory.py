"""S3 Inventory in the sandbox: configurations read back as written, reports in the documented layout,
Athena reading them through partition projection and symlink.txt, and the athena .sync task state."""
from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta
from pathlib import Path

import boto3
import pyarrow.parquet as pq
import pytest
from helpers_wait import execution_end

from sandbox import Sandbox
from workflow.config import load_config, replace

try:  # new with the inventory mode: absent on older code, where only the plain_sb tests can run
    from publish import inventory
    from workflow.inventory import inventory_names
except ImportError:
    inventory = None  # type: ignore[assignment]

REPO_ROOT = Path(__file__).resolve().parents[2]
_BASE = load_config(REPO_ROOT / "config.yaml")
BUCKET = "inventory-bucket"
CFG = replace(_BASE, storage=replace(_BASE.storage, bucket=BUCKET, listing="inventory")) if inventory else _BASE
OUTPUT = f"s3://{BUCKET}/labeling/athena/"


@pytest.fixture(scope="module")
def sb():
    with Sandbox(region="eu-west-1", iam_evaluation=False) as running:
        s3 = boto3.client("s3")
        for bucket in (BUCKET, "plain-bucket"):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        for name in ("a.jpg", "b.PNG", "notes.txt"):
            s3.put_object(Bucket=BUCKET, Key=f"raw/{name}", Body=name.encode())
        s3.put_object(Bucket=BUCKET, Key="elsewhere/c.jpg", Body=b"c")
        if inventory is not None:
            inventory.ensure_inventory(s3, boto3.client("glue"), CFG, running.account_id)
        yield running


def _run(query: str) -> dict:
    athena = boto3.client("athena")
    query_id = athena.start_query_execution(QueryString=query, ResultConfiguration={"OutputLocation": OUTPUT})[
        "QueryExecutionId"]
    return athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]


def _rows(query: str) -> list[list[str]]:
    execution = _run(query)
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    rows = boto3.client("athena").get_query_results(QueryExecutionId=execution["QueryExecutionId"])["ResultSet"]["Rows"]
    return [[cell.get("VarCharValue", "") for cell in row["Data"]] for row in rows[1:]]


PLAIN_CONFIG = {
    "Id": "raw-images", "IsEnabled": True, "IncludedObjectVersions": "Current", "Filter": {"Prefix": "raw/"},
    "Destination": {"S3BucketDestination": {"Bucket": "arn:aws:s3:::plain-bucket", "Format": "Parquet",
                                            "Prefix": "labeling/inventory"}},
    "Schedule": {"Frequency": "Daily"}, "OptionalFields": ["Size", "LastModifiedDate", "ETag"],
}


@pytest.fixture
def plain_sb(sb):
    """The sandbox, for rules that hold for any caller (these tests use nothing of the pipeline's)."""
    return sb


def test_an_inventory_configuration_reads_back_as_written(plain_sb):
    s3 = boto3.client("s3")
    s3.put_bucket_inventory_configuration(Bucket="plain-bucket", Id="raw-images", InventoryConfiguration=PLAIN_CONFIG)
    got = s3.get_bucket_inventory_configuration(Bucket="plain-bucket", Id="raw-images")["InventoryConfiguration"]
    assert got == PLAIN_CONFIG  # IncludedObjectVersions Current and the fields, as PutBucketInventoryConfiguration took them
    listed = s3.list_bucket_inventory_configurations(Bucket="plain-bucket")["InventoryConfigurationList"]
    assert listed == [PLAIN_CONFIG]


def test_the_deployers_configuration_is_idempotent(sb):
    s3 = boto3.client("s3")
    config = inventory.inventory_configuration(CFG, sb.account_id)
    assert s3.get_bucket_inventory_configuration(Bucket=BUCKET, Id=config["Id"])["InventoryConfiguration"] == config
    assert inventory.ensure_configuration(s3, CFG, sb.account_id).action == "unchanged"
    assert inventory.ensure_delivery_policy(s3, CFG, sb.account_id).action == "unchanged"
    assert inventory.ensure_table(boto3.client("glue"), CFG).action == "unchanged"


def test_a_report_has_the_documented_layout(sb):
    s3 = boto3.client("s3")
    (report,) = sb.deliver_inventory_reports(BUCKET)
    root = f"labeling/inventory/{BUCKET}/{inventory_names(CFG).config_id}/"
    assert report.manifest_key.startswith(root) and report.manifest_key.endswith("Z/manifest.json")
    assert report.symlink_key == f"{root}hive/dt={report.dt}/symlink.txt"
    body = s3.get_object(Bucket=BUCKET, Key=report.manifest_key)["Body"].read()
    manifest = json.loads(body)
    assert {"sourceBucket", "destinationBucket", "version", "creationTimestamp", "fileFormat", "fileSchema",
            "files"} <= set(manifest)
    assert manifest["fileFormat"] == "Parquet" and manifest["sourceBucket"] == BUCKET
    checksum = s3.get_object(Bucket=BUCKET, Key=report.manifest_key.replace("manifest.json", "manifest.checksum"))
    assert checksum["Body"].read().decode() == hashlib.md5(body).hexdigest()
    (data_file,) = manifest["files"]
    assert data_file["key"].startswith(f"{root}data/") and data_file["key"].endswith(".parquet")
    symlink = s3.get_object(Bucket=BUCKET, Key=report.symlink_key)["Body"].read().decode()
    assert symlink.split() == [f"s3://{BUCKET}/{data_file['key']}"]
    data = s3.get_object(Bucket=BUCKET, Key=data_file["key"])["Body"].read()
    assert hashlib.md5(data).hexdigest() == data_file["MD5checksum"]
    table = pq.read_table(io.BytesIO(data))
    assert table.column_names == ["bucket", "key", "size", "last_modified_date", "e_tag"]
    assert sorted(table.column("key").to_pylist()) == ["raw/a.jpg", "raw/b.PNG", "raw/notes.txt"]  # the filter prefix


def test_athena_reads_the_newest_report_through_projection_and_symlink(sb):
    s3 = boto3.client("s3")
    names = inventory_names(CFG)
    first = sb.deliver_inventory_reports(BUCKET)[0]
    s3.put_object(Bucket=BUCKET, Key="raw/d.jpg", Body=b"d")
    sb.clock.advance(timedelta(days=1).total_seconds())
    second = sb.deliver_inventory_reports(BUCKET)[0]
    assert second.dt > first.dt
    table = f'"{names.database}"."{names.table}"'
    assert _rows(f"SELECT \"key\" FROM {table} WHERE \"dt\" = '{first.dt}' ORDER BY \"key\"") == [
        ["raw/a.jpg"], ["raw/b.PNG"], ["raw/notes.txt"]]
    assert ["raw/d.jpg"] in _rows(f"SELECT \"key\" FROM {table} WHERE \"dt\" = '{second.dt}'")
    etag = s3.head_object(Bucket=BUCKET, Key="raw/d.jpg")["ETag"].strip('"')
    assert _rows(f"SELECT \"e_tag\", \"size\" FROM {table} WHERE \"dt\" = '{second.dt}' AND \"key\" = 'raw/d.jpg'") == [
        [etag, "1"]]


def test_a_partition_outside_the_projected_range_or_not_delivered_has_no_rows(sb):
    names = inventory_names(CFG)
    table = f'"{names.database}"."{names.table}"'
    assert _rows(f"SELECT \"key\" FROM {table} WHERE \"dt\" = '2001-01-01-00-00'") == []  # before the range
    assert _rows(f"SELECT \"key\" FROM {table} WHERE \"dt\" = '2099-01-01-00-00'") == []  # after NOW


PLAIN_OUTPUT = "s3://plain-bucket/athena/"


def _state_machine(query: str, output: str | None = PLAIN_OUTPUT) -> dict:
    sfn = boto3.client("stepfunctions")
    parameters: dict = {"QueryString": query, "WorkGroup": "primary"}
    if output:
        parameters["ResultConfiguration"] = {"OutputLocation": output}
    definition = {"StartAt": "Query", "States": {"Query": {
        "Type": "Task", "Resource": "arn:aws:states:::athena:startQueryExecution.sync", "Parameters": parameters,
        "End": True}}}
    arn = sfn.create_state_machine(name=f"athena-{abs(hash((query, output)))}", definition=json.dumps(definition),
                                   roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    return execution_end(sfn, execution)


def test_the_sync_task_returns_get_query_execution_once_the_query_succeeded(plain_sb):
    described = _state_machine("SELECT 1 AS one")
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["QueryExecution"]["Status"]["State"] == "SUCCEEDED"
    assert output["QueryExecution"]["ResultConfiguration"]["OutputLocation"].startswith(PLAIN_OUTPUT)


def test_a_failed_query_fails_the_task_with_states_task_failed(plain_sb):
    described = _state_machine('SELECT "nope" FROM "no_db"."no_table"')
    assert described["status"] == "FAILED"
    assert described["error"] == "States.TaskFailed"
    assert json.loads(described["cause"])["QueryExecution"]["Status"]["State"] == "FAILED"


def test_a_refused_request_is_named_after_athenas_exception(plain_sb):
    described = _state_machine("SELECT 1", output=None)  # primary has no output location
    assert described["status"] == "FAILED"
    assert described["error"] == "Athena.InvalidRequestException"
    assert "Service: AmazonAthena; Status Code: 400" in described["cause"]
