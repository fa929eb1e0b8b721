"""DeleteBucketInventoryConfiguration removes the configuration and keeps the bucket (moto deleted the bucket)."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from sandbox import Sandbox

CONFIG = {"Id": "raw", "IsEnabled": True, "IncludedObjectVersions": "Current", "Schedule": {"Frequency": "Daily"},
          "Destination": {"S3BucketDestination": {"Bucket": "arn:aws:s3:::images-bucket", "Format": "Parquet"}}}


def test_deleting_an_inventory_configuration_keeps_the_bucket_and_its_other_configurations():
    with Sandbox(region="eu-west-1"):
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(Bucket="images-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        s3.put_bucket_inventory_configuration(Bucket="images-bucket", Id="raw", InventoryConfiguration=CONFIG)
        s3.put_bucket_inventory_configuration(Bucket="images-bucket", Id="other",
                                              InventoryConfiguration={**CONFIG, "Id": "other"})
        s3.delete_bucket_inventory_configuration(Bucket="images-bucket", Id="raw")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["images-bucket"]  # an empty bucket, still there
        listed = s3.list_bucket_inventory_configurations(Bucket="images-bucket")["InventoryConfigurationList"]
        assert [c["Id"] for c in listed] == ["other"]
        with pytest.raises(ClientError) as caught:
            s3.delete_bucket_inventory_configuration(Bucket="images-bucket", Id="raw")
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
