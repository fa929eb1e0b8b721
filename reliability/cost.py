"""What a case paid Ground Truth for, against the least it had to: objects sent, and the minimum.

*Sent*: every line of the input manifest of every labeling, verification and adjustment job the case
(and its follow-up run) created, read from the sandbox's Ground Truth backend. A job counts in full
once created, whatever became of it (failed, stopped, tasks expired): its objects were sent. So a
verification job that failed or was stopped costs its objects once more (the follow-up verifies the same
labels again, steps.carried_labels), while the labeling before it is not repeated.

*Minimum*: each image once per stage it must go through, plus once more per stage for each rejection.
An image workers can label goes through two stages (labeling, then verification); one Ground Truth
cannot label (not an image, zero bytes) goes through one (labeling fails it, so it is never verified);
each REJECTED verdict of a completed verification job sends that image through both stages again.
Images at the end of the case count, plus ``extra`` for object versions replaced during the case.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.ground_truth.models import COMPLETED
from sandbox.ground_truth.simulation import LABELED
from sandbox.workforce import VERIFICATION

STAGES = 2  # labeling, verification
UNLABELABLE_STAGES = 1  # labeling only: Ground Truth fails the object there

MINIMUM_DEFINITION = (
    "*Ground Truth objects* compares the objects the case sent to Ground Truth (every input-manifest line of "
    "every labeling and verification job it created, including the follow-up run's) with the minimum it "
    "needed: each image once per stage it must go through (labeling and verification; labeling only for an "
    "object Ground Truth cannot label), plus both stages once more for each rejection."
)


@dataclass(frozen=True)
class Cost:
    sent: int
    minimum: int

    def cell(self, why_unequal: str = "") -> str:
        """``24 / 24``, or ``36 / 24: why`` when they differ."""
        text = f"{self.sent} / {self.minimum}"
        if self.sent != self.minimum:
            text += f": {why_unequal}" if why_unequal else ": UNEXPLAINED"
        return text


def _jobs(sandbox: Any) -> list[Any]:
    backend = sandbox.ground_truth.backend(sandbox.account_id, sandbox.region)
    return [job for job, _summary in backend.list_labeling_jobs()]


def sent_objects(sandbox: Any) -> int:
    """Input-manifest lines of every job the sandbox's Ground Truth has created."""
    return sum(len(job.spec.lines) for job in _jobs(sandbox))


def rejections(sandbox: Any, approved_index: int = 0) -> Counter[str]:
    """REJECTED verdicts per image in the completed verification jobs."""
    now = sandbox.clock.now()
    found: Counter[str] = Counter()
    for job in _jobs(sandbox):
        if job.spec.kind != VERIFICATION or job.status(now)[0] != COMPLETED:
            continue
        for line, result in zip(job.spec.lines, job.plan, strict=True):
            if result.outcome == LABELED and int(result.label) != approved_index:
                found[line.get("source-ref")] += 1
    return found


def minimum(images: Iterable[str], unlabelable: set[str], rejected: Counter[str], extra: int = 0) -> int:
    """The least the case had to send (see the module docstring)."""
    total = extra
    for uri in images:
        total += UNLABELABLE_STAGES if uri in unlabelable else STAGES * (1 + rejected.get(uri, 0))
    return total


def measure(sandbox: Any, images: Iterable[str], unlabelable: set[str], extra: int = 0) -> Cost:
    return Cost(sent_objects(sandbox), minimum(images, unlabelable, rejections(sandbox), extra))
