"""Benchmarks of the Lambda steps against the approaches they replace.

    python bench/run.py           # full sizes
    python bench/run.py --quick   # smaller sizes, under a minute

Prints a table, then one JSON line per result: name, case, value, unit, baseline, ratio
(how many times better than the baseline: faster, more records/s, smaller), target and
whether it is met. Every baseline runs in this process on the same data, except the cold
imports, which each run in a fresh interpreter. No network: Feature Store calls go to a
fake client that sleeps 20 ms per API call, except put_records_throttled, which writes to the
sandbox's Feature Store throttled to a capacity on its scaled clock (same sizes in --quick).
"""
from __future__ import annotations

import argparse
import gc
import io
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from steps import layout  # noqa: E402
from steps.batch_writer import write_records  # noqa: E402
from steps.check_missing_labels import build_result  # noqa: E402
from steps.missing import select_missing  # noqa: E402
from steps.records import RecordContext, parse_line, to_feature_values  # noqa: E402
from steps.s3_images import ImageObject  # noqa: E402

BUCKET = "my-factory-images"
API_LATENCY = 0.020
CONCURRENCY = 10
CAP = 1000


@dataclass
class Result:
    name: str
    case: str
    value: float
    unit: str
    baseline: float | None
    ratio: float | None
    target: str
    meets_target: bool
    peak_mib: float | None = None
    baseline_case: str | None = None


def _uri(i: int) -> str:  # ~75 characters, like the real keys
    return f"s3://{BUCKET}/raw/line-{i % 12:02d}/camera-{i % 7}/2026/11/29/img-{i:09d}.jpg"


def _images(n: int) -> tuple[list[ImageObject], list[str]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    images = [ImageObject(last_modified=start + timedelta(seconds=i), uri=_uri(i)) for i in range(n)]
    labeled = [_uri(i) for i in range(0, n, 2)]  # half of them labeled
    return images, labeled


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def _peak_mib(fn: Callable[[], Any]) -> float:
    """Peak traced memory (MiB) of building the inputs and running ``fn`` on them."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _ours(images: list[ImageObject], labeled: list[str]):
    return select_missing(images, set(labeled), CAP)  # the step builds the set while reading the CSV


def _ours_fresh(n: int):
    """Ours on ``n`` freshly made images, so a memory trace counts the inputs too."""
    return _ours(*_images(n))


def _list_membership(images: list[ImageObject], labeled: list[str]) -> list[str]:
    uris = [image.uri for image in images]
    return [uri for uri in uris if uri not in labeled]  # the earlier version: O(images x labeled)


def bench_missing_labels(quick: bool) -> list[Result]:
    """Ours at 30k / 300k / 1M images against list membership at 30k; --quick skips the 1M memory trace."""
    baseline_size, results = 30_000, []
    images, labeled = _images(baseline_size)
    base_seconds, base_missing = _timed(partial(_list_membership, images, labeled))
    for n in (30_000, 300_000, 1_000_000):
        images, labeled = _images(n)
        seconds, selection = _timed(partial(_ours, images, labeled))
        assert selection.missing == n - len(labeled) and len(selection.selected) == CAP
        if n == baseline_size:
            assert selection.missing == len(base_missing)
        del images, labeled
        peak = None if quick and n > 300_000 else _peak_mib(partial(_ours_fresh, n))
        ratio = base_seconds / seconds if n == baseline_size else None
        results.append(Result(
            "missing_labels", f"{n:,} images, half labeled", round(seconds, 4), "s",
            round(base_seconds, 4) if ratio else None, round(ratio, 1) if ratio else None,
            ">= 500x baseline" if ratio else "< 5 s and < 1 GB at 1,000,000",
            ratio >= 500 if ratio else seconds < 5 and (peak is None or peak < 1024),
            round(peak, 1) if peak is not None else None,
            baseline_case=f"list membership, {baseline_size:,} images" if ratio else None,
        ))
    return results


class _SlowFeatureStore:
    """A Feature Store runtime client stand-in: every API call takes 20 ms, nothing leaves the process."""

    def __init__(self) -> None:
        self.records = 0
        self._lock = threading.Lock()

    def batch_write_record(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        time.sleep(API_LATENCY)
        with self._lock:
            self.records += len(Entries)
        return {"Errors": [], "UnprocessedEntries": []}

    def put_record(self, FeatureGroupName: str, Record: list[dict[str, str]]) -> dict[str, Any]:
        time.sleep(API_LATENCY)
        with self._lock:
            self.records += 1
        return {}


def _manifest_lines(n: int) -> list[bytes]:
    lines = []
    for i in range(n):
        line = {
            "source-ref": _uri(i),
            "scratch-boxes": {"image_size": [{"width": 1920, "height": 1080, "depth": 3}],
                              "annotations": [{"class_id": 0, "left": 10 + i % 50, "top": 20, "width": 30, "height": 40}]},
            "scratch-boxes-metadata": {"objects": [{"confidence": 0.9}], "class-map": {"0": "scratch"},
                                       "type": "groundtruth/object-detection", "human-annotated": "yes",
                                       "creation-date": "2026-11-28T09:00:00.000001", "job-name": "labeling-job/l"},
            "scratch-verdict": i % 5 == 0,
            "scratch-verdict-metadata": {"class-name": "Boxes are correct", "confidence": 0.93,
                                         "type": "groundtruth/label-verification", "job-name": "labeling-job/v",
                                         "human-annotated": "yes", "creation-date": "2026-11-29T10:00:00.123456"},
        }
        line["scratch-verdict"] = 1 if i % 5 == 0 else 0
        lines.append(json.dumps(line).encode())
    return lines


def bench_put_records(quick: bool) -> list[Result]:
    ours_n, base_n = (2_000, 200) if quick else (10_000, 1_000)
    ctx = RecordContext("scratch-boxes", "scratch-verdict", 0, "run-lbl", "run-vfy")
    lines = _manifest_lines(ours_n)

    def records(count: int):
        for number, raw in enumerate(lines[:count], start=1):
            line = parse_line(number, raw, ctx)
            if line is not None:  # None: an unlabeled line (none are made here)
                yield to_feature_values(line)

    client = _SlowFeatureStore()
    seconds, outcome = _timed(lambda: write_records(client, "scratch-labels", records(ours_n), CONCURRENCY))
    assert outcome.written == ours_n == client.records
    baseline = _SlowFeatureStore()

    def sequential() -> None:
        for record in records(base_n):
            baseline.put_record(FeatureGroupName="scratch-labels", Record=record)

    base_seconds, _ = _timed(sequential)
    assert baseline.records == base_n
    rate, base_rate = ours_n / seconds, base_n / base_seconds
    return [Result(
        "put_records", f"{ours_n:,} records, {CONCURRENCY} calls in flight, 20 ms/call", round(rate, 1), "records/s",
        round(base_rate, 1), round(rate / base_rate, 1), ">= 50x baseline and >= 2,500 records/s",
        rate / base_rate >= 50 and rate >= 2500, baseline_case=f"sequential PutRecord, {base_n:,} records",
    )]


class _CountingClient:
    """Counts, per record identifier, the writes the service confirmed (entries not in Errors/Unprocessed)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.writes: dict[str, int] = {}
        self._lock = threading.Lock()

    def batch_write_record(self, **params: Any) -> dict[str, Any]:
        response = self.inner.batch_write_record(**params)
        refused = [json.dumps(item["Entry"]["Record"], sort_keys=True) for item in response.get("Errors") or ()]
        refused += [json.dumps(entry["Record"], sort_keys=True) for entry in response.get("UnprocessedEntries") or ()]
        with self._lock:
            for entry in params["Entries"]:
                key = json.dumps(entry["Record"], sort_keys=True)
                if key in refused:
                    refused.remove(key)
                    continue
                uri = entry["Record"][0]["ValueAsString"]
                self.writes[uri] = self.writes.get(uri, 0) + 1
        return response


THROTTLED_RECORDS = 10_000
# Simulated seconds per real second: the capacity is enforced on the sandbox clock, scaled so that each
# write takes a few real seconds (10,000 records at 500/s are 20 simulated seconds).
THROTTLED_CASES = ((500, 0.2), (2_500, 1.0))


def bench_put_records_throttled(quick: bool) -> list[Result]:
    """10,000 records against a sandbox Feature Store throttled to a capacity (records per simulated second)."""
    import boto3

    from sandbox import Sandbox
    from steps.batch_writer import RetryPolicy
    from steps.contract import FEATURE_DEFINITIONS
    from steps.errors import FeatureStoreWriteFailed

    ctx = RecordContext("scratch-boxes", "scratch-verdict", 0, "run-lbl", "run-vfy")
    lines = _manifest_lines(THROTTLED_RECORDS)
    results = []
    for capacity, scale in THROTTLED_CASES:
        with Sandbox(region="eu-west-1", iam_evaluation=False, time_scale=scale,
                     featurestore_records_per_second=capacity) as sb:
            boto3.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
            boto3.client("sagemaker").create_feature_group(
                FeatureGroupName="scratch-labels", RecordIdentifierFeatureName="image_uri",
                EventTimeFeatureName="event_time",
                FeatureDefinitions=[{"FeatureName": n, "FeatureType": t} for n, t in FEATURE_DEFINITIONS],
                OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/feature-store"}},
                OnlineStoreConfig={"EnableOnlineStore": False},
                RoleArn="arn:aws:iam::123456789012:role/feature-store")
            client = _CountingClient(boto3.client("sagemaker-featurestore-runtime"))
            records = (to_feature_values(line) for number, raw in enumerate(lines, start=1)
                       if (line := parse_line(number, raw, ctx)) is not None)
            started = sb.clock.now()
            try:
                outcome = write_records(client, "scratch-labels", records, CONCURRENCY, RetryPolicy(),
                                        sleep=sb.clock.sleep)  # backoff in simulated seconds
                failed = 0
            except FeatureStoreWriteFailed as error:
                outcome = error.outcome  # type: ignore[attr-defined]
                failed = outcome.failed
            simulated = (sb.clock.now() - started).total_seconds()
        twice = sum(1 for count in client.writes.values() if count > 1)
        # Of the most the capacity lets through in that time: rate x time plus the bucket's one-second burst.
        fraction = len(client.writes) / (capacity * (simulated + 1))
        results.append(Result(
            "put_records_throttled",
            f"{THROTTLED_RECORDS:,} records, capacity {capacity:,}/s: failed {failed}, written twice {twice}, "
            f"{outcome.throttled_calls} calls throttled, concurrency down to {outcome.lowest_concurrency}",
            round(fraction, 2), "of capacity", None, None, "failed 0, written twice 0, >= 0.7 of capacity",
            failed == 0 and twice == 0 and fraction >= 0.7,
        ))
    return results


def _import_seconds(statement: str, repeats: int) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    env = {**os.environ, "SAGEMAKER_SUPPRESS_V2_WARNING": "1", "AWS_EC2_METADATA_DISABLED": "true",
           "PYTHONDONTWRITEBYTECODE": "1"}
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


def bench_cold_import(quick: bool) -> list[Result]:
    repeats = 3 if quick else 5
    base = _import_seconds("import sagemaker, pandas", repeats)
    results = []
    for module in ("steps.check_missing_labels", "steps.update_feature_store"):
        seconds = _import_seconds(f"import {module}", repeats)
        results.append(Result(
            "cold_import", module, round(seconds, 3), "s", round(base, 3), round(base / seconds, 1), "< 0.5 s",
            seconds < 0.5, baseline_case="import sagemaker, pandas",
        ))
    return results


def bench_result_size(quick: bool) -> list[Result]:
    n = 100_000
    images, _ = _images(n)
    selection = select_missing(images, set(), CAP)
    run = "scratch-nightly-2026-11-29-0123456789"
    result = build_result(selection, CAP, run, BUCKET, "labeling/", f"s3://{BUCKET}/{layout.input_manifest_key('labeling/', run)}")
    size = len(json.dumps(result).encode())
    old = len(json.dumps({"missing_images": [image.uri for image in images]}).encode())
    return [Result(
        "result_size", f"{n:,} missing images", size, "bytes", old, round(old / size, 1), "< 4 KB",
        size < 4096, baseline_case="earlier version: every missing URI in the state output",
    )]


EXPORT_RECORDS = 10_000


class _Slow:
    """A client whose every API call first takes ``API_LATENCY`` (a round trip to AWS), then goes to ``inner``."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)
        if name.startswith(("get_paginator", "can_paginate")) or not callable(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            time.sleep(API_LATENCY)
            return method(*args, **kwargs)

        return call


def _paged_reader(athena: Any, s3: Any, table: Any, columns: Any, statuses: Any, as_of: Any, workgroup: str,
                  output_uri: str, kms_key_arn: Any = None) -> Any:
    """Baseline: the export's rows read with GetQueryResults, 1,000 rows a call, instead of the result CSV."""
    from operate.export_query import NEWEST_COLUMN, SNAPSHOT_COLUMN, QueryResult, export_query
    from operate.export_registry import ExportRecord
    from steps.labeled_images import run_query

    result_uri = run_query(athena, export_query(table, columns, statuses, as_of), workgroup, output_uri, kms_key_arn)
    query_id = result_uri.rsplit("/", 1)[-1].removesuffix(".csv")
    rows: list[list[str]] = []
    token = None
    while True:
        page = athena.get_query_results(QueryExecutionId=query_id, MaxResults=1000, **({"NextToken": token} if token else {}))
        rows.extend([cell.get("VarCharValue", "") for cell in row["Data"]] for row in page["ResultSet"]["Rows"])
        token = page.get("NextToken")
        if not token:
            break
    header, data = rows[0], rows[1:]
    records, snapshot, newest = [], None, None
    for row in data:
        values = dict(zip(header, row, strict=True))
        snapshot, newest = values.get(SNAPSHOT_COLUMN) or snapshot, values.get(NEWEST_COLUMN) or newest
        records.append(ExportRecord(values["image_uri"], values["status"], {c: values.get(c, "") for c in columns}))
    return QueryResult(records, snapshot, newest)


def bench_export(quick: bool) -> list[Result]:
    """A 10,000-record COCO export from the sandbox's offline store, each S3/Athena call taking 20 ms as
    over the network; baseline: the same export reading its rows with GetQueryResults pages (1,000 rows)."""
    import tempfile

    import boto3

    from operate.export import export_labels
    from sandbox import Sandbox
    from steps.batch_writer import RetryPolicy
    from steps.contract import FEATURE_DEFINITIONS
    from workflow.config import load_config

    ctx = RecordContext("scratch-boxes", "scratch-verdict", 0, "run-lbl", "run-vfy")
    cfg = load_config(ROOT / "config.yaml")
    with Sandbox(region="eu-west-1", iam_evaluation=False) as _sb, tempfile.TemporaryDirectory() as folder:
        session = boto3.Session()
        session.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        session.client("sagemaker").create_feature_group(
            FeatureGroupName=cfg.feature_store.feature_group_name, RecordIdentifierFeatureName="image_uri",
            EventTimeFeatureName="event_time",
            FeatureDefinitions=[{"FeatureName": n, "FeatureType": t} for n, t in FEATURE_DEFINITIONS],
            OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/feature-store"}},
            OnlineStoreConfig={"EnableOnlineStore": False}, RoleArn="arn:aws:iam::123456789012:role/feature-store")
        records = (to_feature_values(line) for number, raw in enumerate(_manifest_lines(EXPORT_RECORDS), start=1)
                   if (line := parse_line(number, raw, ctx)) is not None)
        write_records(session.client("sagemaker-featurestore-runtime"), cfg.feature_store.feature_group_name, records,
                      CONCURRENCY, RetryPolicy())

        class Clients:
            def client(self, service: str) -> Any:
                inner = session.client(service)  # type: ignore[call-overload]
                return _Slow(inner) if service in ("s3", "athena") else inner

        def run(out: str, **kwargs: Any) -> Any:
            return export_labels(cfg, Clients(), "coco", f"{folder}/{out}", include_rejected=True, **kwargs)

        seconds, result = _timed(lambda: run("ours"))
        base, base_result = _timed(lambda: run("baseline", reader=_paged_reader))
    same = result.counts.images == base_result.counts.images == EXPORT_RECORDS
    return [Result(
        "export", f"{EXPORT_RECORDS:,} records to COCO (20 ms per S3/Athena call): {result.counts.images:,} images, "
        f"{result.counts.boxes:,} boxes", round(seconds, 3), "s", round(base, 3), round(base / seconds, 1),
        "< 10 s, all records", seconds < 10 and same, baseline_case="rows read with GetQueryResults pages of 1,000",
    )]


SAMPLE_IMAGES = 500


def bench_sample_images(quick: bool) -> list[Result]:
    """The sandbox's sample images (sandbox.sample_images): drawn and put into moto's S3 (the quickstart and
    many tests make them)."""
    import boto3
    from moto import mock_aws

    from sandbox.sample_images import generate_sample_images

    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing")
        s3.create_bucket(Bucket="samples", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        seconds, keys = _timed(lambda: generate_sample_images(s3, "samples", "raw/", SAMPLE_IMAGES))
    return [Result("sample_images", f"{SAMPLE_IMAGES} sample PNGs into moto S3", round(seconds, 3), "s", None, None,
                   "< 8 s", seconds < 8 and len(set(keys)) == SAMPLE_IMAGES)]


SCALE_SIZES = (1_000_000, 10_000_000, 100_000_000, 1_000_000_000)


class _Body(io.BytesIO):
    """A StreamingBody stand-in over bytes made before the measurement (S3 streams them in)."""


class _ScaleS3:
    """The S3 calls of the check step, offline: one result CSV, raw-prefix pages of 1,000 keys."""

    def __init__(self, objects: dict[str, bytes], keys: int = 0) -> None:
        self.objects, self.keys, self.written = objects, keys, 0

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        return {"Body": _Body(self.objects[Key])}

    def get_paginator(self, name: str) -> Any:
        keys = self.keys
        start = datetime(2026, 1, 1, tzinfo=UTC)

        class Pages:
            def paginate(self, **_: Any) -> Any:
                for first in range(0, keys, 1000):
                    yield {"Contents": [{"Key": _uri(i)[len(f"s3://{BUCKET}/"):], "LastModified": start + timedelta(seconds=i),
                                         "ETag": f'"{i:032x}"', "Size": 1} for i in range(first, min(first + 1000, keys))]}

        return Pages()


def _inventory_result(n: int) -> bytes:
    """The query's result CSV at its real size: the counts, then the cap's oldest missing images."""
    lines = ['"images_found","missing_total","key","last_modified_date","etag"']
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(CAP):
        when = (start + timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S.000")
        lines.append(f'"{n}","{n // 2}","{_uri(i)[len(f"s3://{BUCKET}/"):]}","{when}","{i:032x}"')
    return ("\n".join(lines) + "\n").encode()


def _labels_result(n: int) -> bytes:
    """List mode's offline-store result CSV: half of the images APPROVED."""
    lines = ['"image_uri","status","image_etag"'] + [f'"{_uri(i)}","APPROVED","{i:032x}"' for i in range(0, n, 2)]
    return ("\n".join(lines) + "\n").encode()


def _inventory_select(s3: Any) -> int:
    """The Lambda side of inventory mode: read the query's small result, drop held images, build the manifest."""
    from steps import inventory
    from steps.manifests import input_manifest_bytes

    page = inventory.read_missing(s3, "s3://b/result.csv", BUCKET)
    held: set[str] = set()
    selected = [image for image in page.images if image.uri not in held][:CAP]
    return len(input_manifest_bytes(selected))


def _list_select(s3: Any) -> int:
    """The Lambda side of list mode: list every key, read every done record, select, build the manifest."""
    from steps.labeled_images import CurrentLabel, is_done, read_result_rows
    from steps.manifests import input_manifest_bytes
    from steps.s3_images import list_images

    images = list(list_images(s3, BUCKET, "raw/", [".jpg"]))
    labels = {uri: CurrentLabel(status, etag)
              for uri, status, etag in read_result_rows(s3, "s3://b/labels.csv", ("image_uri", "status", "image_etag"))}
    labeled = {image.uri for image in images if is_done(labels.get(image.uri), image.etag)}
    del labels
    selection = select_missing(images, labeled, CAP)
    return len(input_manifest_bytes(selection.selected))


def bench_missing_labels_at_scale(quick: bool) -> list[Result]:
    """Inventory mode's Lambda side at 1M / 10M / 100M images (the engine's result synthesized at its real
    size: the cap's rows and the counts), and list mode at 1M as the baseline (no S3 latency: real listing
    adds ~0.25 s per 1,000-key page, one after another). The same sizes with --quick: the Lambda side is cheap."""
    base_s3 = _ScaleS3({"labels.csv": _labels_result(1_000_000)}, keys=1_000_000)
    base_seconds, _ = _timed(partial(_list_select, base_s3))
    base_peak = None if quick else _peak_mib(partial(_list_select, base_s3))
    results = [Result("missing_labels_at_scale", "list mode, 1,000,000 images (baseline)", round(base_seconds, 3), "s",
                      None, None, "baseline", True, round(base_peak, 1) if base_peak is not None else None)]
    first: float | None = None
    for n in SCALE_SIZES:
        s3 = _ScaleS3({"result.csv": _inventory_result(n)})
        seconds, _ = _timed(partial(_inventory_select, s3))
        peak = _peak_mib(partial(_inventory_select, s3))
        first = first or seconds
        results.append(Result(
            "missing_labels_at_scale", f"inventory mode, {n:,} images", round(seconds, 4), "s",
            round(base_seconds, 3), round(base_seconds / seconds, 1), "< 10 s and < 256 MiB, flat in size",
            seconds < 10 and peak < 256 and seconds < max(5 * first, 0.5), round(peak, 2),
            baseline_case="list mode, 1,000,000 images"))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes; finishes in under a minute")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results: list[Result] = []
    for bench in (bench_missing_labels, bench_missing_labels_at_scale, bench_put_records, bench_put_records_throttled, bench_cold_import,
                  bench_result_size, bench_export, bench_sample_images):
        results.extend(bench(args.quick))
    header = f"{'name':<15} {'case':<52} {'value':>12} {'unit':<10} {'baseline':>12} {'ratio':>8} {'peak MiB':>9}  ok"
    print(header)
    print("-" * len(header))
    for r in results:
        fmt = lambda v: "-" if v is None else f"{v:,}"  # noqa: E731
        print(f"{r.name:<15} {r.case[:52]:<52} {fmt(r.value):>12} {r.unit:<10} {fmt(r.baseline):>12} "
              f"{fmt(r.ratio):>8} {fmt(r.peak_mib):>9}  {'yes' if r.meets_target else 'NO'}")
    print(f"({'quick' if args.quick else 'full'} run, {time.perf_counter() - started:.1f} s, Python {sys.version.split()[0]})")
    for r in results:
        print(json.dumps({k: v for k, v in asdict(r).items() if v is not None or k in ("baseline", "ratio")}))
    return 0 if all(r.meets_target for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
