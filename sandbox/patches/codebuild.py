"""CodeBuild: what moto's lacks for ``deploy.py``'s CI step (webhooks, source credentials, UpdateProject).

State (``_Store``, one per moto CodeBuild backend, so it ends with the mock) is kept apart from the
wire (the ``CodeBuildResponse`` methods). The rules, each from the CodeBuild API Reference
(https://docs.aws.amazon.com/codebuild/latest/APIReference/):

- ImportSourceCredentials (API_ImportSourceCredentials.html): ``serverType`` GITHUB | BITBUCKET | GITHUB_ENTERPRISE | GITLAB |
  GITLAB_SELF_MANAGED; ``authType`` OAUTH | BASIC_AUTH | PERSONAL_ACCESS_TOKEN | CODECONNECTIONS |
  SECRETS_MANAGER, but "An OAUTH connection is not supported by the API"; ``username`` only with
  BASIC_AUTH; ``token`` at least 1 character; ``shouldOverwrite`` (default true) false keeps an existing
  credential (ResourceAlreadyExistsException). One credential per server type; the answer is its ARN.
- ListSourceCredentials (API_ListSourceCredentials.html): ``sourceCredentialsInfos`` (arn, serverType, authType, never the token).
  DeleteSourceCredentials: by ARN, else ResourceNotFoundException.
- CreateWebhook (API_CreateWebhook.html): "For an existing CodeBuild build project that has its source code stored in a GitHub
  or Bitbucket repository" (InvalidInputException for other sources; ResourceNotFoundException without
  the project); ResourceAlreadyExistsException when the project has one; "A filter group must contain at
  least one EVENT WebhookFilter", EVENT patterns (API_WebhookFilter.html; "GitHub webhook events") from the documented event types, filter types from
  WebhookFilter's list.
- Without stored credentials for a GitHub or Bitbucket source (undocumented; the errors users report):
  CreateProject / UpdateProject answer InvalidInputException "No Access token found, please visit AWS
  CodeBuild console to connect to GitHub" (aws/aws-cdk#1844), CreateWebhook ResourceNotFoundException
  "Could not find access token for server type github" (hashicorp/terraform-provider-aws#5088).
- UpdateWebhook / DeleteWebhook (API_UpdateWebhook.html, API_DeleteWebhook.html): ResourceNotFoundException without the project or its webhook.
  BatchGetProjects shows the webhook under ``webhook`` (API_Project.html). DeleteProject takes its webhook
  along (not documented: a new project of the same name starts without one).
- UpdateProject (API_UpdateProject.html): ResourceNotFoundException without the project; only the given fields change.
- CreateProject/UpdateProject accept every documented on-demand compute type (API_ProjectEnvironment.html), which
  moto narrows to four (it refuses BUILD_GENERAL1_XLARGE).
"""
from __future__ import annotations

from typing import Any

from moto.codebuild.exceptions import InvalidInputException, ResourceAlreadyExistsException, ResourceNotFoundException

from sandbox.patches.base import patch

SERVER_TYPES = {"GITHUB", "BITBUCKET", "GITHUB_ENTERPRISE", "GITLAB", "GITLAB_SELF_MANAGED"}
AUTH_TYPES = {"OAUTH", "BASIC_AUTH", "PERSONAL_ACCESS_TOKEN", "CODECONNECTIONS", "SECRETS_MANAGER"}
WEBHOOK_SOURCES = {"GITHUB": "GITHUB", "GITHUB_ENTERPRISE": "GITHUB_ENTERPRISE", "BITBUCKET": "BITBUCKET",
                   "GITLAB": "GITLAB", "GITLAB_SELF_MANAGED": "GITLAB_SELF_MANAGED"}
# WebhookFilter: type and, for EVENT, the event names (GitHub and Bitbucket webhook events pages).
FILTER_TYPES = {"EVENT", "BASE_REF", "HEAD_REF", "ACTOR_ACCOUNT_ID", "FILE_PATH", "COMMIT_MESSAGE", "WORKFLOW_NAME",
                "TAG_NAME", "RELEASE_NAME", "REPOSITORY_NAME", "ORGANIZATION_NAME"}
EVENTS = {"PUSH", "PULL_REQUEST_CREATED", "PULL_REQUEST_UPDATED", "PULL_REQUEST_REOPENED", "PULL_REQUEST_MERGED",
          "PULL_REQUEST_CLOSED", "RELEASED", "PRERELEASED", "WORKFLOW_JOB_QUEUED"}
BUILD_TYPES = {"BUILD", "BUILD_BATCH", "RUNNER_BUILDKITE_BUILD"}
COMPUTE_TYPES = {"BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE", "BUILD_GENERAL1_XLARGE",
                 "BUILD_GENERAL1_2XLARGE"}
ENVIRONMENT_TYPES = {"WINDOWS_CONTAINER", "LINUX_CONTAINER", "LINUX_GPU_CONTAINER", "ARM_CONTAINER"}


class _Store:
    """Source credentials and webhooks of one account and region."""

    def __init__(self) -> None:
        self.credentials: dict[str, dict[str, Any]] = {}  # server type -> {arn, serverType, authType, username?}
        self.webhooks: dict[str, dict[str, Any]] = {}  # project name -> webhook


def _store(backend: Any) -> _Store:
    store = backend.__dict__.get("_sandbox_codebuild")
    if store is None:
        store = backend._sandbox_codebuild = _Store()
    return store


def _project_arn(response: Any, name: str) -> str:
    return f"arn:aws:codebuild:{response.region}:{response.current_account}:project/{name}"


def _project(response: Any, name: str) -> Any:
    project = response.codebuild_backend.codebuild_projects.get(name or "")
    if project is None:
        raise ResourceNotFoundException(f"Project cannot be found: {_project_arn(response, name)}")
    return project


def import_source_credentials(response: Any) -> dict[str, Any]:
    server, auth = response._get_param("serverType"), response._get_param("authType")
    token, username = response._get_param("token") or "", response._get_param("username")
    if server not in SERVER_TYPES:
        raise InvalidInputException(f"Invalid server type: {server}")
    if auth not in AUTH_TYPES:
        raise InvalidInputException(f"Invalid auth type: {auth}")
    if auth == "OAUTH":
        raise InvalidInputException("An OAUTH connection is not supported by the API; use the CodeBuild console")
    if username is not None and auth != "BASIC_AUTH":
        raise InvalidInputException("username is valid only with authType BASIC_AUTH")
    if not token:
        raise InvalidInputException("token must be at least 1 character long")
    store = _store(response.codebuild_backend)
    if server in store.credentials and response._get_param("shouldOverwrite") is False:
        raise ResourceAlreadyExistsException(f"Source credentials for {server} already exist")
    arn = f"arn:aws:codebuild:{response.region}:{response.current_account}:token/{server.lower()}"
    store.credentials[server] = {"arn": arn, "serverType": server, "authType": auth}
    return {"arn": arn}


def list_source_credentials(response: Any) -> dict[str, Any]:
    return {"sourceCredentialsInfos": list(_store(response.codebuild_backend).credentials.values())}


def delete_source_credentials(response: Any) -> dict[str, Any]:
    arn = response._get_param("arn")
    credentials = _store(response.codebuild_backend).credentials
    server = next((key for key, info in credentials.items() if info["arn"] == arn), None)
    if server is None:
        raise ResourceNotFoundException(f"Source credentials {arn} do not exist")
    del credentials[server]
    return {"arn": arn}


def _check_filter_groups(groups: Any) -> list[list[dict[str, Any]]]:
    for group in groups or []:
        types = [item.get("type") for item in group]
        if "EVENT" not in types:
            raise InvalidInputException("A filter group must contain at least one EVENT WebhookFilter")
        for item in group:
            if item.get("type") not in FILTER_TYPES:
                raise InvalidInputException(f"Invalid filter type: {item.get('type')}")
            if item["type"] == "EVENT":
                unknown = [e.strip() for e in str(item.get("pattern", "")).split(",") if e.strip() not in EVENTS]
                if unknown:
                    raise InvalidInputException(f"Invalid event type(s): {', '.join(unknown)}")
    return groups or []


def create_webhook(response: Any) -> dict[str, Any]:
    name = response._get_param("projectName")
    project = _project(response, name)
    store = _store(response.codebuild_backend)
    source = project.project_metadata["source"]["type"]
    if source not in WEBHOOK_SOURCES:
        raise InvalidInputException(f"Webhooks are not supported for source type {source}")
    if name in store.webhooks:
        raise ResourceAlreadyExistsException(f"Webhook already exists for project {_project_arn(response, name)}")
    if WEBHOOK_SOURCES[source] not in store.credentials:
        raise ResourceNotFoundException(f"Could not find access token for server type {source.lower()}")
    build_type = response._get_param("buildType") or "BUILD"
    if build_type not in BUILD_TYPES:
        raise InvalidInputException(f"Invalid build type: {build_type}")
    groups = _check_filter_groups(response._get_param("filterGroups"))
    location = project.project_metadata["source"].get("location", "")
    webhook = {
        "url": f"{location.removesuffix('.git')}/hooks",
        "payloadUrl": f"https://codebuild.{response.region}.amazonaws.com/webhooks?t=sandbox-{name}",
        "filterGroups": groups,
        "buildType": build_type,
        "lastModifiedSecret": 0,
    }
    if response._get_param("branchFilter"):
        webhook["branchFilter"] = response._get_param("branchFilter")
    store.webhooks[name] = webhook
    project.project_metadata["webhook"] = webhook
    return {"webhook": webhook}


def _webhook(response: Any, name: str) -> dict[str, Any]:
    _project(response, name)
    webhook = _store(response.codebuild_backend).webhooks.get(name)
    if webhook is None:
        raise ResourceNotFoundException(f"Webhook does not exist for project {_project_arn(response, name)}")
    return webhook


def update_webhook(response: Any) -> dict[str, Any]:
    webhook = _webhook(response, response._get_param("projectName"))
    if response._get_param("filterGroups") is not None:
        webhook["filterGroups"] = _check_filter_groups(response._get_param("filterGroups"))
    build_type = response._get_param("buildType")
    if build_type is not None:
        if build_type not in BUILD_TYPES:
            raise InvalidInputException(f"Invalid build type: {build_type}")
        webhook["buildType"] = build_type
    return {"webhook": webhook}


def delete_webhook(response: Any) -> dict[str, Any]:
    name = response._get_param("projectName")
    _webhook(response, name)
    del _store(response.codebuild_backend).webhooks[name]
    _project(response, name).project_metadata.pop("webhook", None)
    return {}


UPDATABLE = {"description": "description", "source": "source", "sourceVersion": "sourceVersion",
             "artifacts": "artifacts", "environment": "environment", "serviceRole": "serviceRole",
             "timeoutInMinutes": "timeoutInMinutes", "queuedTimeoutInMinutes": "queuedTimeoutInMinutes",
             "encryptionKey": "encryptionKey", "tags": "tags", "logsConfig": "logsConfig", "cache": "cache",
             "vpcConfig": "vpcConfig"}


def update_project(response: Any) -> dict[str, Any]:
    from moto.codebuild import responses as moto_responses
    from moto.core.utils import unix_time

    project = _project(response, response._get_param("name"))
    if response._get_param("source") is not None:
        moto_responses._validate_required_params_source(response._get_param("source"))
        _require_token(response, response._get_param("source"))
    if response._get_param("environment") is not None:
        _validate_environment(response._get_param("environment"))
    if response._get_param("serviceRole") is not None:
        moto_responses._validate_required_params_service_role(response.current_account, response.region,
                                                              response._get_param("serviceRole"))
    metadata = project.project_metadata
    for param, key in UPDATABLE.items():
        value = response._get_param(param)
        if value is not None:
            metadata[key] = value
    metadata["lastModifiedDate"] = unix_time()
    return {"project": metadata}


NEEDS_TOKEN = {"GITHUB": "GitHub", "GITHUB_ENTERPRISE": "GitHub Enterprise", "BITBUCKET": "Bitbucket"}


def _require_token(response: Any, source: dict[str, Any] | None) -> None:
    """A GitHub or Bitbucket source needs the account's stored credentials for that provider."""
    kind = (source or {}).get("type")
    if kind in NEEDS_TOKEN and kind not in _store(response.codebuild_backend).credentials:
        raise InvalidInputException(f"No Access token found, please visit AWS CodeBuild console to connect to {NEEDS_TOKEN[kind]}")


def _validate_environment(environment: dict[str, Any]) -> None:
    if environment.get("type") not in ENVIRONMENT_TYPES:
        raise InvalidInputException(f"Invalid type provided: {environment.get('type')}")
    if environment.get("computeType") not in COMPUTE_TYPES:
        raise InvalidInputException(f"Invalid compute type provided: {environment.get('computeType')}")


def install() -> None:
    """Why: moto 5.2.5's CodeBuild has no webhooks (CreateWebhook, UpdateWebhook, DeleteWebhook), no source
    credentials (ImportSourceCredentials, ListSourceCredentials, DeleteSourceCredentials; so a GitHub
    project needs none) and no UpdateProject, and refuses the documented compute type BUILD_GENERAL1_XLARGE,
    so deploy.py's CI step
    (publish.codebuild) could not be tested offline. The rules enforced are listed in this module's docstring."""
    from moto.codebuild import responses as moto_responses
    from moto.codebuild.responses import CodeBuildResponse
    from moto.core.responses import ActionResult, EmptyResult

    def action(handler: Any) -> Any:
        def method(self: Any) -> Any:
            result = handler(self)
            return ActionResult(result) if result else EmptyResult()
        return method

    for name, handler in (("import_source_credentials", import_source_credentials),
                          ("list_source_credentials", list_source_credentials),
                          ("delete_source_credentials", delete_source_credentials),
                          ("create_webhook", create_webhook), ("update_webhook", update_webhook),
                          ("delete_webhook", delete_webhook), ("update_project", update_project)):
        patch(CodeBuildResponse, name, action(handler))
    patch(moto_responses, "_validate_required_params_environment", _validate_environment)

    original_create = CodeBuildResponse.create_project

    def create_project(self: Any) -> Any:
        moto_responses._validate_required_params_source(self._get_param("source"))
        _require_token(self, self._get_param("source"))
        return original_create(self)

    patch(CodeBuildResponse, "create_project", create_project)
    original_delete = CodeBuildResponse.delete_project

    def delete_project(self: Any) -> Any:
        _store(self.codebuild_backend).webhooks.pop(self._get_param("name"), None)
        return original_delete(self)

    patch(CodeBuildResponse, "delete_project", delete_project)
