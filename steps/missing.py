"""Which images still need a label, and which of them go to this run.

Selection order: oldest ``LastModified`` first, ties broken by URI. A backlog is a
queue: the images that have waited longest are labeled first, so no image starves
while new ones keep arriving (sorting by URI would starve late-sorting names), and an
image whose label was rejected (an old image) is re-labeled soon. The order depends
only on S3's data, so a retried step selects the same images.
"""
from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from steps.s3_images import ImageObject


@dataclass(frozen=True)
class Selection:
    """The outcome of comparing the raw images with the approved labels."""

    images_found: int
    already_labeled: int
    missing: int
    selected: list[ImageObject]  # at most the cap, oldest first

    @property
    def backlog(self) -> int:
        """Missing images left for later runs."""
        return self.missing - len(self.selected)


def select_missing(images: Iterable[ImageObject], labeled: Collection[str], cap: int) -> Selection:
    """Images whose URI is not in ``labeled`` (a set: O(1) lookups), and the ``cap`` oldest of them.

    Linear in the number of images, plus O(missing * log cap) for the selection.
    """
    if cap < 0:
        raise ValueError(f"cap must be >= 0, got {cap}")
    if not isinstance(labeled, (set, frozenset)):
        labeled = set(labeled)  # list membership would make this quadratic
    found = 0
    missing: list[ImageObject] = []
    for image in images:
        found += 1
        if image.uri not in labeled:
            missing.append(image)
    if len(missing) <= cap:
        selected = sorted(missing)  # ImageObject tuples order oldest first, then by URI
    else:
        selected = heapq.nsmallest(cap, missing)
    return Selection(images_found=found, already_labeled=found - len(missing), missing=len(missing), selected=selected)
