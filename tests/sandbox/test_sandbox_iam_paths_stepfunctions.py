"""Step Functions calls SageMaker and Lambda as the state machine's role, Lambda and Step Functions
assume their roles through the trust policy, and EventBridge Scheduler starts executions as the
schedule's role: on the deployed pipeline, each permission removed (or trust broken) is denied with
AWS's error (sandbox.patches.stepfunctions_role, sandbox.iam.lambda_role, sandbox.iam.schedules)."""
from __future__ import annotations

import json
from collections.abc import Callable

import boto3
import pytest

from operate.follow import follow, history
from publish.iam_roles import INLINE_POLICY_NAME
from reliability.pipeline import CLEAN_WORKFORCE, TIME_SCALE, SandboxPipeline
from sandbox import Sandbox
from workflow import resources


@pytest.fixture()
def pipeline():
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE, workforce=CLEAN_WORKFORCE) as box:
        deployed = SandboxPipeline(box)
        deployed.upload_samples(2)
        yield deployed


def _role(pipeline: SandboxPipeline, kind: str) -> str:
    return resources.role_names(pipeline.cfg)[kind]


def _edit_policy(pipeline: SandboxPipeline, kind: str, action: str) -> None:
    """Remove ``action`` from every statement of the role's inline policy."""
    iam = boto3.client("iam")
    name = _role(pipeline, kind)
    document = iam.get_role_policy(RoleName=name, PolicyName=INLINE_POLICY_NAME)["PolicyDocument"]
    document = document if isinstance(document, dict) else json.loads(document)
    statements = []
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        statement["Action"] = [a for a in actions if a != action]
        if statement["Action"]:
            statements.append(statement)
    document["Statement"] = statements or [  # a policy needs a statement: grant something unrelated
        {"Effect": "Allow", "Action": "states:DescribeStateMachine", "Resource": pipeline.deploy.state_machine_arn}]
    iam.put_role_policy(RoleName=name, PolicyName=INLINE_POLICY_NAME, PolicyDocument=json.dumps(document))


def _edit_trust(pipeline: SandboxPipeline, kind: str, change: Callable[[dict], None]) -> None:
    iam = boto3.client("iam")
    name = _role(pipeline, kind)
    document = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    document = document if isinstance(document, dict) else json.loads(document)
    change(document["Statement"][0])
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(document))


def _task_failures(pipeline: SandboxPipeline) -> list[tuple[str, str]]:
    """(error, cause) of every failed task attempt of the last execution."""
    failures = []
    for event in history(pipeline.sfn, pipeline.run().outcome.arn):
        details = event.get("taskFailedEventDetails")
        if event["type"] == "TaskFailed" and details:
            failures.append((details.get("error", ""), details.get("cause", "")))
    return failures


def test_a_state_machine_role_without_lambda_invoke_gets_lambda_aws_lambda_exception(pipeline):
    _edit_policy(pipeline, "state_machine", "lambda:InvokeFunction")
    error, cause = _task_failures(pipeline)[0]
    assert error == "Lambda.AWSLambdaException"
    assert "lambda:InvokeFunction" in cause and "AccessDeniedException" in cause


def test_a_state_machine_role_without_create_labeling_job_is_denied_by_sagemaker(pipeline):
    _edit_policy(pipeline, "state_machine", "sagemaker:CreateLabelingJob")
    failures = _task_failures(pipeline)
    assert failures, "the createLabelingJob task must fail"
    error, cause = failures[0]
    assert error == "SageMaker.AmazonSageMakerException"
    assert "sagemaker:CreateLabelingJob" in cause and "AccessDeniedException" in cause
    assert ":labeling-job/" in cause and cause.split(":labeling-job/")[1].split()[0] == cause.split(":labeling-job/")[1].split()[0].lower()
    assert not boto3.client("sagemaker").list_labeling_jobs()["LabelingJobSummaryList"]


def test_a_state_machine_role_without_pass_role_cannot_hand_the_ground_truth_role_over(pipeline):
    _edit_policy(pipeline, "state_machine", "iam:PassRole")
    error, cause = _task_failures(pipeline)[0]
    assert error == "SageMaker.AmazonSageMakerException"
    assert "iam:PassRole" in cause and _role(pipeline, "ground_truth") in cause


def test_a_state_machine_role_without_describe_labeling_job_fails_the_polling_task(pipeline):
    _edit_policy(pipeline, "state_machine", "sagemaker:DescribeLabelingJob")
    failures = _task_failures(pipeline)
    assert ("SageMaker.SageMakerException" in {error for error, _ in failures})
    assert any("sagemaker:DescribeLabelingJob" in cause for _, cause in failures)


def test_a_state_machine_role_trusting_another_state_machine_cannot_be_assumed(pipeline):
    def other_machine(statement: dict) -> None:
        statement["Condition"]["ArnLike"]["aws:SourceArn"] = statement["Condition"]["ArnLike"]["aws:SourceArn"] + "-other"
    _edit_trust(pipeline, "state_machine", other_machine)
    error, cause = _task_failures(pipeline)[0]
    assert error == "States.Runtime"
    assert "states.amazonaws.com" in cause and "authorized to assume the provided role" in cause


def test_a_function_role_lambda_may_not_assume_fails_the_invoke(pipeline):
    _edit_trust(pipeline, "check_lambda", lambda statement: statement.update(Principal={"Service": "states.amazonaws.com"}))
    error, cause = _task_failures(pipeline)[0]
    assert error == "Lambda.InvalidParameterValueException"
    assert "cannot be assumed by Lambda" in cause


def test_a_schedule_firing_starts_an_execution_as_the_schedule_role(pipeline):
    from sandbox.iam.schedules import fire_schedule

    fired = fire_schedule(pipeline.sandbox, resources.schedule_name(pipeline.cfg))
    assert fired.delivered, fired.error_message
    assert fired.execution_arn.startswith(pipeline.deploy.state_machine_arn.replace(":stateMachine:", ":execution:"))
    outcome = follow(pipeline.sfn, fired.execution_arn, emit=lambda line: None, poll_seconds=0.05, timeout_seconds=300)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)


def test_a_schedule_role_without_start_execution_is_denied(pipeline):
    from sandbox.iam.schedules import fire_schedule

    _edit_policy(pipeline, "scheduler", "states:StartExecution")
    fired = fire_schedule(pipeline.sandbox, resources.schedule_name(pipeline.cfg))
    assert not fired.delivered
    assert fired.error_code == "AccessDeniedException" and "states:StartExecution" in fired.error_message


def test_a_schedule_role_trusting_another_schedule_group_cannot_be_assumed(pipeline):
    from sandbox.iam.schedules import fire_schedule

    def other_group(statement: dict) -> None:
        statement["Condition"]["ArnLike"]["aws:SourceArn"] = statement["Condition"]["ArnLike"]["aws:SourceArn"] + "-other"
    _edit_trust(pipeline, "scheduler", other_group)
    fired = fire_schedule(pipeline.sandbox, resources.schedule_name(pipeline.cfg))
    assert not fired.delivered and "scheduler.amazonaws.com" in fired.error_message
