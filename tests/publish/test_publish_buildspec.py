"""buildspec.yml runs the README's commands in CodeBuild's phases."""
from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _spec() -> dict:
    return yaml.safe_load((ROOT / "buildspec.yml").read_text())


def test_buildspec_has_the_codebuild_shape():
    spec = _spec()
    assert spec["version"] == 0.2
    assert set(spec["phases"]) == {"install", "pre_build", "build"}
    assert spec["phases"]["install"]["runtime-versions"]["python"]
    assert spec["artifacts"]["base-directory"] == "build"


def test_buildspec_installs_tests_and_deploys_as_the_readme_says():
    phases = _spec()["phases"]
    readme = (ROOT / "README.md").read_text()
    install, = phases["install"]["commands"]
    assert install == "python -m pip install -r requirements.txt"
    test_command, = phases["pre_build"]["commands"]
    assert test_command == "python -m pytest -q"
    assert "python -m pytest -q" in readme and "pip install -r requirements.txt" in readme
    build = phases["build"]["commands"]
    assert build == ["python deploy.py --dry-run --out build", "python deploy.py"]
    for command in build:
        assert command in readme, f"README does not show {command!r}"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install -q -r requirements-dev.txt" in ci  # requirements.txt plus the pinned linters
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert "python -m pytest -q" in ci
