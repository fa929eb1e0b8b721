"""Polling a Ground Truth job with a growing wait, and what it costs in history.

A standard Step Functions execution keeps at most 25,000 history events, and
every state visited adds events. The workflow checks a running job in a loop
(Wait -> describeLabelingJob -> Choice -> Pass that advances the backoff); the
waits come from ``wait_schedule``, which the graph bakes into the definition,
and stay at the last (largest) wait once the list is used up. This module
counts the rounds and events a job of a given duration costs, so the config
can refuse polling settings that would exhaust the history.

Event counts per state type in a standard execution's history:
``Wait``/``Choice``/``Pass``: 2 (StateEntered, StateExited); a ``Task``
(aws-sdk or optimized integration): 5 (StateEntered, TaskScheduled,
TaskStarted, TaskSucceeded, StateExited).
"""
from __future__ import annotations

import math
from typing import Protocol

EXECUTION_HISTORY_LIMIT = 25_000

# One round: Wait 2 + aws-sdk describeLabelingJob Task 5 + Choice 2 + Pass 2.
# The last round skips the Pass (the Choice leaves the loop); counting it
# anyway keeps every estimate here an upper bound.
EVENTS_PER_POLL_ROUND = 11

# States one job costs outside the loop: createLabelingJob Task 5, Pass that
# initialises the backoff 2, Choice on the terminal status 2, final
# describeLabelingJob Task for the output 5, Pass that selects the output 2.
EVENTS_PER_JOB_FIXED = 16

# The baked-in list of waits must stay small: it is part of the definition.
MAX_WAIT_STEPS = 64


class PollingSettings(Protocol):
    """What polling needs from the config (``workflow.config.PollingSection``, which is frozen).

    Read-only members, so immutable settings (a frozen model or dataclass) satisfy it.
    """

    @property
    def first_interval_seconds(self) -> int: ...

    @property
    def growth(self) -> float: ...

    @property
    def max_interval_seconds(self) -> int: ...


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def wait_schedule(polling: PollingSettings) -> list[int]:
    """The waits (seconds) between checks: first, first*growth, ... capped.

    Strictly increasing, ending with ``max_interval_seconds``; the loop repeats
    the last entry once the list is used up. With ``growth == 1`` the wait never
    grows, so the list is just ``[first_interval_seconds]``.
    """
    first = polling.first_interval_seconds
    cap = polling.max_interval_seconds
    growth = polling.growth
    if first < 1 or cap < first or growth < 1.0:
        raise ValueError(
            f"polling settings first={first}, growth={growth}, max={cap} are invalid; "
            "need first >= 1, growth >= 1.0 and max >= first"
        )
    if growth == 1.0 or first == cap:
        return [first]
    waits: list[int] = []
    value = float(first)
    while True:
        wait = _round_half_up(value)
        if wait >= cap:
            break
        if not waits or wait > waits[-1]:
            waits.append(wait)
            if len(waits) > MAX_WAIT_STEPS:
                raise ValueError(
                    f"growth {growth} from {first}s to {cap}s needs more than {MAX_WAIT_STEPS} "
                    "distinct waits; use a larger growth"
                )
        value *= growth
    waits.append(cap)
    return waits


def rounds_for(duration_seconds: float, polling: PollingSettings) -> int:
    """Polling rounds until a check sees a job that runs ``duration_seconds``.

    Each round waits, then checks; the first check whose total wait reaches
    the duration sees the job finished. At least one round is always run.
    """
    waits = wait_schedule(polling)
    elapsed = 0
    for rounds, wait in enumerate(waits, start=1):
        elapsed += wait
        if elapsed >= duration_seconds:
            return rounds
    remaining = duration_seconds - elapsed
    return len(waits) + math.ceil(remaining / waits[-1])


def events_for(duration_seconds: float, polling: PollingSettings) -> int:
    """History events one job running ``duration_seconds`` costs (upper bound)."""
    return EVENTS_PER_JOB_FIXED + EVENTS_PER_POLL_ROUND * rounds_for(duration_seconds, polling)


class _Settings:
    def __init__(self, first: int, growth: float, cap: int) -> None:
        self.first_interval_seconds = first
        self.growth = growth
        self.max_interval_seconds = cap


def min_max_interval(
    polling: PollingSettings, duration_seconds: float, jobs: int, budget_events: int
) -> int | None:
    """Smallest ``max_interval_seconds`` (keeping first and growth) with which
    ``jobs`` jobs of ``duration_seconds`` each cost at most ``budget_events``;
    None if even a cap of ``duration_seconds`` does not fit."""

    def fits(cap: int) -> bool:
        try:
            settings = _Settings(polling.first_interval_seconds, polling.growth, cap)
            return jobs * events_for(duration_seconds, settings) <= budget_events
        except ValueError:  # too many distinct waits for this cap
            return False

    low = polling.first_interval_seconds
    high = max(low, math.ceil(duration_seconds))
    if not fits(high):
        return None
    while low < high:  # events fall as the cap grows: binary search
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle + 1
    return low
