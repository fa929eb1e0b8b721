"""Reconcile images in S3 with records in the feature group: nothing lost, nothing duplicated.

Pure functions over plain data (URIs, offline-store rows, verified manifest lines), so the
rules are tested without a sandbox. A *record* is a distinct set of feature values; the
offline store may hold it in several rows when a step rewrote it (same values: harmless).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
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


def unlabelable(rows: Iterable[dict[str, Any]], etags: Mapping[str, str | None]) -> set[str]:
    """Images whose current record is UNLABELABLE at the object's current ETag (contract 1 of
    notes/SESSION3.md): done, not sent again. An ETag of None is not checked (not known)."""
    return {uri for uri, row in current_records(rows).items()
            if row["status"] == contract.STATUS_UNLABELABLE and uri in etags
            and (etags[uri] is None or row.get("image_etag") == etags[uri])}


def _as_etags(images: Mapping[str, str | None] | set[str]) -> Mapping[str, str | None]:
    return images if isinstance(images, Mapping) else dict.fromkeys(images)


@dataclass
class Snapshot:
    """The state at one moment: images, records, and what is still missing."""

    images: int
    rows: int
    records: int  # distinct records
    current: int  # images with a current record
    missing: set[str]  # images neither APPROVED nor UNLABELABLE at their current ETag: what the next run sends
    unstored: int = 0  # verified labels never stored (their run failed): the images went to labeling again
    problems: list[str] = field(default_factory=list)
    unlabelable: set[str] = field(default_factory=set)  # UNLABELABLE at their current ETag: not sent again


def snapshot(images: Mapping[str, str | None] | set[str], rows: list[dict[str, Any]],
             verified: Iterable[tuple[str, str]], written_jobs: set[str] | None = None) -> Snapshot:
    """Check the rules on one state.

    ``verified``: (image URI, verification job) for every object a completed verification job
    gave a verdict. ``written_jobs``: verification jobs whose labels must all be in the feature
    group (their execution succeeded); other verified labels may be absent only while the image
    is still missing or has since been labeled again (the label work was lost, not the image).
    """
    etags = _as_etags(images)
    images = set(etags)
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
    done_unlabelable = unlabelable(rows, etags) & images
    missing = images - approved(rows) - done_unlabelable
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
                    current=len(current), missing=missing, unstored=unstored, problems=problems,
                    unlabelable=done_unlabelable)


@dataclass
class Reconciliation:
    """The faulted run's state, what the follow-up run sent, and the final state."""

    after_run: Snapshot
    follow_up_sent: set[str] | None  # None: the follow-up run sent nothing
    final: Snapshot
    expected_unlabelable: set[str]  # images no worker can label (not images, empty files): UNLABELABLE at the end
    problems: list[str]
    written_first: set[str] = field(default_factory=set)  # missing after the run, written by the follow-up's first state

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        """``images / records / missing after follow-up run``, then how it got there."""
        sent = len(self.follow_up_sent or ())
        text = (f"{self.final.images} / {self.final.current} / {len(self.final.missing)}"
                f" (after the run: {self.after_run.current} records, {len(self.after_run.missing)} missing;"
                f" follow-up sent {sent})")
        if self.written_first:
            text += f"; {len(self.written_first)} verified earlier, written by the follow-up before it selected"
        if self.expected_unlabelable and self.final.unlabelable == self.expected_unlabelable:
            text += f"; {len(self.expected_unlabelable)} unlabelable recorded UNLABELABLE, not sent again"
        if self.final.unstored:
            text += f"; {self.final.unstored} verified labels not in the feature group, their images labeled again"
        if self.final.rows > self.final.records:
            text += f"; {self.final.rows - self.final.records} identical rewrites"
        if self.problems:
            text += "; PROBLEM: " + "; ".join(self.problems)
        return text


def reconcile(after_run: Snapshot, follow_up_sent: set[str] | None, final: Snapshot,
              unlabelable: set[str], written_first: set[str] | None = None) -> Reconciliation:
    """Compare the three states: the follow-up sends exactly what was missing (less what its first state
    wrote of the case's own verified output, steps.unwritten_output), and ends complete: every image
    APPROVED, or UNLABELABLE when no worker can label it."""
    problems = [f"after the run: {p}" for p in after_run.problems] + [f"final: {p}" for p in final.problems]
    sent = follow_up_sent or set()
    written_first = (written_first or set()) & after_run.missing
    expected = after_run.missing - written_first
    if sent != expected:
        not_sent = sorted(expected - sent)
        extra = sorted(sent - expected)
        if not_sent:
            problems.append(f"follow-up run did not send {len(not_sent)} missing images, e.g. {not_sent[0]}")
        if extra:
            problems.append(f"follow-up run sent {len(extra)} images that were not missing, e.g. {extra[0]}")
    left = sorted(final.missing)
    if left:
        problems.append(f"{len(left)} images still missing after the follow-up run, e.g. {left[0]}")
    unrecorded = sorted(unlabelable - final.unlabelable)
    if unrecorded:
        problems.append(f"{len(unrecorded)} unlabelable images have no UNLABELABLE record, e.g. {unrecorded[0]}")
    wrongly = sorted(final.unlabelable - unlabelable)
    if wrongly:
        problems.append(f"{len(wrongly)} images workers can label were recorded UNLABELABLE, e.g. {wrongly[0]}")
    return Reconciliation(after_run, follow_up_sent, final, unlabelable, problems, written_first)
