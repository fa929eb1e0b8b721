"""Changes to a config from outside the file: deploy.py's --region before validation, and copies with
some keys replaced (deploy.py's --listing, tests)."""
from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

_Model = TypeVar("_Model", bound=BaseModel)


def with_region(document: Any, region: str) -> Any:
    """The raw YAML document with pipeline.region set to ``region`` (where there is a pipeline mapping),
    so that every region-dependent rule is checked against it."""
    if isinstance(document, dict) and isinstance(document.get("pipeline"), dict):
        document["pipeline"]["region"] = region
    return document


def replace(model: _Model, **changes: Any) -> _Model:
    """A copy of a config (section) with some keys changed, like ``dataclasses.replace``.

    Not validated again: for tests and for moving a checked config elsewhere.
    """
    unknown = set(changes) - set(type(model).model_fields)
    if unknown:
        raise TypeError(f"{type(model).__name__} has no key {', '.join(sorted(unknown))}")
    return model.model_copy(update=changes)
