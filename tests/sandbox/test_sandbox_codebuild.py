"""CodeBuild in the sandbox: webhooks, source credentials and UpdateProject, as the API Reference documents them."""
from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from sandbox import Sandbox

ROLE = "arn:aws:iam::123456789012:role/builder"
PUSH_MAIN = [[{"type": "EVENT", "pattern": "PUSH"}, {"type": "HEAD_REF", "pattern": "^refs/heads/main$"}]]


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox(region="eu-west-1") as sandbox:
        yield sandbox


@pytest.fixture()
def codebuild(box: Sandbox):
    client = boto3.client("codebuild", region_name="eu-west-1")
    yield client
    for name in client.list_projects()["projects"]:
        client.delete_project(name=name)
    for info in client.list_source_credentials()["sourceCredentialsInfos"]:
        client.delete_source_credentials(arn=info["arn"])


def _project(codebuild, name: str = "pp", source: str = "GITHUB", location: str = "https://github.com/acme/p.git",
             compute: str = "BUILD_GENERAL1_SMALL") -> dict:
    return codebuild.create_project(
        name=name, source={"type": source, "location": location, "buildspec": "buildspec.yml"},
        artifacts={"type": "NO_ARTIFACTS"}, serviceRole=ROLE,
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/amazonlinux2-x86_64-standard:5.0",
                     "computeType": compute})["project"]


def _github_token(codebuild) -> str:
    return codebuild.import_source_credentials(serverType="GITHUB", authType="PERSONAL_ACCESS_TOKEN", token="t")["arn"]


def _code(caught: pytest.ExceptionInfo) -> str:
    return caught.value.response["Error"]["Code"]


def test_source_credentials_are_stored_listed_without_the_token_and_deleted(codebuild):
    assert codebuild.list_source_credentials()["sourceCredentialsInfos"] == []
    arn = _github_token(codebuild)
    infos = codebuild.list_source_credentials()["sourceCredentialsInfos"]
    assert infos == [{"arn": arn, "serverType": "GITHUB", "authType": "PERSONAL_ACCESS_TOKEN"}]
    codebuild.delete_source_credentials(arn=arn)
    assert codebuild.list_source_credentials()["sourceCredentialsInfos"] == []
    with pytest.raises(ClientError) as caught:
        codebuild.delete_source_credentials(arn=arn)
    assert _code(caught) == "ResourceNotFoundException"


@pytest.mark.parametrize(("request_", "code"), [
    ({"serverType": "GITHUB", "authType": "OAUTH", "token": "t"}, "InvalidInputException"),  # console only
    ({"serverType": "GITHUB", "authType": "PERSONAL_ACCESS_TOKEN", "token": "t", "username": "u"}, "InvalidInputException"),
])
def test_import_source_credentials_refuses_what_the_api_documents_as_invalid(codebuild, request_, code):
    with pytest.raises(ClientError) as caught:
        codebuild.import_source_credentials(**request_)
    assert _code(caught) == code


def test_should_overwrite_false_keeps_the_existing_credential(codebuild):
    _github_token(codebuild)
    with pytest.raises(ClientError) as caught:
        codebuild.import_source_credentials(serverType="GITHUB", authType="PERSONAL_ACCESS_TOKEN", token="t2",
                                            shouldOverwrite=False)
    assert _code(caught) == "ResourceAlreadyExistsException"
    codebuild.import_source_credentials(serverType="BITBUCKET", authType="BASIC_AUTH", username="jane", token="app")
    assert len(codebuild.list_source_credentials()["sourceCredentialsInfos"]) == 2


def test_a_webhook_builds_on_push_to_the_branch_and_shows_on_the_project(codebuild):
    _github_token(codebuild)
    _project(codebuild)
    webhook = codebuild.create_webhook(projectName="pp", filterGroups=PUSH_MAIN, buildType="BUILD")["webhook"]
    assert webhook["filterGroups"] == PUSH_MAIN and webhook["payloadUrl"].startswith("https://codebuild.eu-west-1.")
    assert codebuild.batch_get_projects(names=["pp"])["projects"][0]["webhook"]["filterGroups"] == PUSH_MAIN
    with pytest.raises(ClientError) as caught:
        codebuild.create_webhook(projectName="pp", filterGroups=PUSH_MAIN)
    assert _code(caught) == "ResourceAlreadyExistsException"
    dev = [[{"type": "EVENT", "pattern": "PUSH"}, {"type": "HEAD_REF", "pattern": "^refs/heads/dev$"}]]
    assert codebuild.update_webhook(projectName="pp", filterGroups=dev)["webhook"]["filterGroups"] == dev
    codebuild.delete_webhook(projectName="pp")
    assert "webhook" not in codebuild.batch_get_projects(names=["pp"])["projects"][0]
    with pytest.raises(ClientError) as caught:
        codebuild.delete_webhook(projectName="pp")
    assert _code(caught) == "ResourceNotFoundException"


def test_a_github_project_and_its_webhook_need_the_accounts_source_credentials(codebuild):
    with pytest.raises(ClientError) as caught:
        _project(codebuild)
    assert _code(caught) == "InvalidInputException" and "No Access token found" in str(caught.value)
    arn = _github_token(codebuild)
    _project(codebuild)
    codebuild.delete_source_credentials(arn=arn)
    with pytest.raises(ClientError) as caught:
        codebuild.create_webhook(projectName="pp", filterGroups=PUSH_MAIN)
    assert _code(caught) == "ResourceNotFoundException" and "access token for server type github" in str(caught.value)
    with pytest.raises(ClientError) as caught:
        codebuild.update_project(name="pp", source={"type": "BITBUCKET", "location": "https://bitbucket.org/a/b.git"})
    assert _code(caught) == "InvalidInputException"


def test_create_webhook_needs_a_github_or_bitbucket_project(codebuild):
    _github_token(codebuild)
    with pytest.raises(ClientError) as caught:
        codebuild.create_webhook(projectName="missing", filterGroups=PUSH_MAIN)
    assert _code(caught) == "ResourceNotFoundException"
    _project(codebuild, "cc", "CODECOMMIT", "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/p")
    with pytest.raises(ClientError) as caught:
        codebuild.create_webhook(projectName="cc", filterGroups=PUSH_MAIN)
    assert _code(caught) == "InvalidInputException"


@pytest.mark.parametrize("groups", [
    [[{"type": "HEAD_REF", "pattern": "^refs/heads/main$"}]],  # no EVENT filter
    [[{"type": "EVENT", "pattern": "COMMIT"}]],  # not an event type
    [[{"type": "EVENT", "pattern": "PUSH"}, {"type": "BRANCH", "pattern": "main"}]],  # not a filter type
])
def test_filter_groups_follow_the_documented_rules(codebuild, groups):
    _github_token(codebuild)
    _project(codebuild)
    with pytest.raises(ClientError) as caught:
        codebuild.create_webhook(projectName="pp", filterGroups=groups)
    assert _code(caught) == "InvalidInputException"


def test_update_project_changes_only_the_given_fields_and_needs_the_project(codebuild):
    _github_token(codebuild)
    _project(codebuild)
    updated = codebuild.update_project(name="pp", sourceVersion="refs/heads/dev",
                                       environment={"type": "LINUX_CONTAINER", "image": "i",
                                                    "computeType": "BUILD_GENERAL1_XLARGE"})["project"]
    assert updated["sourceVersion"] == "refs/heads/dev" and updated["environment"]["computeType"] == "BUILD_GENERAL1_XLARGE"
    assert updated["source"]["location"] == "https://github.com/acme/p.git" and updated["serviceRole"] == ROLE
    with pytest.raises(ClientError) as caught:
        codebuild.update_project(name="nope", description="x")
    assert _code(caught) == "ResourceNotFoundException"


def test_every_documented_on_demand_compute_type_is_accepted(codebuild):
    _github_token(codebuild)
    assert _project(codebuild, "xl", compute="BUILD_GENERAL1_XLARGE")["environment"]["computeType"] == "BUILD_GENERAL1_XLARGE"
    with pytest.raises(ClientError) as caught:
        _project(codebuild, "bad", compute="BUILD_GENERAL1_HUGE")
    assert _code(caught) == "InvalidInputException"


def test_deleting_a_project_takes_its_webhook_along(codebuild):
    _github_token(codebuild)
    _project(codebuild)
    codebuild.create_webhook(projectName="pp", filterGroups=PUSH_MAIN)
    codebuild.delete_project(name="pp")
    _project(codebuild)
    assert "webhook" not in codebuild.batch_get_projects(names=["pp"])["projects"][0]
    codebuild.create_webhook(projectName="pp", filterGroups=PUSH_MAIN)  # no leftover: not "already exists"


def test_the_served_sandbox_answers_the_same(box, codebuild):
    endpoint = box.serve()
    served = boto3.client("codebuild", region_name="eu-west-1", endpoint_url=endpoint)
    with pytest.raises(ClientError) as caught:
        _project(served)
    assert _code(caught) == "InvalidInputException"
    _github_token(served)
    _project(served)
    assert served.create_webhook(projectName="pp", filterGroups=PUSH_MAIN)["webhook"]["filterGroups"] == PUSH_MAIN
