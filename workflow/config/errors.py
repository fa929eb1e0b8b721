"""How a bad config value reaches the user: one line, ``<file>: <key.path>: <what is wrong>; <what is accepted>``.

A rule raises ``problem(wrong, accepted)``; pydantic reports every problem and
``first_error`` words the first as people would fix them: unknown keys first,
then missing keys and wrong YAML types, then value rules.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticCustomError

from workflow.config.fields import description_of, keys_of, range_note, range_of, section_of, yaml_type


class ConfigError(ValueError):
    """A bad config value; ``str(error)`` is the one-line message for the user."""


def problem(wrong: str, accepted: str, *at: str | int) -> PydanticCustomError:
    """A rule's error: ``at`` extends the key path of the value being validated."""
    return PydanticCustomError("config", "{wrong}; {accepted}", {"wrong": wrong, "accepted": accepted, "at": at})


# --------------------------------------------------------------------------
# Words for values
# --------------------------------------------------------------------------
def one_line(text: object) -> str:
    """``text`` with every run of white space (newlines too) as one space."""
    return " ".join(str(text).split())


def type_name(value: Any) -> str:
    """The YAML name of a value's type: null, boolean, integer, number, string, list, mapping."""
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "mapping"}.get(
        type(value), type(value).__name__)


def shown(value: Any, limit: int = 100) -> str:
    """``repr(value)``, a long string cut to about ``limit`` characters."""
    text = repr(value)
    if len(text) <= limit or not isinstance(value, str):
        return text
    return repr(value[: limit - 20]) + f"... ({len(value)} characters)"


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in tuple('aeiou') else 'a'} {noun}"


def _plural(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


# --------------------------------------------------------------------------
# pydantic's errors in our words
# --------------------------------------------------------------------------
_TYPE_ERRORS = {"string_type", "int_type", "float_type", "bool_type", "tuple_type", "list_type", "dict_type",
                "path_type", "is_instance_of", "finite_number", "int_from_float", "literal_error"}
_UNKNOWN_KEY_ERRORS = {"extra_forbidden", "invalid_key"}  # invalid_key: a YAML key that is not a string
_STRUCTURE_ERRORS = _TYPE_ERRORS | {"missing", "model_type", "model_attributes_type"}
# what to add after "expected <type>", by the YAML type without "or null"
_TYPE_HINTS = {
    "string": "; quote it if YAML reads it as another type",
    "integer": " (a whole number without quotes)",
    "number": " (e.g. 2.0)",
    "boolean": " (true or false)",
    "list of strings": ", e.g. [a, b]",
    "mapping of strings": ", e.g. {owner: ml-platform}",
}


def _rank(error: ErrorDetails) -> int:
    """Unknown keys first, then missing keys and wrong types, then value rules."""
    return 0 if error["type"] in _UNKNOWN_KEY_ERRORS else 1 if error["type"] in _STRUCTURE_ERRORS else 2


class _Place:
    """Where an error's location points: the key path, the model holding the key, the key's field."""

    def __init__(self, root: type[BaseModel], loc: tuple[str | int, ...]) -> None:
        self.owner: type[BaseModel] | None = None  # the model whose key the location names
        self.field: FieldInfo | None = None
        self.inside: tuple[str | int, ...] = ()  # positions inside the key's list or mapping
        self.parent: type[BaseModel] = root  # the model the last named key belongs to (for unknown keys)
        model: type[BaseModel] | None = root
        path = ""
        for index, part in enumerate(loc):
            if model is not None:
                self.parent = model
                path += f"{'.' if path else ''}{part}"
                self.owner, self.field = model, model.model_fields.get(str(part))
                model = section_of(self.field) if self.field else None
                if self.field is None or model is None:
                    self.inside = tuple(loc[index + 1:])
                    break
        is_mapping = self.field is not None and get_origin(self.field.annotation) is dict
        for part in self.inside:
            if part != "[key]":
                path += f".{part}" if is_mapping else f"[{part}]"
        self.path = path or "(top level)"


def _words(error: ErrorDetails, root: type[BaseModel]) -> tuple[str, str, str]:
    """(key path, what is wrong, what is accepted) for one pydantic error."""
    kind, value, context = error["type"], error["input"], error.get("ctx") or {}
    loc = tuple(error["loc"])
    if kind == "config":
        loc += tuple(context.get("at", ()))
    place = _Place(root, loc)
    field = place.field
    if kind == "config":
        return place.path, context["wrong"], context["accepted"]
    if kind in _UNKNOWN_KEY_ERRORS:
        return place.path, "is not a known key", f"allowed here: {', '.join(keys_of(place.parent))}"
    section = section_of(field) if field else (root if not loc else None)
    if kind == "missing" and field is not None:
        if section is not None:
            return place.path, "is missing", f"add the section with its keys: {', '.join(keys_of(section))}"
        return place.path, "is missing", f"add it ({yaml_type(field.annotation)}): {description_of(field)}"
    if kind in ("model_type", "model_attributes_type") and section is not None:
        keys = ", ".join(keys_of(section))
        if not loc:
            wrong = "the file is empty" if value is None else f"is a {type_name(value)}"
            return place.path, wrong, f"expected a mapping with the sections {keys}"
        return place.path, "is empty" if value is None else f"is a {type_name(value)}", f"expected a mapping with the keys {keys}"
    if field is None:
        return place.path, f"{shown(value)} is not accepted ({error['msg']})", "see the config reference in README.md"
    expected = yaml_type(field.annotation)
    if kind == "literal_error" and isinstance(value, str):
        choices = get_args(field.annotation)
        return place.path, f"{shown(value)} is not {_a(field.title or 'value')}", f"use one of {', '.join(choices)}"
    if kind in _TYPE_ERRORS:
        if place.inside and place.inside[-1] == "[key]":
            return place.path, f"key is {_a(type_name(value))}", "expected a string key; quote it"
        if place.inside:
            item = "a string value" if get_origin(field.annotation) is dict else "a string"
            return place.path, f"is {shown(value)} ({type_name(value)})", f"expected {item}; quote it"
        hint = _TYPE_HINTS.get(expected.removesuffix(" or null"), "")
        return place.path, f"is {shown(value)} ({type_name(value)})", f"expected {expected}{hint}"
    low, high = range_of(field)
    if kind in ("greater_than_equal", "less_than_equal"):
        number = float(value) if expected.startswith("number") else value
        return place.path, f"is {number}", f"use {low} to {high}{range_note(field)}"
    if kind in ("string_too_short", "string_too_long"):
        return place.path, f"is {len(value)} characters long", f"use {low}-{high} characters{range_note(field)}"
    if kind in ("too_short", "too_long"):
        count = context.get("actual_length", len(value))
        noun = field.title or "entry"
        plural = _plural(noun)
        wrong = "is empty" if count == 0 else f"has {count} {noun if count == 1 else plural}"
        if high is None:
            accepted = f"list at least one {noun}" if low == 1 else f"list at least {low} {plural}"
        elif not low:
            accepted = f"list at most {high} {plural}"
        else:
            accepted = f"list {low} to {high} {plural}"
        if field.examples:
            accepted += ", e.g. " + yaml.safe_dump(field.examples[0], default_flow_style=True).strip()
        return place.path, wrong, accepted
    return place.path, f"{shown(value)} is not accepted ({error['msg']})", f"expected {expected}"


def first_error(error: ValidationError, source: Path, root: type[BaseModel]) -> str:
    """The one line for the user: the first of pydantic's errors, in our words."""
    first = min(error.errors(), key=_rank)  # min keeps pydantic's order among equals
    path, wrong, accepted = _words(first, root)
    return one_line(f"{source}: {path}: {wrong}; {accepted}")
