"""moto's Step Functions engine reaches the Ground Truth stand-in through native and aws-sdk tasks.

Also records the error names the engine produces for the stand-in's errors:
the graph's Catch/Retry clauses depend on them.
"""
from __future__ import annotations

import json

import boto3
import pytest
from gt_helpers import REGION, make_env
from helpers_wait import execution_end
from moto import mock_aws

import sandbox.ground_truth as ground_truth

CREATE = "arn:aws:states:::sagemaker:createLabelingJob"
DESCRIBE = "arn:aws:states:::aws-sdk:sagemaker:describeLabelingJob"


@pytest.fixture(scope="module")
def sfn_env():
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        env = make_env(image_count=3)
        env.sfn = boto3.client("stepfunctions", region_name=REGION)
        yield env
        ground_truth.uninstall()


def _run(env, definition: dict, execution_input: dict, name: str) -> dict:
    machine = env.sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=env.role_arn)
    arn = env.sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input=json.dumps(execution_input))[
        "executionArn"
    ]
    return execution_end(env.sfn, arn)


def _create_then_describe(env) -> dict:
    request = env.labeling_request()
    del request["LabelingJobName"]
    catch = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}]
    return {
        "StartAt": "Create",
        "States": {
            "Create": {"Type": "Task", "Resource": CREATE, "Parameters": {**request, "LabelingJobName.$": "$.job"},
                       "ResultPath": "$.created", "Next": "Describe", "Catch": catch},
            "Describe": {"Type": "Task", "Resource": DESCRIBE, "Parameters": {"LabelingJobName.$": "$.job"},
                         "ResultSelector": {"status.$": "$.LabelingJobStatus", "counters.$": "$.LabelCounters"},
                         "ResultPath": "$.described", "End": True, "Catch": catch},
            "Caught": {"Type": "Pass", "End": True},
        },
    }


def test_state_machine_creates_and_describes_a_labeling_job(sfn_env):
    result = _run(sfn_env, _create_then_describe(sfn_env), {"job": "sfn-made-job"}, "gt-ok")
    assert result["status"] == "SUCCEEDED"
    output = json.loads(result["output"])
    assert output["created"]["LabelingJobArn"].endswith(":labeling-job/sfn-made-job")
    assert output["described"] == {
        "status": "Initializing",
        "counters": {"TotalLabeled": 0, "HumanLabeled": 0, "MachineLabeled": 0, "FailedNonRetryableError": 0,
                     "Unlabeled": 3},
    }
    described = sfn_env.sm.describe_labeling_job(LabelingJobName="sfn-made-job")
    assert described["HumanTaskConfig"]["TaskTitle"] == "Draw a box around every scratch"


def test_native_task_errors_surface_as_states_runtime(sfn_env):
    """moto reports a native sagemaker task's service error as States.Runtime, code in the cause."""
    definition = _create_then_describe(sfn_env)
    _run(sfn_env, definition, {"job": "taken-name"}, "gt-first")
    result = _run(sfn_env, definition, {"job": "TAKEN-name"}, "gt-again")
    error = json.loads(result["output"])["error"]
    assert error["Error"] == "States.Runtime"
    assert "(ResourceInUse)" in error["Cause"]
    result = _run(sfn_env, definition, {"job": "bad name"}, "gt-bad")
    error = json.loads(result["output"])["error"]
    assert error["Error"] == "States.Runtime"
    assert "(ValidationException)" in error["Cause"] and "labelingJobName" in error["Cause"]


def test_aws_sdk_task_errors_are_named_after_the_service_exception(sfn_env):
    definition = {"StartAt": "Describe", "States": {"Describe": {
        "Type": "Task", "Resource": DESCRIBE, "Parameters": {"LabelingJobName": "no-such-job"}, "End": True}}}
    result = _run(sfn_env, definition, {}, "gt-missing")
    assert result["status"] == "FAILED"
    assert result["error"] == "sagemaker.ResourceNotFoundException"  # real AWS: SageMaker.ResourceNotFoundException
    assert "no-such-job" in result["cause"]
