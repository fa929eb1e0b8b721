"""SageMaker private workteams for the sandbox: the state behind CreateWorkteam, DescribeWorkteam,
ListWorkteams (the wire layer is ``sandbox.patches.sagemaker_workteams``).

Requests are checked against botocore's sagemaker model (``sandbox.ground_truth.shape``);
responses have botocore's ``Workteam`` shape.
"""
from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime
from typing import Any

from sandbox.ground_truth.errors import ResourceInUseException, ResourceLimitExceeded, ValidationError
from sandbox.ground_truth.shape import check_request
from sandbox.pagination import offset_token, token_offset

# "You cannot create more than 25 work teams in an account and region." (API_CreateWorkteam)
MAX_WORKTEAMS = 25
# ListWorkteams: MaxResults 1-100; AWS documents no default page size (botocore's model neither):
# the sandbox answers up to 100, like a caller that omits it and pages on.
DEFAULT_MAX_RESULTS = 100


def workteam_arn(account: str, region: str, name: str) -> str:
    """A private workteam's ARN (API_CreateWorkteam: ``arn:aws:sagemaker:<region>:<account>:workteam/...``)."""
    return f"arn:aws:sagemaker:{region}:{account}:workteam/private-crowd/{name}"


class WorkteamStore:
    """The workteams of one sandbox, per account and region (a new sandbox starts with none)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._teams: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}

    def create(self, account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
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
        with self._lock:
            teams = self._teams.setdefault((account, region), {})
            # AWS documents ResourceInUse for CreateWorkteam (API_CreateWorkteam, Errors); the message is ours.
            if name in teams:
                raise ResourceInUseException(f"Workteam {team['WorkteamArn']} already exists")
            if len(teams) >= MAX_WORKTEAMS:
                raise ResourceLimitExceeded(f"You cannot create more than {MAX_WORKTEAMS} work teams in an account and region")
            teams[name] = team
        return team

    def describe(self, account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        """The workteam named in ``params`` (a DescribeWorkteam request)."""
        check_request("DescribeWorkteam", params)
        with self._lock:
            team = self._teams.get((account, region), {}).get(params["WorkteamName"])
        if team is None:
            # Undocumented: API_DescribeWorkteam lists no errors of its own. The sandbox answers
            # ValidationException naming the team, as SageMaker does for other unknown resources.
            raise ValidationError(f"Workteam {workteam_arn(account, region, params['WorkteamName'])} does not exist")
        return team

    def list_page(self, account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        """One page of ListWorkteams: NameContains, SortBy (Name | CreateDate), SortOrder, MaxResults, NextToken."""
        check_request("ListWorkteams", params)
        with self._lock:
            teams = list(self._teams.get((account, region), {}).values())
        if params.get("NameContains"):
            teams = [t for t in teams if params["NameContains"].lower() in t["WorkteamName"].lower()]
        key = "CreateDate" if params.get("SortBy") == "CreateDate" else "WorkteamName"
        teams.sort(key=lambda t: (t[key], t["WorkteamName"]), reverse=params.get("SortOrder") == "Descending")
        start = _decode_token(params.get("NextToken"))
        limit = params.get("MaxResults", DEFAULT_MAX_RESULTS)
        result: dict[str, Any] = {"Workteams": teams[start:start + limit]}
        if start + limit < len(teams):
            result["NextToken"] = offset_token("workteams", start + limit)
        return result


def _decode_token(token: str | None) -> int:
    offset = token_offset("workteams", token)
    if offset is None:
        raise ValidationError(f"NextToken '{token}' is not a token returned by ListWorkteams")
    return offset


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
