"""Reading approved labels from the offline store: feature group states, Athena, result CSV."""
from __future__ import annotations

from typing import Any, ClassVar

import boto3
import pytest
from botocore.stub import Stubber
from steps_fakes import BUCKET, FEATURE_GROUP

from sandbox.featurestore.catalog import DEFAULT_DATABASE as OFFLINE_DATABASE
from steps.errors import AthenaQueryFailed, FeatureGroupMissing
from steps.labeled_images import (
    OfflineTable,
    PollPolicy,
    approved_image_uris,
    approved_query,
    offline_table,
    read_result_column,
    run_query,
)

OUTPUT = f"s3://{BUCKET}/labeling/athena/"


def described(**overrides: Any) -> dict[str, Any]:
    response = {
        "FeatureGroupArn": f"arn:aws:sagemaker:eu-west-1:123456789012:feature-group/{FEATURE_GROUP}",
        "FeatureGroupName": FEATURE_GROUP, "RecordIdentifierFeatureName": "image_uri",
        "EventTimeFeatureName": "event_time",
        "FeatureDefinitions": [{"FeatureName": "image_uri", "FeatureType": "String"}],
        "CreationTime": "2026-11-01T00:00:00Z", "FeatureGroupStatus": "Created", "NextToken": "",
        "OfflineStoreConfig": {
            "S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/feature-store/"},
            "DataCatalogConfig": {"TableName": "scratch_labels_1700000000", "Catalog": "AwsDataCatalog",
                                  "Database": OFFLINE_DATABASE},
        },
    }
    response.update(overrides)
    return {k: v for k, v in response.items() if v is not None}


def stubbed_sagemaker(response: dict[str, Any]) -> Any:
    client = boto3.client("sagemaker")
    stub = Stubber(client)
    stub.add_response("describe_feature_group", response, {"FeatureGroupName": FEATURE_GROUP})
    stub.activate()
    return client


def test_offline_table_from_describe_feature_group():
    table, note = offline_table(stubbed_sagemaker(described()), FEATURE_GROUP)
    assert table == OfflineTable(OFFLINE_DATABASE, "scratch_labels_1700000000") and note is None


@pytest.mark.parametrize(
    "overrides, words",
    [({"OfflineStoreConfig": None}, "has no offline store"), ({"FeatureGroupStatus": "Creating"}, "is Creating")],
)
def test_nothing_to_query_yet(overrides, words):
    table, note = offline_table(stubbed_sagemaker(described(**overrides)), FEATURE_GROUP)
    assert table is None and words in note


@pytest.mark.parametrize(
    "overrides, words",
    [({"OfflineStoreConfig": None}, "has no offline store"), ({"FeatureGroupStatus": "Deleting"}, "is Deleting")],
)
def test_an_unreadable_feature_group_fails_fast_unless_allowed(overrides, words):
    with pytest.raises(FeatureGroupMissing, match=words + r".*allow_empty_feature_group"):
        approved_image_uris(stubbed_sagemaker(described(**overrides)), None, None, FEATURE_GROUP, "primary", "s3://b/")
    labeled, note = approved_image_uris(stubbed_sagemaker(described(**overrides)), None, None, FEATURE_GROUP,
                                        "primary", "s3://b/", allow_missing=True)
    assert labeled == set() and words in note and "every image counts as missing" in note


def test_other_describe_errors_propagate():
    client = boto3.client("sagemaker")
    with Stubber(client) as stub:
        stub.add_client_error("describe_feature_group", service_error_code="AccessDeniedException")
        with pytest.raises(Exception, match="AccessDeniedException"):
            offline_table(client, FEATURE_GROUP)


def test_query_quotes_identifiers_and_orders_by_the_three_times():
    sql = approved_query(OfflineTable('my"db', "t"))
    assert 'FROM "my""db"."t"' in sql
    assert 'ORDER BY "event_time" DESC, "api_invocation_time" DESC, "write_time" DESC' in sql
    assert '"is_deleted" = false' in sql and "'APPROVED'" in sql


def test_failed_query_raises_with_athenas_reason(athena):
    with pytest.raises(AthenaQueryFailed, match=r"FAILED: TABLE_NOT_FOUND: .*'awsdatacatalog.nowhere.t' does not exist"):
        run_query(athena, 'SELECT 1 FROM "nowhere"."t"', "primary", OUTPUT, None, sleep=lambda s: None)


def test_cancelled_query_raises():
    class Cancelled:
        def start_query_execution(self, **kwargs):
            return {"QueryExecutionId": "q1"}

        def get_query_execution(self, **kwargs):
            return {"QueryExecution": {"Status": {"State": "CANCELLED", "StateChangeReason": "stopped by user"}}}

    with pytest.raises(AthenaQueryFailed, match="q1 CANCELLED: stopped by user"):
        run_query(Cancelled(), "SELECT 1", "primary", OUTPUT, None, sleep=lambda s: None)


def test_polling_backs_off_to_a_bound_and_times_out():
    class Stuck:
        kwargs: ClassVar[dict] = {}

        def start_query_execution(self, **kwargs):
            Stuck.kwargs = kwargs
            return {"QueryExecutionId": "q2"}

        def get_query_execution(self, **kwargs):
            return {"QueryExecution": {"Status": {"State": "RUNNING"}}}

    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    key = "arn:aws:kms:eu-west-1:123456789012:key/k"
    with pytest.raises(AthenaQueryFailed, match="q2 still RUNNING after 10 s"):
        run_query(Stuck(), "SELECT 1", "wg", OUTPUT, key, PollPolicy(0.5, 2.0, 4.0, 10.0), sleep, lambda: now[0])
    assert sleeps == [0.5, 1.0, 2.0, 4.0]
    assert Stuck.kwargs["ResultConfiguration"]["EncryptionConfiguration"] == {"EncryptionOption": "SSE_KMS", "KmsKey": key}
    assert Stuck.kwargs["WorkGroup"] == "wg"


def test_result_csv_is_streamed_with_quotes_commas_newlines_and_unicode(s3):
    uris = ['s3://b/a "quoted", name.jpg', "s3://b/multi\nline.jpg", "s3://b/ünï 画像.jpg", "s3://b/plain.jpg"]
    body = '"image_uri"\n' + "".join('"' + u.replace('"', '""') + '"\n' for u in uris) + "\n"
    s3.put_object(Bucket=BUCKET, Key="athena/q.csv", Body=body.encode("utf-8"))
    assert list(read_result_column(s3, f"s3://{BUCKET}/athena/q.csv", "image_uri")) == uris


def test_result_csv_with_an_unexpected_header_is_an_error(s3):
    s3.put_object(Bucket=BUCKET, Key="athena/q.csv", Body=b'"uri"\n"s3://b/a.jpg"\n')
    with pytest.raises(AthenaQueryFailed, match=r"has columns \['uri'\], expected 'image_uri'"):
        list(read_result_column(s3, f"s3://{BUCKET}/athena/q.csv", "image_uri"))


def test_approved_image_uris_end_to_end(s3, sagemaker, athena, offline):
    offline.add_row("s3://b/1.jpg", "APPROVED", "2026-11-01T00:00:00.000Z")
    offline.add_row("s3://b/2.jpg", "REJECTED", "2026-11-01T00:00:00.000Z")
    offline.add_row("s3://b/3.jpg", "REJECTED", "2026-11-01T00:00:00.000Z", write_time="2026-11-01 00:00:00.000")
    offline.add_row("s3://b/3.jpg", "APPROVED", "2026-11-01T00:00:00.000Z", write_time="2026-11-01 00:05:00.000")
    labeled, note = approved_image_uris(sagemaker, athena, s3, FEATURE_GROUP, "primary", OUTPUT, sleep=lambda s: None)
    assert labeled == {"s3://b/1.jpg", "s3://b/3.jpg"} and note is None
