"""steps.aimd: additive increase, multiplicative decrease, one cut per throttling episode."""
from __future__ import annotations

import pytest

from steps.aimd import Aimd
from steps.update_progress import from_ranges, to_ranges


def test_starts_at_the_maximum_and_halves_on_a_throttle():
    aimd = Aimd(maximum=10)
    assert aimd.limit == 10
    assert aimd.on_throttle(aimd.epoch) is True
    assert aimd.limit == 5


def test_throttles_of_calls_sent_before_the_cut_do_not_cut_again():
    aimd = Aimd(maximum=16)
    epoch = aimd.epoch
    cuts = [aimd.on_throttle(epoch) for _ in range(8)]  # eight calls in flight, all throttled at once
    assert cuts == [True] + [False] * 7
    assert aimd.limit == 8


def test_never_below_the_minimum_nor_above_the_maximum():
    aimd = Aimd(maximum=4, minimum=1)
    for _ in range(10):
        aimd.on_throttle(aimd.epoch)
    assert aimd.limit == 1
    for _ in range(1000):
        aimd.on_success()
    assert aimd.limit == 4


def test_grows_by_about_one_per_round_of_limit_successes():
    aimd = Aimd(maximum=20)
    aimd.on_throttle(aimd.epoch)
    aimd.on_throttle(aimd.epoch)  # 5
    for _ in range(5):
        aimd.on_success()
    assert aimd.limit == 6


@pytest.mark.parametrize("kwargs", [{"maximum": 0}, {"maximum": 2, "minimum": 3}, {"maximum": 2, "decrease": 1.0}])
def test_rejects_impossible_settings(kwargs):
    with pytest.raises(ValueError):
        Aimd(**kwargs)


def test_progress_ranges_round_trip():
    lines = {1, 2, 3, 7, 9, 10}
    assert to_ranges(lines) == [[1, 3], [7, 7], [9, 10]]
    assert from_ranges(to_ranges(lines)) == lines
