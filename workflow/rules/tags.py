"""AWS resource tags: the restrictions the AWS tagging pages state alike, e.g.
https://docs.aws.amazon.com/personalize/latest/dg/personalize-managing-tags.html
(keys 1-128 and values 0-256 characters; letters, digits, spaces and _ . : / = + - @;
the aws: prefix is reserved for AWS). The 50-tag limit is workflow.ground_truth.MAX_TAGS.
"""
from __future__ import annotations

from collections.abc import Callable

TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256
CHARACTERS = "letters, digits, spaces and _ . : / = + - @"
_SYMBOLS = set("_.:/=+-@ ")


def _allowed(text: str) -> bool:
    return all(ch.isalnum() or ch in _SYMBOLS for ch in text)


def tag_problem(key: str, value: str, show: Callable[[str], str] = repr) -> tuple[str, str] | None:
    """(what is wrong, what is accepted) for one tag, or None."""
    if not 1 <= len(key) <= TAG_KEY_MAX:
        return f"the tag key is {len(key)} characters long", f"use 1-{TAG_KEY_MAX}"
    if not _allowed(key):
        return f"the tag key {show(key)} has characters AWS tags do not allow", f"use {CHARACTERS}"
    if key.lower().startswith("aws:"):
        return "tag keys starting with 'aws:' are reserved for AWS", "choose another key"
    if len(value) > TAG_VALUE_MAX:
        return f"the tag value is {len(value)} characters long", f"use 0-{TAG_VALUE_MAX}"
    if not _allowed(value):
        return f"the tag value {show(value)} has characters AWS tags do not allow", f"use {CHARACTERS}"
    return None
