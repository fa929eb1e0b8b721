"""moto extensions for IAM evaluation: ``iam:SimulatePrincipalPolicy`` and identities in Lambda threads.

Installed by the patch registry (``sandbox.patches``), which restores moto's originals on uninstall.
"""
from __future__ import annotations

import threading
from typing import Any

from sandbox.iam import evaluation, identity
from sandbox.patches.base import patch

DEFAULT_MAX_ITEMS = 100  # SimulatePrincipalPolicy's MaxItems default (IAM API Reference)


def install() -> None:
    """Add SimulatePrincipalPolicy to moto's IAM and make Thread.start carry inheritable identities.

    Why: moto lacks SimulatePrincipalPolicy (see ``simulate_principal_policy``), and a Lambda
    handler's threads must call AWS as the function's role, as the handler does
    (``sandbox.iam.identity.inheriting_start``)."""
    from moto.iam.responses import IamResponse

    patch(IamResponse, "simulate_principal_policy", simulate_principal_policy)
    patch(threading.Thread, "start", identity.inheriting_start(threading.Thread.start))


def simulate_principal_policy(self: Any) -> Any:
    """Why: moto 5.2.5 lacks SimulatePrincipalPolicy; preflight checks (``deploy.py --preflight``) ask
    it whether each role may do what its service will do. Answered with ``sandbox.iam.evaluation``,
    the same evaluation the sandbox applies to requests (IAM API Reference, SimulatePrincipalPolicy,
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html): one
    result per action and resource ("*" when ResourceArns is omitted), the role's policies plus any
    PolicyInputList documents, MaxItems/Marker paging with IsTruncated."""
    from moto.core.responses import ActionResult
    from moto.iam.exceptions import InvalidInput, NoSuchEntity, NotFoundException

    source = self._get_param("PolicySourceArn") or ""
    if ":role/" not in source:
        raise InvalidInput(f"PolicySourceArn {source!r} is not a role ARN; the sandbox simulates roles only")
    role_name = source.rsplit("/", 1)[-1]
    try:
        self.backend.get_role_by_arn(source)
    except NotFoundException:
        raise NoSuchEntity(f"The role with name {role_name} cannot be found.") from None
    policies = evaluation.role_policies(self.current_account, source)
    for index, document in enumerate(_list(self._get_param("PolicyInputList")), start=1):
        policies.append(evaluation.SourcePolicy(f"PolicyInputList.{index}", "none", evaluation._document(document)))
    context = _context(_list(self._get_param("ContextEntries")))
    actions = _list(self._get_param("ActionNames"))
    resources = _list(self._get_param("ResourceArns")) or ["*"]
    results = [_result(policies, action, resource, context) for action in actions for resource in resources]
    start = int(self._get_param("Marker") or 0)
    size = int(self._get_param("MaxItems") or DEFAULT_MAX_ITEMS)
    page = results[start:start + size]
    body: dict[str, Any] = {"EvaluationResults": page, "IsTruncated": start + size < len(results)}
    if body["IsTruncated"]:
        body["Marker"] = str(start + size)
    return ActionResult(body)


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _context(entries: list[Any]) -> dict[str, str | list[str]]:
    context: dict[str, str | list[str]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("ContextKeyName"):
            continue
        values = [str(v) for v in _list(entry.get("ContextKeyValues"))]
        context[entry["ContextKeyName"]] = values[0] if len(values) == 1 else values
    return context


def _result(policies: list[evaluation.SourcePolicy], action: str, resource: str,
            context: dict[str, str | list[str]]) -> dict[str, Any]:
    decision = evaluation.evaluate_policies(policies, action, resource, context) if evaluation.enabled() \
        else evaluation.Decision(evaluation.ALLOWED)
    return {
        "EvalActionName": action,
        "EvalResourceName": resource,
        "EvalDecision": decision.decision,
        "MatchedStatements": [{"SourcePolicyId": m.policy_id, "SourcePolicyType": m.policy_type}
                              for m in decision.statements],
        "MissingContextValues": list(decision.missing_context),
    }
