"""on_reject adjust: a failed Parallel state stops both jobs it may have started, then fails the run."""
from __future__ import annotations

import pytest

from workflow.config import replace
from workflow.graph import NAME_JOBS, PARALLEL_STOP_WAIT_SECONDS, STEP_FAILED_ERROR, render_definition
from workflow.resources import ResourceArns


@pytest.fixture(scope="module")
def states(cfg):
    adjust = replace(cfg, verification=replace(cfg.verification, on_reject="adjust"))
    return render_definition(adjust, ResourceArns.placeholder(adjust))["States"]


def test_the_parallel_state_catches_everything_and_stops_each_started_job_before_failing(states):
    (catch,) = states[NAME_JOBS]["Catch"]
    assert catch["ErrorEquals"] == ["States.ALL"] and catch["ResultPath"] == "$.error"
    settle = states[catch["Next"]]
    assert settle["Type"] == "Wait" and settle["Seconds"] == PARALLEL_STOP_WAIT_SECONDS
    state = states[settle["Next"]]
    stopped = []
    for noun, manifest, name in (("labeling job", "$.check.manifest_uri", "$.check.labeling_job_name"),
                                 ("adjustment job", "$.check.adjustment_manifest_uri", "$.check.adjustment_job_name")):
        assert state["Type"] == "Choice"
        (never_created,) = state["Choices"]
        assert never_created == {"Variable": manifest, "IsNull": True, "Next": never_created["Next"]}
        stop = states[state["Default"]]
        assert stop["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:stopLabelingJob"
        assert stop["Parameters"] == {"LabelingJobName.$": name}
        assert stop["ResultPath"] is None  # $.error, the branch's error, reaches the Fail state
        # A job that ended or never existed answers with an error: caught, the next job is stopped all the same.
        assert stop["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.stop_error", "Next": stop["Next"]}]
        assert never_created["Next"] == stop["Next"]
        stopped.append(noun)
        state = states[stop["Next"]]
    assert stopped == ["labeling job", "adjustment job"]
    assert state["Type"] == "Fail" and state["Error"] == STEP_FAILED_ERROR
    assert state["CausePath"] == f"States.Format('{NAME_JOBS} failed with {{}}: {{}}', $.error.Error, $.error.Cause)"
