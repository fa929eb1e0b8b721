"""Validate the execution input (the JSON an execution was started with)."""
from __future__ import annotations

from typing import Any

from steps.contract import EXECUTION_INPUT_KEYS
from steps.errors import InvalidExecutionInput

ALLOW_EMPTY_KEY = "allow_empty_feature_group"


def allow_empty_feature_group(execution_input: Any) -> bool:
    """Whether ``{"allow_empty_feature_group": true}`` asks to run without a readable feature group.

    Validate the input with ``images_cap`` first (it rejects unknown keys and a non-object input).
    Raises InvalidExecutionInput when the value is not a JSON boolean.
    """
    if not isinstance(execution_input, dict) or ALLOW_EMPTY_KEY not in execution_input:
        return False
    value = execution_input[ALLOW_EMPTY_KEY]
    if not isinstance(value, bool):
        raise InvalidExecutionInput(
            f"execution input {ALLOW_EMPTY_KEY} is {value!r}; expected true or false (a JSON boolean)"
        )
    return value


def images_cap(execution_input: Any, max_images_per_run: int) -> int:
    """The number of images this run may send to labeling.

    ``{}`` (or null) means the configured ``max_images_per_run``; ``{"max_images": n}``
    lowers it for a trial run. Raises InvalidExecutionInput with a one-line message for an
    unknown key or a value that is not an int from 1 to ``max_images_per_run``.
    """
    if execution_input is None:
        return max_images_per_run
    if not isinstance(execution_input, dict):
        raise InvalidExecutionInput(
            f"execution input must be a JSON object, got {type(execution_input).__name__}; "
            f"start the execution with {{}} or {{\"max_images\": n}}"
        )
    unknown = sorted(set(execution_input) - set(EXECUTION_INPUT_KEYS))
    if unknown:
        raise InvalidExecutionInput(
            f"execution input has unknown key(s) {', '.join(map(repr, unknown))}; accepted: "
            + "; ".join(f"{key!r} ({meaning})" for key, meaning in EXECUTION_INPUT_KEYS.items())
        )
    if "max_images" not in execution_input:
        return max_images_per_run
    value = execution_input["max_images"]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= max_images_per_run:
        raise InvalidExecutionInput(
            f"execution input max_images is {value!r}; expected an int from 1 to {max_images_per_run} "
            "(settings.max_images_per_run)"
        )
    return value
