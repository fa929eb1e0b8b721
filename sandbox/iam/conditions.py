"""Decide a statement's Condition block against a request context, before moto sees the statement.

Why: moto's ``IAMPolicyStatement`` (5.2.5) evaluates only ``StringEquals``; it ignores every other
operator (so ``StringLike`` on ``s3:prefix`` would always hold), it lets a condition whose key is
absent from the request hold, and it turns an Allow statement whose condition fails into an
explicit DENY. So the sandbox decides the conditions itself and hands moto the statement without
its Condition (or not at all, when the condition is false); moto still matches the Action and
Resource and applies the Effect.

Only the operators the pipeline's policies use, and their documented variants, are supported;
anything else raises ``UnsupportedCondition`` instead of being guessed.

Rules (IAM User Guide, "IAM JSON policy elements: Condition operators",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
- a key absent from the request context makes the condition false, except for the negated
  operators (``StringNotEquals``, ``StringNotLike``, ``ArnNotEquals``, ``ArnNotLike``: true) and
  ``...IfExists`` (true) and ``Null``;
- several values for one key: any may match (OR); several keys or operators: all must hold (AND);
- ``ArnLike``/``ArnEquals`` compare each of the six colon-separated ARN parts separately;
- context key names are not case-sensitive ("IAM JSON policy elements: Condition",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Context = Mapping[str, "str | list[str]"]


class UnsupportedCondition(ValueError):
    """A condition operator the sandbox does not evaluate."""


@dataclass
class Outcome:
    """Whether a Condition block holds, and the context keys it needed but did not find."""

    holds: bool
    missing: list[str] = field(default_factory=list)


def _glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def _arn_parts(arn: str) -> list[str] | None:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


def _arn_like(pattern: str, value: str) -> bool:
    wanted, actual = _arn_parts(pattern), _arn_parts(value)
    if wanted is None or actual is None:
        return False
    return all(_glob(p, a) for p, a in zip(wanted, actual, strict=True))


def _arn_equals(pattern: str, value: str) -> bool:
    return _arn_like(pattern, value)  # AWS documents ArnEquals and ArnLike with the same matching


_MATCHERS = {
    "stringequals": lambda p, v: p == v,
    "stringequalsignorecase": lambda p, v: p.lower() == v.lower(),
    "stringlike": _glob,
    "arnequals": _arn_equals,
    "arnlike": _arn_like,
    "bool": lambda p, v: p.lower() == v.lower(),
}
_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
}


def _values(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(item).lower() if isinstance(item, bool) else str(item) for item in items]


def evaluate_block(block: Mapping[str, Mapping[str, Any]], context: Context) -> Outcome:
    """Whether every condition of ``block`` holds for ``context``."""
    lowered = {key.lower(): _values(value) for key, value in context.items()}
    outcome = Outcome(True)
    for operator, keys in block.items():
        name = operator.lower()
        if name.startswith(("forallvalues:", "foranyvalue:")):
            raise UnsupportedCondition(f"condition operator {operator} is not evaluated by the sandbox; "
                                       f"supported: {', '.join(supported_operators())}")
        if_exists = name.endswith("ifexists")
        name = name[: -len("ifexists")] if if_exists else name
        for key, wanted in keys.items():
            actual = lowered.get(key.lower())
            if name == "null":
                is_null = actual is None
                if is_null != (_values(wanted)[0].lower() == "true"):
                    outcome.holds = False
                continue
            negated = name in _NEGATED
            matcher = _MATCHERS.get(_NEGATED.get(name, name))
            if matcher is None:
                raise UnsupportedCondition(f"condition operator {operator} is not evaluated by the sandbox; "
                                           f"supported: {', '.join(supported_operators())}")
            if actual is None:
                outcome.missing.append(key)
                if not (if_exists or negated):
                    outcome.holds = False
                continue
            matched = any(matcher(p, v) for p in _values(wanted) for v in actual)
            if matched == negated:
                outcome.holds = False
    return outcome


def supported_operators() -> list[str]:
    """Operator names ``evaluate_block`` accepts (each also with the IfExists suffix)."""
    names = {"stringequals": "StringEquals", "stringequalsignorecase": "StringEqualsIgnoreCase",
             "stringlike": "StringLike", "arnequals": "ArnEquals", "arnlike": "ArnLike", "bool": "Bool",
             "stringnotequals": "StringNotEquals", "stringnotequalsignorecase": "StringNotEqualsIgnoreCase",
             "stringnotlike": "StringNotLike", "arnnotequals": "ArnNotEquals", "arnnotlike": "ArnNotLike"}
    return [*names.values(), "Null"]
