"""Recording patches: each replaced attribute keeps moto's original so that ``restore`` puts it back."""
from __future__ import annotations

import threading
from typing import Any

_ABSENT = object()  # marks an attribute the patch added (restore deletes it)
_originals: list[tuple[Any, str, Any]] = []
lock = threading.Lock()


def patch(owner: Any, name: str, replacement: Any) -> None:
    """Set ``owner.name`` to ``replacement``, remembering what was there."""
    _originals.append((owner, name, getattr(owner, "__dict__", {}).get(name, getattr(owner, name, _ABSENT))))
    setattr(owner, name, replacement)


def applied() -> bool:
    """Whether any patch is in place."""
    return bool(_originals)


def restore() -> None:
    """Put back every original, newest patch first."""
    for owner, name, original in reversed(_originals):
        if original is _ABSENT:
            delattr(owner, name)
        else:
            setattr(owner, name, original)
    _originals.clear()
