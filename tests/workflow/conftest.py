"""Fixtures for the workflow tests: the shipped config and variants of it."""
from __future__ import annotations

from pathlib import Path

import pytest

from workflow import ground_truth
from workflow.config import PipelineConfig, load_config, replace
from workflow.resources import ResourceArns

REPO_ROOT = Path(__file__).resolve().parents[2]
KMS_KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="session")
def cfg() -> PipelineConfig:
    return load_config(REPO_ROOT / "config.yaml")


@pytest.fixture(scope="session")
def arns(cfg: PipelineConfig) -> ResourceArns:
    return ResourceArns.placeholder(cfg)


def with_workforce(cfg: PipelineConfig, kind: str) -> PipelineConfig:
    """``cfg`` with a private, vendor or public workforce."""
    region = cfg.pipeline.region
    if kind == "public":
        workforce = replace(
            cfg.workforce, type="public", workteam_arn=ground_truth.public_workteam_arn(region), public_task_price_usd=0.036
        )
        lifetime = ground_truth.TASK_AVAILABILITY_MAX_PUBLIC
        return replace(
            cfg,
            workforce=workforce,
            labeling=replace(cfg.labeling, task_availability_lifetime_seconds=lifetime),
            verification=replace(cfg.verification, task_availability_lifetime_seconds=lifetime),
        )
    if kind == "vendor":
        arn = f"arn:aws:sagemaker:{region}:111122223333:workteam/vendor-crowd/acme-labeling"
        return replace(cfg, workforce=replace(cfg.workforce, type="vendor", workteam_arn=arn))
    return cfg


def with_kms(cfg: PipelineConfig) -> PipelineConfig:
    return replace(cfg, storage=replace(cfg.storage, kms_key_arn=KMS_KEY_ARN))


@pytest.fixture(params=[(kind, kms) for kind in ("private", "vendor", "public") for kms in (False, True)],
                ids=lambda p: f"{p[0]}-{'kms' if p[1] else 'sse'}")
def variant(request: pytest.FixtureRequest, cfg: PipelineConfig) -> PipelineConfig:
    """Every workforce type, with and without a KMS key."""
    kind, kms = request.param
    variant_cfg = with_workforce(cfg, kind)
    return with_kms(variant_cfg) if kms else variant_cfg
