"""The shipped config.yaml with labels.task_type (and other keys) changed, loaded as a user would."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from workflow.config import PipelineConfig, load_config

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "config.yaml"
TASK_TYPES = ("bounding_box", "semantic_segmentation", "image_classification", "multilabel_image_classification")


def config_text(task_type: str) -> str:
    """config.yaml with only the task_type line changed: what a user switching task type edits."""
    text = SHIPPED.read_text(encoding="utf-8")
    assert "\n  task_type: bounding_box\n" in text
    return text.replace("\n  task_type: bounding_box\n", f"\n  task_type: {task_type}\n")


def write_config(folder: Path, task_type: str, **changes: Any) -> Path:
    """config.yaml for ``task_type`` in ``folder``, with dotted keys changed (``labels.categories=[...]``)."""
    document = yaml.safe_load(config_text(task_type))
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node = document
        for part in parents:
            node = node[part]
        node[last] = value
    path = folder / f"config-{task_type}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False) if changes else config_text(task_type), encoding="utf-8")
    return path


def load_for(folder: Path, task_type: str, **changes: Any) -> PipelineConfig:
    """The validated config for ``task_type`` (see write_config)."""
    return load_config(write_config(folder, task_type, **{k.replace("__", "."): v for k, v in changes.items()}))
