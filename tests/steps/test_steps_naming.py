"""Ground Truth job names from the execution (steps/naming.py), as the graph uses them:
valid for the name rule, unique per execution, no collisions for similar executions."""
from __future__ import annotations

import pytest

from steps import naming

ARN = "arn:aws:states:eu-west-1:123456789012:execution:scratch-labeling:{}"
START = "2026-11-29T06:00:00.{:03d}Z"


def _names(prefix: str, execution_name: str, start: str) -> tuple[str, str]:
    run = naming.run_id(prefix, ARN.format(execution_name), start, execution_name)
    return naming.job_names(run)


def test_similar_executions_never_collide_case_insensitively():
    seen: set[str] = set()
    count = 0
    for index in range(2000):
        # Same first characters, differing only in case or at the end, and the
        # same name started again at another time (names are reusable after 90 days).
        for execution_name in (f"scheduled-{index}", f"SCHEDULED-{index}", f"scheduled-{index}-retry"):
            for start in (START.format(index % 1000), START.format((index + 1) % 1000)):
                for name in _names("scratch", execution_name, start):
                    assert naming.JOB_NAME_PATTERN.match(name) and len(name) <= naming.MAX_JOB_NAME_LENGTH
                    seen.add(name.lower())
                    count += 1
    assert len(seen) == count


@pytest.mark.parametrize(
    "execution_name",
    [
        "x" * 80,  # the longest execution name Step Functions allows
        "a" * 40 + "-" * 40,
        "----",
        "Überprüfung 2026/11/29 — Linie A",
        "6f1c2f7e-2d3b-4c55-9a55-0c3d1b7e9f00",  # the console's default: a UUID
    ],
)
def test_any_execution_name_gives_valid_names(execution_name):
    prefix = "p" * naming.MAX_PREFIX_LENGTH
    labeling, verification = _names(prefix, execution_name, START.format(0))
    for name in (labeling, verification):
        assert naming.JOB_NAME_PATTERN.match(name), name
        assert len(name) <= naming.MAX_JOB_NAME_LENGTH
    assert labeling.endswith("-lbl") and verification.endswith("-vfy")
    assert labeling[:-4] == verification[:-4]


def test_the_same_execution_always_gets_the_same_names():
    assert _names("scratch", "nightly", START.format(1)) == _names("scratch", "nightly", START.format(1))
