"""config.yaml in, ``PipelineConfig`` out (or one ConfigError line); and the validated config back as plain data."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from workflow.config.errors import ConfigError, first_error
from workflow.config.model import PipelineConfig
from workflow.config.overrides import with_region
from workflow.config.yaml_file import read_yaml


def load_config(path: str | Path = "config.yaml", region: str | None = None) -> PipelineConfig:
    """Load and validate config.yaml; raise ConfigError (one line) on any bad value.

    ``region`` (deploy.py --region) replaces pipeline.region before validation,
    so every region-dependent rule is checked against it.
    """
    source = Path(path)
    document = read_yaml(source)
    if region is not None:
        document = with_region(document, region)
    try:
        return PipelineConfig.model_validate(
            document, context={"source": source.resolve(), "folder": source.parent})
    except ValidationError as error:
        raise ConfigError(first_error(error, source, PipelineConfig)) from None


def config_to_dict(cfg: PipelineConfig) -> dict[str, Any]:
    """The validated config as plain YAML-ready data (paths as strings, tuples as lists)."""
    return cfg.model_dump(mode="json") | {"source": str(cfg.source)}
