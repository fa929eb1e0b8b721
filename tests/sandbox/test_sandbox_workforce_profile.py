"""The simulated workforce: profile checks, deterministic draws, boxes inside the image."""
from __future__ import annotations

import pytest

from sandbox.workforce import LABELING, VERIFICATION, WorkforceProfile

REFS = [f"s3://bucket/raw/part-{i:04d}.png" for i in range(400)]


@pytest.mark.parametrize(
    "settings, fragment",
    [
        ({"boxes_per_image": (3, 1)}, "boxes_per_image"),
        ({"boxes_per_image": (-1, 2)}, "boxes_per_image"),
        ({"approval_rate": 1.5}, "approval_rate"),
        ({"unlabeled_rate": -0.1}, "unlabeled_rate"),
        ({"labeling_seconds": -1}, "labeling_seconds"),
    ],
)
def test_bad_profiles_are_refused(settings, fragment):
    with pytest.raises(ValueError, match=fragment):
        WorkforceProfile(**settings)


def test_profile_is_frozen():
    with pytest.raises(AttributeError):
        WorkforceProfile().seed = 3  # type: ignore[misc]


@pytest.mark.parametrize("width, height", [(160, 120), (1, 1), (3, 2000), (4000, 3000)])
def test_boxes_lie_inside_the_image(width, height):
    profile = WorkforceProfile(boxes_per_image=(0, 6))
    for ref in REFS[:100]:
        for box in profile.draw_boxes("job", ref, width, height, class_count=3):
            assert 0 <= box["class_id"] < 3
            assert box["width"] >= 1 and box["height"] >= 1
            assert 0 <= box["left"] and box["left"] + box["width"] <= width
            assert 0 <= box["top"] and box["top"] + box["height"] <= height


def test_box_counts_cover_the_range():
    profile = WorkforceProfile(boxes_per_image=(1, 3))
    counts = {len(profile.draw_boxes("job", ref, 100, 100, 1)) for ref in REFS}
    assert counts == {1, 2, 3}


def test_draws_depend_on_seed_job_and_object_not_on_call_order():
    profile = WorkforceProfile(seed=7, approval_rate=0.5)
    forward = [profile.verdict("vfy", ref, 2) for ref in REFS]
    backward = [profile.verdict("vfy", ref, 2) for ref in reversed(REFS)][::-1]
    assert forward == backward
    assert forward == [WorkforceProfile(seed=7, approval_rate=0.5).verdict("vfy", ref, 2) for ref in REFS]
    assert forward != [WorkforceProfile(seed=8, approval_rate=0.5).verdict("vfy", ref, 2) for ref in REFS]
    assert forward != [profile.verdict("vfy-next-run", ref, 2) for ref in REFS]


def test_a_rejected_image_can_be_approved_in_a_later_job():
    profile = WorkforceProfile(approval_rate=0.5)
    rejected = [ref for ref in REFS if profile.verdict("run-1-vfy", ref, 2) != 0]
    assert any(profile.verdict("run-2-vfy", ref, 2) == 0 for ref in rejected)


def test_rates_are_roughly_honoured():
    profile = WorkforceProfile(approval_rate=0.8, unlabeled_rate=0.25, verification_unlabeled_rate=0.0)
    approved = sum(profile.verdict("v", ref, 2) == 0 for ref in REFS) / len(REFS)
    expired = sum(profile.task_expires(LABELING, "l", ref) for ref in REFS) / len(REFS)
    assert 0.7 < approved < 0.9
    assert 0.15 < expired < 0.35
    assert not any(profile.task_expires(VERIFICATION, "v", ref) for ref in REFS)


def test_rejections_use_every_other_choice_and_feedback_only_on_rejection():
    profile = WorkforceProfile(approval_rate=0.0, feedback_rate=1.0)
    verdicts = {profile.verdict("v", ref, 4) for ref in REFS}
    assert verdicts == {1, 2, 3}
    assert all(profile.feedback("v", ref, 1) for ref in REFS[:20])
    assert not profile.feedback("v", REFS[0], 0)
    assert profile.verdict("v", REFS[0], 1) == 0  # a single choice can only be chosen


def test_job_durations_and_failures_by_kind():
    profile = WorkforceProfile(labeling_seconds=10, verification_seconds=5, fail_verification_job="no")
    assert profile.job_seconds(LABELING) == 10 and profile.job_seconds(VERIFICATION) == 5
    assert profile.job_failure(LABELING) is None and profile.job_failure(VERIFICATION) == "no"
