"""The CodeBuild service role, judged by IAM evaluation: deploy.py runs with the credentials of the role
``publish.codebuild_role`` generates, and the sandbox evaluates every request against the role's policy.

Recording calls (test_publish_codebuild.py) proves each call has a row in DEPLOY_CALLS; only evaluation
proves the row's action names, resource ARNs and conditions are the ones AWS checks. The role covers
deploys (create, then update) run inside a build; ``--destroy`` is run from a workstation, so it is not
judged here (codebuild_role's docstring: the role covers deploys only)."""
from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import yaml

import deploy
from publish import codebuild_role, deployer, execution_rule, feature_group
from publish.aws import AwsClients
from publish.deployer import Deployer
from publish.packaging import LambdaPackage
from sandbox.iam import evaluation
from workflow import resources
from workflow.config import replace
from workflow.inventory import inventory_names

ROOT = Path(__file__).resolve().parents[2]
ROLE = "scratch-labeling-codebuild"
GITHUB = "https://github.com/acme/labeling-pipeline.git"
# Tag-on-create that no AWS page we found documents (sandbox.iam.actions): granted, not required here.
UNDOCUMENTED_TAG_ON_CREATE = frozenset({"logs:TagResource", "events:TagResource"})


@dataclass(frozen=True)
class Judged:
    """One authorization the sandbox evaluated for the build role."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...]


@pytest.fixture(autouse=True)
def _inside_codebuild(monkeypatch):
    monkeypatch.setenv("CODEBUILD_BUILD_ID", "scratch-labeling-deploy:1")


@pytest.fixture()
def judged(monkeypatch) -> Iterator[list[Judged]]:
    """Every (action, resource, context) the sandbox evaluates for the build role."""
    seen: list[Judged] = []
    original = evaluation.evaluate

    def recording(account_id, role_arn, action, resource, context=None):
        if role_arn.endswith(f":role/{ROLE}"):
            seen.append(Judged(action, resource, tuple(sorted((k, str(v)) for k, v in (context or {}).items()))))
        return original(account_id, role_arn, action, resource, context)

    monkeypatch.setattr(evaluation, "evaluate", recording)
    yield seen


def _ci(cfg):
    return replace(cfg, ci=replace(cfg.ci, enabled=True, repository_url=GITHUB))


def _variants(cfg) -> list:
    """A first deploy, then two that update: Lambda configuration, the state machine and the run schedule,
    then the schedule turned off and the S3 Inventory listing."""
    second = replace(cfg, observability=replace(cfg.observability, tracing=not cfg.observability.tracing),
                     polling=replace(cfg.polling, max_interval_seconds=14400),
                     schedule=replace(cfg.schedule, expression="cron(0 7 * * ? *)"))
    third = replace(second, schedule=replace(second.schedule, expression=None),
                    storage=replace(second.storage, listing="auto"))
    return [cfg, second, third]


def _deploy_all(cfg, clients: AwsClients, monkeypatch) -> None:
    """The three deploys; before the second, the Lambda code changes and the account drifts (``_drift``)."""
    original = deployer.build_steps_package
    for index, variant in enumerate(_variants(cfg)):
        if index == 1:
            monkeypatch.setattr(deployer, "build_steps_package", lambda: _with_extra_file(original()))
            _drift(cfg)
        Deployer(variant, clients).run()


def _drift(cfg) -> None:
    """What a later deploy repairs, done with the sandbox's own credentials: a role's trust policy, the stop
    function's invoke permission and the inventory table changed by hand, and a feature group an earlier
    release created with one feature fewer."""
    boto3.client("iam").update_assume_role_policy(RoleName=f"{cfg.pipeline.name}-states", PolicyDocument=json.dumps(
        codebuild_role.codebuild_trust()))
    lam, stop = boto3.client("lambda"), resources.stop_lambda_name(cfg)
    lam.remove_permission(FunctionName=stop, StatementId=execution_rule.PERMISSION_ID)
    lam.add_permission(FunctionName=stop, StatementId=execution_rule.PERMISSION_ID, Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn="arn:aws:events:eu-west-1:123456789012:rule/other")
    glue, names = boto3.client("glue"), inventory_names(cfg)
    table = glue.get_table(DatabaseName=names.database, Name=names.table)["Table"]
    table["StorageDescriptor"]["Columns"] = table["StorageDescriptor"]["Columns"][:1]
    glue.update_table(DatabaseName=names.database, TableInput={
        k: table[k] for k in ("Name", "StorageDescriptor", "PartitionKeys", "TableType", "Parameters") if k in table})
    sm, group = boto3.client("sagemaker"), cfg.feature_store.feature_group_name
    request = feature_group.feature_group_request(cfg, sm.describe_feature_group(FeatureGroupName=group)["RoleArn"])
    sm.delete_feature_group(FeatureGroupName=group)
    sm.create_feature_group(**{**request, "FeatureDefinitions": request["FeatureDefinitions"][:-1]})


def _with_extra_file(package: LambdaPackage) -> LambdaPackage:
    buffer = io.BytesIO(package.data)
    with zipfile.ZipFile(buffer, "a") as zf:
        zf.writestr("steps/CHANGED", "a new release")
    return LambdaPackage(buffer.getvalue())


def _policy_without(policy: dict, action: str) -> dict:
    statements = []
    for statement in policy["Statement"]:
        kept = [a for a in statement["Action"] if a != action]
        if kept:
            statements.append({**statement, "Action": kept})
    return {**policy, "Statement": statements}


def _assume(sandbox, cfg, policy: dict) -> dict:
    """Create the build role with ``policy``; AssumeRole's credentials for it."""
    iam = boto3.client("iam")
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(codebuild_role.codebuild_trust()))
    iam.put_role_policy(RoleName=ROLE, PolicyName="labeling-pipeline", PolicyDocument=json.dumps(policy))
    return boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{sandbox.account_id}:role/{ROLE}",
                                           RoleSessionName="build")["Credentials"]


def _session(credentials: dict) -> boto3.Session:
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"])


def _deploy_policy(cfg, account: str) -> list[dict]:
    """The statements generated from DEPLOY_CALLS (CodeBuild's own logs/artifacts ones excluded)."""
    return [s for s in codebuild_role.build_role_policy(cfg, account)["Statement"] if s["Sid"].startswith("Deploy")]


def test_the_generated_role_deploys_and_updates_and_every_action_it_grants_is_checked(cfg, sandbox, judged, monkeypatch):
    enabled = _ci(cfg)
    credentials = _assume(sandbox, enabled, codebuild_role.build_role_policy(enabled, sandbox.account_id))
    clients = AwsClients(session=_session(credentials), region=cfg.pipeline.region)
    assert _session(credentials).client("sts", region_name="eu-west-1").get_caller_identity()["Arn"].endswith(
        f":assumed-role/{ROLE}/build")
    _deploy_all(enabled, clients, monkeypatch)
    granted = {a for s in _deploy_policy(enabled, sandbox.account_id) for a in s["Action"]}
    checked = {j.action for j in judged}
    assert checked - granted == set()
    assert granted - checked == UNDOCUMENTED_TAG_ON_CREATE  # every other granted action is checked by some request


def test_removing_any_one_action_of_the_role_denies_a_request_the_deploys_make(cfg, sandbox, judged, monkeypatch):
    """Each granted action, and each statement, removed alone, denies at least one of the recorded requests
    (least privilege: nothing granted is unused; nothing removed goes unnoticed)."""
    enabled = _ci(cfg)
    policy = codebuild_role.build_role_policy(enabled, sandbox.account_id)
    clients = AwsClients(session=_session(_assume(sandbox, enabled, policy)), region=cfg.pipeline.region)
    _deploy_all(enabled, clients, monkeypatch)
    requests = set(judged)
    granted = sorted({a for s in _deploy_policy(enabled, sandbox.account_id) for a in s["Action"]})
    def denied(document: dict) -> list[Judged]:
        source = [evaluation.SourcePolicy("labeling-pipeline", "role", document)]
        return [j for j in requests if not evaluation.evaluate_policies(source, j.action, j.resource, dict(j.context)).allowed]

    assert denied(policy) == []
    for action in granted:
        if action not in UNDOCUMENTED_TAG_ON_CREATE:
            found = denied(_policy_without(policy, action))
            assert found and {j.action for j in found} == {action}, action
    for statement in _deploy_policy(enabled, sandbox.account_id):
        if set(statement["Action"]) - UNDOCUMENTED_TAG_ON_CREATE:
            assert denied({**policy, "Statement": [s for s in policy["Statement"] if s != statement]}), statement["Sid"]


def _config_file(tmp_path: Path, cfg) -> Path:
    """config.yaml with CI on and the workteam in the sandbox's account, its template paths still resolving."""
    document = yaml.safe_load((ROOT / "config.yaml").read_text())
    document["ci"].update({"enabled": True, "repository_url": GITHUB})
    document["workforce"]["workteam_arn"] = cfg.workforce.workteam_arn
    for section in ("labeling", "verification"):
        template = document[section].get("instructions_template")
        if template:
            document[section]["instructions_template"] = str(ROOT / template)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def _as_role(monkeypatch, credentials: dict) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials["SessionToken"])
    monkeypatch.setenv("AWS_SECURITY_TOKEN", credentials["SessionToken"])


# A representative set: bucket settings, IAM and its tag-on-create, Lambda's tag-on-create, role passing,
# a "*"-only list action, Glue, SageMaker's and Step Functions' tag-on-create, the rule, the schedules.
@pytest.mark.parametrize("action", ["s3:PutEncryptionConfiguration", "s3:PutBucketCORS", "iam:CreateRole", "iam:TagRole",
                                    "lambda:TagResource", "iam:PassRole", "logs:DescribeLogGroups", "glue:CreateTable",
                                    "sagemaker:AddTags", "states:TagResource", "events:PutTargets",
                                    "scheduler:CreateSchedule"])
def test_deploy_py_without_one_action_stops_with_access_denied_naming_it(cfg, sandbox, tmp_path, monkeypatch, capsys, action):
    enabled = _ci(cfg)
    config = _config_file(tmp_path, enabled)
    policy = _policy_without(codebuild_role.build_role_policy(enabled, sandbox.account_id), action)
    _as_role(monkeypatch, _assume(sandbox, enabled, policy))
    assert deploy.main(["--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: deploy failed at "), err
    assert f"is not authorized to perform: {action} on resource: " in err and "AccessDenied" in err, err


@pytest.mark.parametrize("service", ["lambda.amazonaws.com", "sagemaker.amazonaws.com", "states.amazonaws.com",
                                     "scheduler.amazonaws.com"])
def test_a_role_passed_to_the_wrong_service_is_denied(cfg, sandbox, judged, service):
    """iam:PassRole's iam:PassedToService condition is evaluated: each passing statement names one service."""
    enabled = _ci(cfg)
    policy = codebuild_role.build_role_policy(enabled, sandbox.account_id)
    wrong = {**policy, "Statement": [
        {**s, "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}
        if s.get("Condition", {}).get("StringEquals", {}).get("iam:PassedToService") == service else s
        for s in policy["Statement"]]}
    clients = AwsClients(session=_session(_assume(sandbox, enabled, wrong)), region=cfg.pipeline.region)
    with pytest.raises(Exception, match="perform: iam:PassRole on resource: "):
        Deployer(enabled, clients).run()
