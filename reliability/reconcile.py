"""Reconcile images in S3 with records in the feature group: nothing lost, nothing duplicated.

Pure functions over plain data (URIs, offline-store rows, verified manifest lines), so the
rules are tested without a sandbox. A *record* is a distinct set of feature values; the
offline store may hold it in several rows when a step rewrote it (same values: harmless).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from steps import contract

STORE_COLUMNS = ("write_time", "api_invocation_time", "is_deleted")
_FEATURES = tuple(name for name, _ in contract.FEATURE_DEFINITIONS)


def _newest_key(row: dict[str, Any]) -> tuple[str, str, str]:
    return (row[contract.EVENT_TIME] or "", str(row["api_invocation_time"] or ""), str(row["write_time"] or ""))


def current_records(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The newest row per image (event time, then API invocation time, then write time); deleted ones dropped."""
    newest: dict[str, dict[str, Any]] = {}
    for row in rows:
        uri = row[contract.RECORD_IDENTIFIER]
        if uri not in newest or _newest_key(row) >= _newest_key(newest[uri]):
            newest[uri] = row
    return {uri: row for uri, row in newest.items() if not row.get("is_deleted")}


def approved(rows: Iterable[dict[str, Any]]) -> set[str]:
    """Images whose current record is APPROVED: what the pipeline treats as labeled."""
    return {uri for uri, row in current_records(rows).items() if row["status"] == contract.STATUS_APPROVED}


@dataclass
class Snapshot:
    """The state at one moment: images, records, and what is still missing."""

    images: int
    rows: int
    records: int  # distinct records
    current: int  # images with a current record
    missing: set[str]  # images without a current APPROVED record
    unstored: int = 0  # verified labels never stored (their run failed): the images went to labeling again
    problems: list[str] = field(default_factory=list)


def snapshot(images: set[str], rows: list[dict[str, Any]], verified: Iterable[tuple[str, str]],
             written_jobs: set[str] | None = None) -> Snapshot:
    """Check the rules on one state.

    ``verified``: (image URI, verification job) for every object a completed verification job
    gave a verdict. ``written_jobs``: verification jobs whose labels must all be in the feature
    group (their execution succeeded); other verified labels may be absent only while the image
    is still missing or has since been labeled again (the label work was lost, not the image).
    """
    problems: list[str] = []
    distinct: dict[tuple[str, str], set[tuple]] = defaultdict(set)
    for row in rows:
        values = tuple(row.get(name) for name in _FEATURES)
        distinct[(row[contract.RECORD_IDENTIFIER], row.get("verification_job") or "")].add(values)
    duplicated = sorted(uri for (uri, _job), records in distinct.items() if len(records) > 1)
    if duplicated:
        problems.append(f"{len(duplicated)} images have two different records from one run, e.g. {duplicated[0]}")
    orphans = sorted({row[contract.RECORD_IDENTIFIER] for row in rows} - images)
    if orphans:
        problems.append(f"{len(orphans)} records belong to no image in S3, e.g. {orphans[0]}")
    current = current_records(rows)
    missing = images - approved(rows)
    recorded = set(distinct)
    unstored = 0
    for uri, job in verified:
        if (uri, job) in recorded:
            continue
        if written_jobs is not None and job in written_jobs:
            problems.append(f"verified label of {uri} by {job} is not in the feature group although the run succeeded")
        else:  # the image has no approved record (so it is missing) or was labeled again since
            unstored += 1
    return Snapshot(images=len(images), rows=len(rows), records=sum(len(r) for r in distinct.values()),
                    current=len(current), missing=missing, unstored=unstored, problems=problems)


@dataclass
class Reconciliation:
    """The faulted run's state, what the follow-up run sent, and the final state."""

    after_run: Snapshot
    follow_up_sent: set[str] | None  # None: the follow-up run sent nothing
    final: Snapshot
    expected_final_missing: set[str]  # images no worker can label (not images, empty files)
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        """``images / records / missing after follow-up run``, then how it got there."""
        sent = len(self.follow_up_sent or ())
        text = (f"{self.final.images} / {self.final.current} / {len(self.final.missing)}"
                f" (after the run: {self.after_run.current} records, {len(self.after_run.missing)} missing;"
                f" follow-up sent {sent})")
        if self.expected_final_missing and self.final.missing == self.expected_final_missing:
            text += f"; {len(self.expected_final_missing)} unlabelable stay missing, re-sent each run"
        if self.final.unstored:
            text += f"; {self.final.unstored} verified labels not in the feature group, their images labeled again"
        if self.final.rows > self.final.records:
            text += f"; {self.final.rows - self.final.records} identical rewrites"
        if self.problems:
            text += "; PROBLEM: " + "; ".join(self.problems)
        return text


def reconcile(after_run: Snapshot, follow_up_sent: set[str] | None, final: Snapshot,
              unlabelable: set[str]) -> Reconciliation:
    """Compare the three states: the follow-up sends exactly what was missing, and ends complete."""
    problems = [f"after the run: {p}" for p in after_run.problems] + [f"final: {p}" for p in final.problems]
    sent = follow_up_sent or set()
    if sent != after_run.missing:
        not_sent = sorted(after_run.missing - sent)
        extra = sorted(sent - after_run.missing)
        if not_sent:
            problems.append(f"follow-up run did not send {len(not_sent)} missing images, e.g. {not_sent[0]}")
        if extra:
            problems.append(f"follow-up run sent {len(extra)} images that were not missing, e.g. {extra[0]}")
    if final.missing != unlabelable:
        left = sorted(final.missing - unlabelable)
        if left:
            problems.append(f"{len(left)} labelable images still missing after the follow-up run, e.g. {left[0]}")
        labeled = sorted(unlabelable - final.missing)
        if labeled:
            problems.append(f"{len(labeled)} unlabelable images got a record, e.g. {labeled[0]}")
    return Reconciliation(after_run, follow_up_sent, final, unlabelable, problems)
