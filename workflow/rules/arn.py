"""The ARN forms the config accepts: workteams, KMS keys and IAM roles.

- Workteam: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Workteam.html
  (WorkteamArn pattern; WorkteamName is [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}). The
  crowd kind in the path (private-crowd, vendor-crowd, public-crowd) is how
  Ground Truth names its three workforces.
- KMS: key ARN and alias ARN as in "Key identifiers (KeyId)",
  https://docs.aws.amazon.com/kms/latest/developerguide/find-cmk-id-arn.html
- IAM role: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
  (role ARNs carry the optional path before the name).
"""
from __future__ import annotations

import re

WORKTEAM_ARN_FORM = "arn:aws:sagemaker:<region>:<12 digits>:workteam/<private-crowd|vendor-crowd|public-crowd>/<name>"
WORKTEAM_ARN_PATTERN = re.compile(
    r"^arn:aws:sagemaker:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):workteam/"
    r"(?P<kind>private-crowd|vendor-crowd|public-crowd)/(?P<name>[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62})$"
)
KMS_ARN_FORM = "arn:aws:kms:<region>:<12 digits>:key/<key id> or arn:aws:kms:<region>:<12 digits>:alias/<name>"
KMS_ARN_PATTERN = re.compile(
    r"^arn:aws:kms:(?P<region>[a-z0-9-]+):\d{12}:(key/[a-zA-Z0-9-]{1,128}|alias/[a-zA-Z0-9/_-]{1,250})$"
)
ROLE_ARN_FORM = "arn:aws:iam::<12 digits>:role/<optional/path/>name"
ROLE_ARN_PATTERN = re.compile(
    r"^arn:aws:iam::\d{12}:role/(?:[\w+=,.@-]+/)*(?P<name>[\w+=,.@-]{1,64})$", re.ASCII
)


def workteam(arn: str) -> re.Match[str] | None:
    """The workteam ARN's parts (region, account, kind, name), or None."""
    return WORKTEAM_ARN_PATTERN.match(arn)


def kms_key_region(arn: str) -> str | None:
    """The region of a KMS key or alias ARN, or None if ``arn`` is not one."""
    match = KMS_ARN_PATTERN.match(arn)
    return match["region"] if match else None


def is_role_arn(arn: str) -> bool:
    return ROLE_ARN_PATTERN.match(arn) is not None
