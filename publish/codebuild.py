"""CodeBuild on commit (``ci:``): a project running ``buildspec.yml``, its role, and the push trigger.

Describe, then act: ``project_request``, ``webhook_request`` and ``trigger_rule`` are pure functions of
the config (the dry run writes them to ``build/codebuild/``); ``ensure_ci`` creates or updates them.

- Project: CreateProject / UpdateProject (https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html),
  source = the repository with ``buildspec.yml``, ``sourceVersion`` = the branch, the build's ``build/``
  folder kept as S3 artifacts, logs in ``/aws/codebuild/<project>``, role ``<name>-codebuild``
  (publish.codebuild_role).
- GitHub and Bitbucket: a webhook (CreateWebhook / UpdateWebhook) whose one filter group is ``EVENT``
  ``PUSH`` and ``HEAD_REF`` ``^refs/heads/<branch>$`` (WebhookFilter; "A filter group must contain at
  least one EVENT WebhookFilter"). CreateWebhook serves only "a GitHub or Bitbucket repository", and
  CodeBuild reaches the repository with the account's stored source credentials: without them the
  deploy stops with one line saying how to import them (ListSourceCredentials, ImportSourceCredentials).
- CodeCommit has no webhooks: an EventBridge rule on "CodeCommit Repository State Change" for the
  branch starts the build (codebuild:StartBuild as role ``<name>-deploy-trigger``; "Amazon CodeCommit
  events", codecommit-events; EventBridge targets with a role, eb-use-identity-based).

Inside a build (``CODEBUILD_BUILD_ID`` set) the step does nothing: the build's role must not be able
to change the build or its own permissions, so CI changes are deployed from a workstation.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from cli import CommandError
from publish import codebuild_role, iam_roles
from publish.aws import AwsClients
from publish.changes import Action, Change
from publish.iam_propagation import RolePropagation
from workflow import resources
from workflow.config import PipelineConfig
from workflow.rules import ci as ci_rules

IMAGE = "aws/codebuild/amazonlinux2-x86_64-standard:5.0"  # Python 3.11 and 3.12 (build-env-ref-available)
BUILDSPEC = "buildspec.yml"
TIMEOUT_MINUTES = 60
SERVER_TYPES = {"github": "GITHUB", "bitbucket": "BITBUCKET"}  # sources that need stored credentials
IMPORT_HINTS = {
    "github": "aws codebuild import-source-credentials --server-type GITHUB --auth-type PERSONAL_ACCESS_TOKEN "
              "--token <a GitHub personal access token with the repo and admin:repo_hook scopes>",
    "bitbucket": "aws codebuild import-source-credentials --server-type BITBUCKET --auth-type BASIC_AUTH "
                 "--username <Bitbucket user> --token <app password>",
}


class SourceCredentialsMissing(CommandError):
    """A GitHub or Bitbucket source without stored credentials: the message says how to add them (exit 1)."""


def inside_codebuild() -> bool:
    """True in a CodeBuild build ("Environment variables in build environments": CODEBUILD_BUILD_ID)."""
    return bool(os.environ.get("CODEBUILD_BUILD_ID"))


def _artifacts(cfg: PipelineConfig) -> dict[str, Any]:
    bucket, _, prefix = codebuild_role.artifact_location(cfg).removeprefix("s3://").partition("/")
    # overrideArtifactName: the buildspec names each build's folder after its commit (ProjectArtifacts).
    return {"type": "S3", "location": bucket, "path": prefix.rstrip("/"), "packaging": "NONE",
            "namespaceType": "NONE", "name": "build", "overrideArtifactName": True}


def project_request(cfg: PipelineConfig, role_arn: str) -> dict[str, Any]:
    """The CreateProject request (UpdateProject takes the same fields)."""
    ci, name = cfg.ci, resources.codebuild_project_name(cfg)
    source: dict[str, Any] = {"type": ci_rules.SOURCE_TYPES[ci.source], "location": ci.repository_url,
                              "buildspec": BUILDSPEC, "gitCloneDepth": 1}
    if ci.source in SERVER_TYPES:
        source["reportBuildStatus"] = True  # the commit shows the build's result (GitHub, Bitbucket only)
    request: dict[str, Any] = {
        "name": name,
        "description": "Tests and deploys the labeling pipeline on each push (managed by deploy.py)",
        "source": source,
        # A branch name: its HEAD is built on a manual start (ProjectSource sourceVersion: "commit ID, ...
        # branch name, or tag name"); a webhook or push-rule build takes the pushed commit.
        "sourceVersion": ci.branch,
        "artifacts": _artifacts(cfg),
        "environment": {"type": "LINUX_CONTAINER", "image": IMAGE, "computeType": ci.compute_type,
                        "imagePullCredentialsType": "CODEBUILD"},
        "serviceRole": role_arn,
        "timeoutInMinutes": TIMEOUT_MINUTES,
        "logsConfig": {"cloudWatchLogs": {"status": "ENABLED", "groupName": f"/aws/codebuild/{name}"}},
        "tags": [{"key": k, "value": v} for k, v in sorted(cfg.pipeline.tags.items())],
    }
    if cfg.storage.kms_key_arn:
        request["encryptionKey"] = cfg.storage.kms_key_arn
    return request


def webhook_request(cfg: PipelineConfig) -> dict[str, Any] | None:
    """CreateWebhook's request: build on a push to the branch; None for CodeCommit (no webhooks)."""
    if cfg.ci.source not in SERVER_TYPES:
        return None
    return {
        "projectName": resources.codebuild_project_name(cfg),
        "filterGroups": [[{"type": "EVENT", "pattern": "PUSH"},
                          {"type": "HEAD_REF", "pattern": ci_rules.head_ref_pattern(cfg.ci.branch)}]],
        "buildType": "BUILD",
    }


def trigger_rule(cfg: PipelineConfig, account_id: str) -> dict[str, Any] | None:
    """For CodeCommit: PutRule's request and the target (the project, started as the trigger role)."""
    if cfg.ci.source != "codecommit" or not cfg.ci.repository_url:
        return None
    region = cfg.pipeline.region
    repository = ci_rules.codecommit_repository(cfg.ci.repository_url)
    pattern = {
        "source": ["aws.codecommit"],
        "detail-type": ["CodeCommit Repository State Change"],
        "resources": [f"arn:aws:codecommit:{region}:{account_id}:{repository}"],
        "detail": {"event": ["referenceCreated", "referenceUpdated"], "referenceType": ["branch"],
                   "referenceName": [cfg.ci.branch]},
    }
    project = f"arn:aws:codebuild:{region}:{account_id}:project/{resources.codebuild_project_name(cfg)}"
    role = f"arn:aws:iam::{account_id}:role/{resources.codebuild_trigger_role_name(cfg)}"
    return {"rule": {"Name": resources.codebuild_trigger_rule_name(cfg), "EventPattern": json.dumps(pattern),
                     "State": "ENABLED", "Description": "Builds the labeling pipeline on a push (managed by deploy.py)"},
            "target": {"Id": "deploy-build", "Arn": project, "RoleArn": role}}


def render_ci_files(cfg: PipelineConfig, arns: Any) -> dict[str, str]:
    """The dry run's ``codebuild/*.json`` and ``iam/codebuild*.json`` (nothing while ci is off)."""
    if not cfg.ci.enabled:
        return {}
    role = f"arn:aws:iam::{arns.account_id}:role/{resources.codebuild_role_name(cfg)}"
    files: dict[str, Any] = {"codebuild/project.json": project_request(cfg, role)}
    webhook, rule = webhook_request(cfg), trigger_rule(cfg, arns.account_id)
    if webhook:
        files["codebuild/webhook.json"] = webhook
    if rule:
        files["codebuild/trigger-rule.json"] = rule
    rendered = {path: json.dumps(doc, indent=2) + "\n" for path, doc in files.items()}
    return {**rendered, **codebuild_role.render_ci_iam_files(cfg, arns)}


def require_source_credentials(codebuild: Any, cfg: PipelineConfig) -> None:
    """GitHub and Bitbucket sources need the account's stored credentials (ListSourceCredentials)."""
    server = SERVER_TYPES.get(cfg.ci.source)
    if server is None:
        return
    stored = codebuild.list_source_credentials().get("sourceCredentialsInfos", [])
    if any(info.get("serverType") == server for info in stored):
        return
    raise SourceCredentialsMissing(
        f"ci.source is {cfg.ci.source} but CodeBuild has no {server} source credentials in region "
        f"{cfg.pipeline.region}, so it cannot read the repository or create the webhook; add them with "
        f"`{IMPORT_HINTS[cfg.ci.source]} --region {cfg.pipeline.region}`, then run python deploy.py again")


def _project(codebuild: Any, name: str) -> dict | None:
    found = codebuild.batch_get_projects(names=[name]).get("projects", [])
    return found[0] if found else None


def _project_differs(current: dict, request: dict) -> list[str]:
    stale = []
    for key, want in request.items():
        if key in ("name", "tags"):
            continue
        have = current.get(key)
        if isinstance(want, dict) and isinstance(have, dict):
            have = {k: have.get(k) for k in want}
        if have != want:
            stale.append(key)
    return stale


def _ensure_project(codebuild: Any, request: dict, propagation: RolePropagation) -> Change:
    name = request["name"]
    current = _project(codebuild, name)
    if current is None:
        propagation.call(lambda: codebuild.create_project(**request), request["serviceRole"], "CodeBuild")
        return Change("codebuild project", name, "created", f"{request['environment']['computeType']}, {BUILDSPEC}")
    stale = _project_differs(current, request)
    if not stale:
        return Change("codebuild project", name, "unchanged")
    update = {k: v for k, v in request.items() if k != "tags"}
    propagation.call(lambda: codebuild.update_project(**update), request["serviceRole"], "CodeBuild")
    return Change("codebuild project", name, "updated", ", ".join(stale))


def _ensure_webhook(codebuild: Any, request: dict) -> Change:
    name = request["projectName"]
    current = (_project(codebuild, name) or {}).get("webhook")
    branch = request["filterGroups"][0][1]["pattern"]
    if not current:
        codebuild.create_webhook(**request)
        return Change("codebuild webhook", name, "created", f"PUSH to {branch}")
    if current.get("filterGroups") == request["filterGroups"] and current.get("buildType", "BUILD") == request["buildType"]:
        return Change("codebuild webhook", name, "unchanged")
    codebuild.update_webhook(**request)
    return Change("codebuild webhook", name, "updated", f"PUSH to {branch}")


def _ensure_trigger(clients: AwsClients, cfg: PipelineConfig, account_id: str) -> list[Change]:
    rule = trigger_rule(cfg, account_id)
    if rule is None:  # not CodeCommit (any more): a push rule of an earlier source goes
        from publish.destroy import Destroyer, Target

        targets = [Target("eventbridge rule", resources.codebuild_trigger_rule_name(cfg)),
                   Target("iam role", resources.codebuild_trigger_role_name(cfg))]
        return [change for change in Destroyer(cfg, clients).run(targets) if change.action != "absent"]
    role, _ = iam_roles.ensure_role(clients.client("iam"), resources.codebuild_trigger_role_name(cfg),
                                    codebuild_role.trigger_trust(), codebuild_role.trigger_policy(cfg, account_id),
                                    cfg.pipeline.tags)
    events, name = clients.client("events"), rule["rule"]["Name"]
    try:
        current: dict | None = events.describe_rule(Name=name)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        current = None
    changed = []
    if current is None or json.loads(current.get("EventPattern") or "{}") != json.loads(rule["rule"]["EventPattern"]):
        events.put_rule(**rule["rule"])
        changed.append("rule")
    targets = events.list_targets_by_rule(Rule=name).get("Targets", [])
    if not any({k: t.get(k) for k in rule["target"]} == rule["target"] for t in targets):
        events.put_targets(Rule=name, Targets=[rule["target"]])
        changed.append("target")
    action: Action = "created" if current is None else ("updated" if changed else "unchanged")
    return [role, Change("eventbridge rule", name, action, f"CodeCommit push to {cfg.ci.branch}")]


def _turned_off(clients: AwsClients, cfg: PipelineConfig) -> list[Change]:
    """ci.enabled false: remove what an earlier deploy created (like the schedule turned off), else nothing."""
    name = resources.codebuild_project_name(cfg)
    try:
        if _project(clients.client("codebuild"), name) is None:
            return []  # nothing to say: CI was never set up
    except ClientError as error:
        if error.response["Error"]["Code"] in ("AccessDeniedException", "AccessDenied"):
            return []  # an identity that may not read CodeBuild never set CI up with this deployer
        raise
    from publish.destroy import Destroyer, Target

    targets = [Target("codebuild project", name), Target("eventbridge rule", resources.codebuild_trigger_rule_name(cfg)),
               Target("iam role", resources.codebuild_role_name(cfg)),
               Target("iam role", resources.codebuild_trigger_role_name(cfg))]
    return [Change(c.kind, c.name, c.action, "ci turned off") if c.action == "deleted" else c
            for c in Destroyer(cfg, clients).run(targets)]


def ensure_ci(clients: AwsClients, cfg: PipelineConfig, account_id: str, propagation: RolePropagation,
              emit: Callable[[Change], Any]) -> None:
    """Create or update the CI resources for ``cfg`` (or remove them when ci is turned off)."""
    name = resources.codebuild_project_name(cfg)
    if inside_codebuild():  # the build's own role may not touch CI (publish.codebuild_role)
        if cfg.ci.enabled:
            emit(Change("codebuild project", name, "unchanged", "inside CodeBuild: CI changes deploy from a workstation"))
        return
    if not cfg.ci.enabled:
        for change in _turned_off(clients, cfg):
            emit(change)
        return
    codebuild = clients.client("codebuild")
    require_source_credentials(codebuild, cfg)
    role, role_arn = iam_roles.ensure_role(clients.client("iam"), resources.codebuild_role_name(cfg),
                                           codebuild_role.codebuild_trust(),
                                           codebuild_role.build_role_policy(cfg, account_id), cfg.pipeline.tags)
    emit(role)
    emit(_ensure_project(codebuild, project_request(cfg, role_arn), propagation))
    webhook = webhook_request(cfg)
    if webhook is not None:
        emit(_ensure_webhook(codebuild, webhook))
    for change in _ensure_trigger(clients, cfg, account_id):
        emit(change)
