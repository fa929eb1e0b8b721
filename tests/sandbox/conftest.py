"""Fixtures of the Ground Truth stand-in tests (their set-up lives in gt_helpers.py)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from gt_helpers import GroundTruthEnv, _stand_in, make_env
from moto import mock_aws

import sandbox.ground_truth as ground_truth


@pytest.fixture(scope="module")
def gt_module_env() -> Iterator[GroundTruthEnv]:
    """One mock and one set of S3 inputs per test module (setting them up is the slow part)."""
    with mock_aws():
        yield make_env()
        ground_truth.uninstall()


@pytest.fixture
def gt_env(gt_module_env: GroundTruthEnv) -> GroundTruthEnv:
    """The module's inputs with a fresh Ground Truth (no jobs), clock and default workforce."""
    gt_module_env.sandbox = _stand_in()
    return gt_module_env
