"""The patches (one module per patched service) and the registry of the running sandbox."""
from __future__ import annotations

import importlib
from pathlib import Path

import boto3
import pytest

import sandbox.patches as patches
from sandbox import Sandbox, registry

PATCH_DIR = Path(patches.__file__).parent


def test_every_patch_module_is_installed_and_says_why():
    modules = {path.stem for path in PATCH_DIR.glob("*.py")} - {"__init__", "base"}
    assert set(patches.PATCHES) == modules
    for name in patches.PATCHES:
        install = importlib.import_module(f"sandbox.patches.{name}").install
        assert "Why:" in (install.__doc__ or ""), f"sandbox.patches.{name}.install has no 'Why:'"


def test_stop_restores_moto_and_empties_the_registry():
    from moto.athena.responses import AthenaResponse
    from moto.sagemaker.responses import SageMakerResponse

    original = AthenaResponse.start_query_execution
    with Sandbox() as box:
        assert registry.active() is box and registry.ground_truth() is box.ground_truth is not None
        assert AthenaResponse.start_query_execution is not original
        assert "create_workteam" in SageMakerResponse.__dict__
    assert registry.current() is None and registry.ground_truth() is None and box.ground_truth is None
    assert AthenaResponse.start_query_execution is original
    assert "create_workteam" not in SageMakerResponse.__dict__ and "create_labeling_job" not in SageMakerResponse.__dict__
    with pytest.raises(RuntimeError, match="no Sandbox is running"):
        registry.active()


def test_a_second_sandbox_is_refused_and_the_first_keeps_running():
    with Sandbox() as first:
        boto3.client("s3").create_bucket(Bucket="kept", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        with pytest.raises(RuntimeError, match="another Sandbox is already running"):
            Sandbox().start()
        assert registry.active() is first
        assert boto3.client("sagemaker").list_workteams()["Workteams"] == []  # the patches are still in place
        assert [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]] == ["kept"]


def test_iam_evaluation_follows_the_running_sandbox():
    from sandbox.iam import evaluation

    assert evaluation.enabled()
    with Sandbox(iam_evaluation=False):
        assert not evaluation.enabled()
    assert evaluation.enabled()
