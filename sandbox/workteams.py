"""SageMaker private workteams for the sandbox: CreateWorkteam, DescribeWorkteam, ListWorkteams.

Why: moto 5.2.5's SageMaker has no workteams at all (the actions are missing from
``SageMakerResponse``), so ``deploy.py --preflight`` could not ask whether the configured
workteam exists, and the local run could not create one. Requests are checked against botocore's
sagemaker model (``sandbox.ground_truth.shape``); responses have botocore's ``Workteam`` shape.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.core.responses import ActionResult

from sandbox.ground_truth.errors import ResourceInUseException, ResourceLimitExceeded, ValidationError
from sandbox.ground_truth.shape import check_request

# "You cannot create more than 25 work teams in an account and region." (API_CreateWorkteam)
MAX_WORKTEAMS = 25
# ListWorkteams: MaxResults 1-100; AWS documents no default page size (botocore's model neither):
# the sandbox answers up to 100, like a caller that omits it and pages on.
DEFAULT_MAX_RESULTS = 100

_lock = threading.Lock()
_teams: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}


def reset() -> None:
    """Forget every workteam (a new sandbox starts with none)."""
    with _lock:
        _teams.clear()


def workteam_arn(account: str, region: str, name: str) -> str:
    """A private workteam's ARN (API_CreateWorkteam: ``arn:aws:sagemaker:<region>:<account>:workteam/...``)."""
    return f"arn:aws:sagemaker:{region}:{account}:workteam/private-crowd/{name}"


def create(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """Store a workteam for ``params`` (a CreateWorkteam request); returns it in the Workteam shape."""
    check_request("CreateWorkteam", params)
    name = params["WorkteamName"]
    now = datetime.now(UTC)
    team = {
        "WorkteamName": name,
        "MemberDefinitions": params["MemberDefinitions"],
        "WorkteamArn": workteam_arn(account, region, name),
        # The region's one private workforce, "automatically created when you create your first private
        # work team" (API_Workforce). Its name when WorkforceName is absent is undocumented: "default" is ours.
        "WorkforceArn": f"arn:aws:sagemaker:{region}:{account}:workforce/{params.get('WorkforceName', 'default')}",
        "Description": params["Description"],
        # "Each workforce has a dedicated Ground Truth work portal login URL"
        # (sms-security-workforce-authentication); its form is undocumented: this one is ours.
        "SubDomain": f"{hashlib.sha256(f'{account}{region}'.encode()).hexdigest()[:10]}.labeling.{region}.sagemaker.aws",
        "CreateDate": now,
        "LastUpdatedDate": now,
    }
    for optional in ("NotificationConfiguration", "WorkerAccessConfiguration"):
        if optional in params:
            team[optional] = params[optional]
    with _lock:
        teams = _teams.setdefault((account, region), {})
        # AWS documents ResourceInUse for CreateWorkteam (API_CreateWorkteam, Errors); the message is ours.
        if name in teams:
            raise ResourceInUseException(f"Workteam {team['WorkteamArn']} already exists")
        if len(teams) >= MAX_WORKTEAMS:
            raise ResourceLimitExceeded(f"You cannot create more than {MAX_WORKTEAMS} work teams in an account and region")
        teams[name] = team
    return team


def describe(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """The workteam named in ``params`` (a DescribeWorkteam request)."""
    check_request("DescribeWorkteam", params)
    with _lock:
        team = _teams.get((account, region), {}).get(params["WorkteamName"])
    if team is None:
        # Undocumented: API_DescribeWorkteam lists no errors of its own. The sandbox answers
        # ValidationException naming the team, as SageMaker does for other unknown resources.
        raise ValidationError(f"Workteam {workteam_arn(account, region, params['WorkteamName'])} does not exist")
    return team


def list_page(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """One page of ListWorkteams: NameContains, SortBy (Name | CreateDate), SortOrder, MaxResults, NextToken."""
    check_request("ListWorkteams", params)
    with _lock:
        teams = list(_teams.get((account, region), {}).values())
    if params.get("NameContains"):
        teams = [t for t in teams if params["NameContains"].lower() in t["WorkteamName"].lower()]
    key = "CreateDate" if params.get("SortBy") == "CreateDate" else "WorkteamName"
    teams.sort(key=lambda t: (t[key], t["WorkteamName"]), reverse=params.get("SortOrder") == "Descending")
    start = _decode_token(params.get("NextToken"))
    limit = params.get("MaxResults", DEFAULT_MAX_RESULTS)
    result: dict[str, Any] = {"Workteams": teams[start:start + limit]}
    if start + limit < len(teams):
        result["NextToken"] = base64.urlsafe_b64encode(f"workteams:{start + limit}".encode()).decode()
    return result


def _decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        prefix, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if prefix == "workteams" and offset.isdigit():
            return int(offset)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ValidationError(f"NextToken '{token}' is not a token returned by ListWorkteams")


def install(patch: Callable[[Any, str, Any], None]) -> None:
    """Add the three actions to moto's SageMakerResponse through ``patch`` (moto_patches._patch)."""
    from moto.sagemaker.responses import SageMakerResponse

    reset()

    def create_workteam(self: Any) -> ActionResult:
        team = create(self.current_account, self.region, dict(self.params or {}))
        return ActionResult({"WorkteamArn": team["WorkteamArn"]})

    def describe_workteam(self: Any) -> ActionResult:
        return ActionResult({"Workteam": describe(self.current_account, self.region, dict(self.params or {}))})

    def list_workteams(self: Any) -> ActionResult:
        return ActionResult(list_page(self.current_account, self.region, dict(self.params or {})))

    patch(SageMakerResponse, "create_workteam", create_workteam)
    patch(SageMakerResponse, "describe_workteam", describe_workteam)
    patch(SageMakerResponse, "list_workteams", list_workteams)


def ensure_private_workteam(sagemaker: Any, arn: str | None) -> str | None:
    """Create the private workteam ``arn`` names through ``sagemaker`` (a boto3 client) unless it exists.

    For ``deploy.py --local``: the config's private workteam, moved into the sandbox's account, exists
    there as it would in a real account. Other workteams (public, vendor) are left alone. Returns the
    name of the workteam created, None when nothing was created.
    """
    name = (arn or "").partition(":workteam/private-crowd/")[2]
    if not name:
        return None
    try:
        sagemaker.describe_workteam(WorkteamName=name)
        return None
    except sagemaker.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "ValidationException":
            raise
    sagemaker.create_workteam(
        WorkteamName=name, Description="Sandbox workteam (deploy.py --local)",
        MemberDefinitions=[{"CognitoMemberDefinition": {
            "UserPool": f"{sagemaker.meta.region_name}_sandbox", "UserGroup": "labelers", "ClientId": "sandbox"}}])
    return name
