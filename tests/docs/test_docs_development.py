"""The README's Development section matches the tree and CI: every top-level folder is named, and
the lint and type checks it describes are the ones .ci/run enforces."""
from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _development() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("\n## Development\n", 1)[1].split("\n## ", 1)[0]


def _tracked_folders() -> set[str]:
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked folders are unknown")
    return {line.split("/", 1)[0] for line in listed.splitlines() if "/" in line}


def test_the_layout_line_names_every_top_level_folder():
    layout = _development().split("- Layout:", 1)[1].split("\n- ", 1)[0]
    named = set(re.findall(r"`([\w.]+)/`", layout))
    missing = sorted(_tracked_folders() - named)
    assert not missing, f"README Development layout does not name {missing}; add them to the Layout line"


def test_ci_runs_ruff_and_mypy_before_the_tests_with_the_settings_in_pyproject():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert "python -m pip install -q -r requirements-dev.txt" in commands
    assert commands.index("ruff check .") < commands.index("mypy") < commands.index("python -m pytest -q")
    tools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    assert {"ruff", "mypy", "pytest"} <= set(tools)
    assert not (ROOT / "pytest.ini").exists(), "pytest.ini would shadow pyproject.toml's [tool.pytest.ini_options]"
    development = _development()
    for command in ("pip install -r requirements-dev.txt", "ruff check .", "mypy"):
        assert f"`{command}`" in development


def test_dev_requirements_pin_every_tool():
    lines = [line.split("#", 1)[0].strip() for line in (ROOT / "requirements-dev.txt").read_text().splitlines()]
    requirements = [line for line in lines if line and not line.startswith("-r")]
    assert requirements and all(re.fullmatch(r"[\w.-]+==[\w.]+", line) for line in requirements), requirements
