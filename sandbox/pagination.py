"""Opaque NextToken values of the sandbox's List* actions: an offset, tagged with the list it pages."""
from __future__ import annotations

import base64
import binascii


def offset_token(kind: str, offset: int) -> str:
    """The NextToken for the page of ``kind`` (e.g. "workteams") that starts at ``offset``."""
    return base64.urlsafe_b64encode(f"{kind}:{offset}".encode()).decode()


def token_offset(kind: str, token: str | None) -> int | None:
    """The offset ``token`` holds (0 for no token), or None when it is not a token of ``kind``."""
    if not token:
        return 0
    try:
        prefix, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(offset) if prefix == kind and offset.isdigit() else None
