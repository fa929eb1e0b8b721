"""The ``deploy.py --local`` summary: carried labels are shown apart from the images sent to labeling."""
from __future__ import annotations

from operate.follow import ExecutionOutcome
from operate.local import LocalRun


def _lines(output: dict) -> list[str]:
    outcome = ExecutionOutcome(arn="arn:aws:states:eu-west-1:123456789012:execution:m:e", status="SUCCEEDED", output=output, error=None, cause=None, seconds=1.0, events=10,
                               max_state_payload_bytes=100)
    return LocalRun(deploy=None, images=5, outcome=outcome, records=5, wall_seconds=2.0).summary_lines()  # type: ignore[arg-type]


def test_a_run_without_carried_labels_shows_what_it_sent_to_labeling() -> None:
    lines = _lines({"selected": 5, "backlog": 0, "carried": 0})
    assert "sent to labeling 5 (backlog left: 0)" in lines
    assert not any("verified again" in line for line in lines)


def test_carried_labels_are_not_counted_as_sent_to_labeling() -> None:
    lines = _lines({"selected": 5, "backlog": 0, "carried": 3})
    assert "sent to labeling 2 (backlog left: 0)" in lines
    assert "earlier labels verified again 3 (not labeled again)" in lines
