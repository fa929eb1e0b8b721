"""Shared by the end-to-end tests of verification.on_reject adjust: the config and the sandbox they use."""
from __future__ import annotations

from pathlib import Path

from reliability.pipeline import QUICK_JOBS, ROOT, TIME_SCALE
from sandbox import Sandbox
from sandbox.workforce import WorkforceProfile


def adjust_config(tmp_path: Path) -> Path:
    """config.yaml with on_reject: adjust and listing: list (templates by absolute path)."""
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    text = text.replace("on_reject: relabel", "on_reject: adjust")
    text = text.replace("listing: auto", "listing: list")  # these tests are about the jobs, not the image list
    text = text.replace("instructions_template: workflow/", f"instructions_template: {ROOT}/workflow/")
    assert "on_reject: adjust" in text
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def half_rejecting_sandbox() -> Sandbox:
    """A sandbox whose verifiers reject about half of the labels, with quick jobs (seeded: repeatable)."""
    return Sandbox(region="eu-west-1", time_scale=TIME_SCALE,
                   workforce=WorkforceProfile(seed=11, approval_rate=0.5, **QUICK_JOBS))
