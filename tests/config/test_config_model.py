"""One declaration per key: the pydantic model drives validation, the reference and config.yaml's coverage."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml
from config_helpers import DELETE, REPO, SHIPPED
from pydantic import BaseModel

from workflow.config import (
    ConfigError,
    PipelineConfig,
    describe_keys,
    load_config,
    replace,
)


def _leaf_paths(mapping: dict, prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for key, value in mapping.items():
        if isinstance(value, dict) and key != "tags":
            paths |= _leaf_paths(value, f"{prefix}{key}.")
        else:
            paths.add(f"{prefix}{key}")
    return paths


def test_config_yaml_sets_every_declared_key_and_no_other() -> None:
    shipped = _leaf_paths(yaml.safe_load(SHIPPED.read_text(encoding="utf-8")))
    declared = {row[0] for row in describe_keys()}
    assert sorted(declared - shipped) == [], "keys declared in workflow/config/ but missing from config.yaml"
    assert sorted(shipped - declared) == [], "keys in config.yaml that workflow/config/ does not declare"


def test_every_bounded_key_states_its_bounds_in_the_reference() -> None:
    for path, _, _, description in describe_keys():
        assert "{" not in description, f"{path}: unfilled placeholder in {description!r}"
    rows = {row[0]: row for row in describe_keys()}
    assert rows["labeling.workers_per_object"][3] == "Workers who label each image (1-9)."
    assert rows["polling.growth"][3] == "Factor applied to the wait after each check (1.0-10.0)."


def test_the_model_is_strict_frozen_and_closed() -> None:
    assert PipelineConfig.model_config["strict"] is True
    assert PipelineConfig.model_config["extra"] == "forbid"
    assert PipelineConfig.model_config["frozen"] is True
    for name, field in PipelineConfig.model_fields.items():
        if name != "source":
            assert isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel), name
            section = field.annotation.model_config
            assert (section["strict"], section["extra"], section["frozen"]) == (True, "forbid", True), name


def test_a_loaded_config_cannot_be_changed_only_copied(write_config) -> None:
    cfg = load_config(write_config())
    with pytest.raises(ValueError, match="frozen"):
        cfg.polling.growth = 3.0  # type: ignore[misc]
    changed = replace(cfg, polling=replace(cfg.polling, max_interval_seconds=14400))
    assert (changed.polling.max_interval_seconds, cfg.polling.max_interval_seconds) == (14400, 7200)
    with pytest.raises(TypeError, match="PollingSection has no key max_interval"):
        replace(cfg.polling, max_interval=1)


def test_a_misspelt_key_is_reported_as_unknown_before_the_missing_one(write_config) -> None:
    path = write_config({"labeling.title": DELETE, "labeling.titel": "Draw boxes"})
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (f"{path}: labeling.titel: is not a known key; allowed here: label_attribute, title, "
                                 "description, keywords, instructions_template, workers_per_object, task_time_limit_seconds, "
                                 "task_availability_lifetime_seconds, max_concurrent_tasks, max_images_per_run, "
                                 "unlabelable_reasons")


def test_source_is_not_a_config_key(write_config) -> None:
    path = write_config({"source": "elsewhere.yaml"})
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: source: is not a known key; allowed here: pipeline, storage,")


def test_a_value_inside_a_list_names_its_position(write_config) -> None:
    path = write_config({"labels.categories": ["scratch", 3]})
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: labels.categories[1]: is 3 (integer); expected a string; quote it"


def test_the_lambda_steps_never_import_the_config_model_or_pydantic() -> None:
    """pydantic stays out of the Lambda zip: nothing in steps/ imports it or workflow.config."""
    for source in sorted((REPO / "steps").rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in ("pydantic", "pydantic_core", "workflow"), \
                    f"{Path(source).relative_to(REPO)} imports {name}"
