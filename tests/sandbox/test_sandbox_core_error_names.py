"""SageMaker errors in task states carry the names AWS gives them, so Retry/Catch rules can be tested."""
from __future__ import annotations

import json

import boto3
import pytest
from helpers_wait import execution_end

from sandbox import Sandbox
from sandbox.patches.stepfunctions_errors import sagemaker_task_error_name


@pytest.mark.parametrize(("code", "optimized", "expected"), [
    ("ResourceInUse", True, "SageMaker.ResourceInUseException"),
    ("ResourceNotFound", False, "SageMaker.ResourceNotFoundException"),
    ("ThrottlingException", True, "SageMaker.AmazonSageMakerException"),
    ("ThrottlingException", False, "SageMaker.SageMakerException"),
    ("ValidationException", True, "SageMaker.AmazonSageMakerException"),
])
def test_error_names(code, optimized, expected):
    assert sagemaker_task_error_name(code, optimized) == expected


def test_an_aws_sdk_sagemaker_error_reaches_the_state_machine_by_its_aws_name():
    with Sandbox(time_scale=0.0001, iam_evaluation=False):  # the engine's own rules; tasks as the state machine's role: tests/sandbox/test_sandbox_iam_paths_stepfunctions.py
        role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        sfn = boto3.client("stepfunctions")
        definition = {"StartAt": "Describe", "States": {"Describe": {
            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeLabelingJob",
            "Parameters": {"LabelingJobName": "no-such-job"},
            "Catch": [{"ErrorEquals": ["SageMaker.ResourceNotFoundException"], "Next": "Caught"}], "End": True},
            "Caught": {"Type": "Pass", "End": True}}}
        machine = sfn.create_state_machine(name="m", roleArn=role, definition=json.dumps(definition))
        arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
        assert execution_end(sfn, arn)["status"] == "SUCCEEDED"
        events = sfn.get_execution_history(executionArn=arn)["events"]
        failed = next(e for e in events if e["type"] == "TaskFailed")["taskFailedEventDetails"]
        assert failed["error"] == "SageMaker.ResourceNotFoundException"
