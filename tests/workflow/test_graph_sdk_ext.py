"""workflow/sdk_ext.py: the fields the stepfunctions SDK lacks."""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from workflow.sdk import Catch, Chain, Graph, Pass
from workflow.sdk import LambdaStep as SdkLambdaStep
from workflow.sdk_ext import Fail, LambdaStep, Task, Workflow


def test_task_emits_result_selector_next_to_the_sdk_fields():
    task = Task("Describe", resource="arn:aws:states:::aws-sdk:sagemaker:describeLabelingJob",
                parameters={"LabelingJobName.$": "$.name"}, result_selector={"Status.$": "$.LabelingJobStatus"},
                result_path="$.job")
    assert task.to_dict() == {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeLabelingJob",
        "Parameters": {"LabelingJobName.$": "$.name"},
        "ResultSelector": {"Status.$": "$.LabelingJobStatus"},
        "ResultPath": "$.job",
        "End": True,
    }


def test_task_without_result_selector_is_the_sdk_task():
    assert "ResultSelector" not in Task("T", resource="arn:aws:states:::x:y").to_dict()


def test_result_selector_must_be_a_dict():
    with pytest.raises(TypeError, match="result_selector must be a dict"):
        Task("T", resource="arn:aws:states:::x:y", result_selector="$.Payload")


def test_lambda_step_is_an_sdk_lambda_step_with_result_selector(monkeypatch):
    # No region: the SDK's own LambdaStep would look one up and warn.
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION")
    step = LambdaStep("Invoke", parameters={"FunctionName": "f", "Payload.$": "$"}, result_selector={"n.$": "$.Payload.n"})
    assert isinstance(step, SdkLambdaStep)
    as_dict = step.to_dict()
    assert as_dict["Resource"] == "arn:aws:states:::lambda:invoke"
    assert as_dict["ResultSelector"] == {"n.$": "$.Payload.n"}


def test_fail_with_paths():
    fail = Fail("Failed", error_path="$.error.Error", cause_path="States.Format('x {}', $.error.Cause)")
    assert fail.to_dict() == {
        "Type": "Fail",
        "ErrorPath": "$.error.Error",
        "CausePath": "States.Format('x {}', $.error.Cause)",
    }
    assert Fail("Plain", error="E", cause="c").to_dict() == {"Type": "Fail", "Error": "E", "Cause": "c"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cause": "c", "cause_path": "$.c"}, "cause or cause_path"),
        ({"error": "E", "error_path": "$.e"}, "error or error_path"),
        ({"cause_path": "error.Cause"}, "must be a path"),
    ],
)
def test_fail_refuses_ambiguous_or_malformed_fields(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Fail("Bad", **kwargs)


def test_extended_states_work_in_sdk_graphs():
    task = Task("T", resource="arn:aws:states:::x:y", result_selector={"a.$": "$.a"})
    fail = Fail("F", cause_path="$.c")
    task.add_catch(Catch(error_equals=["States.ALL"], next_step=fail))
    graph = Graph(Chain([Pass("P"), task])).to_dict()
    assert graph["States"]["T"]["ResultSelector"] == {"a.$": "$.a"}
    assert graph["States"]["F"]["CausePath"] == "$.c"


def test_workflow_passes_logging_and_tracing_to_create_and_update():
    logging_configuration = {
        "level": "ERROR",
        "includeExecutionData": False,
        "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": "arn:aws:logs:eu-west-1:123456789012:log-group:sfn:*"}}],
    }
    with mock_aws():
        client = boto3.client("stepfunctions", region_name="eu-west-1")
        workflow = Workflow("wf", Pass("P"), "arn:aws:iam::123456789012:role/r", client=client,
                            logging_configuration=logging_configuration, tracing_configuration={"enabled": True})
        arn = workflow.create()
        described = client.describe_state_machine(stateMachineArn=arn)
        assert described["loggingConfiguration"]["level"] == "ERROR"
        assert described["tracingConfiguration"] == {"enabled": True}
        workflow.tracing_configuration = {"enabled": False}
        workflow.update(definition=Pass("Q"))
        described = client.describe_state_machine(stateMachineArn=arn)
        assert described["tracingConfiguration"] == {"enabled": False}
        assert '"Q"' in described["definition"]


def test_workflow_update_needs_a_created_state_machine():
    with mock_aws():
        client = boto3.client("stepfunctions", region_name="eu-west-1")
        with pytest.raises(ValueError, match="create"):
            Workflow("wf", Pass("P"), "arn:aws:iam::123456789012:role/r", client=client).update()
