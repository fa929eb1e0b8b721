"""The files a dry run writes: everything ``deploy`` would publish, rendered offline."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workflow import job_requests
from workflow.config import PipelineConfig
from workflow.graph import render_definition
from workflow.mermaid import to_mermaid
from workflow.resources import ResourceArns


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


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
        "job_requests/verification.json": _json(
            job_requests.example_request(job_requests.verification_request(cfg, arns), values)
        ),
        "assets/labeling.liquid.html": job_requests.template_text(cfg, "labeling"),
        "assets/verification.liquid.html": job_requests.template_text(cfg, "verification"),
        "assets/labeling-categories.json": _json(job_requests.labeling_categories(cfg)),
        "assets/verification-categories.json": _json(job_requests.verification_categories(cfg)),
    }


def write_files(files: dict[str, str], out_dir: Path) -> list[Path]:
    """Write ``files`` under ``out_dir``; return the paths written, in order."""
    written = []
    for relative, text in files.items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
