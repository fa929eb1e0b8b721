"""Helpers shared by the config tests: the shipped config.yaml and mutations of it."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "config.yaml"
DELETE = object()  # a mutation value that removes the key


def mutated(document: dict, changes: dict[str, Any]) -> dict:
    """A deep copy of ``document`` with dotted key paths set (or removed with DELETE)."""
    result = copy.deepcopy(document)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = result
        for part in parents:
            node = node[part]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return result
