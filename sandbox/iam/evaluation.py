"""May this role do that action on that resource? Identity-based policy evaluation on moto's IAM.

``evaluate`` collects the role's inline policies and attached managed policies from moto's IAM
backend and evaluates each statement with moto's own ``IAMPolicyStatement`` (Action and Resource
matching, Effect). Conditions are decided first by ``sandbox.iam.conditions`` (moto mis-handles
them; see there). The combination follows AWS's policy evaluation logic for a principal in its
own account with identity-based policies only: an explicit Deny in any statement wins, otherwise
any Allow allows, otherwise the request is implicitly denied (IAM User Guide, "Policy evaluation
logic", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).

Not modelled: resource-based policies (bucket and key policies), permissions boundaries, session
policies, SCPs, policy variables. Statements with ``NotResource`` or without ``Resource`` raise
``UnsupportedPolicy`` rather than being guessed.

Two moto matching quirks are corrected before a statement reaches moto: it compares actions
case-sensitively (AWS: action names are case-insensitive, "IAM JSON policy elements: Action",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html) and it
turns a Resource pattern into a regular expression without escaping it (``?`` and ``.`` would be
regex syntax; AWS: ``*`` and ``?`` are the only wildcards, "IAM JSON policy elements: Resource",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from sandbox import registry
from sandbox.iam.conditions import evaluate_block

ALLOWED = "allowed"
IMPLICIT_DENY = "implicitDeny"
EXPLICIT_DENY = "explicitDeny"
DEFAULT_SESSION = "sandbox-session"

# Keys present in every request the sandbox evaluates: requests reach it as AWS's HTTPS endpoints
# ("AWS global condition context keys", aws:SecureTransport,
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
_ALWAYS = {"aws:SecureTransport": "true"}


class UnsupportedPolicy(ValueError):
    """A policy statement the sandbox cannot evaluate faithfully."""


@dataclass(frozen=True)
class MatchedStatement:
    """One statement that decided a request: its policy and its Sid (or index in the policy)."""

    policy_id: str
    policy_type: str  # botocore's PolicySourceType: "role" (inline), "user-managed", "aws-managed"
    statement: str


@dataclass(frozen=True)
class Decision:
    """The outcome of one evaluation."""

    decision: str  # "allowed" | "implicitDeny" | "explicitDeny"
    matched: tuple[str, ...] = ()  # Sids (or indexes) of the statements that decided it
    statements: tuple[MatchedStatement, ...] = field(default=(), compare=False)
    missing_context: tuple[str, ...] = field(default=(), compare=False)  # condition keys not in the context

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED


@dataclass(frozen=True)
class SourcePolicy:
    """A policy document attached to the role."""

    policy_id: str
    policy_type: str
    document: dict[str, Any]


class AccessDenied(Exception):
    """A request the role may not make; ``str()`` is AWS's message."""

    def __init__(self, role_arn: str, action: str, resource: str, decision: Decision,
                 session: str = DEFAULT_SESSION) -> None:
        self.role_arn, self.action, self.resource = role_arn, action, resource
        self.decision, self.session = decision, session
        super().__init__(access_denied_message(role_arn, action, resource, decision, session))


def enabled() -> bool:
    """Whether IAM is evaluated: the running sandbox's ``Sandbox(iam_evaluation=...)`` (on when no
    Sandbox runs); off, every request is allowed."""
    sandbox = registry.current()
    return sandbox is None or bool(sandbox.iam_evaluation)


def assumed_role_arn(role_arn: str, session: str) -> str:
    """``arn:aws:sts::<acct>:assumed-role/<role-name>/<session>`` for a role ARN (path dropped)."""
    parts = role_arn.split(":", 5)
    partition = parts[1] if len(parts) == 6 else "aws"
    account = parts[4] if len(parts) == 6 else ""
    name = role_arn.rsplit("/", 1)[-1]
    return f"arn:{partition}:sts::{account}:assumed-role/{name}/{session}"


def access_denied_message(role_arn: str, action: str, resource: str, decision: Decision,
                          session: str = DEFAULT_SESSION) -> str:
    """AWS's access-denied message for an identity-based denial ("Troubleshoot access denied error
    messages", https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html)."""
    why = ("with an explicit deny in an identity-based policy" if decision.decision == EXPLICIT_DENY
           else f"because no identity-based policy allows the {action} action")
    return (f"User: {assumed_role_arn(role_arn, session)} is not authorized to perform: {action} "
            f"on resource: {resource} {why}")


def evaluate(account_id: str, role_arn: str, action: str, resource: str,
             context: Mapping[str, str | list[str]] | None = None) -> Decision:
    """The decision for ``role_arn`` doing ``action`` on ``resource`` (allowed when evaluation is off)."""
    if not enabled():
        return Decision(ALLOWED)
    return evaluate_policies(role_policies(account_id, role_arn), action, resource, context)


def role_policies(account_id: str, role_arn: str) -> list[SourcePolicy]:
    """The role's inline and attached managed policies (none for an unknown role)."""
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    partition = role_arn.split(":")[1] if role_arn.startswith("arn:") else "aws"
    try:
        role = iam_backends[account_id][partition].get_role_by_arn(role_arn)
    except NotFoundException:
        return []
    found = [SourcePolicy(name, "role", _document(text)) for name, text in sorted(role.policies.items())]
    for arn, policy in sorted(role.managed_policies.items()):
        version = next(v for v in policy.versions if v.is_default)
        kind = "aws-managed" if ":iam::aws:policy/" in arn else "user-managed"
        found.append(SourcePolicy(policy.name, kind, _document(version.document)))
    return found


def evaluate_policies(policies: Sequence[SourcePolicy], action: str, resource: str,
                      context: Mapping[str, str | list[str]] | None = None) -> Decision:
    """Evaluate ``policies`` as the identity-based policies of one principal."""
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    request_context = {**_ALWAYS, **(context or {})}
    allows: list[MatchedStatement] = []
    denies: list[MatchedStatement] = []
    missing: list[str] = []
    for policy in policies:
        for index, statement in enumerate(_statements(policy.document)):
            result = IAMPolicyStatement(_for_moto(statement)).is_action_permitted(action.lower(), resource)
            if result == PermissionResult.NEUTRAL:
                continue  # action or resource does not match
            condition = statement.get("Condition")
            if condition:
                outcome = evaluate_block(condition, request_context)
                missing += [k for k in outcome.missing if k not in missing]
                if not outcome.holds:
                    continue
            matched = MatchedStatement(policy.policy_id, policy.policy_type, str(statement.get("Sid") or index))
            (denies if result == PermissionResult.DENIED else allows).append(matched)
    if denies:
        return Decision(EXPLICIT_DENY, tuple(m.statement for m in denies), tuple(denies), tuple(missing))
    if allows:
        return Decision(ALLOWED, tuple(m.statement for m in allows), tuple(allows), tuple(missing))
    return Decision(IMPLICIT_DENY, (), (), tuple(missing))


def _document(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(unquote(text))


def _statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _listed(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _escaped(pattern: str) -> str:
    """A Resource pattern moto's regex matching reads literally, with IAM's two wildcards."""
    return "".join(c if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def _for_moto(statement: Mapping[str, Any]) -> dict[str, Any]:
    """The statement without its Condition, actions lowercased, resources escaped."""
    if "NotResource" in statement or "Resource" not in statement:
        raise UnsupportedPolicy(f"statement {statement.get('Sid', '')!r}: the sandbox evaluates only statements "
                                f"with a Resource element (no NotResource)")
    prepared = {"Effect": statement.get("Effect", "Allow"),
                "Resource": [_escaped(r) for r in _listed(statement["Resource"])]}
    for element in ("Action", "NotAction"):
        if element in statement:
            prepared[element] = [a.lower() for a in _listed(statement[element])]
    return prepared
