"""The Sandbox runs state machines with moto's engine: Waits follow the sandbox clock, Lambda tasks run
the zip, and Lambda failures surface as Step Functions reports them."""
from __future__ import annotations

import io
import json
import os
import time
import zipfile
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from helpers_wait import execution_end, wait_until

from sandbox import Sandbox

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
     "Action": "sts:AssumeRole"}]}
WEEK = 7 * 24 * 3600
# History events carry milliseconds (and moto truncates): a wait measured between two of them may look up to
# a millisecond short, which is one simulated second at time_scale 0.001.
SLACK_SECONDS = 1.5
HANDLER = '''
def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"doubled": event["n"] * 2}
'''


@pytest.fixture()
def sb():
    with Sandbox(region="eu-west-1", time_scale=0.001, iam_evaluation=False) as running:  # the engine's own rules; tasks as the state machine's role: tests/sandbox/test_sandbox_iam_paths_stepfunctions.py
        role = boto3.client("iam").create_role(RoleName="role", AssumeRolePolicyDocument=json.dumps(TRUST))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("steps/__init__.py", "")
            archive.writestr("steps/double.py", HANDLER)
        boto3.client("lambda").create_function(
            FunctionName="double", Runtime="python3.11", Role=role["Role"]["Arn"], Handler="steps.double.handler",
            Code={"ZipFile": buffer.getvalue()}, Timeout=10)
        running.role_arn = role["Role"]["Arn"]
        yield running


def run(sb: Sandbox, definition: dict, execution_input: dict) -> dict:
    """Start an execution of ``definition`` and describe it once it ended."""
    sfn = boto3.client("stepfunctions")
    machine = sfn.create_state_machine(name=f"m{time.monotonic_ns()}", definition=json.dumps(definition),
                                       roleArn=sb.role_arn)
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input=json.dumps(execution_input))["executionArn"]
    return execution_end(sfn, arn)


def history(described: dict) -> list[dict]:
    return boto3.client("stepfunctions").get_execution_history(executionArn=described["executionArn"])["events"]


def simulated(sb: Sandbox, moment: datetime) -> datetime:
    """The sandbox time at the real ``moment`` of a history event (moto stamps events with the real clock;
    the sandbox clock runs 1/time_scale times faster and nothing here advances it)."""
    real_now, simulated_now = datetime.now(UTC), sb.clock.now()
    return simulated_now - (real_now - moment) / sb.clock.time_scale


def event_times(sb: Sandbox, events: list[dict], kind: str) -> list[datetime]:
    """The simulated times of the history events of type ``kind``, in order."""
    return [simulated(sb, event["timestamp"]) for event in events if event["type"] == kind]


def lambda_task(next_state: str | None = None) -> dict:
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Parameters": {"FunctionName": "double", "Payload.$": "$"}, "ResultSelector": {"result.$": "$.Payload"}}
    return {**state, **({"Next": next_state} if next_state else {"End": True})}


def test_a_one_hour_wait_waits_an_hour_of_simulated_time(sb):
    definition = {"StartAt": "Wait", "States": {
        "Wait": {"Type": "Wait", "Seconds": 3600, "Next": "Double"}, "Double": lambda_task()}}
    before = sb.clock.now()
    described = run(sb, definition, {"n": 21})
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"result": {"doubled": 42}}
    assert (sb.clock.now() - before).total_seconds() >= 3600
    events = history(described)
    (entered,), (exited,) = event_times(sb, events, "WaitStateEntered"), event_times(sb, events, "WaitStateExited")
    assert (exited - entered).total_seconds() >= 3600 - SLACK_SECONDS  # an hour on the sandbox clock
    kinds = [event["type"] for event in events]
    assert kinds.index("TaskStateEntered") > kinds.index("WaitStateExited")  # the task ran after the wait


def test_lambda_exception_fails_the_task_with_error_type_and_json_cause(sb):
    definition = {"StartAt": "Double", "States": {"Double": lambda_task()}}
    described = run(sb, definition, {"fail": True})
    assert described["status"] == "FAILED"
    assert described["error"] == "ValueError"
    cause = json.loads(described["cause"])
    assert cause["errorType"] == "ValueError" and cause["errorMessage"] == "asked to fail"


def test_lambda_timeout_fault_is_caught_as_sandbox_timedout(sb):
    definition = {"StartAt": "Double", "States": {
        "Double": {**lambda_task(), "Catch": [{"ErrorEquals": ["Sandbox.Timedout"], "Next": "TimedOut"}]},
        "TimedOut": {"Type": "Pass", "Result": {"caught": True}, "End": True}}}
    sb.faults.timeout_lambda("double")
    described = run(sb, definition, {"n": 1})
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"caught": True}


def test_throttled_api_in_a_task_is_retried_by_the_state_machine(sb):
    definition = {"StartAt": "Double", "States": {
        "Double": {**lambda_task(), "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"],
                                              "IntervalSeconds": 60, "MaxAttempts": 3, "BackoffRate": 2}]}}}
    sb.faults.add("lambda", "Invoke", error_code="TooManyRequestsException", status=429, times=2)
    described = run(sb, definition, {"n": 5})  # 60 s + 120 s of back-off: real seconds would outlast the deadline
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"result": {"doubled": 10}}
    assert sb.faults.calls[("lambda", "Invoke")] == 3
    events = history(described)
    failed, scheduled = event_times(sb, events, "TaskFailed"), event_times(sb, events, "TaskScheduled")
    assert len(failed) == 2 and len(scheduled) == 3
    # Each retry waited its interval (60 s, then 60 x 2) on the sandbox clock.
    assert (scheduled[1] - failed[0]).total_seconds() >= 60 - SLACK_SECONDS
    assert (scheduled[2] - failed[1]).total_seconds() >= 120 - SLACK_SECONDS


def test_sandbox_sets_fake_credentials_and_restores_the_environment():
    os.environ["AWS_ACCESS_KEY_ID"] = "outer"
    with Sandbox(region="us-west-2") as sb:
        assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
        assert os.environ["AWS_DEFAULT_REGION"] == "us-west-2"
        assert sb.region == "us-west-2" and sb.account_id == "123456789012"
    assert os.environ["AWS_ACCESS_KEY_ID"] == "outer"
    assert os.environ["AWS_DEFAULT_REGION"] == "eu-west-1"
    os.environ["AWS_ACCESS_KEY_ID"] = "testing"


def test_timestamp_wait_is_measured_on_the_simulated_clock(sb):
    target = (sb.clock.now() + timedelta(minutes=30)).replace(microsecond=0)
    definition = {"StartAt": "Wait", "States": {"Wait": {
        "Type": "Wait", "Timestamp": target.strftime("%Y-%m-%dT%H:%M:%SZ"), "End": True}}}
    described = run(sb, definition, {})
    assert described["status"] == "SUCCEEDED"
    (exited,) = event_times(sb, history(described), "WaitStateExited")
    assert exited >= target - timedelta(seconds=SLACK_SECONDS)  # not before the timestamp, in sandbox time


def test_state_machine_started_over_http_runs_the_lambda(sb):
    endpoint = sb.serve(port=0)
    sfn = boto3.client("stepfunctions", endpoint_url=endpoint)
    machine = sfn.create_state_machine(name="served", roleArn=sb.role_arn, definition=json.dumps(
        {"StartAt": "Double", "States": {"Double": lambda_task()}}))
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input='{"n": 4}')["executionArn"]
    described = execution_end(sfn, arn)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"result": {"doubled": 8}}


def test_stop_ends_running_executions_before_leaving_the_mock():
    with Sandbox(region="eu-west-1", iam_evaluation=False):  # the engine's own rules; tasks as the state machine's role: tests/sandbox/test_sandbox_iam_paths_stepfunctions.py
        role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST))
        sfn = boto3.client("stepfunctions")
        # A week's wait (10 real minutes at the default scale): still waiting whatever the machine's load.
        machine = sfn.create_state_machine(name="long", roleArn=role["Role"]["Arn"], definition=json.dumps(
            {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": WEEK, "End": True}}}))
        arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
        wait_until(lambda: any(event["type"] == "WaitStateEntered"
                               for event in sfn.get_execution_history(executionArn=arn)["events"]), "the Wait entered")
        assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        execution = stepfunctions_parser_backends["123456789012"]["eu-west-1"].state_machines[0].executions[0]
    assert execution.status != "RUNNING"


def test_unnamed_executions_get_distinct_uuid_names(sb):
    sfn = boto3.client("stepfunctions")
    machine = sfn.create_state_machine(name="named", roleArn=sb.role_arn, definition=json.dumps(
        {"StartAt": "Name", "States": {"Name": {"Type": "Pass", "Parameters": {"name.$": "$$.Execution.Name"},
                                                 "End": True}}}))
    first = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
    second = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
    assert first != second and not first.endswith(":None")
    output = json.loads(execution_end(sfn, first)["output"])
    assert output["name"] == first.rsplit(":", 1)[1] and len(output["name"]) == 36


# "Handle Lambda service exceptions" (Step Functions best practices, bp-lambda-serviceexception,
# https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html): Lambda's
# transient service errors are 500s reported as Lambda.ServiceException, Lambda.AWSLambdaException,
# Lambda.SdkClientException or Lambda.ClientExecutionTimeoutException; at the invocation limit the error is
# Lambda.TooManyRequestsException. Errors are named after the SDK's exception classes: a code Invoke's model
# does not name (503 ServiceUnavailable) is the SDK's catch-all, AWSLambdaException.
@pytest.mark.parametrize(("status", "code", "expected"), [
    (429, "TooManyRequestsException", "Lambda.TooManyRequestsException"),
    (500, "ServiceException", "Lambda.ServiceException"),
    (503, "ServiceUnavailable", "Lambda.AWSLambdaException"),
    (500, "InternalFailure", "Lambda.AWSLambdaException"),
])
def test_an_invoke_error_is_reported_with_the_documented_lambda_name(sb, status, code, expected):
    definition = {"StartAt": "Double", "States": {
        "Double": {**lambda_task("Done"), "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]},
        "Done": {"Type": "Succeed"}, "Caught": {"Type": "Pass", "End": True}}}
    sb.faults.add("lambda", "Invoke", error_code=code, status=status, message="failed")
    described = run(sb, definition, {"n": 1})
    assert json.loads(described["output"])["Error"] == expected
