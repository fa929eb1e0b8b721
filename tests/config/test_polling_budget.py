"""Polling waits, rounds and history events; the shipped config's 30-day budget.

Shipped config (first 60 s, growth 2.0, max 7200 s), one job running the
30-day maximum: 366 rounds, 4,042 events; two such jobs: 8,084 events, 32.3% of
the 25,000-event history (margin 16,916 events; 6,916 under the 60% budget).
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pytest

from workflow import polling
from workflow.config import PollingSection, load_config
from workflow.ground_truth import JOB_MAX_DURATION_SECONDS

DAY = 86_400


@dataclass(frozen=True)
class Settings:
    """Polling settings the config would refuse (PollingSection validates), to test polling itself."""

    first_interval_seconds: int
    growth: float
    max_interval_seconds: int


def settings(first: int, growth: float, cap: int) -> polling.PollingSettings:
    return Settings(first_interval_seconds=first, growth=growth, max_interval_seconds=cap)


def test_polling_accepts_the_frozen_config_section() -> None:
    section = PollingSection(first_interval_seconds=60, growth=2.0, max_interval_seconds=7200)
    assert polling.wait_schedule(section) == polling.wait_schedule(settings(60, 2.0, 7200))


def test_polling_event_constants() -> None:
    assert polling.EVENTS_PER_POLL_ROUND == 2 + 5 + 2 + 2  # Wait, aws-sdk Task, Choice, Pass
    assert polling.EVENTS_PER_JOB_FIXED == 5 + 2 + 2 + 5 + 2
    assert polling.EXECUTION_HISTORY_LIMIT == 25_000


@pytest.mark.parametrize(("first", "growth", "cap", "expected"), [
    (60, 2.0, 7200, [60, 120, 240, 480, 960, 1920, 3840, 7200]),
    (60, 2.0, 3840, [60, 120, 240, 480, 960, 1920, 3840]),
    (300, 1.5, 3600, [300, 450, 675, 1013, 1519, 2278, 3417, 3600]),
    (1, 1.2, 5, [1, 2, 3, 4, 5]),  # rounded waits never repeat
    (30, 1.0, 30, [30]),
    (30, 1.0, 600, [30]),  # growth 1: the wait never grows
    (600, 3.0, 600, [600]),
])
def test_polling_wait_schedule(first: int, growth: float, cap: int, expected: list[int]) -> None:
    waits = polling.wait_schedule(settings(first, growth, cap))
    assert waits == expected
    assert all(isinstance(wait, int) for wait in waits)
    assert all(a < b for a, b in itertools.pairwise(waits))


@pytest.mark.parametrize(("first", "growth", "cap"), [(0, 2.0, 60), (60, 0.5, 600), (60, 2.0, 30)])
def test_polling_wait_schedule_rejects_invalid(first: int, growth: float, cap: int) -> None:
    with pytest.raises(ValueError, match=re.escape("are invalid; need first >= 1, growth >= 1.0 and max >= first")):
        polling.wait_schedule(settings(first, growth, cap))


def test_polling_wait_schedule_refuses_too_many_steps() -> None:
    with pytest.raises(ValueError, match="needs more than 64 distinct waits"):
        polling.wait_schedule(settings(1, 1.01, 86_400))


@pytest.mark.parametrize(("duration", "expected"), [
    (0, 1), (60, 1), (61, 2), (180, 2), (181, 3),
    (7560, 7),  # 60+120+...+3840 = 7620 >= 7560 after 7 rounds
    (7620, 7), (7621, 8), (7620 + 7200, 8), (7620 + 7201, 9),
    (JOB_MAX_DURATION_SECONDS, 366),
])
def test_polling_rounds_for(duration: int, expected: int) -> None:
    assert polling.rounds_for(duration, settings(60, 2.0, 7200)) == expected


def test_polling_events_for_is_fixed_plus_rounds() -> None:
    shipped = settings(60, 2.0, 7200)
    for duration in (0, 3600, DAY, 7 * DAY):
        rounds = polling.rounds_for(duration, shipped)
        assert polling.events_for(duration, shipped) == 16 + 11 * rounds


def test_polling_30_days_at_shipped_config_uses_32_percent_of_history(write_config) -> None:
    """Two 30-day jobs: 8,084 of 25,000 events (32.3%); margin 16,916 events."""
    cfg = load_config(write_config())
    per_job = polling.events_for(JOB_MAX_DURATION_SECONDS, cfg.polling)
    assert polling.rounds_for(JOB_MAX_DURATION_SECONDS, cfg.polling) == 366
    assert per_job == 4_042
    assert 2 * per_job == 8_084
    assert polling.EXECUTION_HISTORY_LIMIT - 2 * per_job == 16_916
    assert 2 * per_job <= 0.6 * polling.EXECUTION_HISTORY_LIMIT


def test_polling_fixed_30_second_loop_would_exhaust_history_within_a_day() -> None:
    """The earlier fixed 30-second loop: the whole 25,000-event history lasts under 19 hours."""
    fixed = settings(30, 1.0, 30)
    hours = 18
    assert polling.events_for(hours * 3600, fixed) < polling.EXECUTION_HISTORY_LIMIT
    assert polling.events_for((hours + 1) * 3600, fixed) > polling.EXECUTION_HISTORY_LIMIT


def test_polling_min_max_interval() -> None:
    budget = 15_000
    minimum = polling.min_max_interval(settings(60, 2.0, 3600), JOB_MAX_DURATION_SECONDS, 2, budget)
    assert minimum == 3841
    assert 2 * polling.events_for(JOB_MAX_DURATION_SECONDS, settings(60, 2.0, minimum)) <= budget
    assert 2 * polling.events_for(JOB_MAX_DURATION_SECONDS, settings(60, 2.0, minimum - 1)) > budget
    assert polling.min_max_interval(settings(30, 1.0, 30), JOB_MAX_DURATION_SECONDS, 2, budget) is None
