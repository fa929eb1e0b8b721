"""Any value under any key is either accepted or refused with ConfigError: never another exception.

A user's typo must never reach them as a traceback (the guide's standard). Every key the reference
lists gets values of every YAML type and a few edge shapes.
"""
from __future__ import annotations

import pytest

from workflow.config import ConfigError, describe_keys, load_config

ODD_VALUES = [None, True, 0, -1, 10**30, 1.5, float("nan"), "", " ", "x" * 5000, "é/../\u0000", ["a"], [], {"a": 1}, {}]
KEYS = [row[0] for row in describe_keys()]


@pytest.mark.parametrize("key", KEYS)
def test_every_key_takes_any_value_without_crashing(write_config, key: str) -> None:
    for value in ODD_VALUES:
        path = write_config({key: value})
        try:
            load_config(path)
        except ConfigError as error:
            assert "\n" not in str(error), (key, value)
