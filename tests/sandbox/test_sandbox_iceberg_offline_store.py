"""Iceberg offline stores in the sandbox: CreateFeatureGroup's TableFormat, the Glue table Athena sees,
the S3 layout Feature Store writes, and Athena's OPTIMIZE / VACUUM (Iceberg only)."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError

from sandbox import Sandbox
from sandbox.athena.maintenance import log_of
from sandbox.featurestore.catalog import schema_from_moto
from sandbox.iam.feature_store import offline_object_key

REGION = "eu-west-1"
BUCKET = "h12b-offline-store"
RESULTS = f"s3://{BUCKET}/athena/"


@pytest.fixture()
def box():
    with Sandbox(region=REGION) as sandbox:
        boto3.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield sandbox


def _role() -> str:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "sagemaker.amazonaws.com"}}]}
    iam = boto3.client("iam")
    try:
        return iam.get_role(RoleName="offline-writer")["Role"]["Arn"]
    except ClientError:
        arn = iam.create_role(RoleName="offline-writer", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName="offline-writer", PolicyName="write", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                                                 "Resource": f"arn:aws:s3:::{BUCKET}/fs/*"}]}))
    return arn


def _group(name: str, table_format: str | None, s3_uri: str = f"s3://{BUCKET}/fs") -> dict:
    offline: dict = {"S3StorageConfig": {"S3Uri": s3_uri},
                     "DataCatalogConfig": {"Catalog": "AwsDataCatalog", "Database": "sagemaker_featurestore",
                                           "TableName": name.replace("-", "_")}}
    if table_format is not None:
        offline["TableFormat"] = table_format
    sm = boto3.client("sagemaker")
    sm.create_feature_group(
        FeatureGroupName=name, RecordIdentifierFeatureName="uri", EventTimeFeatureName="event_time",
        FeatureDefinitions=[{"FeatureName": "uri", "FeatureType": "String"},
                            {"FeatureName": "event_time", "FeatureType": "String"},
                            {"FeatureName": "status", "FeatureType": "String"}],
        OfflineStoreConfig=offline, RoleArn=_role())
    return sm.describe_feature_group(FeatureGroupName=name)


def _query(sql: str) -> dict:
    athena = boto3.client("athena")
    query_id = athena.start_query_execution(QueryString=sql, QueryExecutionContext={"Database": "sagemaker_featurestore"},
                                            ResultConfiguration={"OutputLocation": RESULTS})["QueryExecutionId"]
    return athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]


# -- CreateFeatureGroup ---------------------------------------------------------------------------------
def test_create_feature_group_reports_the_table_format(box):
    assert _group("iceberg-group", "Iceberg")["OfflineStoreConfig"]["TableFormat"] == "Iceberg"
    assert _group("glue-group", "Glue")["OfflineStoreConfig"]["TableFormat"] == "Glue"


def test_an_omitted_or_default_table_format_is_glue(box):
    """API_OfflineStoreConfig: "Supported formats are Glue (Default) and Apache Iceberg"."""
    assert _group("plain-group", None)["OfflineStoreConfig"]["TableFormat"] == "Glue"
    assert _group("default-group", "Default")["OfflineStoreConfig"]["TableFormat"] == "Glue"


def test_a_table_format_outside_the_enum_is_a_validation_error(box):
    """API_OfflineStoreConfig: valid values Default | Glue | Iceberg (moto accepts anything)."""
    with pytest.raises(ClientError) as caught:
        _group("bad-group", "Delta")
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "'Delta' at 'offlineStoreConfig.tableFormat'" in caught.value.response["Error"]["Message"]
    with pytest.raises(ClientError):
        boto3.client("sagemaker").describe_feature_group(FeatureGroupName="bad-group")


def test_the_resolved_output_uri_is_the_documented_one(box):
    """feature-store-offline: <S3Uri>/<account>/sagemaker/<region>/offline-store/<group>-<time>/data."""
    resolved = _group("iceberg-group", "Iceberg")["OfflineStoreConfig"]["S3StorageConfig"]["ResolvedOutputS3Uri"]
    prefix = f"s3://{BUCKET}/fs/{box.account_id}/sagemaker/{REGION}/offline-store/iceberg-group-"
    assert resolved.startswith(prefix) and resolved.endswith("/data")


def test_an_iceberg_groups_glue_table_is_an_iceberg_table(box):
    """querying-iceberg: Athena reads tables registered per the open-source Glue catalog (table_type ICEBERG)."""
    _group("iceberg-group", "Iceberg")
    _group("glue-group", "Glue")
    glue = boto3.client("glue")
    iceberg = glue.get_table(DatabaseName="sagemaker_featurestore", Name="iceberg_group")["Table"]
    assert iceberg["Parameters"]["table_type"] == "ICEBERG"
    assert "/offline-store/iceberg-group-" in iceberg["Parameters"]["metadata_location"]
    assert iceberg["Parameters"]["metadata_location"].split("/offline-store/", 1)[1].split("/")[1] == "metadata"
    hive = glue.get_table(DatabaseName="sagemaker_featurestore", Name="glue_group")["Table"]
    assert "table_type" not in hive["Parameters"]


def test_the_iceberg_layout_has_daily_partitions_under_a_random_folder(box):
    """feature-store-offline: Iceberg files go to data/<8 random>/<event time feature>_trunc=<day>/..."""
    _group("iceberg-group", "Iceberg")
    _group("glue-group", "Glue")
    moment = datetime(2026, 11, 9, 21, 52, 31, tzinfo=UTC)
    _, iceberg_key = offline_object_key(schema_from_moto(box.account_id, REGION, "iceberg-group"), box.account_id,
                                        REGION, moment, "s3://b/a.jpg")
    parts = iceberg_key.split("/data/", 1)[1].split("/")
    assert len(parts[0]) == 8 and parts[1] == "event_time_trunc=2026-11-09" and parts[2].startswith("20261109T215231Z_")
    _, glue_key = offline_object_key(schema_from_moto(box.account_id, REGION, "glue-group"), box.account_id,
                                     REGION, moment, "s3://b/a.jpg")
    assert "/data/year=2026/month=11/day=09/hour=21/" in glue_key


def test_athena_reads_an_iceberg_group_as_it_reads_a_glue_group(box):
    runtime = boto3.client("sagemaker-featurestore-runtime")
    for name in ("iceberg-group", "glue-group"):
        _group(name, "Iceberg" if name.startswith("iceberg") else "Glue")
        runtime.put_record(FeatureGroupName=name, Record=[
            {"FeatureName": "uri", "ValueAsString": "s3://b/a.jpg"},
            {"FeatureName": "event_time", "ValueAsString": "2026-11-09T21:52:31Z"},
            {"FeatureName": "status", "ValueAsString": "APPROVED"}])
    athena, results = boto3.client("athena"), []
    for table in ("iceberg_group", "glue_group"):
        query_id = athena.start_query_execution(
            QueryString=f'SELECT uri, status FROM "sagemaker_featurestore"."{table}"',
            ResultConfiguration={"OutputLocation": RESULTS})["QueryExecutionId"]
        results.append(athena.get_query_results(QueryExecutionId=query_id)["ResultSet"]["Rows"])
    assert results[0] == results[1] and len(results[0]) == 2  # header and the one record


# -- OPTIMIZE and VACUUM --------------------------------------------------------------------------------
def test_optimize_and_vacuum_succeed_on_an_iceberg_table_and_keep_its_rows(box):
    """optimize-statement, vacuum-statement; compaction does not alter table content."""
    _group("iceberg-group", "Iceberg")
    boto3.client("sagemaker-featurestore-runtime").put_record(FeatureGroupName="iceberg-group", Record=[
        {"FeatureName": "uri", "ValueAsString": "s3://b/a.jpg"},
        {"FeatureName": "event_time", "ValueAsString": "2026-11-09T21:52:31Z"}])
    before = box.offline_store_rows("iceberg-group")
    assert _query("OPTIMIZE iceberg_group REWRITE DATA USING BIN_PACK")["State"] == "SUCCEEDED"
    assert _query("optimize sagemaker_featurestore.iceberg_group rewrite data using bin_pack "
                  "where event_time > '2026'")["State"] == "SUCCEEDED"
    assert _query("VACUUM sagemaker_featurestore.iceberg_group")["State"] == "SUCCEEDED"
    assert box.offline_store_rows("iceberg-group") == before
    assert [r.statement for r in log_of(box.athena).runs] == ["OPTIMIZE", "OPTIMIZE", "VACUUM"]


@pytest.mark.parametrize("sql", ["OPTIMIZE glue_group REWRITE DATA USING BIN_PACK", "VACUUM glue_group"])
def test_optimize_and_vacuum_fail_on_a_hive_table(box, sql):
    """optimize-statement / vacuum-statement: "supported only for Apache Iceberg tables" (the error text
    Athena gives is not documented)."""
    _group("glue-group", "Glue")
    status = _query(sql)
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"].startswith("NOT_SUPPORTED: ")
    assert "supported only for Apache Iceberg tables" in status["StateChangeReason"]
    assert status["AthenaError"]["ErrorCategory"] == 2
    assert log_of(box.athena).runs == []


def test_vacuum_of_a_table_at_a_bucket_root_fails_with_the_documented_error(box):
    """vacuum-statement: data at s3://bucket/ instead of a folder fails with this message."""
    _group("iceberg-group", "Iceberg")
    boto3.client("glue").update_table(DatabaseName="sagemaker_featurestore", TableInput={
        "Name": "iceberg_group", "StorageDescriptor": {"Location": f"s3://{BUCKET}/"},
        "Parameters": {"table_type": "ICEBERG"}})
    status = _query("VACUUM iceberg_group")
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"] == f"GENERIC_INTERNAL_ERROR: Path missing in file system location: s3://{BUCKET}"


def test_maintenance_of_an_unknown_table_or_in_bad_syntax_fails(box):
    assert _query("VACUUM no_such_table")["StateChangeReason"].startswith("TABLE_NOT_FOUND: ")
    assert _query("OPTIMIZE no_such_table REWRITE")["StateChangeReason"].startswith("SYNTAX_ERROR: ")
