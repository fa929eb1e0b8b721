"""Facts about SageMaker Ground Truth that the pipeline's requests must respect.

Pure data and small helpers, no AWS calls. Every value is taken from the
documentation in botocore's SageMaker service model (``sagemaker/2017-07-24``,
shapes ``CreateLabelingJobRequest``, ``HumanTaskConfig``,
``PublicWorkforceTaskPrice``, ``USD``) or from the
Ground Truth developer guide where the model is silent (page named per value).
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

# Region -> AWS-owned account hosting the built-in PRE-/ACS- task Lambdas
# (HumanTaskConfig.PreHumanTaskLambdaArn and
# AnnotationConsolidationConfig.AnnotationConsolidationLambdaArn docs; the same
# account serves PRE-/ACS-BoundingBox and PRE-/ACS-VerificationBoundingBox).
GROUND_TRUTH_ACCOUNTS: dict[str, str] = {
    "us-east-1": "432418664414",
    "us-east-2": "266458841044",
    "us-west-2": "081040173940",
    "ca-central-1": "918755190332",
    "eu-west-1": "568282634449",
    "eu-west-2": "487402164563",
    "eu-central-1": "203001061592",
    "ap-northeast-1": "477331159723",
    "ap-northeast-2": "845288260483",
    "ap-south-1": "565803892007",
    "ap-southeast-1": "377565633583",
    "ap-southeast-2": "454466003867",
}
SUPPORTED_REGIONS = frozenset(GROUND_TRUTH_ACCOUNTS)

# The AWS account owning the Amazon Mechanical Turk (public crowd) workteams.
PUBLIC_WORKTEAM_ACCOUNT = "394669845002"

TaskLambdaKind = Literal["pre", "acs"]
TaskType = Literal["BoundingBox", "VerificationBoundingBox", "AdjustmentBoundingBox", "AdjustmentSemanticSegmentation",
                   "SemanticSegmentation", "VerificationSemanticSegmentation", "ImageMultiClass",
                   "ImageMultiClassMultiLabel"]
_LAMBDA_KINDS = {"pre": "PRE", "acs": "ACS"}
_TASK_TYPES = ("BoundingBox", "VerificationBoundingBox", "AdjustmentBoundingBox", "AdjustmentSemanticSegmentation",
               "SemanticSegmentation", "VerificationSemanticSegmentation", "ImageMultiClass", "ImageMultiClassMultiLabel")
# Adjustment jobs (verification.on_reject: adjust): the built-in task type that adjusts each labeling
# task type's labels (sms-data-verify-start-api: "adjustment labeling job lambda function ARNs end with
# AdjustmentBoundingBox" / "AdjustmentSemanticSegmentation"); classification has none.
ADJUSTMENT_TASK_TYPES: dict[str, TaskType] = {
    "BoundingBox": "AdjustmentBoundingBox",
    "SemanticSegmentation": "AdjustmentSemanticSegmentation",
}

# Allowed PublicWorkforceTaskPrice values for bounding box tasks, in USD
# (documentation of the ``PublicWorkforceTaskPrice`` shape / API_PublicWorkforceTaskPrice). The
# verification job reuses the price; these values are also all allowed for
# image classification and custom tasks.
ALLOWED_PUBLIC_PRICES_USD: tuple[float, ...] = (
    0.036, 0.048, 0.060, 0.072, 0.120, 0.240, 0.360,
    0.480, 0.600, 0.720, 0.840, 0.960, 1.080, 1.200,
)

# CreateLabelingJob field limits (service model shapes).
LABELING_JOB_NAME_MAX = 63
TASK_TITLE_MAX = 128  # TaskTitle: 1..128
TASK_DESCRIPTION_MAX = 255  # TaskDescription: 1..255
TASK_KEYWORDS_MIN, TASK_KEYWORDS_MAX = 1, 5  # TaskKeywords: list of 1..5
TASK_KEYWORD_MAX_LENGTH = 30  # TaskKeyword: 1..30 characters
TASK_KEYWORD_PATTERN = re.compile(r"^[A-Za-z0-9]+( [A-Za-z0-9]+)*$")
WORKERS_PER_OBJECT_MIN, WORKERS_PER_OBJECT_MAX = 1, 9  # NumberOfHumanWorkersPerDataObject
TASK_TIME_LIMIT_MIN = 30  # TaskTimeLimitInSeconds min
TASK_TIME_LIMIT_MAX = 28_800  # 8 h: the documented maximum for image tasks
TASK_AVAILABILITY_MIN = 60  # TaskAvailabilityLifetimeInSeconds min
TASK_AVAILABILITY_MAX_PUBLIC = 43_200  # 12 h for Amazon Mechanical Turk
TASK_AVAILABILITY_MAX_PRIVATE = 2_592_000  # 30 days for private/vendor workforces
MAX_CONCURRENT_TASKS_MIN, MAX_CONCURRENT_TASKS_MAX = 1, 5000  # MaxConcurrentTaskCount
LABEL_ATTRIBUTE_MAX = 127  # LabelAttributeName: 1..127
LABEL_ATTRIBUTE_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,126}$")
LABEL_ATTRIBUTE_FORBIDDEN_SUFFIX = "-metadata"
# Developer guide, "Classify image objects using a bounding box": up to 50 labels.
BOUNDING_BOX_MAX_CATEGORIES = 50
# sms-ui-template-crowd-image-classifier, "categories": "You can specify up to 10 categories".
CLASSIFIER_MAX_CATEGORIES = 10
MAX_TAGS = 50  # CreateLabelingJob Tags: 0..50
# A labeling job fails after running for 30 days (developer guide).
JOB_MAX_DURATION_SECONDS = 30 * 24 * 3600


def _check_region(region: str) -> None:
    if region not in GROUND_TRUTH_ACCOUNTS:
        raise ValueError(
            f"region {region!r} has no Ground Truth built-in task Lambdas; "
            f"use one of: {', '.join(sorted(SUPPORTED_REGIONS))}"
        )


def builtin_lambda_arn(region: str, kind: TaskLambdaKind, task: TaskType) -> str:
    """ARN of a built-in pre-annotation ("pre") or consolidation ("acs") Lambda.

    >>> builtin_lambda_arn("eu-west-1", "pre", "BoundingBox")
    'arn:aws:lambda:eu-west-1:568282634449:function:PRE-BoundingBox'
    """
    _check_region(region)
    if kind not in _LAMBDA_KINDS:
        raise ValueError(f"task Lambda kind {kind!r} is unknown; use 'pre' or 'acs'")
    if task not in _TASK_TYPES:
        raise ValueError(f"task type {task!r} is unknown; use one of: {', '.join(_TASK_TYPES)}")
    account = GROUND_TRUTH_ACCOUNTS[region]
    return f"arn:aws:lambda:{region}:{account}:function:{_LAMBDA_KINDS[kind]}-{task}"


def public_workteam_arn(region: str) -> str:
    """ARN of the Amazon Mechanical Turk workteam in ``region``."""
    _check_region(region)
    return f"arn:aws:sagemaker:{region}:{PUBLIC_WORKTEAM_ACCOUNT}:workteam/public-crowd/default"


def _as_tenths_of_cent(usd: float) -> int:
    return int((Decimal(str(usd)) * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def is_allowed_public_price(usd: float) -> bool:
    """True if ``usd`` is one of ALLOWED_PUBLIC_PRICES_USD (compared to 0.1 cent)."""
    if isinstance(usd, bool) or not isinstance(usd, (int, float)):
        return False
    tenths = _as_tenths_of_cent(usd)
    return Decimal(str(usd)) * 1000 == tenths and tenths in {
        _as_tenths_of_cent(p) for p in ALLOWED_PUBLIC_PRICES_USD
    }


def nearest_public_prices(usd: float, count: int = 2) -> list[float]:
    """The ``count`` allowed prices closest to ``usd``, in ascending order."""
    ranked = sorted(ALLOWED_PUBLIC_PRICES_USD, key=lambda p: (abs(p - usd), p))
    return sorted(ranked[:count])


def public_task_price(usd: float) -> dict:
    """The PublicWorkforceTaskPrice request value for an allowed price.

    >>> public_task_price(0.036)
    {'AmountInUsd': {'Dollars': 0, 'Cents': 3, 'TenthFractionsOfACent': 6}}
    """
    if not is_allowed_public_price(usd):
        allowed = ", ".join(f"{p:.3f}" for p in ALLOWED_PUBLIC_PRICES_USD)
        raise ValueError(f"public task price {usd!r} USD is not allowed; use one of: {allowed}")
    tenths = _as_tenths_of_cent(usd)
    dollars, rest = divmod(tenths, 1000)
    cents, tenth_fractions = divmod(rest, 10)
    return {
        "AmountInUsd": {
            "Dollars": dollars,
            "Cents": cents,
            "TenthFractionsOfACent": tenth_fractions,
        }
    }
