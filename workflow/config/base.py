"""The base of every section model (strict YAML types, no unknown keys, immutable), YAML lists as tuples, null
as empty, and the two rules many keys share: a name matches its pattern, an optional value is an ARN of its kind."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, model_validator

from workflow.config.errors import problem, shown


class Section(BaseModel):
    """A config section: strict YAML types, no unknown keys, immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _null_means_defaults(cls, data: Any) -> Any:
        """`iam:` with every key commented out reads as null: take the defaults."""
        if data is None and not any(field.is_required() for field in cls.model_fields.values()):
            return {}
        return data


def _as_tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value  # YAML lists; strict tuples take only tuples


StrList = Annotated[tuple[str, ...], BeforeValidator(_as_tuple)]


def null_is(empty: Callable[[], Any]) -> BeforeValidator:
    """A YAML null (a key given no value, or every entry commented out) read as ``empty()``, e.g. ``null_is(dict)``."""
    return BeforeValidator(lambda value: empty() if value is None else value)


def matching(pattern: re.Pattern[str], wrong: str, accepted: str) -> AfterValidator:
    """The rule that a name matches ``pattern``; its error is ``'<name>' <wrong>; <accepted>``."""
    def check(name: str) -> str:
        if not pattern.match(name):
            raise problem(f"{name!r} {wrong}", accepted)
        return name
    return AfterValidator(check)


def optional_arn(parse: Callable[[str], object], kind: str, accepted: str) -> AfterValidator:
    """The rule that a value is null or an ARN ``parse`` accepts; its error is ``<value> is not <kind>; <accepted>``."""
    def check(value: str | None) -> str | None:
        if value is not None and not parse(value):
            raise problem(f"{shown(value)} is not {kind}", accepted)
        return value
    return AfterValidator(check)
