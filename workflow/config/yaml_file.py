"""Reading config.yaml: its YAML document, or a one-line ConfigError (unreadable, bad syntax, a key twice)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from workflow.config.errors import ConfigError, one_line


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice (first on line {seen[key] + 1})", key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def read_yaml(path: Path) -> Any:
    """The YAML document in ``path``; ConfigError (one line) if it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found; pass the path of an existing config file (e.g. config.yaml)") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder; pass the path of a YAML config file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read ({one_line(error)}); pass a readable UTF-8 YAML file") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = one_line(error.problem or error.context or "syntax error")
        raise ConfigError(f"{path}: {where}: invalid YAML ({problem}); fix the YAML syntax there") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: invalid YAML ({one_line(error)}); fix the YAML syntax") from None
