"""The dry run and the deployer publish the same bytes for every Ground Truth UI asset."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from publish.aws import AwsClients
from publish.deployer import Deployer
from sandbox import Sandbox
from workflow.artifacts import render_files, write_files
from workflow.config import load_config
from workflow.resources import ASSET_NAMES, ResourceArns, asset_key, in_account

ROOT = Path(__file__).resolve().parents[2]
CATEGORY = "Kratzer ä"  # a category outside ASCII: JSON may write it as itself or as \u00e4


@pytest.fixture()
def cfg_with_umlaut(tmp_path: Path):
    """The shipped config with one more category, its template paths made absolute."""
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    assert "categories: [scratch]" in text, "the shipped config's categories changed: update this fixture"
    text = text.replace("categories: [scratch]", f'categories: [scratch, "{CATEGORY}"]')
    text = text.replace("instructions_template: workflow/", f"instructions_template: {ROOT}/workflow/")
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_dry_run_and_deploy_write_the_same_asset_bytes(cfg_with_umlaut, tmp_path: Path):
    cfg = cfg_with_umlaut
    out = tmp_path / "build"
    write_files(render_files(cfg, ResourceArns.placeholder(cfg)), out)
    with Sandbox(region="eu-west-1", time_scale=0.0001) as sandbox:
        moved, _ = in_account(cfg, sandbox.account_id)
        clients = AwsClients(session=boto3.Session(), region=moved.pipeline.region, endpoint_url=sandbox.endpoint)
        Deployer(moved, clients).run()
        s3 = boto3.client("s3", region_name="eu-west-1", endpoint_url=sandbox.endpoint)
        uploaded = {name: s3.get_object(Bucket=moved.storage.bucket, Key=asset_key(moved, name))["Body"].read()
                    for name in ASSET_NAMES}
    for name in ASSET_NAMES:
        assert uploaded[name] == (out / "assets" / name).read_bytes(), name
    categories = uploaded["labeling-categories.json"]
    assert CATEGORY.encode("utf-8") in categories
    assert {"label": CATEGORY} in json.loads(categories)["labels"]
