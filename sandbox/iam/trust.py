"""May an AWS service assume a role? The role's trust policy, judged on moto's policy evaluation.

A service assumes an execution role with ``sts:AssumeRole`` as its service principal: Lambda
(``lambda.amazonaws.com``) the function's role on invoke, Step Functions (``states.amazonaws.com``)
the state machine's role, SageMaker (``sagemaker.amazonaws.com``) a labeling job's or a feature
group's role, EventBridge Scheduler (``scheduler.amazonaws.com``) a schedule's role. The trust
policy must name that principal ("IAM JSON policy elements: Principal", AWS service principals,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).

The statements that name the service (or ``"*"``) are evaluated by ``sandbox.iam.evaluation``
(moto's ``IAMPolicyStatement`` with the sandbox's condition evaluation) for ``sts:AssumeRole`` on
the role, with the context keys the service sends. Only Step Functions and EventBridge Scheduler
document sending ``aws:SourceAccount``/``aws:SourceArn`` when they assume an execution role
(procedure-create-iam-role, "Prevent cross-service confused deputy issue"; scheduler
cross-service-confused-deputy-prevention); for Lambda and SageMaker no page documents it, so the
sandbox sends no such key for them and a trust condition on those keys fails, as a condition on an
absent key does.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox import registry
from sandbox.iam.evaluation import (
    ALLOWED,
    IMPLICIT_DENY,
    Decision,
    SourcePolicy,
    UnsupportedPolicy,
    enabled,
    evaluate_policies,
)

LAMBDA = "lambda.amazonaws.com"
STATES = "states.amazonaws.com"
SAGEMAKER = "sagemaker.amazonaws.com"
SCHEDULER = "scheduler.amazonaws.com"


class CannotAssumeRole(Exception):
    """The service may not assume the role (missing role, or its trust policy does not allow it)."""

    def __init__(self, role_arn: str, service: str, decision: Decision) -> None:
        self.role_arn, self.service, self.decision = role_arn, service, decision
        super().__init__(f"{service} is not authorized to assume {role_arn} ({decision.decision}); "
                         f"the role's trust policy must allow {service} sts:AssumeRole")


def services_checked() -> bool:
    """Whether calls services make for a role are judged: IAM evaluation is on and a Sandbox runs.

    The Ground Truth stand-in also runs outside a Sandbox (its own unit tests, with roles that
    have no policies); there it reads and writes unchecked, as before IAM evaluation existed."""
    return enabled() and registry.current() is not None


def confused_deputy_context(account_id: str, source_arn: str) -> dict[str, str]:
    """The keys Step Functions and EventBridge Scheduler document sending when they assume a role."""
    return {"aws:SourceAccount": account_id, "aws:SourceArn": source_arn}


def may_assume(account_id: str, role_arn: str, service: str,
               context: Mapping[str, str] | None = None) -> Decision:
    """Whether ``service`` may assume ``role_arn`` with request ``context`` (allowed when IAM
    evaluation is off; implicitly denied for a role that does not exist)."""
    if not enabled():
        return Decision(ALLOWED)
    document = _trust_document(account_id, role_arn)
    if document is None:
        return Decision(IMPLICIT_DENY)
    statements = [_as_identity_statement(s, role_arn) for s in _statements(document) if _names(s, service)]
    if not statements:
        return Decision(IMPLICIT_DENY)
    policy = SourcePolicy("trust-policy", "role-trust", {"Version": "2012-10-17", "Statement": statements})
    return evaluate_policies([policy], "sts:AssumeRole", role_arn, context)


def check_assume(account_id: str, role_arn: str, service: str, context: Mapping[str, str] | None = None) -> None:
    """Raise ``CannotAssumeRole`` unless ``service`` may assume ``role_arn``."""
    decision = may_assume(account_id, role_arn, service, context)
    if not decision.allowed:
        raise CannotAssumeRole(role_arn, service, decision)


def _trust_document(account_id: str, role_arn: str) -> dict[str, Any] | None:
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    from sandbox.iam.evaluation import _document

    partition = role_arn.split(":")[1] if role_arn.startswith("arn:") else "aws"
    try:
        role = iam_backends[account_id][partition].get_role_by_arn(role_arn)
    except NotFoundException:
        return None
    return _document(role.assume_role_policy_document)


def _statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _names(statement: Mapping[str, Any], service: str) -> bool:
    """Whether the statement's Principal covers ``service``."""
    if "NotPrincipal" in statement:
        raise UnsupportedPolicy("trust policy statements with NotPrincipal are not evaluated by the sandbox")
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    services = principal.get("Service", [])
    return service in (services if isinstance(services, list) else [services])


def _as_identity_statement(statement: Mapping[str, Any], role_arn: str) -> dict[str, Any]:
    """The trust statement as evaluation.py takes statements: the Principal already matched, the
    role as the Resource (a trust policy's resource is the role it is attached to)."""
    prepared = {key: value for key, value in statement.items() if key not in ("Principal", "Sid")}
    prepared["Resource"] = role_arn
    if "Sid" in statement:
        prepared["Sid"] = statement["Sid"]
    return prepared
