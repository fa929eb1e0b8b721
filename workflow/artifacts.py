"""The files a dry run writes: everything ``deploy`` would publish, rendered offline.

The Ground Truth UI assets are rendered once, by ``render_assets``: the deployer uploads those
bytes and the dry run writes the same bytes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steps.task_types import has_verification
from workflow import job_requests
from workflow.config import PipelineConfig
from workflow.graph import render_definition
from workflow.mermaid import to_mermaid
from workflow.resources import ASSET_NAMES, ResourceArns

ASSETS_FOLDER = "assets/"  # the dry run's folder for the UI assets


def _json(value: Any) -> str:
    """Indented JSON, non-ASCII characters as themselves (UTF-8 when encoded), one final newline."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Asset:
    """One Ground Truth UI asset as uploaded to S3."""

    body: bytes
    content_type: str


def render_assets(cfg: PipelineConfig) -> dict[str, Asset]:
    """Asset name (``resources.ASSET_NAMES``) -> its bytes and content type."""
    assets = {
        "labeling.liquid.html": Asset(job_requests.template_text(cfg, "labeling").encode(), "text/html"),
        "verification.liquid.html": Asset(job_requests.template_text(cfg, "verification").encode(), "text/html"),
        "labeling-categories.json": Asset(_json(job_requests.labeling_categories(cfg)).encode(), "application/json"),
        "verification-categories.json": Asset(_json(job_requests.verification_categories(cfg)).encode(),
                                              "application/json"),
        "adjustment.liquid.html": Asset(job_requests.adjustment_template_text(cfg).encode(), "text/html"),
    }
    assert tuple(assets) == ASSET_NAMES, "render_assets and resources.ASSET_NAMES disagree"
    return assets


def render_files(cfg: PipelineConfig, arns: ResourceArns) -> dict[str, str]:
    """Relative path -> text of every dry-run file (definition, graph, example requests, assets)."""
    definition = render_definition(cfg, arns)
    values = job_requests.example_values(cfg, arns)
    return {
        "state_machine.asl.json": _json(definition),
        "graph.mmd": to_mermaid(definition),
        "job_requests/labeling.json": _json(
            job_requests.example_request(job_requests.labeling_request(cfg, arns), values)
        ),
        **({"job_requests/verification.json": _json(
            job_requests.example_request(job_requests.verification_request(cfg, arns), values)
        )} if has_verification(cfg.labels.task_type) else {}),
        **({"job_requests/adjustment.json": _json(
            job_requests.example_request(job_requests.adjustment_request(cfg, arns), values)
        )} if cfg.verification.on_reject == "adjust" else {}),
        **{ASSETS_FOLDER + name: asset.body.decode() for name, asset in render_assets(cfg).items()},
    }


def write_files(files: dict[str, str], out_dir: Path) -> list[Path]:
    """Write ``files`` under ``out_dir``; return the paths written, in order."""
    written = []
    for relative, text in files.items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")  # the bytes rendered, on every OS
        written.append(path)
    return written
