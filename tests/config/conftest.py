"""Fixtures for the config tests: the shipped config.yaml, copied and mutated in a tmp folder."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from config_helpers import SHIPPED, mutated


@pytest.fixture
def shipped_document() -> dict:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A folder holding the worker templates the shipped config points to."""
    assets = tmp_path / "workflow" / "assets"
    assets.mkdir(parents=True)
    for name in ("labeling.liquid.html", "verification.liquid.html"):
        (assets / name).write_text("<p>{{ task.input.taskObject }}</p>\n", encoding="utf-8")
    return tmp_path


@pytest.fixture
def write_config(config_dir: Path, shipped_document: dict) -> Callable[..., Path]:
    """Write the shipped config with ``changes`` applied; return the file's path."""

    def write(changes: dict[str, Any] | None = None, *, text: str | None = None) -> Path:
        path = config_dir / "config.yaml"
        if text is None:
            text = yaml.safe_dump(mutated(shipped_document, changes or {}), sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write
