"""Trust policies judged as the service assuming the role sends its request (sandbox.iam.trust): the
deployer's documents let each service in with the context it documents sending, and nothing else."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from publish.iam_policies import PolicyContext, role_documents
from sandbox import Sandbox
from workflow.config import load_config

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"state_machine": "states.amazonaws.com", "check_lambda": "lambda.amazonaws.com",
            "update_lambda": "lambda.amazonaws.com", "filter_lambda": "lambda.amazonaws.com", "ground_truth": "sagemaker.amazonaws.com",
            "feature_store": "sagemaker.amazonaws.com", "scheduler": "scheduler.amazonaws.com"}


@pytest.fixture(scope="module")
def roles():
    with Sandbox(region="eu-west-1") as sb:
        cfg = load_config(ROOT / "config.yaml")
        ctx = PolicyContext(cfg=cfg, account_id=sb.account_id, check_function_name="c", update_function_name="u",
                            state_machine_name=cfg.pipeline.name, ground_truth_role_arn="arn:aws:iam::123456789012:role/gt")
        iam = boto3.client("iam")
        arns = {kind: iam.create_role(RoleName=f"trust-{kind}".replace("_", "-"), AssumeRolePolicyDocument=json.dumps(docs.trust))["Role"]["Arn"]
                for kind, docs in role_documents(ctx).items() if kind in SERVICES}
        yield sb, cfg, arns


def _context(sb, cfg, kind: str) -> dict:
    """What each service sends when it assumes the role (sandbox.iam.trust)."""
    from sandbox.iam.trust import confused_deputy_context

    if kind == "state_machine":
        return confused_deputy_context(sb.account_id, f"arn:aws:states:{sb.region}:{sb.account_id}:stateMachine:{cfg.pipeline.name}")
    if kind == "scheduler":
        return confused_deputy_context(sb.account_id, f"arn:aws:scheduler:{sb.region}:{sb.account_id}:schedule-group/default")
    return {}


def test_each_deployed_role_admits_its_own_service_only(roles):
    from sandbox.iam.trust import may_assume

    sb, cfg, arns = roles
    for kind, arn in arns.items():
        assert may_assume(sb.account_id, arn, SERVICES[kind], _context(sb, cfg, kind)).allowed, kind
        others = set(SERVICES.values()) - {SERVICES[kind]}
        for other in others:
            assert not may_assume(sb.account_id, arn, other, _context(sb, cfg, kind)).allowed, (kind, other)


def test_a_source_account_condition_on_a_lambda_role_locks_lambda_out(roles):
    """Lambda documents sending no aws:SourceAccount when it assumes an execution role: a trust
    policy requiring it (the deployer's old document) is one Lambda cannot meet."""
    from sandbox.iam.trust import may_assume

    sb, _, _ = roles
    old = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                  "Action": "sts:AssumeRole",
                                                  "Condition": {"StringEquals": {"aws:SourceAccount": sb.account_id}}}]}
    arn = boto3.client("iam").create_role(RoleName="old-lambda-trust", AssumeRolePolicyDocument=json.dumps(old))["Role"]["Arn"]
    assert not may_assume(sb.account_id, arn, "lambda.amazonaws.com").allowed


def test_the_state_machine_role_refuses_another_state_machine(roles):
    from sandbox.iam.trust import confused_deputy_context, may_assume

    sb, _, arns = roles
    other = confused_deputy_context(sb.account_id, f"arn:aws:states:{sb.region}:{sb.account_id}:stateMachine:someone-else")
    assert not may_assume(sb.account_id, arns["state_machine"], "states.amazonaws.com", other).allowed
