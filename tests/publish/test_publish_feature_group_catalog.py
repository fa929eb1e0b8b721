"""The feature group's offline-store table is named by the deployer, and IAM grants exactly that table."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from publish import feature_group
from publish.aws import AwsClients
from publish.changes import DeployError
from publish.deployer import Deployer
from publish.iam_policies import PolicyContext, role_documents
from workflow.config import load_config
from workflow.resources import ResourceArns

ROOT = Path(__file__).resolve().parents[2]
CATALOG = {"Catalog": "AwsDataCatalog", "Database": "sagemaker_featurestore", "TableName": "scratch_labels"}


def test_table_name_is_a_valid_athena_name_derived_from_the_group_name():
    assert feature_group.offline_table_name("scratch-labels") == "scratch_labels"
    assert feature_group.offline_table_name("Line-7_Scratches") == "line_7_scratches"


def test_request_sets_the_data_catalog_explicitly():
    cfg = load_config(ROOT / "config.yaml")
    request = feature_group.feature_group_request(cfg, "arn:aws:iam::000000000000:role/x")
    assert request["OfflineStoreConfig"]["DataCatalogConfig"] == CATALOG


def test_deployed_group_uses_the_table_the_check_lambda_may_read(cfg, sandbox):
    Deployer(cfg, AwsClients(session=boto3.Session(), region=cfg.pipeline.region)).run()
    described = boto3.client("sagemaker").describe_feature_group(FeatureGroupName="scratch-labels")
    assert described["OfflineStoreConfig"]["DataCatalogConfig"] == CATALOG
    boto3.client("glue").get_table(DatabaseName="sagemaker_featurestore", Name="scratch_labels")
    documents = role_documents(PolicyContext.for_config(cfg, ResourceArns.for_account(cfg, sandbox.account_id)))
    resources = [r for s in documents["check_lambda"].policy["Statement"] for r in _list(s["Resource"])]
    tables = [r for r in resources if ":table/" in r]
    assert tables == [f"arn:aws:glue:eu-west-1:{sandbox.account_id}:table/sagemaker_featurestore/scratch_labels"]


def _existing_group(cfg, table: str) -> None:
    """A feature group made outside this deploy, with its offline table named ``table``."""
    boto3.client("s3").create_bucket(Bucket=cfg.storage.bucket,
                                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "sagemaker.amazonaws.com"}}]}
    role = boto3.client("iam").create_role(RoleName="someone-else", AssumeRolePolicyDocument=json.dumps(trust))
    request = feature_group.feature_group_request(cfg, role["Role"]["Arn"])
    request["OfflineStoreConfig"]["DataCatalogConfig"] = {**CATALOG, "TableName": table}
    boto3.client("sagemaker").create_feature_group(**request)


def test_existing_group_with_another_table_is_a_conflict(cfg, sandbox):
    _existing_group(cfg, "line7_labels")
    with pytest.raises(DeployError) as failure:
        Deployer(cfg, AwsClients(session=boto3.Session(), region=cfg.pipeline.region)).run()
    message = str(failure.value)
    assert "already exists with other definitions" in message
    assert ("its offline store table is AwsDataCatalog.sagemaker_featurestore.line7_labels, "
            "ours is AwsDataCatalog.sagemaker_featurestore.scratch_labels") in message


def test_a_group_from_an_earlier_release_keeps_its_table_and_the_policy_grants_it(cfg, sandbox):
    """Earlier releases sent no DataCatalogConfig: Feature Store named the table <name>_<epoch>. Upgrading
    must not turn a deployed pipeline (and its paid labels) into a conflict."""
    _existing_group(cfg, "scratch_labels_1700000000")
    changes = []
    Deployer(cfg, AwsClients(session=boto3.Session(), region=cfg.pipeline.region), emit=changes.append).run()
    group = next(c for c in changes if c.kind == "feature group")
    assert group.action == "unchanged" and "scratch_labels_1700000000" in group.line()
    roles = boto3.client("iam")
    documents = [roles.get_role_policy(RoleName="scratch-labeling-check-lambda", PolicyName=name)["PolicyDocument"]
                 for name in roles.list_role_policies(RoleName="scratch-labeling-check-lambda")["PolicyNames"]]
    text = json.dumps(documents)
    assert "table/sagemaker_featurestore/scratch_labels_1700000000" in text


def _list(value):
    return value if isinstance(value, list) else [value]


def test_policy_json_names_no_wildcard_table():
    cfg = load_config(ROOT / "config.yaml")
    documents = role_documents(PolicyContext.for_config(cfg, ResourceArns.placeholder(cfg)))
    text = json.dumps(documents["check_lambda"].policy)
    assert "table/sagemaker_featurestore/scratch_labels\"" in text and "scratch_labels_*" not in text


def test_a_table_left_by_a_deleted_group_is_not_adopted(cfg, sandbox):
    """DeleteFeatureGroup keeps the Glue table and the offline files (API_DeleteFeatureGroup); a new
    group must not silently take over a table that still holds the old group's labels."""
    clients = AwsClients(session=boto3.Session(), region=cfg.pipeline.region)
    Deployer(cfg, clients).run()
    boto3.client("sagemaker").delete_feature_group(FeatureGroupName="scratch-labels")
    with pytest.raises(DeployError) as failure:
        Deployer(cfg, clients).run()
    message = str(failure.value)
    assert "its offline store table sagemaker_featurestore.scratch_labels does" in message
    assert "aws glue delete-table --database-name sagemaker_featurestore --name scratch_labels" in message
    boto3.client("glue").delete_table(DatabaseName="sagemaker_featurestore", Name="scratch_labels")
    changes = []
    Deployer(cfg, clients, emit=changes.append).run()
    assert [c.action for c in changes if c.kind == "feature group"] == ["created"]
    assert sandbox.offline_store_rows("scratch-labels") == []
