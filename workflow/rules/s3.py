"""S3 bucket names and key prefixes.

Bucket rules: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
(general purpose buckets). Key prefixes: S3 keys are free-form, the rules here
are ours (no leading '/', no empty segments) so that every key we build is one
the console and the CLI show as a folder path.
"""
from __future__ import annotations

import ipaddress
import re

BUCKET_RULE = ("use an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens, "
               "starting and ending with a letter or digit")
PREFIX_RULE = "use a key prefix like 'images/raw/' (no leading '/', no empty segments)"
PREFIX_MAX = 512  # ours: far below S3's 1024-byte key limit, leaving room for the names under it

_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_problem(name: str) -> str | None:
    """Why ``name`` cannot be a general purpose bucket's name, or None."""
    if not 3 <= len(name) <= 63:
        return f"is {len(name)} characters long"
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", name):
        return "must use only lower-case letters, digits, dots and hyphens, and start and end with a letter or digit"
    if ".." in name:
        return "must not contain two adjacent dots"
    try:
        ipaddress.IPv4Address(name)
        return "must not be formatted as an IP address"
    except ValueError:
        pass
    for prefix in _RESERVED_PREFIXES:
        if name.startswith(prefix):
            return f"must not start with {prefix!r}"
    for suffix in _RESERVED_SUFFIXES:
        if name.endswith(suffix):
            return f"must not end with {suffix!r}"
    return None


def prefix_problem(value: str) -> tuple[str, str] | None:
    """(what is wrong, what is accepted) for a non-empty key prefix, or None."""
    if not value:
        return "is empty", PREFIX_RULE
    if value.startswith("/"):
        return f"{value!r} starts with '/'", f"{PREFIX_RULE}; S3 keys do not start with '/'"
    if "//" in value:
        return f"{value!r} contains '//'", PREFIX_RULE
    if any(ch in value for ch in "\n\r\t") or value != value.strip():
        return f"{value!r} has surrounding or control whitespace", PREFIX_RULE
    if len(value) > PREFIX_MAX:
        return f"is {len(value)} characters long", f"{PREFIX_RULE}; at most {PREFIX_MAX} characters"
    return None


def as_prefix(value: str) -> str:
    """A valid prefix with its trailing '/' ('' stays '')."""
    return value if not value or value.endswith("/") else value + "/"
