"""Fixtures of the deployer's tests: an in-process sandbox and the shipped config moved into its account."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import Sandbox
from workflow.config import PipelineConfig, load_config
from workflow.resources import in_account

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def sandbox() -> Iterator[Sandbox]:
    """A fresh sandbox per test (a test module may override it, e.g. with an IAM propagation window)."""
    with Sandbox(region="eu-west-1", time_scale=0.0001) as box:
        yield box


@pytest.fixture()
def cfg(sandbox: Sandbox) -> PipelineConfig:
    """config.yaml with its account-specific ARNs moved into the sandbox's account, as --local does."""
    moved, _ = in_account(load_config(ROOT / "config.yaml"), sandbox.account_id)
    return moved
