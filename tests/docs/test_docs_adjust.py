"""The README shows the adjust path: its state machine (drawn from the code) and its config key."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from workflow.config import load_config, replace
from workflow.graph import render_definition
from workflow.mermaid import to_mermaid
from workflow.resources import ResourceArns

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("docs_generate_adjust", ROOT / "docs" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_draws_the_adjust_state_machine_as_the_code_builds_it():
    cfg = load_config(ROOT / "config.yaml")
    cfg = replace(cfg, verification=replace(cfg.verification, on_reject="adjust"))
    drawn = to_mermaid(render_definition(cfg, ResourceArns.placeholder(cfg)))
    section = _generator().section_text((ROOT / "README.md").read_text(encoding="utf-8"), "graph")
    blocks = re.findall(r"```mermaid\n(.*?)```", section, re.S)
    assert drawn in blocks, "README.md lacks the on_reject adjust state machine: run python docs/generate.py"
    assert '"Start adjustment job"' in drawn and '"Labeling and adjustment"' in drawn
    assert "`label_path`" in section


def test_the_config_reference_describes_on_reject():
    reference = _generator().section_text((ROOT / "README.md").read_text(encoding="utf-8"), "config-reference")
    row = next(line for line in reference.splitlines() if line.startswith("| `verification.on_reject` |"))
    assert "`relabel`" in row and "'adjust'" in row and "bounding_box and semantic_segmentation only" in row
