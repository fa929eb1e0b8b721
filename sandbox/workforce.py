"""The sandbox's simulated Ground Truth workforce: configurable, deterministic given a seed.

Every decision (does a task expire, how many boxes, where, which verdict) is
drawn from a hash of (seed, job kind, job name, source-ref, purpose), never
from call order: the same images get the same outcome in any order or
concurrency, while the same image in a later job (a new name) gets a fresh
draw, so a rejected image can be approved when it is labeled again.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

LABELING = "labeling"
VERIFICATION = "verification"
ADJUSTMENT = "adjustment"  # adjustment jobs (sandbox.ground_truth.adjustment): timed and expiring as verification

_REJECTION_COMMENTS = (
    "A scratch is not boxed.",
    "A box is much larger than the scratch it marks.",
    "A box marks a reflection, not a scratch.",
)


@dataclass(frozen=True)
class WorkforceProfile:
    """How the simulated workers behave and how long simulated jobs take (simulated seconds)."""

    seed: int = 0
    boxes_per_image: tuple[int, int] = (0, 3)  # inclusive range of boxes drawn per image
    approval_rate: float = 0.8  # verification: probability of choosing index 0 ("label correct")
    unlabeled_rate: float = 0.0  # labeling: probability that an object's task expires
    verification_unlabeled_rate: float = 0.0  # verification: same, for verification tasks
    feedback_rate: float = 0.5  # verification: probability that a rejection carries a comment
    fail_labeling_job: str | None = None  # a FailureReason: labeling jobs fail half way
    fail_verification_job: str | None = None  # a FailureReason: verification jobs fail half way
    initializing_seconds: float = 300.0
    labeling_seconds: float = 3600.0
    verification_seconds: float = 1800.0
    stopping_seconds: float = 60.0

    def __post_init__(self) -> None:
        low, high = self.boxes_per_image
        if not 0 <= low <= high:
            raise ValueError(f"boxes_per_image must be (min, max) with 0 <= min <= max, got {self.boxes_per_image}")
        for name in ("approval_rate", "unlabeled_rate", "verification_unlabeled_rate", "feedback_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a probability in [0, 1], got {value}")
        for name in ("initializing_seconds", "labeling_seconds", "verification_seconds", "stopping_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0 simulated seconds, got {getattr(self, name)}")

    # -- deterministic draws -------------------------------------------------

    def _unit(self, kind: str, job_name: str, source_ref: str, purpose: str) -> float:
        """A number in [0, 1) fixed by the seed, the job and the object."""
        digest = hashlib.sha256(f"{self.seed}\x1f{kind}\x1f{job_name}\x1f{source_ref}\x1f{purpose}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def job_seconds(self, kind: str) -> float:
        """How long the workforce takes for a whole job of this kind once it is InProgress."""
        return self.labeling_seconds if kind == LABELING else self.verification_seconds

    def job_failure(self, kind: str) -> str | None:
        """The FailureReason every job of this kind ends with, or None."""
        return self.fail_labeling_job if kind == LABELING else self.fail_verification_job

    def task_expires(self, kind: str, job_name: str, source_ref: str) -> bool:
        """True when no worker picks the object up before its task expires."""
        rate = self.unlabeled_rate if kind == LABELING else self.verification_unlabeled_rate
        return self._unit(kind, job_name, source_ref, "expire") < rate

    def draw_boxes(
        self, job_name: str, source_ref: str, width: int, height: int, class_count: int
    ) -> list[dict[str, int]]:
        """Boxes for one image: class_id in [0, class_count), each inside width x height."""
        low, high = self.boxes_per_image
        count = low + int(self._unit(LABELING, job_name, source_ref, "count") * (high - low + 1))
        boxes = []
        for i in range(count):
            def unit(part: str, box: int = i) -> float:
                return self._unit(LABELING, job_name, source_ref, f"box{box}-{part}")

            box_width = max(1, int(width * (0.05 + 0.45 * unit("w"))))
            box_height = max(1, int(height * (0.05 + 0.45 * unit("h"))))
            boxes.append(
                {
                    "class_id": int(unit("class") * class_count),
                    "left": int(unit("x") * (width - box_width + 1)),
                    "top": int(unit("y") * (height - box_height + 1)),
                    "width": box_width,
                    "height": box_height,
                }
            )
        return boxes

    def pick(self, kind: str, job_name: str, source_ref: str, purpose: str, count: int) -> int:
        """A choice among ``count`` options (0 .. count-1), fixed by the seed, the job, the object and ``purpose``."""
        return min(count - 1, int(self._unit(kind, job_name, source_ref, purpose) * count))

    def chance(self, kind: str, job_name: str, source_ref: str, purpose: str, rate: float) -> bool:
        """True with probability ``rate``, fixed like ``pick``."""
        return self._unit(kind, job_name, source_ref, purpose) < rate

    def box_confidence(self, job_name: str, source_ref: str, index: int) -> float:
        """Consolidation confidence of one box, in [0.5, 1.0), two decimals."""
        return round(0.5 + 0.49 * self._unit(LABELING, job_name, source_ref, f"box{index}-confidence"), 2)

    def verdict(self, job_name: str, source_ref: str, choice_count: int) -> int:
        """The chosen verification category: 0 ("label correct") with approval_rate, else another."""
        if choice_count < 2 or self._unit(VERIFICATION, job_name, source_ref, "verdict") < self.approval_rate:
            return 0
        return self.rejection(job_name, source_ref, choice_count)

    def rejection(self, job_name: str, source_ref: str, choice_count: int) -> int:
        """A category other than 0, as a verifier who sees a wrong label chooses (0 if there is no other)."""
        if choice_count < 2:
            return 0
        return 1 + int(self._unit(VERIFICATION, job_name, source_ref, "reject-choice") * (choice_count - 1))

    def verdict_confidence(self, job_name: str, source_ref: str) -> float:
        return round(0.5 + 0.49 * self._unit(VERIFICATION, job_name, source_ref, "confidence"), 2)

    def feedback(self, job_name: str, source_ref: str, verdict: int) -> list[dict[str, str]]:
        """Worker comments for a rejection (sometimes none); approvals carry none."""
        if verdict == 0 or self._unit(VERIFICATION, job_name, source_ref, "feedback") >= self.feedback_rate:
            return []
        pick = int(self._unit(VERIFICATION, job_name, source_ref, "comment") * len(_REJECTION_COMMENTS))
        return [{"comment": _REJECTION_COMMENTS[pick]}]
