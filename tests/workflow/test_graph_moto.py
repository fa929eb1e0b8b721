"""moto accepts the definition, and its engine walks the graph's own states.

moto cannot run the Lambda steps or Ground Truth here (the sandbox does that),
so the execution tests replace each Task with a Pass that returns what the task
would (after its ResultSelector), or routes to its Catch with an error. Every
other state (Choice rules, intrinsic functions, Fail causes) runs as written.
"""
from __future__ import annotations

import copy
import json

import boto3
import pytest
from helpers_wait import execution_end
from moto import mock_aws

from workflow import graph, polling
from workflow.graph import build_workflow, render_definition

EXECUTE = {"stepfunctions": {"execute_state_machine": True}}
ROLE = "arn:aws:iam::123456789012:role/scratch-labeling-states"

CHECK = {
    "images_found": 120, "already_labeled": 100, "missing": 20, "in_flight": 0, "selected": 20, "backlog": 0, "max_images": 1000,
    "run_id": "scratch-run-0123456789", "manifest_uri": "s3://b/labeling/runs/scratch-run-0123456789/input.manifest",
    "labeling_job_name": "scratch-run-0123456789-lbl", "verification_job_name": "scratch-run-0123456789-vfy",
    "labeling_output_uri": "s3://b/labeling/runs/scratch-run-0123456789/labeling/",
    "verification_output_uri": "s3://b/labeling/runs/scratch-run-0123456789/verification/",
    "carried": 0, "carried_manifest_uri": None,  # no earlier unverified labels (steps.carried_labels)
}
COUNTERS = {"TotalLabeled": 20, "HumanLabeled": 20, "MachineLabeled": 0, "FailedNonRetryableError": 0, "Unlabeled": 0}
UPDATE = {"lines_read": 20, "approved": 18, "rejected": 2, "unlabeled": 0, "written": 20, "unlabelable": 0, "seconds": 1.5}
# The first state (steps.unwritten_output): nothing earlier runs left unwritten.
UNWRITTEN = {"runs_examined": 0, "runs_written": [], "written": 0, "unlabelable": 0, "left": 0, "not_written": []}
FILTERED = {"lines_read": 20, "kept": 20, "left_out": 0,
            "manifest_uri": "s3://b/labeling/runs/scratch-run-0123456789/verification-input.manifest"}


def _stub(definition: dict, results: dict[str, object], errors: dict[str, dict] | None = None) -> dict:
    """Tasks -> Pass states returning ``results[name]``, or jumping to the catch of ``errors[name]``."""
    stubbed = copy.deepcopy(definition)
    for name, state in stubbed["States"].items():
        if state["Type"] == "Wait":
            state.pop("SecondsPath", None)
            state["Seconds"] = 0
        if state["Type"] != "Task":
            continue
        if errors and name in errors:
            error = errors[name]
            catch = next(c for c in state["Catch"] if error["Error"] in c["ErrorEquals"] or c["ErrorEquals"] == ["States.ALL"])
            stub = {"Type": "Pass", "Result": error, "ResultPath": catch["ResultPath"], "Next": catch["Next"]}
        else:
            result = results.get(name, UNWRITTEN if name == graph.NAME_WRITE_UNWRITTEN else {})
            stub = {"Type": "Pass", "Result": result, "ResultPath": state["ResultPath"], "Next": state["Next"]}
        stubbed["States"][name] = stub
    return stubbed


def _run(definition: dict, execution_input: dict | None = None) -> dict:
    client = boto3.client("stepfunctions", region_name="eu-west-1")
    arn = client.create_state_machine(name="stubbed", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    execution = client.start_execution(stateMachineArn=arn, input=json.dumps(execution_input or {}))["executionArn"]
    return execution_end(client, execution)


def _happy_results() -> dict:
    return {
        "Check missing labels": {"check": CHECK},
        "Start labeling job": None,
        "Labeling: check status": {"Status": "Completed", "LabelCounters": COUNTERS},
        "Labeling: get output manifest": {"manifest_uri": "s3://b/labeling/out.manifest"},
        "Filter labeled objects": FILTERED,
        "Start verification job": None,
        "Verification: check status": {"Status": "Completed", "LabelCounters": COUNTERS},
        "Verification: get output manifest": {"manifest_uri": "s3://b/verification/out.manifest"},
        "Update feature store": UPDATE,
    }


def test_moto_accepts_the_workflow(cfg, arns):
    with mock_aws():
        client = boto3.client("stepfunctions", region_name=cfg.pipeline.region)
        workflow = build_workflow(cfg, arns, client=client)
        state_machine_arn = workflow.create()
        described = client.describe_state_machine(stateMachineArn=state_machine_arn)
        assert described["name"] == cfg.pipeline.name
        assert described["roleArn"] == arns.state_machine_role
        assert json.loads(described["definition"]) == render_definition(cfg, arns)
        tags = client.list_tags_for_resource(resourceArn=state_machine_arn)["tags"]
        assert {t["key"]: t["value"] for t in tags} == cfg.pipeline.tags


@pytest.fixture(scope="module")
def definition(cfg, arns):
    return render_definition(cfg, arns)


def test_happy_path_ends_with_the_summary(definition):
    with mock_aws(config=EXECUTE):
        result = _run(_stub(definition, _happy_results()), {})
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {
        "images_found": 120, "already_labeled": 100, "missing": 20, "selected": 20, "backlog": 0, "carried": 0,
        "approved": 18, "rejected": 2, "unlabeled": 0, "unlabelable": 0, "written": 20, "left_out": 0,
        "run_id": CHECK["run_id"], "labeling_job_name": CHECK["labeling_job_name"],
        "verification_job_name": CHECK["verification_job_name"],
    }


def test_nothing_to_label_succeeds(definition):
    with mock_aws(config=EXECUTE):
        result = _run(_stub(definition, {"Check missing labels": {"check": {**CHECK, "selected": 0, "manifest_uri": None}}}))
    assert result["status"] == "SUCCEEDED"
    output = json.loads(result["output"])
    assert output["selected"] == 0 and output["approved"] == 0 and output["labeling_job_name"] is None
    assert output["left_out"] == 0


def test_invalid_input_fails_with_the_plain_message(definition):
    cause = json.dumps({"errorMessage": "input.max_images is 0; use an int from 1 to 1000",
                        "errorType": "InvalidExecutionInput", "stackTrace": []})
    errors = {"Check missing labels": {"Error": "InvalidExecutionInput", "Cause": cause}}
    with mock_aws(config=EXECUTE):
        result = _run(_stub(definition, {}, errors), {"max_images": 0})
    assert result["status"] == "FAILED"
    assert result["error"] == "InvalidExecutionInput"
    assert result["cause"] == "input.max_images is 0; use an int from 1 to 1000"


def test_a_failing_step_is_named_in_the_cause(definition):
    errors = {"Update feature store": {"Error": "FeatureStoreWriteFailed", "Cause": "3 records failed"}}
    with mock_aws(config=EXECUTE):
        result = _run(_stub(definition, _happy_results(), errors))
    assert result["status"] == "FAILED"
    assert result["error"] == "PipelineStepFailed"
    assert result["cause"] == "Update feature store failed with FeatureStoreWriteFailed: 3 records failed"


def test_resource_in_use_on_create_goes_on_polling(definition):
    errors = {"Start labeling job": {"Error": "SageMaker.ResourceInUseException", "Cause": "job exists"}}
    with mock_aws(config=EXECUTE):
        result = _run(_stub(definition, _happy_results(), errors))
    assert result["status"] == "SUCCEEDED", result


def test_completed_with_nothing_labeled_fails_clearly(definition):
    results = _happy_results()
    results["Labeling: check status"] = {"Status": "Completed", "LabelCounters": {**COUNTERS, "TotalLabeled": 0, "HumanLabeled": 0, "Unlabeled": 20}}
    with mock_aws(config=EXECUTE):
        result = _run(_stub(definition, results))
    assert result["status"] == "FAILED"
    assert result["error"] == "LabelingNothingLabeled"
    assert result["cause"] == (
        "labeling job scratch-run-0123456789-lbl completed with no labeled objects (20 expired, 0 failed: "
        "unreadable or not images); the images stay missing and are retried next run"
    )


def test_failed_job_carries_its_failure_reason(definition):
    results = _happy_results()
    results["Verification: check status"] = {"Status": "Failed", "LabelCounters": COUNTERS}
    results["Verification: get failure reason"] = {"reason": "ClientError: the manifest could not be read"}
    with mock_aws(config=EXECUTE):
        result = _run(_stub(definition, results))
    assert result["status"] == "FAILED"
    assert result["error"] == "VerificationJobFailed"
    assert result["cause"] == "verification job scratch-run-0123456789-vfy failed: ClientError: the manifest could not be read"


def test_stopped_job_fails_naming_it(definition):
    results = _happy_results()
    results["Labeling: check status"] = {"Status": "Stopped", "LabelCounters": COUNTERS}
    with mock_aws(config=EXECUTE):
        result = _run(_stub(definition, results))
    assert result["status"] == "FAILED"
    assert result["cause"] == "labeling job scratch-run-0123456789-lbl was stopped before it completed"


def test_the_next_wait_pass_walks_the_schedule(definition, cfg):
    """Run the loop's own Pass repeatedly: the waits follow wait_schedule and stay at the cap."""
    schedule = polling.wait_schedule(cfg.polling)
    advance = definition["States"]["Labeling: next wait"]
    steps = len(schedule) - 1
    states = {"Init": {"Type": "Pass", "Result": {"round": 0, "seconds": schedule[0]}, "ResultPath": "$.poll", "Next": "Step0"}}
    for index in range(steps):
        states[f"Step{index}"] = {**advance, "Next": f"Record{index}"}
        nxt = f"Step{index + 1}" if index + 1 < steps else "Done"
        states[f"Record{index}"] = {"Type": "Pass", "Parameters": {"seconds.$": "$.poll.seconds"},
                                    "ResultPath": f"$.seen.r{index + 1}", "Next": nxt}
    states["Done"] = {"Type": "Succeed"}
    with mock_aws(config=EXECUTE):
        result = _run({"StartAt": "Init", "States": states})
    assert result["status"] == "SUCCEEDED", result
    output = json.loads(result["output"])
    assert [output["seen"][f"r{i}"]["seconds"] for i in range(1, steps + 1)] == schedule[1:]
    assert output["poll"] == {"round": steps, "seconds": schedule[-1]}


def _entered(client, execution_arn: str) -> list[str]:
    events = client.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    return [next(v for k, v in e.items() if k.endswith("EventDetails"))["name"] for e in events
            if e["type"].endswith("StateEntered")]


def test_lines_left_out_of_verification_are_reported(definition):
    results = _happy_results()
    results["Filter labeled objects"] = {**FILTERED, "kept": 17, "left_out": 3}
    with mock_aws(config=EXECUTE):
        result = _run(_stub(definition, results))
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"])["left_out"] == 3


def test_nothing_to_verify_ends_the_run_like_nothing_labeled(definition):
    """Every output line lacks the label: no verification job starts, the run fails as "nothing labeled" does."""
    results = _happy_results()
    results["Filter labeled objects"] = {"lines_read": 20, "kept": 0, "left_out": 20, "manifest_uri": None}
    with mock_aws(config=EXECUTE):
        result = _run(_stub(definition, results))
        states = _entered(boto3.client("stepfunctions", region_name="eu-west-1"), result["executionArn"])
    assert result["status"] == "FAILED"
    assert result["error"] == "LabelingNothingLabeled"
    assert result["cause"] == (
        "labeling job scratch-run-0123456789-lbl completed with no labeled objects (20 of 20 output lines carry "
        "no label); the images stay missing and are retried next run"
    )
    assert "Start verification job" not in states


REFUSED = ("Workteam arn:aws:sagemaker:eu-west-1:111122223333:workteam/private-crowd/nobody does not exist "
           "(Service: AmazonSageMaker; Status Code: 400; Error Code: ValidationException; "
           "Request ID: 0f6e3d1c-0000-4000-8000-000000000000; Proxy: null)")
DENIED = ("User: arn:aws:sts::123456789012:assumed-role/scratch-labeling-states/x is not authorized to perform: "
          "iam:PassRole on resource: arn:aws:iam::123456789012:role/other (Service: AmazonSageMaker; "
          "Status Code: 400; Error Code: AccessDeniedException; Request ID: 0f6e3d1c-0000-4000-8000-000000000004; "
          "Proxy: null)")
THROTTLED = ("Rate exceeded (Service: AmazonSageMaker; Status Code: 400; Error Code: ThrottlingException; "
             "Request ID: 0f6e3d1c-0000-4000-8000-000000000001; Proxy: null)")
UNAVAILABLE = ("Service unavailable (Service: AmazonSageMaker; Status Code: 503; Error Code: ServiceUnavailable; "
               "Request ID: 0f6e3d1c-0000-4000-8000-000000000002; Proxy: null)")


@pytest.mark.parametrize("title", ["Labeling", "Verification"])
@pytest.mark.parametrize("refused", [REFUSED, DENIED], ids=["validation", "access-denied"])
def test_a_refused_create_fails_at_once_with_the_cause(definition, title, refused):
    start = f"Start {title.lower()} job"
    errors = {start: {"Error": "SageMaker.AmazonSageMakerException", "Cause": refused}}
    with mock_aws(config=EXECUTE):
        result = _run(_stub(definition, _happy_results(), errors))
        states = _entered(boto3.client("stepfunctions", region_name="eu-west-1"), result["executionArn"])
    assert result["status"] == "FAILED"
    assert result["error"] == "PipelineStepFailed"
    assert result["cause"] == f"{start} failed with SageMaker.AmazonSageMakerException: {refused}"
    assert states.count(start) == 1
    assert f"{title}: wait to retry the create" not in states


TOO_MANY = ("Slow down (Service: AmazonSageMaker; Status Code: 429; Error Code: SlowDown; "
            "Request ID: 0f6e3d1c-0000-4000-8000-000000000003; Proxy: null)")


@pytest.mark.parametrize("cause", [THROTTLED, UNAVAILABLE, TOO_MANY, "an error without the SDK's details"])
def test_a_transient_create_error_is_retried_with_growing_waits_then_fails(definition, cause):
    errors = {"Start labeling job": {"Error": "SageMaker.AmazonSageMakerException", "Cause": cause}}
    stubbed = _stub(definition, _happy_results(), errors)
    waits = []
    for name, state in stubbed["States"].items():  # record each wait the loop chose
        if name == "Labeling: wait to retry the create":
            state["Next"] = "Record wait"
    stubbed["States"]["Record wait"] = {"Type": "Pass", "Parameters": {"seconds.$": "$.labeling_create_retry.seconds"},
                                        "ResultPath": "$.seen_wait", "Next": "Start labeling job"}
    with mock_aws(config=EXECUTE):
        result = _run(stubbed)
        client = boto3.client("stepfunctions", region_name="eu-west-1")
        states = _entered(client, result["executionArn"])
        events = client.get_execution_history(executionArn=result["executionArn"], maxResults=1000)["events"]
        waits = [json.loads(e["stateExitedEventDetails"]["output"])["seen_wait"]["seconds"] for e in events
                 if e["type"] == "PassStateExited" and e["stateExitedEventDetails"]["name"] == "Record wait"]
    assert result["status"] == "FAILED"
    assert result["cause"] == f"Start labeling job failed with SageMaker.AmazonSageMakerException: {cause}"
    assert states.count("Start labeling job") == 1 + len(graph.CREATE_RETRY_WAITS)
    assert waits == list(graph.CREATE_RETRY_WAITS)

