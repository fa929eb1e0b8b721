"""Errors no Retry or Catch handles on AWS stay unhandled in the sandbox (sandbox/patches/stepfunctions_uncatchable.py).

"Handling errors in Step Functions workflows" (concepts-error-handling): States.ALL "can't catch" the
States.DataLimitExceeded terminal error or States.Runtime, and States.Runtime "will always cause the
execution to fail"; States.DataLimitExceeded is reported for a connector's output, a state's output,
and a state's input after Parameters over 262,144 bytes ("Step Functions service quotas").
"""
from __future__ import annotations

import io
import json
import time
import zipfile

import boto3
import pytest
from helpers_wait import execution_end

from sandbox import Sandbox

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
     "Action": "sts:AssumeRole"}]}
LAMBDA_ONLY_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
HANDLER = '''
def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"text": "a" * event.get("size", 1)}
'''
QUOTA = 262_144
CATCH_ALL = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}]
RETRY_ALL = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2}]


def _function(role_arn: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("f.py", HANDLER)
    boto3.client("lambda").create_function(FunctionName="f", Runtime="python3.11", Role=role_arn, Handler="f.handler",
                                           Code={"ZipFile": buffer.getvalue()}, Timeout=10)


@pytest.fixture()
def sb():
    with Sandbox(region="eu-west-1", time_scale=0.001, iam_evaluation=False) as running:
        running.role_arn = boto3.client("iam").create_role(
            RoleName="role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
        _function(running.role_arn)
        yield running


def task(**fields) -> dict:
    return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "End": True, **fields}


def run(role_arn: str, state: dict, execution_input: dict) -> tuple[dict, list[dict]]:
    """Run ``state`` (its Catch leads to a Pass named "Caught"); the ended execution and its history."""
    sfn = boto3.client("stepfunctions")
    definition = {"StartAt": "S", "States": {"S": state, "Caught": {"Type": "Pass", "End": True}}}
    machine = sfn.create_state_machine(name=f"m{time.monotonic_ns()}", definition=json.dumps(definition),
                                       roleArn=role_arn)
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input=json.dumps(execution_input))["executionArn"]
    ended = execution_end(sfn, arn)
    return ended, sfn.get_execution_history(executionArn=arn)["events"]


def failures(events: list[dict]) -> list[str]:
    """The error of each failed attempt of a task, in order."""
    return [(event.get("taskFailedEventDetails") or event.get("lambdaFunctionFailedEventDetails") or {}).get("error", "")
            for event in events if event["type"] in ("TaskFailed", "LambdaFunctionFailed")]


def caught(events: list[dict]) -> bool:
    return any(event.get("stateEnteredEventDetails", {}).get("name") == "Caught" for event in events)


def assert_unhandled(ended: dict, events: list[dict], error: str) -> None:
    assert ended["status"] == "FAILED" and ended["error"] == error, (ended.get("error"), ended.get("cause"))
    assert failures(events) == [error], "tried once, never retried"
    assert not caught(events)


def test_states_all_neither_retries_nor_catches_a_result_selector_path_that_is_not_found(sb):
    ended, events = run(sb.role_arn, task(ResultSelector={"x.$": "$.missing"}, Retry=RETRY_ALL, Catch=CATCH_ALL), {})
    assert_unhandled(ended, events, "States.Runtime")


def test_states_all_neither_retries_nor_catches_string_to_json_of_text_that_is_not_json(sb):
    state = task(Parameters={"FunctionName": "f", "Payload": {"x.$": "States.StringToJson($.text)"}},
                 Retry=RETRY_ALL, Catch=CATCH_ALL)
    ended, events = run(sb.role_arn, state, {"text": "not json"})
    assert_unhandled(ended, events, "States.Runtime")


def test_an_explicit_states_runtime_catch_does_not_catch_it_either(sb):
    state = task(ResultSelector={"x.$": "$.missing"},
                 Retry=[{"ErrorEquals": ["States.Runtime"], "IntervalSeconds": 1, "MaxAttempts": 2}],
                 Catch=[{"ErrorEquals": ["States.Runtime"], "Next": "Caught"}])
    ended, events = run(sb.role_arn, state, {})
    assert_unhandled(ended, events, "States.Runtime")


def test_an_output_path_that_is_not_found_fails_the_execution_past_the_catch(sb):
    ended, events = run(sb.role_arn, task(OutputPath="$.missing", Catch=CATCH_ALL), {})
    assert ended["status"] == "FAILED" and ended["error"] == "States.Runtime"
    assert not caught(events)


def test_states_all_neither_retries_nor_catches_a_task_result_over_the_payload_quota(sb):
    ended, events = run(sb.role_arn, task(Retry=RETRY_ALL, Catch=CATCH_ALL), {"size": QUOTA})
    assert_unhandled(ended, events, "States.DataLimitExceeded")


def test_a_task_input_over_the_quota_after_parameters_fails_with_data_limit_exceeded(sb):
    half = "b" * (QUOTA // 2)
    state = task(Parameters={"FunctionName": "f", "Payload": {"a.$": "$.half", "b.$": "$.half"}},
                 Retry=RETRY_ALL, Catch=CATCH_ALL)
    ended, events = run(sb.role_arn, state, {"half": half})
    assert_unhandled(ended, events, "States.DataLimitExceeded")
    assert not any(event["type"] == "TaskScheduled" for event in events), "the task is never called"


def test_a_pass_state_input_over_the_quota_after_parameters_fails_even_if_its_output_is_small(sb):
    half = "c" * (QUOTA // 2)
    state = {"Type": "Pass", "Parameters": {"a.$": "$.half", "b.$": "$.half"}, "OutputPath": "$.a", "End": True}
    ended, _ = run(sb.role_arn, state, {"half": half})
    assert ended["status"] == "FAILED" and ended["error"] == "States.DataLimitExceeded"


def test_a_payload_of_exactly_the_quota_passes_and_one_byte_more_fails(sb):
    envelope = len(json.dumps({"s": ""}, separators=(",", ":")))
    state = {"Type": "Pass", "Parameters": {"s.$": "$.s"}, "End": True}
    exact, _ = run(sb.role_arn, state, {"s": "d" * (QUOTA - envelope)})
    assert exact["status"] == "SUCCEEDED", (exact.get("error"), exact.get("cause"))
    over, _ = run(sb.role_arn, {**state, "Parameters": {"s.$": "States.Format('{}e', $.s)"}},
                  {"s": "d" * (QUOTA - envelope)})
    assert over["status"] == "FAILED" and over["error"] == "States.DataLimitExceeded"


def test_states_all_still_retries_and_catches_an_ordinary_task_error(sb):
    ended, events = run(sb.role_arn, task(Retry=[{**RETRY_ALL[0], "MaxAttempts": 1}], Catch=CATCH_ALL), {"fail": True})
    assert ended["status"] == "SUCCEEDED"
    assert failures(events) == ["ValueError", "ValueError"], "retried once, then caught"
    assert caught(events)
    assert json.loads(ended["output"])["error"]["Error"] == "ValueError"


def test_states_all_does_not_catch_a_role_step_functions_cannot_assume():
    with Sandbox(region="eu-west-1", time_scale=0.001) as running:
        assert running.iam_evaluation
        role_arn = boto3.client("iam").create_role(
            RoleName="lambda-only", AssumeRolePolicyDocument=json.dumps(LAMBDA_ONLY_TRUST))["Role"]["Arn"]
        _function(role_arn)
        ended, events = run(role_arn, task(Retry=RETRY_ALL, Catch=CATCH_ALL), {})
    assert_unhandled(ended, events, "States.Runtime")
    assert "authorized to assume the provided role" in ended["cause"]
