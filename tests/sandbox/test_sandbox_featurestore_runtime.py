"""The Feature Store runtime stand-in: validation against the feature group, batch results, stores."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from helpers_clock import stop_sandbox_clock

from sandbox import Sandbox
from steps.contract import FEATURE_DEFINITIONS

GROUP = "scratch-labels"
ROLE = "arn:aws:iam::123456789012:role/feature-store"


def record(uri: str, event_time: str = "2026-11-29T15:05:45.123Z", **extra: str) -> list[dict]:
    values = {"image_uri": uri, "event_time": event_time, "status": "APPROVED", "width": "640", **extra}
    return [{"FeatureName": k, "ValueAsString": v} for k, v in values.items()]


@pytest.fixture()
def sb():
    # The runtime's own rules; its offline writes as the group's role: tests/sandbox/test_sandbox_iam_paths_featurestore.py
    with Sandbox(region="eu-west-1", iam_evaluation=False) as running:
        boto3.client("s3").create_bucket(Bucket="fs-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        sagemaker = boto3.client("sagemaker")
        for name, online in ((GROUP, False), ("online-group", True)):
            sagemaker.create_feature_group(
                FeatureGroupName=name, RecordIdentifierFeatureName="image_uri", EventTimeFeatureName="event_time",
                FeatureDefinitions=[{"FeatureName": n, "FeatureType": t} for n, t in FEATURE_DEFINITIONS],
                OfflineStoreConfig={"S3StorageConfig": {"S3Uri": "s3://fs-bucket/feature-store"}},
                OnlineStoreConfig={"EnableOnlineStore": online}, RoleArn=ROLE)
        yield running


@pytest.fixture()
def fs():
    return boto3.client("sagemaker-featurestore-runtime")


def error_of(call) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def test_feature_group_gets_a_glue_table_and_catalog_config(sb):
    described = boto3.client("sagemaker").describe_feature_group(FeatureGroupName=GROUP)
    catalog = described["OfflineStoreConfig"]["DataCatalogConfig"]
    assert described["FeatureGroupStatus"] == "Created" and described["OfflineStoreStatus"]["Status"] == "Active"
    assert catalog["Database"] == "sagemaker_featurestore"
    assert catalog["TableName"].startswith("scratch_labels_")
    table = boto3.client("glue").get_table(DatabaseName="sagemaker_featurestore", Name=catalog["TableName"])["Table"]
    columns = {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}
    assert columns["width"] == "bigint" and columns["verification_confidence"] == "double"
    assert columns["is_deleted"] == "boolean" and columns["write_time"] == "timestamp"


def test_unknown_feature_group_is_resource_not_found(sb, fs):
    code, status, _ = error_of(lambda: boto3.client("sagemaker").describe_feature_group(FeatureGroupName="nope"))
    assert (code, status) == ("ResourceNotFound", 400)
    code, status, message = error_of(lambda: fs.put_record(FeatureGroupName="nope", Record=record("s3://b/1.jpg")))
    assert (code, status) == ("ResourceNotFound", 404) and "nope" in message


@pytest.mark.parametrize("bad_record, fragment", [
    ([{"FeatureName": "image_uri", "ValueAsString": "s3://b/1.jpg"}], "missing the required feature 'event_time'"),
    (record("s3://b/1.jpg", colour="red"), "Feature 'colour' is not defined"),
    ([*record("s3://b/1.jpg", width="12.5")[:-1], {"FeatureName": "width", "ValueAsString": "12.5"}],
     "not a valid Integral"),
    (record("s3://b/1.jpg", verification_confidence="high"), "not a valid Fractional"),
    (record("s3://b/1.jpg", event_time="2026-11-29 15:05:45"), "Invalid EventTime"),
    ([*record("s3://b/1.jpg"), {"FeatureName": "status", "ValueAsString": "REJECTED"}], "appears more than once"),
])
def test_put_record_validation_errors(sb, fs, bad_record, fragment):
    code, status, message = error_of(lambda: fs.put_record(FeatureGroupName=GROUP, Record=bad_record))
    assert (code, status) == ("ValidationError", 400)
    assert fragment in message


def test_shape_is_validated_even_when_the_client_does_not(sb):
    from botocore.config import Config

    lax = boto3.client("sagemaker-featurestore-runtime", config=Config(parameter_validation=False))
    code, _, message = error_of(lambda: lax.put_record(FeatureGroupName=GROUP, Record=[]))
    assert code == "ValidationError" and "Record" in message


def test_event_time_accepts_iso_seconds_millis_and_epoch(sb, fs):
    for i, event_time in enumerate(["2026-11-29T15:05:45Z", "2026-11-29T15:05:45.123Z", "1795964745.25"]):
        fs.put_record(FeatureGroupName=GROUP, Record=record(f"s3://b/{i}.jpg", event_time=event_time))
    assert len(sb.offline_store_rows(GROUP)) == 3


def test_offline_rows_carry_store_columns_and_typed_values(sb, fs):
    fs.put_record(FeatureGroupName=GROUP, Record=record("s3://b/1.jpg", verification_confidence="0.93"))
    fs.delete_record(FeatureGroupName=GROUP, RecordIdentifierValueAsString="s3://b/1.jpg",
                     EventTime="2026-11-29T16:00:00Z")
    written, deleted = sb.offline_store_rows(GROUP)
    assert written["width"] == 640 and written["verification_confidence"] == 0.93
    assert written["is_deleted"] is False and written["annotations"] is None
    assert len(written["write_time"]) == len("2026-11-29 15:05:45.123")
    assert written["write_time"] >= written["api_invocation_time"]
    assert deleted["is_deleted"] is True and deleted["image_uri"] == "s3://b/1.jpg"
    assert deleted["event_time"] == "2026-11-29T16:00:00Z" and deleted["status"] is None


def test_batch_write_reports_errors_and_unprocessed_entries(sb, fs):
    sb.faults.add("sagemaker-featurestore-runtime", "BatchWriteRecord.entry", error_code="Unprocessed")
    sb.faults.add("sagemaker-featurestore-runtime", "BatchWriteRecord.entry", error_code="ThrottlingException",
                  message="Rate exceeded")
    entries = [{"FeatureGroupName": GROUP, "Record": record(f"s3://b/{i}.jpg")} for i in range(4)]
    entries.append({"FeatureGroupName": GROUP, "Record": [*record("s3://b/bad.jpg", width="wide")[:4], {"FeatureName": "height", "ValueAsString": "tall"}]})
    entries.append({"FeatureGroupName": "missing-group", "Record": record("s3://b/9.jpg")})
    result = fs.batch_write_record(Entries=entries)
    assert [e["FeatureGroupName"] for e in result["UnprocessedEntries"]] == [GROUP]
    assert result["UnprocessedEntries"][0]["Record"] == entries[0]["Record"]
    codes = [(e["Entry"]["Record"][0]["ValueAsString"], e["ErrorCode"]) for e in result["Errors"]]
    assert codes == [("s3://b/1.jpg", "ThrottlingException"), ("s3://b/bad.jpg", "ValidationError"),
                     ("s3://b/9.jpg", "ResourceNotFound")]
    assert {row["image_uri"] for row in sb.offline_store_rows(GROUP)} == {"s3://b/2.jpg", "s3://b/3.jpg"}


def test_batch_write_whole_call_fault(sb, fs):
    sb.faults.add("sagemaker-featurestore-runtime", "BatchWriteRecord", error_code="ServiceUnavailable", status=503)
    from botocore.config import Config

    strict = boto3.client("sagemaker-featurestore-runtime", config=Config(retries={"max_attempts": 0}))
    code, status, _ = error_of(lambda: strict.batch_write_record(
        Entries=[{"FeatureGroupName": GROUP, "Record": record("s3://b/1.jpg")}]))
    assert (code, status) == ("ServiceUnavailable", 503)
    assert sb.offline_store_rows(GROUP) == []


def test_batch_write_rejects_more_than_25_entries(sb, fs):
    entries = [{"FeatureGroupName": GROUP, "Record": record(f"s3://b/{i}.jpg")} for i in range(26)]
    code, _, message = error_of(lambda: fs.batch_write_record(Entries=entries))
    assert code == "ValidationError" and "26" in message


def test_online_store_keeps_the_newest_record_and_get_filters_features(sb, fs):
    fs.put_record(FeatureGroupName="online-group", Record=record("s3://b/1.jpg", event_time="2026-11-29T15:00:00Z"))
    fs.put_record(FeatureGroupName="online-group",
                  Record=record("s3://b/1.jpg", event_time="2026-11-29T14:00:00Z", status="REJECTED"))
    got = fs.get_record(FeatureGroupName="online-group", RecordIdentifierValueAsString="s3://b/1.jpg",
                        FeatureNames=["status"])
    assert got["Record"] == [{"FeatureName": "status", "ValueAsString": "APPROVED"}]
    assert "Record" not in fs.get_record(FeatureGroupName="online-group", RecordIdentifierValueAsString="s3://b/none")
    batch = fs.batch_get_record(Identifiers=[
        {"FeatureGroupName": "online-group", "RecordIdentifiersValueAsString": ["s3://b/1.jpg", "s3://b/2.jpg"]},
        {"FeatureGroupName": "missing", "RecordIdentifiersValueAsString": ["x"]}])
    assert [r["RecordIdentifierValueAsString"] for r in batch["Records"]] == ["s3://b/1.jpg"]
    assert [e["ErrorCode"] for e in batch["Errors"]] == ["ResourceNotFound"]
    fs.delete_record(FeatureGroupName="online-group", RecordIdentifierValueAsString="s3://b/1.jpg",
                     EventTime="2026-11-29T16:00:00Z")
    assert "Record" not in fs.get_record(FeatureGroupName="online-group", RecordIdentifierValueAsString="s3://b/1.jpg")


def test_get_record_without_online_store_is_a_validation_error(sb, fs):
    code, _, message = error_of(lambda: fs.get_record(FeatureGroupName=GROUP, RecordIdentifierValueAsString="x"))
    assert code == "ValidationError" and "no OnlineStore" in message
    code, _, message = error_of(lambda: fs.put_record(FeatureGroupName=GROUP, Record=record("s3://b/1.jpg"),
                                                      TargetStores=["OnlineStore"]))
    assert code == "ValidationError" and "no OnlineStore" in message


def test_put_record_throttled_then_retried_by_botocore_loses_nothing(sb, fs):
    sb.faults.add("sagemaker-featurestore-runtime", "PutRecord", times=2)
    fs.put_record(FeatureGroupName=GROUP, Record=record("s3://b/1.jpg"))
    assert sb.faults.calls[("sagemaker-featurestore-runtime", "PutRecord")] == 3
    assert len(sb.offline_store_rows(GROUP)) == 1


def test_delete_feature_group_and_custom_catalog_names(sb, fs):
    sagemaker = boto3.client("sagemaker")
    sagemaker.delete_feature_group(FeatureGroupName="online-group")
    code, _, _ = error_of(lambda: sagemaker.describe_feature_group(FeatureGroupName="online-group"))
    assert code == "ResourceNotFound"
    sagemaker.create_feature_group(
        FeatureGroupName="custom", RecordIdentifierFeatureName="image_uri", EventTimeFeatureName="event_time",
        FeatureDefinitions=[{"FeatureName": n, "FeatureType": t} for n, t in FEATURE_DEFINITIONS],
        OfflineStoreConfig={"S3StorageConfig": {"S3Uri": "s3://fs-bucket/x"},
                            "DataCatalogConfig": {"TableName": "My_Table", "Catalog": "AwsDataCatalog",
                                                  "Database": "labels_db"}},
        RoleArn=ROLE)
    catalog = sagemaker.describe_feature_group(FeatureGroupName="custom")["OfflineStoreConfig"]["DataCatalogConfig"]
    assert (catalog["Database"], catalog["TableName"]) == ("labels_db", "my_table")
    fs.put_record(FeatureGroupName="custom", Record=record("s3://b/1.jpg"))
    assert boto3.client("glue").get_table(DatabaseName="labels_db", Name="my_table")["Table"]["Name"] == "my_table"
    assert len(sb.offline_store_rows("custom")) == 1


@pytest.fixture()
def limited(monkeypatch):
    """A feature group that takes 30 records per simulated second, on a sandbox clock that stands still
    until the test advances it: the capacity never refills while a slow machine makes the calls."""
    stop_sandbox_clock(monkeypatch)
    with Sandbox(region="eu-west-1", iam_evaluation=False, time_scale=1.0, featurestore_records_per_second=30) as running:
        boto3.client("s3").create_bucket(Bucket="fs-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        boto3.client("sagemaker").create_feature_group(
            FeatureGroupName=GROUP, RecordIdentifierFeatureName="image_uri", EventTimeFeatureName="event_time",
            FeatureDefinitions=[{"FeatureName": n, "FeatureType": t} for n, t in FEATURE_DEFINITIONS],
            OfflineStoreConfig={"S3StorageConfig": {"S3Uri": "s3://fs-bucket/feature-store"}},
            OnlineStoreConfig={"EnableOnlineStore": False}, RoleArn=ROLE)
        yield running


def test_batch_entries_over_the_throughput_limit_come_back_as_throttling_errors(limited, fs):
    # BatchWriteRecord "Response Elements": records not written are in Errors (BatchWriteRecordError).
    def batch(first: int) -> dict:
        return fs.batch_write_record(Entries=[{"FeatureGroupName": GROUP, "Record": record(f"s3://b/{i}.jpg")}
                                              for i in range(first, first + 25)])

    assert batch(0)["Errors"] == []
    second = batch(25)
    codes = [error["ErrorCode"] for error in second["Errors"]]
    assert len(codes) == 20 and set(codes) == {"ThrottlingException"}  # 30 a second: 5 of the second 25 fit
    assert second["UnprocessedEntries"] == []
    limited.clock.advance(1.0)  # a second later the capacity is back
    assert batch(100)["Errors"] == []
    assert limited.featurestore.throughput.throttled == len(codes)


def test_put_record_over_the_throughput_limit_is_a_throttling_exception(limited):
    from botocore.config import Config

    fs = boto3.client("sagemaker-featurestore-runtime", config=Config(retries={"total_max_attempts": 1}))
    for i in range(30):
        fs.put_record(FeatureGroupName=GROUP, Record=record(f"s3://b/{i}.jpg"))
    code, status, message = error_of(lambda: fs.put_record(FeatureGroupName=GROUP, Record=record("s3://b/x.jpg")))
    assert (code, status, message) == ("ThrottlingException", 400, "Rate exceeded")


def test_no_limit_by_default(sb, fs):
    assert sb.featurestore.throughput is None
