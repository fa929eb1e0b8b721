"""The inventory mode's one query: its SQL rules, and on the sandbox's Athena against 1M inventory rows it
selects exactly the images list mode selects (same ETag rule, same order, same counts)."""
from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pyarrow as pa
import pytest

from publish import inventory as publish_inventory
from sandbox import Sandbox
from sandbox.featurestore.catalog import schema_from_moto
from sandbox.inventory.reports import write_report
from steps import inventory
from steps.contract import FEATURE_DEFINITIONS
from steps.labeled_images import CurrentLabel, OfflineTable, is_done
from steps.missing import select_missing
from steps.s3_images import ImageObject, is_image_key, s3_uri
from workflow.config import load_config, replace
from workflow.inventory import inventory_names

REPO_ROOT = Path(__file__).resolve().parents[2]
_BASE = load_config(REPO_ROOT / "config.yaml")
CFG = replace(_BASE, storage=replace(_BASE.storage, bucket="scale-bucket"))
BUCKET, GROUP = CFG.storage.bucket, "scale-labels"
ROWS = int(os.environ.get("INVENTORY_QUERY_ROWS", "1000000"))
EXTENSIONS = list(CFG.storage.image_extensions)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_query_matches_the_prefix_with_substr_and_extensions_case_insensitively():
    sql = inventory.missing_query(inventory.InventoryTable("db", "t", "2026-11-30-01-00"),
                                  OfflineTable("sagemaker_featurestore", "fg", has_etag=True),
                                  "b", "raw/", [".jpg", ".JPEG", ".png"], 7)
    assert " LIKE " not in sql.upper()
    assert "substr(\"key\", 1, 4) = 'raw/'" in sql
    assert "lower(substr(\"key\", -4)) IN ('.jpg', '.png')" in sql and "lower(substr(\"key\", -5)) IN ('.jpeg')" in sql
    assert "\"dt\" = '2026-11-30-01-00'" in sql and "LIMIT 7" in sql
    assert "'UNLABELABLE' AND l.\"image_etag\" = i.\"etag\"" in sql


def _keys(rng: random.Random, n: int) -> list[str]:
    """Mostly images under raw/, with the traps: other extensions, upper-case extensions, RAW/ (LIKE would
    match it on SQLite), keys outside the prefix, a folder placeholder."""
    keys = []
    for i in range(n):
        roll = i % 50
        if roll == 0:
            keys.append(f"raw/docs/readme-{i}.txt")
        elif roll == 1:
            keys.append(f"RAW/cam-{i % 7}/img-{i:08d}.jpg")
        elif roll == 2:
            keys.append(f"other/img-{i:08d}.png")
        elif roll == 3:
            keys.append(f"raw/cam-{i % 7}/IMG-{i:08d}.JPG")
        else:
            keys.append(f"raw/cam-{i % 7}/img-{i:08d}{('.jpg', '.jpeg', '.png')[i % 3]}")
    keys.append("raw/folder.jpg/")
    rng.shuffle(keys)
    return keys


@pytest.fixture(scope="module")
def scale():
    rng = random.Random(12)
    keys = _keys(rng, ROWS)
    modified = [T0 + timedelta(seconds=rng.randrange(0, 86400 * 30)) for _ in keys]  # many ties: URI breaks them
    etags = [f"{rng.getrandbits(128):032x}" for _ in keys]
    with Sandbox(region="eu-west-1", iam_evaluation=False) as sb:
        s3, glue = boto3.client("s3"), boto3.client("glue")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        publish_inventory.ensure_table(glue, CFG, today=T0)
        boto3.client("sagemaker").create_feature_group(
            FeatureGroupName=GROUP, RecordIdentifierFeatureName="image_uri", EventTimeFeatureName="event_time",
            FeatureDefinitions=[{"FeatureName": n, "FeatureType": t} for n, t in FEATURE_DEFINITIONS
                                if n != "image_etag"] + [{"FeatureName": "image_etag", "FeatureType": "String"}],
            OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/feature-store"}},
            RoleArn="arn:aws:iam::123456789012:role/fs")
        schema = schema_from_moto(sb.account_id, sb.region, GROUP)
        labels: dict[str, CurrentLabel] = {}
        written = T0 + timedelta(days=40)
        started = time.perf_counter()
        for index in rng.sample(range(len(keys)), len(keys) // 4):
            uri, etag = s3_uri(BUCKET, keys[index]), etags[index]
            status, record_etag = rng.choice([("APPROVED", etag), ("REJECTED", etag), ("UNLABELABLE", etag),
                                              ("UNLABELABLE", "0" * 32)])
            newer = {"image_uri": uri, "event_time": "2026-03-01T00:00:00.000Z", "status": status,
                     "image_etag": record_etag}
            if index % 10 == 0:  # an older row the newest one overrides
                older = {"image_uri": uri, "event_time": "2026-02-01T00:00:00.000Z", "status": "APPROVED",
                         "image_etag": etag}
                sb.offline_store.append(schema, older, write_time=written, api_invocation_time=written)
            deleted = index % 97 == 0  # the newest row deletes the record: no record, so missing
            sb.offline_store.append(schema, newer, write_time=written, api_invocation_time=written, is_deleted=deleted)
            if not deleted and status in ("APPROVED", "UNLABELABLE"):
                labels[uri] = CurrentLabel(status, record_etag)
        table = pa.table({"bucket": [BUCKET] * len(keys), "key": keys, "size": [1] * len(keys),
                          "last_modified_date": pa.array(modified, pa.timestamp("ms", tz="UTC")), "e_tag": etags})

        def put(bucket: str, key: str, body: bytes) -> None:
            s3.put_object(Bucket=bucket, Key=key, Body=body)

        config = publish_inventory.inventory_configuration(CFG, sb.account_id)
        report = write_report(put, config, BUCKET, table, T0 + timedelta(days=41))
        print(f"\nset-up: {len(keys)} inventory rows, {len(keys) // 4} records in {time.perf_counter() - started:.1f} s")
        images = [ImageObject(when, s3_uri(BUCKET, key), etag) for key, when, etag in zip(keys, modified, etags, strict=True)
                  if key.startswith(CFG.storage.raw_prefix) and is_image_key(key, EXTENSIONS)]
        yield sb, report, images, labels, GROUP


def test_the_query_selects_exactly_what_list_mode_selects(scale):
    _, report, images, labels, group = scale
    names = inventory_names(CFG)
    described = boto3.client("sagemaker").describe_feature_group(FeatureGroupName=group)
    catalog = described["OfflineStoreConfig"]["DataCatalogConfig"]
    offline = OfflineTable(catalog["Database"], catalog["TableName"], has_etag=True)
    cap = 1000
    labeled = {image.uri for image in images if is_done(labels.get(image.uri), image.etag)}
    expected = select_missing(images, labeled, cap)

    started = time.perf_counter()
    sql = inventory.missing_query(inventory.InventoryTable(names.database, names.table, report.dt), offline, BUCKET,
                                  CFG.storage.raw_prefix, EXTENSIONS, cap)
    athena = boto3.client("athena")
    query_id = athena.start_query_execution(
        QueryString=sql, ResultConfiguration={"OutputLocation": f"s3://{BUCKET}/labeling/athena/"})["QueryExecutionId"]
    execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
    seconds = time.perf_counter() - started
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    page = inventory.read_missing(boto3.client("s3"), execution["ResultConfiguration"]["OutputLocation"], BUCKET)
    print(f"\n{ROWS} inventory rows: the query ran in {seconds:.1f} s on the sandbox")

    assert page.images_found == expected.images_found
    assert page.missing_total == expected.missing
    assert [(i.uri, i.etag) for i in page.images] == [(i.uri, i.etag) for i in expected.selected]
    assert [i.last_modified for i in page.images] == [i.last_modified for i in expected.selected]
    assert not any("/RAW/" in i.uri or i.uri.lower().endswith(".txt") for i in page.images)
