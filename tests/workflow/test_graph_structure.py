"""The rendered definition: valid ASL, every state reachable, the contract with the
Lambda steps, retries and catches on every task, the polling loop, the state size."""
from __future__ import annotations

import json

import pytest
from statelint.config import Config
from statelint.linter import Linter

from steps import contract, layout, naming
from workflow import graph, polling
from workflow.config import replace
from workflow.graph import render_definition
from workflow.resources import ResourceArns


@pytest.fixture(scope="module")
def definition(cfg, arns):
    # The list-mode check region; the inventory mode's (prepare -> Athena -> select): test_graph_inventory.py
    listed = replace(cfg, storage=replace(cfg.storage, listing="list"))
    return render_definition(listed, arns)


def _targets(state: dict) -> list[str]:
    targets = [state[key] for key in ("Next", "Default") if key in state]
    targets += [choice["Next"] for choice in state.get("Choices", [])]
    targets += [catch["Next"] for catch in state.get("Catch", [])]
    return targets


def _reachable(definition: dict) -> set[str]:
    seen, todo = set(), [definition["StartAt"]]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_targets(definition["States"][name]))
    return seen


def test_statelint_accepts_every_variant(variant):
    problems = Linter.validate(json.dumps(render_definition(variant, ResourceArns.placeholder(variant))), Config())
    assert problems == []


def test_every_state_is_reachable_and_every_target_exists(definition):
    states = definition["States"]
    for name, state in states.items():
        for target in _targets(state):
            assert target in states, f"{name} -> missing state {target}"
    assert _reachable(definition) == set(states)
    print(f"states: {len(states)}")


def test_terminal_states(definition):
    states = definition["States"]
    succeed = {name for name, s in states.items() if s["Type"] == "Succeed"}
    assert succeed == {"Nothing to label", "Done"}
    for name, state in states.items():
        if state["Type"] not in ("Succeed", "Fail", "Choice"):
            assert "Next" in state, f"{name} ends the execution without a Succeed/Fail state"


def test_every_task_retries_transient_errors_and_catches_the_rest(definition):
    states = definition["States"]
    tasks = {name: s for name, s in states.items() if s["Type"] == "Task"}
    # 12 (with the first state, Write unwritten earlier output), and a StopLabelingJob per job after its
    # describe or its create failed
    assert len(tasks) == 12 + 4
    for name, task in tasks.items():
        retried = {error for retry in task["Retry"] for error in retry["ErrorEquals"]}
        assert retried and not retried & {"States.ALL", "States.TaskFailed"}, name
        assert not any("Validation" in error for error in retried), name
        assert all(retry["BackoffRate"] > 1 for retry in task["Retry"]), name
        catch_all = task["Catch"][-1]
        assert catch_all["ErrorEquals"] == ["States.ALL"]
        if task["Resource"] == graph.STOP_LABELING_JOB_RESOURCE:
            # The step's own error stays in $.error for the Fail state; the stop's error goes aside.
            assert catch_all["ResultPath"] == "$.stop_error" and task["ResultPath"] is None
            assert catch_all["Next"] == task["Next"] == name.removesuffix(": stop job")
            assert retried == set(graph.SAGEMAKER_TRANSIENT_ERRORS)
            continue
        assert catch_all["ResultPath"] == "$.error"
        if catch_all["Next"].endswith(": stop job"):
            assert task["Resource"] == graph.DESCRIBE_LABELING_JOB_RESOURCE and name.endswith(": check status"), name
            fail = states[states[catch_all["Next"]]["Next"]]
        else:
            fail = states[catch_all["Next"]]
        assert fail is states[f"{name} failed"] and fail["Type"] == "Fail"
        assert fail["Error"] == graph.STEP_FAILED_ERROR and "ErrorPath" not in fail
        assert fail["CausePath"].startswith(f"States.Format('{name} failed with {{}}: {{}}'")
        if name in (graph.NAME_UPDATE, graph.NAME_WRITE_UNWRITTEN):  # the same writer, the same retries
            assert retried == set(graph.LAMBDA_TRANSIENT_ERRORS) | set(graph.UPDATE_RETRYABLE_ERRORS)
        elif "lambda:invoke" in task["Resource"]:
            assert retried == set(graph.LAMBDA_TRANSIENT_ERRORS)
        elif task["Resource"] == graph.CREATE_LABELING_JOB_RESOURCE:
            # SageMaker's catch-all error is caught and retried by the graph unless the request was refused.
            assert retried == set(graph.CREATE_TRANSIENT_ERRORS)
            assert "SageMaker.AmazonSageMakerException" not in retried
        else:
            assert retried == set(graph.SAGEMAKER_TRANSIENT_ERRORS)


def test_lambda_tasks_retry_every_error_name_aws_documents_for_lambda_service_exceptions(definition):
    """"Handle Lambda service exceptions" (bp-lambda-serviceexception): the Retry example's four names
    and Lambda.TooManyRequestsException; a 503 from Invoke is reported as Lambda.AWSLambdaException."""
    documented = {"Lambda.ClientExecutionTimeoutException", "Lambda.ServiceException", "Lambda.AWSLambdaException",
                  "Lambda.SdkClientException", "Lambda.TooManyRequestsException"}
    for name, state in definition["States"].items():
        if state["Type"] == "Task" and "lambda:invoke" in state["Resource"]:
            retried = {error for retry in state["Retry"] for error in retry["ErrorEquals"]}
            assert documented <= retried, (name, documented - retried)

def test_check_missing_labels_event_matches_the_contract(definition, cfg):
    check = definition["States"][graph.NAME_CHECK]
    assert check["Resource"] == "arn:aws:states:::lambda:invoke"
    payload = check["Parameters"]["Payload"]
    assert set(payload) == {"execution", "input.$", "settings"}
    assert {key.removesuffix(".$") for key in payload} == set(contract.CheckMissingLabelsEvent.__annotations__)
    assert payload["input.$"] == "$"
    assert {k.removesuffix(".$") for k in payload["execution"]} == set(contract.ExecutionContext.__annotations__)
    assert set(payload["settings"]) == set(contract.CheckMissingLabelsSettings.__annotations__)
    assert payload["settings"]["athena_output_uri"] == f"s3://{cfg.storage.bucket}/{cfg.storage.work_prefix}athena/"
    selected = check["ResultSelector"]["check"]
    assert {k.removesuffix(".$") for k in selected} == set(contract.CheckMissingLabelsResult.__annotations__)
    assert check["ResultPath"] == "$"  # the execution input is not carried on
    invalid = check["Catch"][0]
    assert invalid["ErrorEquals"] == [contract.INVALID_INPUT_ERROR]
    reader = definition["States"][invalid["Next"]]
    assert reader["Parameters"] == {"cause.$": "States.StringToJson($.error.Cause)"}
    fail = definition["States"][reader["Next"]]
    assert fail == {"Type": "Fail", "Error": "InvalidExecutionInput", "CausePath": "$.invalid_input.cause.errorMessage"}


def test_nothing_selected_succeeds_at_once(definition):
    choice = definition["States"][definition["States"][graph.NAME_CHECK]["Next"]]
    assert choice["Choices"] == [{"Variable": "$.check.selected", "NumericEquals": 0, "Next": "Summarize: nothing to label"}]
    # earlier runs' unverified labels may make the labeling job unnecessary (steps.carried_labels)
    assert definition["States"][choice["Default"]]["Default"] == "Start labeling job"
    summary = definition["States"]["Summarize: nothing to label"]
    assert summary["Parameters"]["approved"] == 0 and summary["Parameters"]["labeling_job_name"] is None
    assert definition["States"][summary["Next"]] == {"Type": "Succeed"}


def test_update_feature_store_event_matches_the_contract(definition):
    update = definition["States"]["Update feature store"]
    payload = update["Parameters"]["Payload"]
    assert {key.removesuffix(".$") for key in payload} == set(contract.UpdateFeatureStoreEvent.__annotations__)
    assert payload["manifest_uri.$"] == "$.verification_output.manifest_uri"
    assert set(payload["settings"]) == set(contract.UpdateFeatureStoreSettings.__annotations__)
    assert payload["settings"]["approved_index"] == 0 and payload["settings"]["max_concurrency"] == 10
    assert {k.removesuffix(".$") for k in update["ResultSelector"]} == set(contract.UpdateFeatureStoreResult.__annotations__)
    assert update["ResultPath"] == "$.update"
    assert update["Next"] == "Summarize"


def test_create_tasks_resume_polling_on_resource_in_use(definition):
    for title, noun in (("Labeling", "labeling"), ("Verification", "verification")):
        start = definition["States"][f"Start {noun} job"]
        assert start["Resource"] == "arn:aws:states:::sagemaker:createLabelingJob"
        assert start["Catch"][0] == {
            "ErrorEquals": graph.RESOURCE_IN_USE_ERRORS,
            "ResultPath": "$.error",
            "Next": f"{title}: start polling",
        }
        assert start["Next"] == f"{title}: start polling"


@pytest.mark.parametrize("title", ["Labeling", "Verification"])
def test_poll_loop_is_wait_task_choice_pass(definition, cfg, title):
    states = definition["States"]
    schedule = polling.wait_schedule(cfg.polling)
    start = states[f"{title}: start polling"]
    assert start["Result"] == {"round": 0, "seconds": schedule[0]} and start["ResultPath"] == "$.poll"
    wait_name = start["Next"]
    wait = states[wait_name]
    assert wait["Type"] == "Wait" and wait["SecondsPath"] == "$.poll.seconds"
    describe = states[wait["Next"]]
    assert describe["Type"] == "Task" and describe["Resource"] == graph.DESCRIBE_LABELING_JOB_RESOURCE
    assert describe["ResultSelector"] == {"Status.$": "$.LabelingJobStatus", "LabelCounters.$": "$.LabelCounters"}
    choice = states[describe["Next"]]
    assert choice["Type"] == "Choice"
    advance = states[choice["Default"]]
    assert advance["Type"] == "Pass" and advance["Next"] == wait_name
    waits = ", ".join(map(str, schedule))
    assert advance["Parameters"] == {
        "round.$": "States.MathAdd($.poll.round, 1)",
        "seconds.$": f"States.ArrayGetItem(States.Array({waits}), States.MathAdd($.poll.round, 1))",
    }
    # History events per state type in a standard execution: Task 5, the others 2.
    cost = {"Task": 5, "Wait": 2, "Choice": 2, "Pass": 2}
    loop = [wait, describe, choice, advance]
    assert sum(cost[state["Type"]] for state in loop) == polling.EVENTS_PER_POLL_ROUND
    # Outside the loop: create Task, start-polling Pass, the deciding Choice, output describe Task.
    fixed = [states[f"Start {title.lower()} job"], start, choice, states[f"{title}: get output manifest"]]
    assert sum(cost[state["Type"]] for state in fixed) <= polling.EVENTS_PER_JOB_FIXED
    by_next = {c["Next"]: c for c in choice["Choices"]}
    assert by_next[wait_name] == {"Variable": "$.poll.round", "NumericGreaterThanEquals": len(schedule) - 1, "Next": wait_name}
    outcomes = {states[c["Next"]]["Type"] + ":" + c["Next"] for c in choice["Choices"]}
    assert f"Fail:{title}: nothing labeled" in outcomes
    assert f"Fail:{title} job stopped" in outcomes
    assert f"Task:{title}: get failure reason" in outcomes
    assert f"Task:{title}: get output manifest" in outcomes
    # "Completed with nothing labeled" is tested before "Completed".
    first, second = choice["Choices"][0], choice["Choices"][1]
    assert first["Next"] == f"{title}: nothing labeled"
    assert {"Variable": "$.job.LabelCounters.TotalLabeled", "NumericEquals": 0} in first["And"]
    assert second == {"Variable": "$.job.Status", "StringEquals": "Completed", "Next": f"{title}: get output manifest"}
    reason = states[f"{title}: get failure reason"]
    assert reason["ResultSelector"] == {"reason.$": "$.FailureReason"}
    assert "$.job_failure.reason" in states[reason["Next"]]["CausePath"]
    output = states[f"{title}: get output manifest"]
    assert output["ResultSelector"] == {"manifest_uri.$": "$.LabelingJobOutput.OutputDatasetS3Uri"}


def test_verification_follows_labeling_and_update_follows_verification(definition):
    states = definition["States"]
    assert states["Labeling: get output manifest"]["Next"] == graph.NAME_FILTER
    assert states["Labeling: get output manifest"]["ResultPath"] == "$.labeling_output"
    assert states[graph.NAME_FILTER]["Next"] == "Anything to verify?"
    assert states["Anything to verify?"]["Default"] == "Start verification job"
    assert states["Verification: get output manifest"]["Next"] == "Update feature store"
    assert states["Verification: get output manifest"]["ResultPath"] == "$.verification_output"


def _longest_state(cfg) -> dict:
    """The largest state the execution can hold, every field at its maximal length."""
    run = "x" * (naming.MAX_JOB_NAME_LENGTH - 4)  # job name = run + "-lbl": at most 63 characters
    job_name = run + "-vfy"
    outputs = layout.verification_output_prefix(cfg.storage.work_prefix, run)
    longest_uri = f"s3://{cfg.storage.bucket}/{layout.output_manifest_key(outputs, job_name)}"
    count = 10**12  # 13 digits: far beyond any image count
    check = dict.fromkeys(("images_found", "already_labeled", "missing", "in_flight", "selected", "backlog", "max_images"), count)
    check.update(run_id=run, manifest_uri=longest_uri, labeling_job_name=job_name, verification_job_name=job_name,
                 labeling_output_uri=longest_uri, verification_output_uri=longest_uri)
    counters = dict.fromkeys(("TotalLabeled", "HumanLabeled", "MachineLabeled", "FailedNonRetryableError", "Unlabeled"), count)
    return {
        "check": check,
        "poll": {"round": polling.MAX_WAIT_STEPS, "seconds": 86400},
        "job": {"Status": "Initializing", "LabelCounters": counters},
        "labeling_output": {"manifest_uri": longest_uri},
        "verification_input": {"lines_read": count, "kept": count, "left_out": count, "manifest_uri": longest_uri},
        "labeling_create_retry": {"attempt": len(graph.CREATE_RETRY_WAITS), "seconds": max(graph.CREATE_RETRY_WAITS)},
        "verification_create_retry": {"attempt": len(graph.CREATE_RETRY_WAITS), "seconds": max(graph.CREATE_RETRY_WAITS)},
        "verification_output": {"manifest_uri": longest_uri},
        "update": dict.fromkeys(("lines_read", "approved", "rejected", "unlabeled", "written", "seconds"), count),
        # A caught create error (ResourceInUse, or SageMaker's catch-all on its way to a retry):
        # error name and a service message of up to 1,000 characters.
        "error": {"Error": "SageMaker.AmazonSageMakerException", "Cause": "c" * 1000},
    }


def test_state_payload_is_small_and_constant(cfg, definition):
    state = _longest_state(cfg)
    # Every top-level key the definition writes is in the bound (job_failure and invalid_input,
    # like a catch's stop_error, only occur on the way to a Fail state, replacing nothing larger).
    written = {s["ResultPath"].split(".")[1] for s in definition["States"].values() if s.get("ResultPath") not in (None, "$")}
    # unwritten (the first state's counts) is dropped again before the check: the state is the execution input
    assert written - {"job_failure", "invalid_input", "unwritten"} <= set(state)
    size = len(json.dumps(state).encode())
    print(f"state size bound: {size} bytes")
    assert size < 4096


def test_filter_labeled_objects_event_matches_the_contract(definition, cfg):
    step = definition["States"][graph.NAME_FILTER]
    assert step["Resource"] == "arn:aws:states:::lambda:invoke"
    assert step["Parameters"]["FunctionName"].endswith(":function:scratch-labeling-filter-labeled-objects")
    payload = step["Parameters"]["Payload"]
    assert {key.removesuffix(".$") for key in payload} == set(contract.FilterLabeledObjectsEvent.__annotations__)
    assert payload["manifest_uri.$"] == "$.labeling_output.manifest_uri" and payload["run_id.$"] == "$.check.run_id"
    assert payload["settings"] == {"bucket": cfg.storage.bucket, "work_prefix": cfg.storage.work_prefix,
                                   "label_attribute": cfg.labeling.label_attribute, "kms_key_arn": None,
                                   "adjustment_attribute": f"{cfg.labeling.label_attribute}-adjusted"}
    assert payload["adjustment_manifest_uri"] is None  # on_reject relabel: no adjustment job
    assert set(payload["settings"]) == set(contract.FilterLabeledObjectsSettings.__annotations__)
    assert {k.removesuffix(".$") for k in step["ResultSelector"]} == set(contract.FilterLabeledObjectsResult.__annotations__)
    assert step["ResultPath"] == "$.verification_input"
    verify = definition["States"]["Start verification job"]["Parameters"]
    assert verify["InputConfig"]["DataSource"]["S3DataSource"] == {"ManifestS3Uri.$": "$.verification_input.manifest_uri"}
    choice = definition["States"][step["Next"]]
    assert choice["Choices"] == [{"Variable": "$.verification_input.kept", "NumericEquals": 0,
                                  "Next": "Labeling: nothing to verify"}]
    nothing = definition["States"]["Labeling: nothing to verify"]
    assert nothing["Type"] == "Fail" and nothing["Error"] == definition["States"]["Labeling: nothing labeled"]["Error"]


@pytest.mark.parametrize("title", ["Labeling", "Verification"])
def test_create_catches_sagemakers_catch_all_and_decides_by_the_cause(definition, title):
    states = definition["States"]
    start_name = f"Start {title.lower()} job"
    start = states[start_name]
    assert [c["ErrorEquals"] for c in start["Catch"]] == [graph.RESOURCE_IN_USE_ERRORS, graph.CREATE_CAUGHT_ERRORS,
                                                          ["States.ALL"]]
    decide = states[start["Catch"][1]["Next"]]
    assert decide["Type"] == "Choice"
    refused, first, exhausted = decide["Choices"]
    assert refused["Next"] == f"{start_name} failed"  # a refused request created no job
    assert exhausted["Next"] == f"{start_name} failed: stop job"  # the last 5xx may have created it
    assert {"Variable": "$.error.Cause", "StringMatches": "*(Service: AmazonSageMaker; Status Code: 4*"} in refused["And"]
    counter = f"$.{title.lower()}_create_retry"
    assert first["Variable"] == counter and first["IsPresent"] is False
    assert exhausted == {"Variable": f"{counter}.attempt", "NumericGreaterThanEquals": len(graph.CREATE_RETRY_WAITS),
                         "Next": f"{start_name} failed: stop job"}
    assert start["Catch"][2]["Next"] == f"{start_name} failed"  # throttling, limits, permissions: no job
    for name in (first["Next"], decide["Default"]):
        wait = states[states[name]["Next"]]
        assert wait["Type"] == "Wait" and wait["SecondsPath"] == f"{counter}.seconds" and wait["Next"] == start_name


# Which failures stop a job that may be running (workflow/graph/), and which cannot leave one.
STOPPED_AFTER = {"Labeling: check status": "$.check.labeling_job_name",
                 "Verification: check status": "$.check.verification_job_name",
                 "Start labeling job": "$.check.labeling_job_name",
                 "Start verification job": "$.check.verification_job_name"}
NO_JOB_RUNNING = ("Check missing labels", graph.NAME_FILTER, graph.NAME_UPDATE, "Labeling: get output manifest",
                  "Verification: get output manifest", "Labeling: get failure reason", "Verification: get failure reason")


def test_failures_that_may_leave_a_job_running_stop_it_first(definition):
    states = definition["States"]
    stops = {name: s for name, s in states.items() if s.get("Resource") == graph.STOP_LABELING_JOB_RESOURCE}
    assert set(stops) == {f"{name} failed: stop job" for name in STOPPED_AFTER}
    for step, name_path in STOPPED_AFTER.items():
        stop = stops[f"{step} failed: stop job"]
        assert stop["Parameters"] == {"LabelingJobName.$": name_path}
        assert stop["Next"] == f"{step} failed" and states[stop["Next"]]["Type"] == "Fail"
    for step in NO_JOB_RUNNING:
        assert states[step]["Catch"][-1]["Next"] == f"{step} failed", step


def test_the_run_first_writes_earlier_runs_unwritten_output_then_checks_with_the_execution_input(definition, cfg):
    first = definition["States"][definition["StartAt"]]
    assert definition["StartAt"] == graph.NAME_WRITE_UNWRITTEN
    assert first["Parameters"]["FunctionName"].endswith(":function:scratch-labeling-write-unwritten")
    payload = first["Parameters"]["Payload"]
    assert {key.removesuffix(".$") for key in payload} == set(contract.WriteUnwrittenEvent.__annotations__)
    assert set(payload["settings"]) == set(contract.WriteUnwrittenSettings.__annotations__)
    assert {k.removesuffix(".$") for k in first["ResultSelector"]} == set(contract.WriteUnwrittenResult.__annotations__)
    assert first["Catch"][-1]["Next"] == f"{graph.NAME_WRITE_UNWRITTEN} failed"  # fails before any job is paid for
    wrote = definition["States"][first["Next"]]
    wait = definition["States"][wrote["Choices"][0]["Next"]]
    assert wrote["Choices"][0]["Variable"] == "$.unwritten.written" and wait["Type"] == "Wait"
    assert wait["Seconds"] >= 15 * 60  # the offline store's documented lag: the check must see what was written
    restore = definition["States"][wrote["Default"]]
    assert wait["Next"] == wrote["Default"] and restore["Type"] == "Pass"
    assert restore["Parameters"] == {"input.$": "$$.Execution.Input"} and restore["OutputPath"] == "$.input"
