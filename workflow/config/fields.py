"""What a key's pydantic field declares, read for people: YAML type, bounds, description.

Everything the reference and the error messages say of a key comes from its one
declaration (annotation, ``Field`` bounds, ``title``, ``description``, ``note``).
"""
from __future__ import annotations

import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

_YAML_TYPES = {str: "string", Path: "string", int: "integer", float: "number", bool: "boolean"}


def note(text: str) -> dict[str, Any]:
    """Field(json_schema_extra=...) that adds ``text`` to the accepted range in errors."""
    return {"range_note": text}


def range_note(field: FieldInfo) -> str:
    """The text ``note`` added to the field ('' if none)."""
    extra = field.json_schema_extra
    return str(extra.get("range_note", "")) if isinstance(extra, dict) else ""


def yaml_type(annotation: Any) -> str:
    """The YAML type a field's annotation asks for: 'string', 'list of strings', 'number or null', ..."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        inner = [arg for arg in args if arg is not type(None)]
        return " or ".join(yaml_type(arg) for arg in inner) + (" or null" if len(inner) < len(args) else "")
    if origin is Literal:
        return yaml_type(type(args[0]))
    if origin is tuple:
        return f"list of {yaml_type(args[0])}s"
    if origin is dict:
        return f"mapping of {yaml_type(args[1])}s"
    return _YAML_TYPES[annotation]


def section_of(field: FieldInfo) -> type[BaseModel] | None:
    """The section model a field holds (None for a plain key)."""
    annotation = field.annotation
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def keys_of(model: type[BaseModel]) -> list[str]:
    """The model's keys in declaration order (fields that are not keys, like ``source``, left out)."""
    return [name for name, field in model.model_fields.items() if not field.exclude]


def range_of(field: FieldInfo) -> tuple[Any, Any]:
    """A field's declared bounds (ge/le for numbers, min/max length for text and lists); None where open."""
    low = high = None
    for item in field.metadata:
        if isinstance(item, annotated_types.Ge):
            low = item.ge
        elif isinstance(item, annotated_types.Le):
            high = item.le
        elif isinstance(item, annotated_types.MinLen):
            low = item.min_length
        elif isinstance(item, annotated_types.MaxLen):
            high = item.max_length
    return low, high


def description_of(field: FieldInfo) -> str:
    """The field's description with {range}, {min}, {max} (its bounds) and {choices} (its Literal values) filled in."""
    low, high = range_of(field)
    text = (field.description or "").replace("{range}", f"{low}-{high}").replace("{min}", str(low)).replace("{max}", str(high))
    if "{choices}" in text:
        *most, last = get_args(field.annotation)
        text = text.replace("{choices}", f"{', '.join(most)} or {last}")
    return text
