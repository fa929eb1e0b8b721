"""Athena stand-in: the pipeline's real SQL on the offline store, Athena's CSV, Athena's failures."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from sandbox import Sandbox
from sandbox.athena import to_csv
from steps.contract import FEATURE_DEFINITIONS

GROUP = "scratch-labels"
OUTPUT = "s3://athena-bucket/work/athena/"
PIPELINE_QUERY = (
    'SELECT "image_uri" FROM (SELECT "image_uri","status","is_deleted", row_number() OVER (PARTITION BY '
    '"image_uri" ORDER BY "event_time" DESC, "api_invocation_time" DESC, "write_time" DESC) AS rn FROM '
    '"sagemaker_featurestore"."{table}") WHERE rn = 1 AND NOT "is_deleted" AND "status" = \'APPROVED\' '
    'ORDER BY "image_uri"'
)


def put(uri: str, status: str, event_time: str, **extra: str) -> None:
    values = {"image_uri": uri, "event_time": event_time, "status": status, **extra}
    boto3.client("sagemaker-featurestore-runtime").put_record(
        FeatureGroupName=GROUP, Record=[{"FeatureName": k, "ValueAsString": v} for k, v in values.items()])


@pytest.fixture(scope="module")
def sb():
    # Athena's own rules; a feature group's role: tests/sandbox/test_sandbox_iam_paths_featurestore.py
    with Sandbox(region="eu-west-1", iam_evaluation=False) as running:
        boto3.client("s3").create_bucket(Bucket="athena-bucket",
                                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        boto3.client("sagemaker").create_feature_group(
            FeatureGroupName=GROUP, RecordIdentifierFeatureName="image_uri", EventTimeFeatureName="event_time",
            FeatureDefinitions=[{"FeatureName": n, "FeatureType": t} for n, t in FEATURE_DEFINITIONS],
            OfflineStoreConfig={"S3StorageConfig": {"S3Uri": "s3://athena-bucket/feature-store"}},
            RoleArn="arn:aws:iam::123456789012:role/fs")
        put("s3://raw/a.jpg", "REJECTED", "2026-11-29T10:00:00.000Z")
        put("s3://raw/a.jpg", "APPROVED", "2026-11-29T11:00:00.000Z")  # newer: approved
        put("s3://raw/b.jpg", "APPROVED", "2026-11-29T10:00:00.000Z")
        put("s3://raw/b.jpg", "REJECTED", "2026-11-29T12:00:00.000Z")  # newer: rejected
        put("s3://raw/c.jpg", "APPROVED", "2026-11-29T10:00:00.000Z", annotations='[{"class_id": 0, "note": "a \\"quoted\\" word"}]',
            width="640", verification_confidence="0.5")
        put("s3://raw/d.jpg", "APPROVED", "2026-11-29T10:00:00.000Z")
        boto3.client("sagemaker-featurestore-runtime").delete_record(
            FeatureGroupName=GROUP, RecordIdentifierValueAsString="s3://raw/d.jpg", EventTime="2026-11-29T13:00:00Z")
        yield running


@pytest.fixture(scope="module")
def table(sb):
    described = boto3.client("sagemaker").describe_feature_group(FeatureGroupName=GROUP)
    return described["OfflineStoreConfig"]["DataCatalogConfig"]["TableName"]


def run(query: str, output: str | None = OUTPUT, **kwargs) -> dict:
    athena = boto3.client("athena")
    config = {"ResultConfiguration": {"OutputLocation": output}} if output else {}
    query_id = athena.start_query_execution(QueryString=query, **config, **kwargs)["QueryExecutionId"]
    return athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]


def csv_of(execution: dict) -> str:
    bucket, key = execution["ResultConfiguration"]["OutputLocation"][len("s3://"):].split("/", 1)
    return boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode()


def test_pipeline_query_returns_the_newest_approved_undeleted_records(sb, table):
    execution = run(PIPELINE_QUERY.format(table=table))
    assert execution["Status"]["State"] == "SUCCEEDED"
    assert execution["ResultConfiguration"]["OutputLocation"] == f"{OUTPUT}{execution['QueryExecutionId']}.csv"
    assert csv_of(execution) == '"image_uri"\n"s3://raw/a.jpg"\n"s3://raw/c.jpg"\n'
    rows = boto3.client("athena").get_query_results(QueryExecutionId=execution["QueryExecutionId"])["ResultSet"]["Rows"]
    assert [r["Data"][0]["VarCharValue"] for r in rows] == ["image_uri", "s3://raw/a.jpg", "s3://raw/c.jpg"]


def test_the_steps_own_query_runs_unchanged(sb, table):
    from steps.labeled_images import OfflineTable, approved_query

    execution = run(approved_query(OfflineTable(database="sagemaker_featurestore", table=table)) + ' ORDER BY 1')
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert csv_of(execution).splitlines()[1:] == ['"s3://raw/a.jpg"', '"s3://raw/c.jpg"']


def test_csv_quotes_values_escapes_quotes_and_leaves_null_empty(sb, table):
    execution = run(f'SELECT "image_uri", "annotations", "width", "verification_confidence", "is_deleted", '
                    f'"box_count" FROM "sagemaker_featurestore"."{table}" WHERE "image_uri" = \'s3://raw/c.jpg\'')
    lines = csv_of(execution).splitlines()
    assert lines[0] == '"image_uri","annotations","width","verification_confidence","is_deleted","box_count"'
    assert lines[1] == '"s3://raw/c.jpg","[{""class_id"": 0, ""note"": ""a \\""quoted\\"" word""}]","640","0.5","false",'
    info = boto3.client("athena").get_query_results(
        QueryExecutionId=execution["QueryExecutionId"])["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
    assert [c["Type"] for c in info] == ["varchar", "varchar", "bigint", "double", "boolean", "varchar"]


def test_deleted_rows_are_visible_to_sql_with_is_deleted_true(sb, table):
    execution = run(f'SELECT "image_uri", "is_deleted", "write_time" FROM "sagemaker_featurestore"."{table}" '
                    f'WHERE "is_deleted"')
    lines = csv_of(execution).splitlines()
    assert len(lines) == 2 and lines[1].startswith('"s3://raw/d.jpg","true","20')


def test_results_page_at_most_1000_rows_with_header_first(sb):
    athena = boto3.client("athena")
    query = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500) "
             "SELECT i FROM n")
    execution = run(query)
    assert execution["Status"]["State"] == "SUCCEEDED"
    first = athena.get_query_results(QueryExecutionId=execution["QueryExecutionId"])
    second = athena.get_query_results(QueryExecutionId=execution["QueryExecutionId"], NextToken=first["NextToken"])
    assert len(first["ResultSet"]["Rows"]) == 1000 and first["ResultSet"]["Rows"][0]["Data"][0]["VarCharValue"] == "i"
    assert len(second["ResultSet"]["Rows"]) == 501 and "NextToken" not in second
    assert len(csv_of(execution).splitlines()) == 1501


@pytest.mark.parametrize("query, reason", [
    ('SELECT * FROM "sagemaker_featurestore"."missing_table"', "TABLE_NOT_FOUND"),
    ("SELEC 1", "SYNTAX_ERROR"),
    ('SELECT "no_such_column" FROM (SELECT 1 AS x)', "COLUMN_NOT_FOUND"),
])
def test_sql_that_cannot_run_fails_like_athena(sb, query, reason):
    execution = run(query)
    status = execution["Status"]
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"].startswith(reason)
    assert status["AthenaError"]["ErrorCategory"] == 2 and status["AthenaError"]["Retryable"] is False
    with pytest.raises(ClientError) as caught:
        boto3.client("athena").get_query_results(QueryExecutionId=execution["QueryExecutionId"])
    assert caught.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "FAILED" in caught.value.response["Error"]["Message"]


def test_a_misspelt_quoted_column_fails_instead_of_reading_as_a_string(sb, table):
    # SQLite would treat "statuss" as the string 'statuss' and silently return no rows.
    execution = run(f'SELECT "image_uri" FROM "sagemaker_featurestore"."{table}" WHERE "statuss" = \'APPROVED\'')
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"] == "COLUMN_NOT_FOUND: line 1:1: Column 'statuss' cannot be resolved"


def test_writes_and_ddl_are_refused(sb, table):
    for query in (f'DROP TABLE "sagemaker_featurestore"."{table}"', f'DELETE FROM "sagemaker_featurestore"."{table}"',
                  "PRAGMA table_info('x')"):
        execution = run(query)
        assert execution["Status"]["State"] == "FAILED"
        assert execution["Status"]["StateChangeReason"].startswith("NOT_SUPPORTED"), query
    assert len(sb.offline_store_rows(GROUP)) == 7


def test_missing_output_location_and_bucket(sb):
    with pytest.raises(ClientError) as caught:
        run("SELECT 1", output=None)
    assert "No output location provided" in caught.value.response["Error"]["Message"]
    execution = run("SELECT 1", output="s3://no-such-bucket/athena/")
    assert execution["Status"]["State"] == "FAILED"
    assert "no-such-bucket" in execution["Status"]["StateChangeReason"]


def test_list_and_stop_query_executions(sb):
    query_id = run("SELECT 1")["QueryExecutionId"]
    athena = boto3.client("athena")
    assert athena.list_query_executions(WorkGroup="primary")["QueryExecutionIds"][0] == query_id
    athena.stop_query_execution(QueryExecutionId=query_id)  # already finished: nothing to stop
    assert athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]["State"] == "SUCCEEDED"


def test_unknown_query_execution_id(sb):
    with pytest.raises(ClientError) as caught:
        boto3.client("athena").get_query_execution(QueryExecutionId="00000000-0000-0000-0000-000000000000")
    assert caught.value.response["Error"]["Code"] == "InvalidRequestException"


def test_to_csv_formats_values_like_athena():
    assert to_csv(["a", "b", "c"], [(True, None, 'x"y'), (1.5, 2, "")]) == '"a","b","c"\n"true",,"x""y"\n"1.5","2",""\n'
