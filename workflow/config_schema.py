"""How the config model reads to people: YAML type names, the reference table, one-line errors.

Everything here is derived from the pydantic fields of ``workflow.config``
(annotation, default, ``Field`` bounds, ``title``, ``description``), so a key
is described and its errors are worded from its one declaration.

Errors: pydantic reports every problem; the user gets the first, as
``<file>: <key.path>: <what is wrong>; <what is accepted>``. Unknown keys come
first, then missing keys and wrong YAML types, then value rules, as a person
would fix them.
"""
from __future__ import annotations

import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticUndefined


class ConfigError(ValueError):
    """A bad config value; ``str(error)`` is the one-line message for the user."""


# --------------------------------------------------------------------------
# Words for values and types
# --------------------------------------------------------------------------
def one_line(text: object) -> str:
    return " ".join(str(text).split())


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "mapping"}.get(
        type(value), type(value).__name__)


def shown(value: Any, limit: int = 100) -> str:
    text = repr(value)
    if len(text) <= limit or not isinstance(value, str):
        return text
    return repr(value[: limit - 20]) + f"... ({len(value)} characters)"


_YAML_TYPES = {str: "string", Path: "string", int: "integer", float: "number", bool: "boolean"}
# what to add after "expected <type>", by the YAML type without "or null"
_TYPE_HINTS = {
    "string": "; quote it if YAML reads it as another type",
    "integer": " (a whole number without quotes)",
    "number": " (e.g. 2.0)",
    "boolean": " (true or false)",
    "list of strings": ", e.g. [a, b]",
    "mapping of strings": ", e.g. {owner: ml-platform}",
}


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


def _section_of(field: FieldInfo) -> type[BaseModel] | None:
    annotation = field.annotation
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def keys_of(model: type[BaseModel]) -> list[str]:
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


def _range_note(field: FieldInfo) -> str:
    extra = field.json_schema_extra
    return str(extra.get("range_note", "")) if isinstance(extra, dict) else ""


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in tuple('aeiou') else 'a'} {noun}"


def _plural(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


def description_of(field: FieldInfo) -> str:
    """The field's description with {range}, {min}, {max} (its bounds) and {choices} (its Literal values) filled in."""
    low, high = range_of(field)
    text = (field.description or "").replace("{range}", f"{low}-{high}").replace("{min}", str(low)).replace("{max}", str(high))
    if "{choices}" in text:
        *most, last = get_args(field.annotation)
        text = text.replace("{choices}", f"{', '.join(most)} or {last}")
    return text


def describe_fields(model: type[BaseModel]) -> list[tuple[str, str, str, str]]:
    """Every key of ``model``'s sections as (key path, YAML type, default, description), in declaration order."""
    rows = []
    for section_name in keys_of(model):
        section = _section_of(model.model_fields[section_name])
        assert section is not None, section_name
        for name in keys_of(section):
            field = section.model_fields[name]
            default = field.get_default(call_default_factory=True)
            shown_default = "required" if default is PydanticUndefined else yaml.safe_dump(
                default, default_flow_style=True).strip().removesuffix("...").strip()
            rows.append((f"{section_name}.{name}", yaml_type(field.annotation), shown_default, description_of(field)))
    return rows


# --------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------
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


# --------------------------------------------------------------------------
# pydantic's errors in our words
# --------------------------------------------------------------------------
_TYPE_ERRORS = {"string_type", "int_type", "float_type", "bool_type", "tuple_type", "list_type", "dict_type",
                "path_type", "is_instance_of", "finite_number", "int_from_float", "literal_error"}
_UNKNOWN_KEY_ERRORS = {"extra_forbidden", "invalid_key"}  # invalid_key: a YAML key that is not a string
_STRUCTURE_ERRORS = _TYPE_ERRORS | {"missing", "model_type", "model_attributes_type"}


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
                model = _section_of(self.field) if self.field else None
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
    section = _section_of(field) if field else (root if not loc else None)
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
        return place.path, f"is {number}", f"use {low} to {high}{_range_note(field)}"
    if kind in ("string_too_short", "string_too_long"):
        return place.path, f"is {len(value)} characters long", f"use {low}-{high} characters{_range_note(field)}"
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
