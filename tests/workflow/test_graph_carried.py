"""The state machine with earlier runs' unverified labels (steps.carried_labels): when every selected image carries
one, the labeling job is skipped and the verification job runs on the carried labels alone."""
from __future__ import annotations

import copy
import json

import boto3
from helpers_wait import execution_end
from moto import mock_aws
from task_type_configs import load_for

from workflow import graph, job_requests
from workflow.config import replace
from workflow.graph import check_settings, render_definition
from workflow.resources import ResourceArns

EXECUTE = {"stepfunctions": {"execute_state_machine": True}}
ROLE = "arn:aws:iam::123456789012:role/scratch-labeling-states"
RUN = "scratch-run-0123456789"
CARRIED = f"s3://b/labeling/runs/{RUN}/carried-labels.manifest"
CHECK = {
    "images_found": 10, "already_labeled": 5, "missing": 5, "in_flight": 0, "selected": 5, "backlog": 0,
    "max_images": 1000, "run_id": RUN, "manifest_uri": None, "labeling_job_name": f"{RUN}-lbl",
    "verification_job_name": f"{RUN}-vfy", "labeling_output_uri": f"s3://b/labeling/runs/{RUN}/labeling/",
    "verification_output_uri": f"s3://b/labeling/runs/{RUN}/verification/", "carried": 5,
    "carried_manifest_uri": CARRIED, "adjustment_selected": 0, "adjustment_manifest_uri": None,
    "adjustment_job_name": f"{RUN}-adj",
}
COUNTERS = {"TotalLabeled": 5, "HumanLabeled": 5, "MachineLabeled": 0, "FailedNonRetryableError": 0, "Unlabeled": 0}
UNWRITTEN = {"runs_examined": 1, "runs_written": [], "written": 0, "unlabelable": 0, "left": 0, "not_written": []}


def test_the_labeling_job_is_skipped_when_every_image_carries_an_earlier_label(cfg, arns):
    states = render_definition(cfg, arns)["States"]
    needed = states[states["Anything to label?"]["Default"]]
    assert states["Anything to label?"]["Default"] == graph.NAME_LABELING_NEEDED
    assert needed["Default"] == "Start labeling job"
    [rule] = needed["Choices"]
    assert rule == {"Variable": job_requests.INPUT_MANIFEST_PATH, "IsNull": True, "Next": rule["Next"]}
    skip = states[rule["Next"]]
    assert skip["Result"] == {"manifest_uri": None} and skip["ResultPath"] == "$.labeling_output"
    assert skip["Next"] == graph.NAME_FILTER
    payload = states[graph.NAME_FILTER]["Parameters"]["Payload"]
    assert payload["carried_manifest_uri.$"] == "$.check.carried_manifest_uri"
    assert states["Summarize"]["Parameters"]["carried.$"] == "$.check.carried"
    assert check_settings(cfg)["carry_labels"] is True


def test_no_carrying_without_a_verification_job(cfg, tmp_path):
    classification = load_for(tmp_path, "image_classification")
    assert check_settings(classification)["carry_labels"] is False
    assert graph.NAME_LABELING_NEEDED not in render_definition(classification, ResourceArns.placeholder(classification))["States"]


def test_with_adjust_the_parallel_stage_skips_both_jobs_and_the_filter_reads_the_carried_labels(cfg):
    adjust = replace(cfg, verification=replace(cfg.verification, on_reject="adjust"))
    settings = check_settings(adjust)
    assert settings["carry_labels"] is True and settings["adjustment_attribute"]  # adjusted labels are carried too
    states = render_definition(adjust, ResourceArns.placeholder(adjust))["States"]
    assert graph.NAME_LABELING_NEEDED not in states  # each branch of the Parallel state skips a null manifest
    assert states[graph.NAME_FILTER]["Parameters"]["Payload"]["carried_manifest_uri.$"] == "$.check.carried_manifest_uri"


def _stub(definition: dict, results: dict[str, object]) -> dict:
    """Tasks -> Pass states returning ``results[name]`` (the first state: UNWRITTEN); waits of 0 s."""
    stubbed = copy.deepcopy(definition)
    for name, state in stubbed["States"].items():
        if state["Type"] == "Wait":
            state.pop("SecondsPath", None)
            state["Seconds"] = 0
        if state["Type"] == "Task":
            result = results.get(name, UNWRITTEN if name == graph.NAME_WRITE_UNWRITTEN else {})
            stubbed["States"][name] = {"Type": "Pass", "Result": result, "ResultPath": state["ResultPath"],
                                       "Next": state["Next"]}
    return stubbed


def test_a_run_of_carried_labels_only_verifies_them_and_reports_them(cfg, arns):
    definition = _stub(render_definition(cfg, arns), {
        "Check missing labels": {"check": CHECK},
        "Filter labeled objects": {"lines_read": 5, "kept": 5, "left_out": 0,
                                   "manifest_uri": f"s3://b/labeling/runs/{RUN}/verification-input.manifest"},
        "Verification: check status": {"Status": "Completed", "LabelCounters": COUNTERS},
        "Verification: get output manifest": {"manifest_uri": "s3://b/verification/out.manifest"},
        "Update feature store": {"lines_read": 5, "approved": 5, "rejected": 0, "unlabeled": 0, "written": 5,
                                 "skipped": 0, "unlabelable": 0, "seconds": 0.1},
    })
    with mock_aws(config=EXECUTE):
        client = boto3.client("stepfunctions", region_name="eu-west-1")
        arn = client.create_state_machine(name="stubbed", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
        execution = client.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
        result = execution_end(client, execution)
        entered = [event["stateEnteredEventDetails"]["name"]
                   for event in client.get_execution_history(executionArn=execution, maxResults=1000)["events"]
                   if "stateEnteredEventDetails" in event]
    assert result["status"] == "SUCCEEDED", result
    assert "Start labeling job" not in entered and "Start verification job" in entered
    output = json.loads(result["output"])
    assert output["carried"] == 5 and output["selected"] == 5 and output["approved"] == 5


def test_a_runs_cost_counts_carried_labels_as_verified_only(cfg):
    from workflow import cost

    summary = {"images_found": 40, "selected": 40, "carried": 10, "left_out": 2, "approved": 30, "rejected": 8}
    breakdown = cost.actual(cfg, summary, 180, [cost.LambdaRun("check-missing-labels", 1024, 1, 2.0)])
    quantities = {line.item: line.quantity for line in breakdown.lines}
    assert quantities["Ground Truth labeling"] == "28 objects"
    assert quantities["Ground Truth verification"] == "38 objects"
