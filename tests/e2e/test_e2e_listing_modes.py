"""storage.listing end to end: list mode and inventory mode label the same images into the same records;
auto lists until the first inventory report exists, then queries it."""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reliability.pipeline import QUICK_JOBS, ROOT, TIME_SCALE, SandboxPipeline, listing_config
from reliability.reconcile import current_records
from sandbox import Sandbox
from sandbox.workforce import WorkforceProfile
from workflow.graph import NAME_QUERY

# The simulated workers draw boxes and verdicts per job (job names differ between runs), so records are
# compared by what the selection decides: which images, their status, size and ETag.
T0 = datetime(2026, 11, 1, tzinfo=UTC)
COMPARED = ("status", "width", "height", "image_etag")


def _fix_upload_times(sandbox: Sandbox, bucket: str) -> None:
    """Give every object a fixed LastModified, in an order unlike the keys' (uploads straddle seconds
    differently from one sandbox to the next), so both modes face the same oldest-first order."""
    from moto.s3.models import s3_backends

    keys = s3_backends[sandbox.account_id]["aws"].get_bucket(bucket).keys
    for rank, name in enumerate(sorted(keys.keys(), key=lambda key: hashlib.sha256(key.encode()).hexdigest())):
        keys[name].last_modified = T0 + timedelta(minutes=rank)


def _two_runs(tmp_path: Path, listing: str) -> tuple[dict, list, list]:
    """Upload the same images, run twice (the second takes the backlog); the records, runs and manifests."""
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE,
                 workforce=WorkforceProfile(seed=5, approval_rate=1.0, **QUICK_JOBS)) as sandbox:
        pipeline = SandboxPipeline(sandbox, listing_config(tmp_path, listing))
        pipeline.upload_samples(16)
        pipeline.put(pipeline.cfg.storage.raw_prefix + "notes.txt", b"not an image")
        _fix_upload_times(sandbox, pipeline.bucket)
        runs = []
        for _ in range(2):
            if listing != "list":
                sandbox.deliver_inventory_reports(pipeline.bucket)
            run = pipeline.run({"max_images": 10})
            assert run.outcome.status == "SUCCEEDED", (run.outcome.error, run.outcome.cause)
            runs.append(run)
        records = current_records(sandbox.offline_store_rows(pipeline.feature_group))
        manifests = [pipeline.input_manifest(run.run_id) for run in runs]
        return {uri: tuple(record.get(name) for name in COMPARED) for uri, record in records.items()}, runs, manifests


def test_list_and_inventory_modes_give_the_same_records(tmp_path):
    listed, list_runs, list_manifests = _two_runs(tmp_path, "list")
    queried, inventory_runs, inventory_manifests = _two_runs(tmp_path, "inventory")
    assert inventory_manifests == list_manifests and all(list_manifests)
    assert all(NAME_QUERY not in run.outcome.states for run in list_runs)
    assert all(NAME_QUERY in run.outcome.states for run in inventory_runs)
    assert queried == listed
    for mine, theirs in zip(inventory_runs, list_runs, strict=True):
        counts = ("images_found", "already_labeled", "missing", "selected", "backlog")
        assert {k: mine.outcome.output[k] for k in counts} == {k: theirs.outcome.output[k] for k in counts}


@pytest.mark.parametrize("listing", ["inventory"])
def test_input_manifests_carry_the_source_etag(tmp_path, listing):
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE,
                 workforce=WorkforceProfile(seed=5, approval_rate=1.0, **QUICK_JOBS)) as sandbox:
        pipeline = SandboxPipeline(sandbox, listing_config(tmp_path, listing))
        pipeline.upload_samples(3)
        sandbox.deliver_inventory_reports(pipeline.bucket)
        run = pipeline.run()
        assert run.outcome.status == "SUCCEEDED", (run.outcome.error, run.outcome.cause)
        key = f"{pipeline.cfg.storage.work_prefix}runs/{run.run_id}/input.manifest"
        lines = [json.loads(line) for line in pipeline.read(pipeline.uri(key)).decode().splitlines()]
        for line in lines:
            bucket_key = line["source-ref"].split("/", 3)[3]
            etag = pipeline.s3.head_object(Bucket=pipeline.bucket, Key=bucket_key)["ETag"].strip('"')
            assert line["source-etag"] == etag


def test_auto_lists_until_the_first_report_then_queries_it(tmp_path):
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE,
                 workforce=WorkforceProfile(seed=5, approval_rate=1.0, **QUICK_JOBS)) as sandbox:
        pipeline = SandboxPipeline(sandbox, ROOT / "config.yaml")
        assert pipeline.cfg.storage.listing == "auto"
        pipeline.upload_samples(4)
        first = pipeline.run({"max_images": 2})
        assert first.outcome.status == "SUCCEEDED" and NAME_QUERY not in first.outcome.states
        sandbox.deliver_inventory_reports(pipeline.bucket)
        second = pipeline.run()
        assert second.outcome.status == "SUCCEEDED", (second.outcome.error, second.outcome.cause)
        assert NAME_QUERY in second.outcome.states
        assert second.outcome.output["already_labeled"] == 2 and second.outcome.output["selected"] == 2
