"""Step Functions calling SageMaker and Lambda as the state machine's role.

``install()`` (called by the patch registry, ``sandbox.patches``) wraps the evaluation of every
Task state in moto's engine:

- The task's AWS calls are made as the execution role: AWS "uses the IAM role that you specify
  for the state machine" to call integrated services ("Creating an IAM role for your state machine
  in Step Functions", procedure-create-iam-role; "How Step Functions generates IAM policies for
  integrated services", service-integration-iam-templates). The wrapper sets
  ``sandbox.iam.identity.acting_as(role, execution name)`` around the task, in whichever engine
  thread runs it, so the request hook (``sandbox.iam.guard``) evaluates createLabelingJob,
  describeLabelingJob, stopLabelingJob, iam:PassRole of the job's RoleArn and lambda:InvokeFunction
  with the role's policies (``sandbox.iam.actions`` rows).
- Before the task, Step Functions assumes the role as ``states.amazonaws.com`` with
  ``aws:SourceAccount`` and ``aws:SourceArn`` (the state machine ARN) in the request context,
  which Step Functions documents for the execution role's trust policy (procedure-create-iam-role,
  "Prevent cross-service confused deputy issue"). What an execution reports when the role can no
  longer be assumed is not documented: the task fails with States.Runtime (not retried, not caught
  by States.ALL) and the cause AWS shows in that situation ("Neither the global service principal
  states.amazonaws.com, nor the regional one is authorized to assume the provided role.", as
  reported in lumigo-io/lumigo-CLI#83).
- A Lambda task whose Invoke fails with an error Lambda's API does not model (AccessDeniedException
  is not among Invoke's errors in botocore's model) is reported as ``Lambda.AWSLambdaException``,
  the catch-all name Step Functions gives Lambda service errors (Step Functions best practices,
  "Handle transient Lambda service exceptions", sfn-best-practices: Lambda.ServiceException,
  Lambda.AWSLambdaException, Lambda.SdkClientException); moto's engine would name it
  ``Lambda.AccessDeniedException``. Modelled errors keep their names (Lambda.ResourceNotFoundException).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from sandbox.iam import trust
from sandbox.iam.identity import acting_as
from sandbox.patches.base import patch

CANNOT_ASSUME = ("Neither the global service principal states.amazonaws.com, nor the regional one is authorized "
                 "to assume the provided role.")


class StatesCannotAssumeRole(RuntimeError):
    """Step Functions may not assume the execution role (moto reports it as States.Runtime)."""


def install() -> None:
    """Run every Task state as the execution role; name Lambda's unmodelled errors as AWS does.

    Why: moto's engine calls every service with the process's credentials and names Lambda's
    unmodelled errors after their codes (see the module docstring)."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_lambda import (
        StateTaskServiceLambda,
    )

    original_eval = StateTaskService._eval_execution

    def _eval_execution(self: Any, env: Any) -> None:
        role_arn = env.aws_execution_details.role_arn
        account = env.aws_execution_details.account
        data = env.states.context_object.context_object_data
        state_machine_arn = data["StateMachine"]["Id"]
        session = str(data["Execution"].get("Name") or "execution")[:64]
        if trust.services_checked() and not trust.may_assume(
                account, role_arn, trust.STATES, trust.confused_deputy_context(account, state_machine_arn)).allowed:
            raise StatesCannotAssumeRole(CANNOT_ASSUME)
        with acting_as(role_arn, session):
            return original_eval(self, env)

    original_cause = StateTaskServiceLambda._error_cause_from_client_error

    def _error_cause_from_client_error(client_error: Any) -> tuple[str, str]:
        error, cause = original_cause(client_error)
        code = client_error.response["Error"]["Code"]
        if code not in _modelled_lambda_errors():
            error = "Lambda.AWSLambdaException"
        return error, cause

    patch(StateTaskService, "_eval_execution", _eval_execution)
    patch(StateTaskServiceLambda, "_error_cause_from_client_error", staticmethod(_error_cause_from_client_error))


@lru_cache(maxsize=1)
def _modelled_lambda_errors() -> frozenset[str]:
    """Error codes botocore's Lambda model lists for Invoke."""
    import botocore.session

    operation = botocore.session.get_session().get_service_model("lambda").operation_model("Invoke")
    return frozenset(shape.name for shape in operation.error_shapes)
