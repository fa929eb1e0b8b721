"""The pure parts of operate.executions: durations, tables, causes, the state a run ended in."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from operate.executions import (
    ExecutionRow,
    RunsError,
    execution_arn,
    explain_lines,
    format_duration,
    parse_input,
    plain_cause,
    table_lines,
)

T0 = datetime(2026, 11, 29, 15, 0, 0, tzinfo=UTC)
MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:scratch-labeling"


class History:
    """A Step Functions client answering GetExecutionHistory (either order) in pages of two."""

    def __init__(self, events: list[dict]):
        self.events = list(events)

    def get_execution_history(self, executionArn, reverseOrder, maxResults, nextToken=None):
        events = list(reversed(self.events)) if reverseOrder else self.events
        start = int(nextToken or 0)
        page = {"events": events[start:start + 2]}
        if start + 2 < len(events):
            page["nextToken"] = str(start + 2)
        return page


def _entered(kind: str, name: str) -> dict:
    return {"type": f"{kind}StateEntered", "stateEnteredEventDetails": {"name": name}}


def _row(status: str, error: str | None = None, cause: str | None = None, summary: dict | None = None) -> ExecutionRow:
    return ExecutionRow(name="run-1", arn=f"{MACHINE.replace('stateMachine', 'execution')}:run-1", status=status,
                        started=T0, stopped=T0 + timedelta(seconds=75), summary=summary, error=error, cause=cause)


@pytest.mark.parametrize("seconds, text", [(0, "0 s"), (59.6, "1 min 0 s"), (75, "1 min 15 s"),
                                           (3 * 3600 + 120, "3 h 2 min"), (50 * 3600, "2 d 2 h")])
def test_durations_read_like_people_write_them(seconds, text):
    assert format_duration(seconds) == text


def test_execution_names_become_arns_and_arns_stay():
    assert execution_arn(MACHINE, "run-1") == "arn:aws:states:eu-west-1:123456789012:execution:scratch-labeling:run-1"
    assert execution_arn(MACHINE, "arn:aws:states:x") == "arn:aws:states:x"


def test_input_must_be_a_json_object():
    assert parse_input('{"max_images": 5}') == {"max_images": 5}
    for bad in ("", "[]", "null", "{'a': 1}"):
        with pytest.raises(RunsError) as raised:
            parse_input(bad)
        assert raised.value.exit_code == 2 and "--input" in str(raised.value)


def test_a_raw_lambda_error_is_unwrapped_to_its_message():
    raw = '{"errorMessage": "bucket my-factory-images does not exist", "errorType": "NoSuchBucket", "stackTrace": []}'
    assert plain_cause("NoSuchBucket", raw) == "bucket my-factory-images does not exist"
    assert plain_cause("LabelingJobFailed", "labeling job x failed: Workteam was deleted") == \
        "labeling job x failed: Workteam was deleted"
    assert plain_cause("States.Timeout", None) == "States.Timeout (no cause recorded)"


def test_the_fail_state_is_named_even_pages_back_in_the_history():
    sfn = History([_entered("Task", "Check missing labels"), _entered("Fail", "Labeling job failed"),
                   {"type": "ExecutionFailed", "executionFailedEventDetails": {}}, {"type": "Other"}, {"type": "Other"}])
    lines = explain_lines(sfn, _row("FAILED", "LabelingJobFailed", "labeling job x failed: Workteam was deleted"))
    assert lines == ["the execution failed in state 'Labeling job failed'",
                     "cause: labeling job x failed: Workteam was deleted", "error code: LabelingJobFailed"]


def test_without_a_fail_state_the_last_state_entered_is_named():
    sfn = History([_entered("Task", "Check missing labels"), _entered("Wait", "Labeling: wait"),
                   {"type": "ExecutionTimedOut"}])
    assert explain_lines(sfn, _row("TIMED_OUT"))[0] == "the execution timed out in state 'Labeling: wait'"
    assert explain_lines(History([{"type": "ExecutionAborted"}]), _row("ABORTED", "x", "stopped by ops"))[:2] == [
        "the execution was stopped (aborted) before any state ran", "cause: stopped by ops"]
    assert explain_lines(History([]), _row("SUCCEEDED")) == []


def test_the_table_aligns_columns_and_marks_missing_counts():
    done = _row("SUCCEEDED", summary={"images_found": 1200, "already_labeled": 200, "selected": 1000, "backlog": 0,
                                      "left_out": 0, "approved": 990, "rejected": 10, "unlabeled": 0,
                                      "unlabelable": 2, "written": 1000})
    running = ExecutionRow("run-2", "arn", "RUNNING", T0 + timedelta(hours=1), None, None)
    header, first, second = table_lines([running, done], now=T0 + timedelta(hours=1, minutes=5))
    assert header.index("STATUS") == first.index("RUNNING") == second.index("SUCCEEDED")
    assert first.split()[-10:] == ["-"] * 10 and "5 min 0 s" in first
    assert second.split()[-10:] == ["1200", "200", "1000", "0", "0", "990", "10", "0", "2", "1000"]
    assert "2026-11-29 15:00:00 UTC" in second and "1 min 15 s" in second


def test_show_reports_unlabelable_images_and_earlier_runs_output_written_first():
    from operate.executions import show_lines, unwritten_lines, unwritten_result

    row = _row("SUCCEEDED", summary={"images_found": 14, "selected": 2, "unlabelable": 2, "written": 2})
    output = json.dumps({"unwritten": {"runs_examined": 1, "runs_written": ["scratch-run-1-abc"], "written": 12,
                                       "unlabelable": 0, "left": 1, "not_written": []}})
    sfn = History([_entered("Task", "Write unwritten earlier output"),
                   {"type": "TaskStateExited", "stateExitedEventDetails": {"name": "Write unwritten earlier output",
                                                                          "output": output}}])
    lines = show_lines(sfn, row)
    assert any("unlabelable (not sent again unless replaced)  2" in line for line in lines)
    assert "  earlier runs' output written  12 records of scratch-run-1-abc" in lines
    assert any(line.strip().startswith("earlier runs' output left     1 runs") for line in lines)
    assert unwritten_result(History([_entered("Task", "Check missing labels")]), "arn") is None
    assert unwritten_lines({"written": 3, "unlabelable": 3, "runs_written": ["r"]}) == [
        "earlier runs' output written  3 records (3 unlabelable) of r"]
