"""Ground Truth's built-in task Lambdas and public workforce, per region.

The AWS-owned account per region comes from botocore's sagemaker model
(HumanTaskConfig.PreHumanTaskLambdaArn documentation); a test checks this table
against it. Kept here rather than imported from workflow/: the sandbox must not
depend on the code it stands in for.
"""
from __future__ import annotations

import re

from sandbox.workforce import ADJUSTMENT, LABELING, VERIFICATION

BUILTIN_LAMBDA_ACCOUNTS: dict[str, str] = {
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

PUBLIC_WORKFORCE_ACCOUNT = "394669845002"

# Task types the sandbox simulates: built-in Lambda suffix -> job kind.
TASK_TYPES: dict[str, str] = {
    "BoundingBox": LABELING, "VerificationBoundingBox": VERIFICATION,
    # The other image task types (sms-task-types; botocore's HumanTaskConfig.PreHumanTaskLambdaArn documents their ARNs).
    "SemanticSegmentation": LABELING, "VerificationSemanticSegmentation": VERIFICATION,
    "ImageMultiClass": LABELING, "ImageMultiClassMultiLabel": LABELING,
    # Adjustment of bounding boxes and masks (sms-data-verify-start-api; sandbox.ground_truth.adjustment).
    "AdjustmentBoundingBox": ADJUSTMENT, "AdjustmentSemanticSegmentation": ADJUSTMENT,
}

_BUILTIN_ARN = re.compile(r"^arn:aws:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:(?P<kind>PRE|ACS)-(?P<task>[A-Za-z0-9]+)$")
_WORKTEAM_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):workteam/(?P<rest>.+)$")


def builtin_lambda_arn(kind: str, task_type: str, region: str) -> str:
    """The built-in PRE-/ACS- Lambda ARN of a task type in a region (KeyError if no Ground Truth there)."""
    return f"arn:aws:lambda:{region}:{BUILTIN_LAMBDA_ACCOUNTS[region]}:function:{kind}-{task_type}"


def public_workteam_arn(region: str) -> str:
    return f"arn:aws:sagemaker:{region}:{PUBLIC_WORKFORCE_ACCOUNT}:workteam/public-crowd/default"


def parse_builtin_lambda(arn: str) -> tuple[str, str, str, str] | None:
    """(PRE|ACS, task type, region, account) of a built-in-looking Lambda ARN, else None."""
    match = _BUILTIN_ARN.match(arn)
    if not match:
        return None
    return match["kind"], match["task"], match["region"], match["account"]


def parse_workteam(arn: str) -> tuple[str, str, str] | None:
    """(region, account, the part after 'workteam/') of a workteam ARN, else None."""
    match = _WORKTEAM_ARN.match(arn)
    return (match["region"], match["account"], match["rest"]) if match else None
