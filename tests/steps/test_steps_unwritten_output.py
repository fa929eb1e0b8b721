"""Before a run selects images it writes what earlier failed runs verified but never wrote (steps.unwritten_output)."""
from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest
from helpers_wait import execution_status
from steps_fakes import BUCKET, FakeFeatureStore, verified_line
from test_steps_unlabelable import NOT_IMAGE, failed_line

from steps import layout, naming, unwritten_output
from steps.log import StepSummary
from steps.update_progress import Progress

WORK = "labeling/"
PREFIX = "scratch"
DEFINITION = json.dumps({"StartAt": "w", "States": {"w": {"Type": "Wait", "Seconds": 86400, "End": True}}})


@pytest.fixture
def sfn(aws: None) -> Any:
    return boto3.client("stepfunctions")


def _machine(sfn: Any) -> str:
    role = "arn:aws:iam::123456789012:role/sfn"
    return sfn.create_state_machine(name="scratch-labeling", definition=DEFINITION, roleArn=role)["stateMachineArn"]


def _aborted_run(sfn: Any, machine: str, name: str) -> str:
    """An execution that ended ABORTED; returns its run id (as the check step derived it). Waits until it is
    ABORTED: moto's worker thread reflects the stop a moment later, and until then ListExecutions with status
    ABORTED (what the step asks) does not return it."""
    arn = sfn.start_execution(stateMachineArn=machine, name=name)["executionArn"]
    sfn.stop_execution(executionArn=arn)
    described = execution_status(sfn, arn, "ABORTED")
    return unwritten_output.run_ids(PREFIX, {"executionArn": arn, "name": name, "startDate": described["startDate"]})[0]


def _outputs(s3: Any, run: str, verified: list[str], labeling: list[dict[str, Any]] | None = None) -> str:
    labeling_job, verification_job = naming.job_names(run)
    key = layout.output_manifest_key(layout.verification_output_prefix(WORK, run), verification_job)
    s3.put_object(Bucket=BUCKET, Key=key, Body=("\n".join(verified) + "\n").encode())
    if labeling is not None:
        lkey = layout.output_manifest_key(layout.labeling_output_prefix(WORK, run), labeling_job)
        s3.put_object(Bucket=BUCKET, Key=lkey, Body="".join(json.dumps(line) + "\n" for line in labeling).encode())
    return f"s3://{BUCKET}/{key}"


def _event(machine: str, max_records: int = 1000, max_runs: int = 50) -> dict[str, Any]:
    own = machine.replace(":stateMachine:", ":execution:") + ":now"
    return {"action": "write_unwritten", "execution": {"id": own, "name": "now", "start_time": "t"},
            "settings": {"feature_group_name": "scratch-labels", "label_attribute": "scratch-boxes",
                         "verification_attribute": "scratch-verdict", "approved_index": 0, "max_concurrency": 4,
                         "bucket": BUCKET, "work_prefix": WORK, "kms_key_arn": None, "job_name_prefix": PREFIX,
                         "max_runs": max_runs, "max_records": max_records}}


def _run(s3: Any, sfn: Any, store: FakeFeatureStore, evt: dict[str, Any]) -> dict[str, Any]:
    return dict(unwritten_output.write_unwritten(evt, s3, sfn, store, StepSummary("x", stream=io.StringIO())))


def test_state_machine_arn_of_an_execution():
    assert unwritten_output.state_machine_arn("arn:aws:states:eu-west-1:1:execution:m:run-1") == \
        "arn:aws:states:eu-west-1:1:stateMachine:m"


def test_a_failed_runs_unwritten_lines_are_written_once_and_reported(s3, sfn):
    machine = _machine(sfn)
    run = _aborted_run(sfn, machine, "run-1")
    uri = _outputs(s3, run, [verified_line(f"s3://b/raw/{n}.png", 0) for n in range(5)],
                   [failed_line("s3://b/raw/bad.png", NOT_IMAGE)])
    Progress(s3, BUCKET, layout.update_progress_key(WORK, run), uri, None).record([1, 2])  # its update wrote 2 lines
    store = FakeFeatureStore()
    result = _run(s3, sfn, store, _event(machine))
    assert result == {"runs_examined": 1, "runs_written": [run], "written": 4, "unlabelable": 1, "left": 0,
                      "not_written": []}
    assert sorted(store.records) == ["s3://b/raw/2.png", "s3://b/raw/3.png", "s3://b/raw/4.png", "s3://b/raw/bad.png"]
    again = _run(s3, sfn, store, _event(machine))  # idempotent: the markers say complete
    assert (again["written"], again["runs_written"]) == (0, [])
    assert max(store.write_count.values()) == 1


def test_running_executions_are_left_alone(s3, sfn):
    machine = _machine(sfn)
    arn = sfn.start_execution(stateMachineArn=machine, name="still-running")["executionArn"]
    start = sfn.describe_execution(executionArn=arn)["startDate"]
    run = unwritten_output.run_ids(PREFIX, {"executionArn": arn, "name": "still-running", "startDate": start})[0]
    _outputs(s3, run, [verified_line("s3://b/raw/a.png", 0)])
    store = FakeFeatureStore()
    assert _run(s3, sfn, store, _event(machine))["runs_examined"] == 0 and not store.records


def test_the_cap_leaves_the_rest_for_the_next_run(s3, sfn):
    machine = _machine(sfn)
    first = _aborted_run(sfn, machine, "run-1")
    second = _aborted_run(sfn, machine, "run-2")
    _outputs(s3, first, [verified_line(f"s3://b/raw/a{n}.png", 0) for n in range(30)])
    _outputs(s3, second, [verified_line(f"s3://b/raw/b{n}.png", 0) for n in range(30)])
    store = FakeFeatureStore()
    capped = _run(s3, sfn, store, _event(machine, max_records=40))
    assert (capped["written"], capped["left"]) == (40, 1)
    rest = _run(s3, sfn, store, _event(machine, max_records=40))
    assert (rest["written"], rest["left"]) == (20, 0)
    assert len(store.records) == 60 and max(store.write_count.values()) == 1


def test_a_corrupt_manifest_is_reported_and_does_not_block_the_others(s3, sfn):
    machine = _machine(sfn)
    bad = _aborted_run(sfn, machine, "run-1")
    good = _aborted_run(sfn, machine, "run-2")
    _outputs(s3, bad, ['{"source-ref": "s3://b/raw/x.png", "scr'])
    _outputs(s3, good, [verified_line("s3://b/raw/ok.png", 0)])
    result = _run(s3, sfn, FakeFeatureStore(), _event(machine))
    assert result["runs_written"] == [good] and result["written"] == 1
    assert len(result["not_written"]) == 1 and result["not_written"][0].startswith(f"{bad}: manifest line 1")


def test_a_missing_feature_group_leaves_the_output_for_later_and_does_not_fail_the_step(s3, sfn):
    machine = _machine(sfn)
    run = _aborted_run(sfn, machine, "run-1")
    _outputs(s3, run, [verified_line("s3://b/raw/a.png", 0)])
    store = FakeFeatureStore()
    store.entry_errors["s3://b/raw/a.png"].extend(["ResourceNotFound"] * 10)
    result = _run(s3, sfn, store, _event(machine))
    assert (result["written"], result["left"]) == (0, 1) and "does not exist" in result["not_written"][0]
