"""A Mermaid flowchart of an Amazon States Language definition."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_SHAPES = {
    "Choice": ("{", "}"),
    "Succeed": ("([", "])"),
    "Fail": ("[[", "]]"),
    "Wait": ("[/", "/]"),
}
_COMPARISONS = {
    "StringEquals": "=",
    "NumericEquals": "=",
    "BooleanEquals": "=",
    "NumericGreaterThanEquals": ">=",
    "NumericGreaterThan": ">",
    "NumericLessThanEquals": "<=",
    "NumericLessThan": "<",
    "StringMatches": "matches",
}


def all_states(definition: dict[str, Any]) -> dict[str, Any]:
    """Every state by name, those of Parallel branches after their Parallel state (names are unique
    in the whole state machine)."""
    found: dict[str, Any] = {}
    for name, state in definition["States"].items():
        found[name] = state
        for branch in state.get("Branches", []):
            found.update(all_states(branch))
    return found


def _node_ids(states: dict[str, Any]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for index, name in enumerate(states):
        slug = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_") or "state"
        ids[name] = f"s{index}_{slug}"
    return ids


def _text(text: str) -> str:
    return text.replace('"', "#quot;")


def _short_variable(variable: str) -> str:
    return variable.removeprefix("$.").split(".")[-1]


def describe_rule(rule: dict[str, Any]) -> str:
    """A Choice rule in a few words, e.g. ``Status = Completed and TotalLabeled = 0``."""
    if "And" in rule:
        return " and ".join(describe_rule(r) for r in rule["And"])
    if "Or" in rule:
        return " or ".join(describe_rule(r) for r in rule["Or"])
    if "Not" in rule:
        return f"not ({describe_rule(rule['Not'])})"
    variable = _short_variable(rule.get("Variable", "?"))
    for key, value in rule.items():
        if key in ("Variable", "Next"):
            continue
        if key in _COMPARISONS:
            return f"{variable} {_COMPARISONS[key]} {value}"
        return f"{variable} {key} {value}"
    return variable


@dataclass(frozen=True)
class Edge:
    """One transition of the graph: ``kind`` is "next", "choice", "default" or "catch"."""

    source: str
    target: str
    kind: str
    label: str = ""


def edges(definition: dict[str, Any], after: str | None = None) -> Iterator[Edge]:
    """Every transition between states, in state order; shared by the Mermaid and SVG pictures.

    A Parallel state leads to each branch's first state ("branch"); a branch's last states lead to
    the state after the Parallel (``after``: "joined").
    """
    for name, state in definition["States"].items():
        for branch in state.get("Branches", []):
            yield Edge(name, branch["StartAt"], "branch", "in parallel")
            yield from edges(branch, state.get("Next"))
        if after is not None and state.get("End") and state["Type"] not in ("Fail", "Succeed"):
            yield Edge(name, after, "next")
        if "Next" in state and "Branches" not in state:
            yield Edge(name, state["Next"], "next")
        for choice in state.get("Choices", []):
            yield Edge(name, choice["Next"], "choice", describe_rule(choice))
        if "Default" in state:
            yield Edge(name, state["Default"], "default", "otherwise")
        for catch in state.get("Catch", []):
            yield Edge(name, catch["Next"], "catch", ", ".join(error.split(".")[-1] for error in catch["ErrorEquals"]))


def to_mermaid(definition: dict[str, Any]) -> str:
    """``flowchart TD`` of the states; Choice edges carry their condition, Catch edges are dashed."""
    states = all_states(definition)
    ids = _node_ids(states)
    lines = ["flowchart TD", "    start((start))"]
    for name, state in states.items():
        left, right = _SHAPES.get(state["Type"], ("[", "]"))
        lines.append(f'    {ids[name]}{left}"{_text(name)}"{right}')
    lines.append(f"    start --> {ids[definition['StartAt']]}")
    for edge in edges(definition):
        source, target = ids[edge.source], ids[edge.target]
        if edge.kind == "next":
            lines.append(f"    {source} --> {target}")
        elif edge.kind == "catch":
            lines.append(f'    {source} -.->|"{_text(edge.label)}"| {target}')
        else:
            lines.append(f'    {source} -->|"{_text(edge.label)}"| {target}')
    return "\n".join(lines) + "\n"
