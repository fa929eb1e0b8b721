"""ci: CodeBuild on commit: the project, its least-privilege role, the push trigger, on the sandbox."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import botocore.session
import pytest

import deploy
from publish import codebuild, codebuild_role
from publish.aws import AwsClients
from publish.changes import Change
from publish.codebuild import SourceCredentialsMissing, ensure_ci, project_request, webhook_request
from publish.deployer import Deployer
from publish.destroy import destroy
from publish.iam_propagation import RolePropagation
from workflow.config import replace

ROOT = Path(__file__).resolve().parents[2]
GITHUB = "https://github.com/acme/labeling-pipeline.git"
CODECOMMIT = "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/labeling-pipeline"


def _ci(cfg, **changes):
    return replace(cfg, ci=replace(cfg.ci, **{"enabled": True, "repository_url": GITHUB, **changes}))


def _clients(cfg) -> AwsClients:
    return AwsClients(session=boto3.Session(), region=cfg.pipeline.region)


def _run(cfg) -> list[Change]:
    changes: list[Change] = []
    ensure_ci(_clients(cfg), cfg, "123456789012", RolePropagation(sleep=lambda s: None), changes.append)
    return changes


def _github_credentials() -> None:
    boto3.client("codebuild").import_source_credentials(serverType="GITHUB", authType="PERSONAL_ACCESS_TOKEN", token="t")


@pytest.fixture(autouse=True)
def _outside_codebuild(monkeypatch):
    monkeypatch.delenv("CODEBUILD_BUILD_ID", raising=False)


# -- the requests (pure) -------------------------------------------------------------------------------
def test_the_project_uses_buildspec_yml_the_branch_the_compute_type_and_the_artifact_location(cfg):
    request = project_request(_ci(cfg, compute_type="BUILD_GENERAL1_MEDIUM", branch="release/2"), "arn:role")
    assert request["name"] == "scratch-labeling-deploy" and request["serviceRole"] == "arn:role"
    assert request["source"] == {"type": "GITHUB", "location": GITHUB, "buildspec": "buildspec.yml", "gitCloneDepth": 1,
                                 "reportBuildStatus": True}
    assert request["sourceVersion"] == "release/2"
    assert request["environment"]["computeType"] == "BUILD_GENERAL1_MEDIUM"
    assert request["artifacts"]["location"] == "my-factory-images" and request["artifacts"]["path"] == "labeling/builds"
    elsewhere = project_request(_ci(cfg, artifact_location="s3://acme-builds/labeling/"), "arn:role")["artifacts"]
    assert (elsewhere["location"], elsewhere["path"]) == ("acme-builds", "labeling")


def test_the_webhook_builds_on_push_to_the_branch_only(cfg):
    request = webhook_request(_ci(cfg, branch="main"))
    assert request == {"projectName": "scratch-labeling-deploy", "buildType": "BUILD",
                       "filterGroups": [[{"type": "EVENT", "pattern": "PUSH"},
                                         {"type": "HEAD_REF", "pattern": "^refs/heads/main$"}]]}
    assert webhook_request(_ci(cfg, source="codecommit", repository_url=CODECOMMIT)) is None


def _config_file(tmp_path: Path, ci: dict) -> Path:
    """config.yaml with ``ci`` changes, written where its template paths still resolve."""
    import yaml

    document = yaml.safe_load((ROOT / "config.yaml").read_text())
    document["ci"].update(ci)
    for section in ("labeling", "verification"):
        template = document[section].get("instructions_template")
        if template:
            document[section]["instructions_template"] = str(ROOT / template)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(document))
    return config


def test_the_dry_run_writes_the_project_request_and_the_roles_policy(cfg, tmp_path, capsys, monkeypatch):
    config = _config_file(tmp_path, {"enabled": True, "repository_url": GITHUB})
    assert deploy.main(["--config", str(config), "--dry-run", "--out", str(tmp_path / "build")]) == 0
    project = json.loads((tmp_path / "build" / "codebuild" / "project.json").read_text())
    assert project["source"]["buildspec"] == "buildspec.yml"
    assert project["serviceRole"] == "arn:aws:iam::000000000000:role/scratch-labeling-codebuild"
    assert json.loads((tmp_path / "build" / "codebuild" / "webhook.json").read_text())["filterGroups"][0][0]["pattern"] == "PUSH"
    role = json.loads((tmp_path / "build" / "iam" / "codebuild.json").read_text())
    assert role["trust"]["Statement"][0]["Principal"] == {"Service": "codebuild.amazonaws.com"}
    assert role["permissions"] == codebuild_role.build_role_policy(replace(_ci(cfg), source=cfg.source), "000000000000")


def test_the_dry_run_writes_nothing_for_ci_while_it_is_off(cfg, tmp_path):
    assert codebuild.render_ci_files(cfg, type("Arns", (), {"account_id": "000000000000"})()) == {}


# -- the role: exactly what deploy.py calls ------------------------------------------------------------
def test_every_call_a_deploy_makes_is_in_the_roles_table(cfg, sandbox, monkeypatch):
    """Two deploys (create, then update) inside a build, recorded call by call: each call must have its row
    in DEPLOY_CALLS."""
    monkeypatch.setenv("CODEBUILD_BUILD_ID", "scratch-labeling-deploy:1")
    calls: set[tuple[str, str]] = set()
    session = boto3.Session()
    session.events.register("before-call", lambda model, **kw: calls.add((model.service_model.service_name, model.name)))
    clients = AwsClients(session=session, region=cfg.pipeline.region)
    Deployer(cfg, clients).run()
    Deployer(replace(cfg, polling=replace(cfg.polling, max_interval_seconds=14400)), clients).run()
    Deployer(replace(cfg, storage=replace(cfg.storage, listing="auto")), clients).run()  # the S3 Inventory's calls
    assert calls - set(codebuild_role.DEPLOY_CALLS) == set()
    assert ("codebuild", "BatchGetProjects") not in calls


def test_the_roles_table_names_real_operations_and_grants_no_wildcard_action():
    loader = botocore.session.get_session()
    for client, operation in codebuild_role.DEPLOY_CALLS:
        assert operation in loader.get_service_model(client).operation_names, (client, operation)
    for needs in codebuild_role.DEPLOY_CALLS.values():
        for action, _ in needs:
            assert "*" not in action and ":" in action


def test_the_build_role_policy_is_narrowed_to_this_config(cfg):
    policy = codebuild_role.build_role_policy(_ci(cfg), "123456789012")
    statements = {s["Sid"]: s for s in policy["Statement"]}
    for statement in policy["Statement"]:
        if "*" in statement["Resource"]:
            assert set(statement["Action"]) <= codebuild_role.WILDCARD_ACTIONS, statement
        assert not any(action.startswith(("codebuild:", "iam:DeleteRole", "iam:AttachRolePolicy")) for action in statement["Action"])
    assert "arn:aws:iam::123456789012:role/scratch-labeling-codebuild" not in statements["DeployRoles"]["Resource"]
    for sid, service in (("DeployPassToLambda", "lambda.amazonaws.com"), ("DeployPassToStates", "states.amazonaws.com"),
                         ("DeployPassToSagemaker", "sagemaker.amazonaws.com")):
        assert statements[sid]["Action"] == ["iam:PassRole"]
        assert statements[sid]["Condition"] == {"StringEquals": {"iam:PassedToService": service}}
    assert statements["UploadArtifacts"]["Resource"] == ["arn:aws:s3:::my-factory-images/labeling/builds/*"]
    assert "PullSource" not in statements


def test_roles_given_in_iam_are_passed_but_never_managed(cfg):
    mine = "arn:aws:iam::123456789012:role/my-lambdas"
    policy = codebuild_role.build_role_policy(replace(_ci(cfg), iam=replace(cfg.iam, lambda_role_arn=mine)), "123456789012")
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert statements["DeployPassToLambda"]["Resource"] == [mine]
    assert not any("lambda" in arn for arn in statements["DeployRoles"]["Resource"])


def test_a_codecommit_source_lets_the_role_pull_that_repository_only(cfg):
    policy = codebuild_role.build_role_policy(_ci(cfg, source="codecommit", repository_url=CODECOMMIT), "123456789012")
    pull = next(s for s in policy["Statement"] if s["Sid"] == "PullSource")
    assert pull["Action"] == ["codecommit:GitPull"]
    assert pull["Resource"] == ["arn:aws:codecommit:eu-west-1:123456789012:labeling-pipeline"]


# -- deploying the CI step on the sandbox --------------------------------------------------------------
def test_github_without_source_credentials_is_one_line_saying_how_to_add_them(cfg, sandbox):
    with pytest.raises(SourceCredentialsMissing) as caught:
        _run(_ci(cfg))
    message = str(caught.value)
    assert "\n" not in message and "no GITHUB source credentials in region eu-west-1" in message
    assert "aws codebuild import-source-credentials --server-type GITHUB --auth-type PERSONAL_ACCESS_TOKEN" in message
    assert boto3.client("codebuild").list_projects()["projects"] == []  # nothing created first


def test_deploy_py_reports_missing_source_credentials_in_one_line(cfg, sandbox, tmp_path, capsys):
    endpoint = sandbox.serve()
    config = _config_file(tmp_path, {"enabled": True, "repository_url": GITHUB})
    assert deploy.main(["--config", str(config), "--endpoint-url", endpoint]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ci.source is github but CodeBuild has no GITHUB source ")
    assert "aws codebuild import-source-credentials --server-type GITHUB" in err


def test_bitbucket_without_source_credentials_names_the_bitbucket_command(cfg, sandbox):
    with pytest.raises(SourceCredentialsMissing, match="--server-type BITBUCKET --auth-type BASIC_AUTH"):
        _run(_ci(cfg, source="bitbucket", repository_url="https://bitbucket.org/acme/pipeline.git"))


def test_github_creates_the_role_the_project_and_the_webhook_then_changes_nothing(cfg, sandbox):
    _github_credentials()
    enabled = _ci(cfg)
    first = [(c.kind, c.name, c.action) for c in _run(enabled)]
    assert first == [("iam role", "scratch-labeling-codebuild", "created"),
                     ("codebuild project", "scratch-labeling-deploy", "created"),
                     ("codebuild webhook", "scratch-labeling-deploy", "created")]
    project = boto3.client("codebuild").batch_get_projects(names=["scratch-labeling-deploy"])["projects"][0]
    assert project["source"]["buildspec"] == "buildspec.yml"
    assert project["serviceRole"] == "arn:aws:iam::123456789012:role/scratch-labeling-codebuild"
    assert project["webhook"]["filterGroups"] == webhook_request(enabled)["filterGroups"]
    policy = boto3.client("iam").get_role_policy(RoleName="scratch-labeling-codebuild", PolicyName="labeling-pipeline")
    assert policy["PolicyDocument"] == codebuild_role.build_role_policy(enabled, "123456789012")
    assert {c.action for c in _run(enabled)} == {"unchanged"}


def test_a_new_branch_and_compute_type_update_the_project_and_the_webhook(cfg, sandbox):
    _github_credentials()
    _run(_ci(cfg))
    changed = {(c.kind, c.action): c.detail for c in _run(_ci(cfg, branch="release", compute_type="BUILD_GENERAL1_LARGE"))}
    assert changed[("codebuild project", "updated")] == "sourceVersion, environment"
    assert changed[("codebuild webhook", "updated")] == "PUSH to ^refs/heads/release$"
    project = boto3.client("codebuild").batch_get_projects(names=["scratch-labeling-deploy"])["projects"][0]
    assert project["environment"]["computeType"] == "BUILD_GENERAL1_LARGE"
    assert project["webhook"]["filterGroups"][0][1]["pattern"] == "^refs/heads/release$"


def test_codecommit_builds_on_push_through_an_eventbridge_rule(cfg, sandbox):
    enabled = _ci(cfg, source="codecommit", repository_url=CODECOMMIT)
    kinds = [(c.kind, c.name, c.action) for c in _run(enabled)]
    assert ("codebuild webhook", "scratch-labeling-deploy", "created") not in kinds
    assert ("iam role", "scratch-labeling-deploy-trigger", "created") in kinds
    assert ("eventbridge rule", "scratch-labeling-deploy-on-push", "created") in kinds
    events = boto3.client("events")
    pattern = json.loads(events.describe_rule(Name="scratch-labeling-deploy-on-push")["EventPattern"])
    assert pattern["detail"] == {"event": ["referenceCreated", "referenceUpdated"], "referenceType": ["branch"],
                                 "referenceName": ["main"]}
    target = events.list_targets_by_rule(Rule="scratch-labeling-deploy-on-push")["Targets"][0]
    assert target["Arn"].endswith(":project/scratch-labeling-deploy")
    assert target["RoleArn"].endswith(":role/scratch-labeling-deploy-trigger")
    assert {c.action for c in _run(enabled)} == {"unchanged"}


def test_moving_from_codecommit_to_github_removes_the_push_rule(cfg, sandbox):
    _run(_ci(cfg, source="codecommit", repository_url=CODECOMMIT))
    _github_credentials()
    changes = {(c.kind, c.name): c.action for c in _run(_ci(cfg))}
    assert changes[("eventbridge rule", "scratch-labeling-deploy-on-push")] == "deleted"
    assert changes[("iam role", "scratch-labeling-deploy-trigger")] == "deleted"
    assert changes[("codebuild project", "scratch-labeling-deploy")] == "updated"
    assert changes[("codebuild webhook", "scratch-labeling-deploy")] == "created"


def test_turning_ci_off_removes_what_it_created_and_is_silent_when_nothing_was(cfg, sandbox):
    assert _run(cfg) == []
    _github_credentials()
    _run(_ci(cfg))
    removed = {(c.kind, c.name): c.action for c in _run(cfg)}
    assert removed[("codebuild project", "scratch-labeling-deploy")] == "deleted"
    assert removed[("iam role", "scratch-labeling-codebuild")] == "deleted"
    assert boto3.client("codebuild").list_projects()["projects"] == []


def test_ci_off_needs_no_codebuild_permission(cfg, sandbox):
    sandbox.faults.add("codebuild", "BatchGetProjects", error_code="AccessDeniedException", status=400,
                       message="User is not authorized to perform: codebuild:BatchGetProjects")
    assert _run(cfg) == []


def test_inside_a_build_the_ci_step_changes_nothing(cfg, sandbox, monkeypatch):
    monkeypatch.setenv("CODEBUILD_BUILD_ID", "scratch-labeling-deploy:1")
    changes = _run(_ci(cfg))
    assert [(c.kind, c.action) for c in changes] == [("codebuild project", "unchanged")]
    assert "from a workstation" in changes[0].detail
    assert boto3.client("codebuild").list_projects()["projects"] == []
    assert _run(cfg) == []  # ci off: not a word (the test suite itself runs inside CodeBuild)


def test_destroy_removes_the_project_its_webhook_and_its_role(cfg, sandbox):
    _github_credentials()
    enabled = _ci(cfg)
    _run(enabled)
    outcome = {(c.kind, c.name): c for c in destroy(enabled, _clients(enabled), delete_labels=False, yes=True,
                                                      force=False, emit=lambda c: None)}
    project = outcome[("codebuild project", "scratch-labeling-deploy")]
    assert (project.action, project.detail) == ("deleted", "and its webhook")
    assert outcome[("iam role", "scratch-labeling-codebuild")].action == "deleted"
    assert boto3.client("codebuild").list_projects()["projects"] == []
