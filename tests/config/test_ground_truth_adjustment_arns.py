"""The adjustment jobs' built-in Lambdas (PRE-/ACS-Adjustment*) in every region, as botocore documents them."""
from __future__ import annotations

import gzip
import json
import os
import re
from functools import lru_cache

import botocore
import pytest

from sandbox.ground_truth.builtin import BUILTIN_LAMBDA_ACCOUNTS
from sandbox.ground_truth.builtin import builtin_lambda_arn as sandbox_arn
from workflow import ground_truth as gt


@lru_cache(maxsize=1)
def _shapes() -> dict:
    folder = os.path.join(os.path.dirname(botocore.__file__), "data", "sagemaker")
    (version,) = os.listdir(folder)
    with gzip.open(os.path.join(folder, version, "service-2.json.gz")) as handle:
        return json.load(handle)["shapes"]


def _documented(function: str) -> dict[str, str]:
    shapes = _shapes()
    doc = (shapes["HumanTaskConfig"]["members"]["PreHumanTaskLambdaArn"]["documentation"]
           if function.startswith("PRE") else
           shapes["AnnotationConsolidationConfig"]["members"]["AnnotationConsolidationLambdaArn"]["documentation"])
    return dict(re.findall(rf"arn:aws:lambda:([a-z0-9-]+):(\d{{12}}):function:{function}<", doc))


@pytest.mark.parametrize("function", [
    "PRE-AdjustmentBoundingBox", "ACS-AdjustmentBoundingBox",
    "PRE-AdjustmentSemanticSegmentation", "ACS-AdjustmentSemanticSegmentation",
])
def test_adjustment_arns_in_every_region_match_the_service_model(function: str) -> None:
    documented = _documented(function)
    assert len(documented) == 12
    kind, task = function.split("-", 1)
    for region, account in documented.items():
        expected = f"arn:aws:lambda:{region}:{account}:function:{function}"
        assert gt.builtin_lambda_arn(region, kind.lower(), task) == expected  # type: ignore[arg-type]
        assert sandbox_arn(kind, task, region) == expected
    assert documented == BUILTIN_LAMBDA_ACCOUNTS


def test_each_adjustable_task_type_has_its_adjustment_task_type() -> None:
    assert gt.ADJUSTMENT_TASK_TYPES == {"BoundingBox": "AdjustmentBoundingBox",
                                        "SemanticSegmentation": "AdjustmentSemanticSegmentation"}
