"""--preflight for each labels.task_type: the deployed templates render with the task type's element."""
from __future__ import annotations

import boto3
import pytest
from task_type_configs import write_config

from publish import preflight
from publish.aws import AwsClients
from publish.deployer import Deployer
from sandbox.sample_images import generate_sample_images
from sandbox.workteams import ensure_private_workteam
from workflow import resources
from workflow.config import load_config
from workflow.resources import in_account


def _deploy(sandbox, tmp_path, task_type: str):
    cfg, _ = in_account(load_config(write_config(tmp_path, task_type)), sandbox.account_id)
    clients = AwsClients(session=boto3.Session(), region=cfg.pipeline.region)
    ensure_private_workteam(clients.client("sagemaker"), cfg.workforce.workteam_arn)
    Deployer(cfg, clients).run()
    generate_sample_images(clients.client("s3"), cfg.storage.bucket, cfg.storage.raw_prefix, 2)
    return cfg, clients


EXPECTED = {
    "semantic_segmentation": ("crowd-semantic-segmentation 'crowd-semantic-segmentation'", "crowd-image-classifier with the mask overlaid"),
    "image_classification": ("crowd-image-classifier 'crowd-image-classifier'", None),
    "multilabel_image_classification": ("crowd-image-classifier-multi-select 'crowd-image-classifier-multi-select'", None),
}


@pytest.mark.parametrize("task_type", list(EXPECTED))
def test_the_task_types_templates_pass_and_classification_has_no_verification_check(sandbox, tmp_path, task_type):
    cfg, clients = _deploy(sandbox, tmp_path, task_type)
    checks = {check.name: check for check in preflight.run_preflight(cfg, clients)}
    labeling, verification = EXPECTED[task_type]
    assert checks["template labeling"].ok and labeling in checks["template labeling"].line()
    if verification:
        assert checks["template verification"].ok and verification in checks["template verification"].line()
    else:
        assert "template verification" not in checks


def test_a_renamed_segmentation_element_fails_the_labeling_template_check(sandbox, tmp_path):
    cfg, clients = _deploy(sandbox, tmp_path, "semantic_segmentation")
    s3, key = clients.client("s3"), resources.asset_key(cfg, "labeling.liquid.html")
    template = s3.get_object(Bucket=cfg.storage.bucket, Key=key)["Body"].read().decode()
    s3.put_object(Bucket=cfg.storage.bucket, Key=key,
                  Body=template.replace('name="crowd-semantic-segmentation"', 'name="annotatedResult"'))
    failed = {c.name: c.line() for c in preflight.run_preflight(cfg, clients) if not c.ok}
    assert "template labeling" in failed
    assert "named 'annotatedResult', not 'crowd-semantic-segmentation'" in failed["template labeling"]
