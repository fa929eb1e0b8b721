"""What a deploy did, resource by resource, and how a failure partway is reported."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cli import CommandError

Action = Literal["created", "updated", "unchanged", "deleted", "absent", "kept", "stopped"]


@dataclass(frozen=True)
class Change:
    """One resource's outcome: created, updated, unchanged, deleted, absent (nothing to remove), kept (never
    deleted by this command) or stopped (a running execution, by ``--destroy --force``)."""

    kind: str  # "lambda function", "iam role", ...
    name: str
    action: Action
    detail: str = ""

    def line(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.action:>9}  {self.kind}: {self.name}{extra}"


@dataclass
class DeployReport:
    changes: list[Change] = field(default_factory=list)

    def add(self, change: Change) -> Change:
        self.changes.append(change)
        return change

    @property
    def changed(self) -> bool:
        return any(c.action in ("created", "updated", "deleted") for c in self.changes)


class DeployError(CommandError):
    """A deploy stopped partway: says what failed, what was done and what was not (exit 1)."""

    def __init__(self, step: str, cause: str, done: list[Change], remaining: list[str]) -> None:
        self.step, self.cause, self.done, self.remaining = step, cause, done, remaining
        done_text = ", ".join(f"{c.kind} {c.name} {c.action}" for c in done) or "nothing"
        left = ", ".join(remaining) or "nothing"
        super().__init__(
            f"deploy failed at {step}: {cause}. Done: {done_text}. Not done: {left}. "
            "Run the deploy again to finish: every step is idempotent."
        )
