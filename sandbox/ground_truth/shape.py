"""Request shape checks against botocore's sagemaker model, with SageMaker's error wording.

moto's Step Functions engine calls services with botocore's parameter
validation off, so the stand-in checks types and required members itself
(``botocore.validate``) and then the constraints botocore skips: string and
list lengths, number ranges, patterns and enums.
"""
from __future__ import annotations

import functools
import re
from typing import Any

import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.model import ListShape, OperationModel, Shape, StringShape, StructureShape
from botocore.validate import validate_parameters

from sandbox.ground_truth.errors import ValidationError


@functools.lru_cache(maxsize=1)
def _service_model():
    return botocore.session.get_session().get_service_model("sagemaker")


def operation_model(name: str) -> OperationModel:
    return _service_model().operation_model(name)


def check_request(operation: str, params: dict[str, Any]) -> None:
    """Raise ValidationError (ValidationException) if ``params`` break the operation's input shape."""
    shape = operation_model(operation).input_shape
    if shape is None:  # the operation takes no input
        return
    try:
        validate_parameters(params, shape)
    except ParamValidationError as error:
        report = str(error).split(":", 1)[-1].strip()
        raise ValidationError(f"1 validation error detected: {report}") from None
    problems: list[str] = []
    _walk(params, shape, "", problems)
    if problems:
        count = len(problems)
        raise ValidationError(f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems))


def _member_path(parent: str, name: str) -> str:
    name = name[:1].lower() + name[1:]
    return f"{parent}.{name}" if parent else name


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    if r"\p{" in pattern:  # Java Unicode classes: not expressible in Python's re
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _walk(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure" and isinstance(shape, StructureShape) and isinstance(value, dict):
        for name, member_value in value.items():
            if name in shape.members:
                _walk(member_value, shape.members[name], _member_path(path, name), problems)
        return
    if kind == "list" and isinstance(shape, ListShape) and isinstance(value, list):
        _check_range(len(value), meta, path, value, problems, "length")
        for i, item in enumerate(value):
            _walk(item, shape.member, f"{path}.{i + 1}.member", problems)
        return
    if kind == "string" and isinstance(value, str):
        _check_range(len(value), meta, path, value, problems, "length")
        pattern = meta.get("pattern")
        compiled = _compiled(pattern) if pattern else None
        if compiled is not None and not compiled.fullmatch(value):
            problems.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {pattern}"
            )
        if isinstance(shape, StringShape) and shape.enum and value not in shape.enum:
            problems.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"
            )
        return
    if kind in ("integer", "long") and isinstance(value, int):
        _check_range(value, meta, path, value, problems, "value")


def _check_range(measure: int, meta: dict, path: str, value: Any, problems: list[str], what: str) -> None:
    shown = value if isinstance(value, (int, str)) else "[...]"
    if "min" in meta and measure < meta["min"]:
        problems.append(
            f"Value '{shown}' at '{path}' failed to satisfy constraint: "
            f"Member must have {what} greater than or equal to {meta['min']}"
        )
    if "max" in meta and measure > meta["max"]:
        problems.append(
            f"Value '{shown}' at '{path}' failed to satisfy constraint: "
            f"Member must have {what} less than or equal to {meta['max']}"
        )
