"""An SVG picture of an Amazon States Language definition, drawn by Graphviz ``dot`` when installed.

``to_dot`` is pure (the DOT text); ``render_svg`` runs ``dot``; ``write_svg`` does both, or says in
one line why it skipped the picture. Get Graphviz with ``apt-get install graphviz``,
``brew install graphviz`` or https://graphviz.org/download/.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from workflow.mermaid import all_states, edges

START_NODE = "__start__"  # the start marker's node id; every other node is a state
INSTALL_HINT = "install Graphviz (apt-get install graphviz, brew install graphviz, or https://graphviz.org/download/)"

_NODE_STYLES = {
    "Task": 'shape=box, style="rounded,filled", fillcolor="#dbeafe"',
    "Choice": 'shape=diamond, style=filled, fillcolor="#fef3c7"',
    "Wait": 'shape=box, style="rounded,dashed"',
    "Pass": 'shape=box, style="rounded", color="#6b7280"',
    "Succeed": 'shape=box, style="rounded,filled,bold", fillcolor="#dcfce7"',
    "Fail": 'shape=octagon, style=filled, fillcolor="#fee2e2"',
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(definition: dict[str, Any]) -> str:
    """DOT source: one node per state (shape by type), Next/Choice edges solid, Catch edges dashed red."""
    states: dict[str, Any] = all_states(definition)  # Parallel branches' states too
    lines = [
        "digraph state_machine {",
        '    graph [rankdir=TB, fontname="Helvetica", nodesep=0.3, ranksep=0.4];',
        '    node [fontname="Helvetica", fontsize=11];',
        '    edge [fontname="Helvetica", fontsize=9];',
        f'    {_quote(START_NODE)} [label="start", shape=circle, style=filled, fillcolor="#111827", fontcolor=white, width=0.5];',
    ]
    for name, state in states.items():
        style = _NODE_STYLES.get(state["Type"], "shape=box")
        lines.append(f"    {_quote(name)} [{style}, tooltip={_quote(state['Type'])}];")
    lines.append(f'    {_quote(START_NODE)} -> {_quote(definition["StartAt"])};')
    for edge in edges(definition):
        source, target = _quote(edge.source), _quote(edge.target)
        if edge.kind == "next":
            lines.append(f"    {source} -> {target};")
        elif edge.kind == "catch":
            lines.append(f"    {source} -> {target} [style=dashed, color=\"#b91c1c\", "
                         f"fontcolor=\"#b91c1c\", label={_quote(edge.label)}];")
        else:
            lines.append(f"    {source} -> {target} [label={_quote(edge.label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def find_dot() -> str | None:
    """Path of Graphviz's ``dot`` program, or None when it is not installed."""
    return shutil.which("dot")


def render_svg(dot_source: str, dot_program: str) -> str:
    """The SVG text ``dot_program`` draws from ``dot_source`` (RuntimeError with dot's message if it fails)."""
    result = subprocess.run([dot_program, "-Tsvg"], input=dot_source, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"dot failed (exit {result.returncode}): {' '.join(result.stderr.split())}")
    return result.stdout


def write_svg(definition: dict[str, Any], path: Path) -> str:
    """Write the picture of ``definition`` to ``path`` when ``dot`` exists; return the line to print."""
    dot_program = find_dot()
    if dot_program is None:
        return f"skipped {path}: Graphviz 'dot' is not installed; {INSTALL_HINT} to get the SVG graph"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_svg(to_dot(definition), dot_program), encoding="utf-8")
    return str(path)
