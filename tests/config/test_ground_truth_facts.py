"""workflow.ground_truth holds the facts of botocore's SageMaker model; checked against the model itself."""
from __future__ import annotations

import gzip
import json
import os
import re
from decimal import Decimal
from functools import lru_cache

import botocore
import pytest

from workflow import ground_truth as gt


@lru_cache(maxsize=1)
def _shapes() -> dict:
    folder = os.path.join(os.path.dirname(botocore.__file__), "data", "sagemaker")
    (version,) = os.listdir(folder)
    with gzip.open(os.path.join(folder, version, "service-2.json.gz")) as handle:
        return json.load(handle)["shapes"]


def _documented_arns(member_doc: str, function: str) -> dict[str, str]:
    found = re.findall(rf"arn:aws:lambda:([a-z0-9-]+):(\d{{12}}):function:{function}<", member_doc)
    return dict(found)


@pytest.mark.parametrize("function", [
    "PRE-BoundingBox", "PRE-VerificationBoundingBox", "ACS-BoundingBox", "ACS-VerificationBoundingBox",
    *(f"{kind}-{task}" for kind in ("PRE", "ACS") for task in (
        "SemanticSegmentation", "VerificationSemanticSegmentation", "ImageMultiClass", "ImageMultiClassMultiLabel")),
])
def test_ground_truth_accounts_match_the_service_model(function: str) -> None:
    shapes = _shapes()
    doc = (shapes["HumanTaskConfig"]["members"]["PreHumanTaskLambdaArn"]["documentation"]
           if function.startswith("PRE") else
           shapes["AnnotationConsolidationConfig"]["members"]["AnnotationConsolidationLambdaArn"]["documentation"])
    assert _documented_arns(doc, function) == gt.GROUND_TRUTH_ACCOUNTS
    assert len(gt.SUPPORTED_REGIONS) == 12


def test_ground_truth_builtin_lambda_arns() -> None:
    assert gt.builtin_lambda_arn("eu-west-1", "pre", "BoundingBox") == (
        "arn:aws:lambda:eu-west-1:568282634449:function:PRE-BoundingBox")
    assert gt.builtin_lambda_arn("us-west-2", "acs", "VerificationBoundingBox") == (
        "arn:aws:lambda:us-west-2:081040173940:function:ACS-VerificationBoundingBox")


@pytest.mark.parametrize(("args", "message"), [
    (("us-west-1", "pre", "BoundingBox"), "region 'us-west-1' has no Ground Truth built-in task Lambdas; use one of: "),
    (("eu-west-1", "post", "BoundingBox"), "task Lambda kind 'post' is unknown; use 'pre' or 'acs'"),
    (("eu-west-1", "pre", "Polygon"), "task type 'Polygon' is unknown; use one of: BoundingBox, VerificationBoundingBox"),
])
def test_ground_truth_builtin_lambda_arn_rejects(args: tuple, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        gt.builtin_lambda_arn(*args)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_ground_truth_public_workteam() -> None:
    assert gt.public_workteam_arn("ap-south-1") == "arn:aws:sagemaker:ap-south-1:394669845002:workteam/public-crowd/default"
    with pytest.raises(ValueError, match="region 'sa-east-1' has no Ground Truth"):
        gt.public_workteam_arn("sa-east-1")


def test_ground_truth_prices_match_the_service_model() -> None:
    doc = re.sub(r"<[^>]+>", " ", _shapes()["PublicWorkforceTaskPrice"]["documentation"])
    bounding_box = doc.split("bounding box tasks", 1)[1].split("Use one of", 1)[0]
    documented = tuple(float(value) for value in re.findall(r"\d+\.\d{3}", bounding_box))
    assert documented == gt.ALLOWED_PUBLIC_PRICES_USD


@pytest.mark.parametrize("usd", gt.ALLOWED_PUBLIC_PRICES_USD)
def test_ground_truth_public_task_price_shape(usd: float) -> None:
    amount = gt.public_task_price(usd)["AmountInUsd"]
    assert set(amount) == {"Dollars", "Cents", "TenthFractionsOfACent"}
    usd_shape = _shapes()["USD"]["members"]
    for name, value in amount.items():
        limits = _shapes()[usd_shape[name]["shape"]]
        assert limits["min"] <= value <= limits["max"], name
    total = Decimal(amount["Dollars"]) + Decimal(amount["Cents"]) / 100 + Decimal(amount["TenthFractionsOfACent"]) / 1000
    assert total == Decimal(str(usd))


def test_ground_truth_public_task_price_examples_and_rejects() -> None:
    assert gt.public_task_price(1.08) == {"AmountInUsd": {"Dollars": 1, "Cents": 8, "TenthFractionsOfACent": 0}}
    assert gt.public_task_price(0.072) == {"AmountInUsd": {"Dollars": 0, "Cents": 7, "TenthFractionsOfACent": 2}}
    for bad in (0.05, 0.0365, 0.012, 2.4, True, "0.036"):
        assert not gt.is_allowed_public_price(bad)
    with pytest.raises(ValueError, match=r"public task price 0.05 USD is not allowed; use one of: 0.036, 0.048, "):
        gt.public_task_price(0.05)
    assert gt.nearest_public_prices(0.1) == [0.072, 0.12]
    assert gt.nearest_public_prices(0.0) == [0.036, 0.048]


@pytest.mark.parametrize(("shape", "constant_min", "constant_max"), [
    ("TaskTitle", 1, gt.TASK_TITLE_MAX),
    ("TaskDescription", 1, gt.TASK_DESCRIPTION_MAX),
    ("TaskKeywords", gt.TASK_KEYWORDS_MIN, gt.TASK_KEYWORDS_MAX),
    ("TaskKeyword", 1, gt.TASK_KEYWORD_MAX_LENGTH),
    ("NumberOfHumanWorkersPerDataObject", gt.WORKERS_PER_OBJECT_MIN, gt.WORKERS_PER_OBJECT_MAX),
    ("MaxConcurrentTaskCount", gt.MAX_CONCURRENT_TASKS_MIN, gt.MAX_CONCURRENT_TASKS_MAX),
    ("LabelAttributeName", 1, gt.LABEL_ATTRIBUTE_MAX),
    ("LabelingJobName", 1, gt.LABELING_JOB_NAME_MAX),
    ("TagList", 0, gt.MAX_TAGS),
])
def test_ground_truth_limits_match_the_service_model(shape: str, constant_min: int, constant_max: int) -> None:
    model = _shapes()[shape]
    assert (model["min"], model["max"]) == (constant_min, constant_max)


def test_ground_truth_documented_limits() -> None:
    shapes = _shapes()
    assert shapes["TaskTimeLimitInSeconds"]["min"] == gt.TASK_TIME_LIMIT_MIN
    assert shapes["TaskAvailabilityLifetimeInSeconds"]["min"] == gt.TASK_AVAILABILITY_MIN
    members = shapes["HumanTaskConfig"]["members"]
    assert "28,800 seconds" in members["TaskTimeLimitInSeconds"]["documentation"]
    assert gt.TASK_TIME_LIMIT_MAX == 28_800
    lifetime_doc = members["TaskAvailabilityLifetimeInSeconds"]["documentation"]
    assert "43,200 seconds" in lifetime_doc and gt.TASK_AVAILABILITY_MAX_PUBLIC == 43_200
    assert "30 days" in lifetime_doc and gt.TASK_AVAILABILITY_MAX_PRIVATE == 30 * 86_400
    assert shapes["TaskKeyword"]["pattern"] == gt.TASK_KEYWORD_PATTERN.pattern.strip("^$")
    assert shapes["LabelAttributeName"]["pattern"] == gt.LABEL_ATTRIBUTE_PATTERN.pattern.strip("^$")
    assert "-metadata" in shapes["CreateLabelingJobRequest"]["members"]["LabelAttributeName"]["documentation"]


@pytest.mark.parametrize("task_type", ["bounding_box", "semantic_segmentation", "image_classification",
                                       "multilabel_image_classification"])
def test_every_task_types_builtin_lambdas_are_documented_in_every_region(task_type: str) -> None:
    from workflow import task_types

    spec = task_types.spec(task_type)
    shapes = _shapes()
    docs = {"pre": shapes["HumanTaskConfig"]["members"]["PreHumanTaskLambdaArn"]["documentation"],
            "acs": shapes["AnnotationConsolidationConfig"]["members"]["AnnotationConsolidationLambdaArn"]["documentation"]}
    for task in filter(None, (spec.labeling, spec.verification)):
        for kind, doc in docs.items():
            for region in gt.SUPPORTED_REGIONS:
                assert gt.builtin_lambda_arn(region, kind, task) + "<" in doc  # type: ignore[arg-type]
