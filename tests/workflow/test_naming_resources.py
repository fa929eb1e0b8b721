"""workflow/resources.py: names and ARNs derived from the config."""
from __future__ import annotations

import dataclasses
import re

import pytest

from workflow import resources
from workflow.config import PIPELINE_NAME_MAX, replace
from workflow.resources import ResourceArns


def test_names_derive_from_the_pipeline_name(cfg):
    assert cfg.pipeline.name == "scratch-labeling"
    assert resources.check_lambda_name(cfg) == "scratch-labeling-check-missing-labels"
    assert resources.update_lambda_name(cfg) == "scratch-labeling-update-feature-store"
    assert resources.filter_lambda_name(cfg) == "scratch-labeling-filter-labeled-objects"
    assert resources.role_names(cfg) == {
        "state_machine": "scratch-labeling-states",
        "check_lambda": "scratch-labeling-check-lambda",
        "update_lambda": "scratch-labeling-update-lambda",
        "filter_lambda": "scratch-labeling-filter-lambda",
        "stop_lambda": "scratch-labeling-stop-lambda",
        "ground_truth": "scratch-labeling-ground-truth",
        "feature_store": "scratch-labeling-feature-store",
        "scheduler": "scratch-labeling-scheduler",
        "compaction": "scratch-labeling-compaction",
    }
    assert resources.schedule_name(cfg) == "scratch-labeling-schedule"
    assert resources.compaction_schedule_names(cfg) == {"OPTIMIZE": "scratch-labeling-optimize-offline-store",
                                                        "VACUUM": "scratch-labeling-vacuum-offline-store"}


def test_asset_locations(cfg):
    assert resources.asset_key(cfg, "labeling.liquid.html") == "labeling/assets/labeling.liquid.html"
    assert resources.asset_uri(cfg, "verification-categories.json") == (
        "s3://my-factory-images/labeling/assets/verification-categories.json"
    )
    assert resources.athena_output_uri(cfg) == "s3://my-factory-images/labeling/athena/"
    with pytest.raises(ValueError, match=re.escape("unknown asset 'x.html'; known: labeling.liquid.html")):
        resources.asset_key(cfg, "x.html")


def test_placeholder_arns(cfg):
    arns = ResourceArns.placeholder(cfg)
    assert arns.account_id == "000000000000"
    assert arns.check_lambda == "arn:aws:lambda:eu-west-1:000000000000:function:scratch-labeling-check-missing-labels"
    assert arns.update_lambda == "arn:aws:lambda:eu-west-1:000000000000:function:scratch-labeling-update-feature-store"
    assert arns.state_machine == "arn:aws:states:eu-west-1:000000000000:stateMachine:scratch-labeling"
    assert arns.ground_truth_role == "arn:aws:iam::000000000000:role/scratch-labeling-ground-truth"
    assert arns.state_machine_role == "arn:aws:iam::000000000000:role/scratch-labeling-states"
    with pytest.raises(dataclasses.FrozenInstanceError):
        arns.check_lambda = "x"  # type: ignore[misc]


def test_configured_roles_win(cfg):
    own = "arn:aws:iam::111122223333:role/team/labeling-gt"
    configured = replace(cfg, iam=replace(cfg.iam, ground_truth_role_arn=own))
    arns = ResourceArns.for_account(configured, "123456789012")
    assert arns.ground_truth_role == own
    assert arns.check_lambda_role == "arn:aws:iam::123456789012:role/scratch-labeling-check-lambda"
    assert arns.update_lambda_role == "arn:aws:iam::123456789012:role/scratch-labeling-update-lambda"
    assert arns.filter_lambda_role == "arn:aws:iam::123456789012:role/scratch-labeling-filter-lambda"


def test_a_configured_lambda_role_serves_every_function(cfg):
    own = "arn:aws:iam::111122223333:role/team/labeling-lambdas"
    arns = ResourceArns.for_account(replace(cfg, iam=replace(cfg.iam, lambda_role_arn=own)),
                                    "123456789012")
    assert arns.check_lambda_role == arns.filter_lambda_role == arns.update_lambda_role == own


def test_the_longest_pipeline_name_keeps_every_function_and_role_name_within_64(cfg):
    longest = replace(cfg, pipeline=replace(cfg.pipeline, name="p" * PIPELINE_NAME_MAX))
    names = [*resources.lambda_names(longest), *resources.role_names(longest).values()]
    assert resources.filter_lambda_name(longest) in names
    assert max(len(name) for name in names) <= 64, max(names, key=len)


def test_bad_account_id(cfg):
    with pytest.raises(ValueError, match="account id '1234' is not valid; expected 12 digits"):
        ResourceArns.for_account(cfg, "1234")
