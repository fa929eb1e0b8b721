"""A window after each IAM role change during which services cannot assume the role yet.

IAM is eventually consistent: "Changes that I make are not always immediately visible ... it
can take some time for the information to propagate" (IAM User Guide, Troubleshooting IAM,
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
A service handed a role created or changed seconds ago refuses it. ``Sandbox(iam_propagation_seconds=N)``
opens an N-second window (simulated seconds, on the sandbox clock) after CreateRole, PutRolePolicy
and UpdateAssumeRolePolicy; meanwhile the calls that hand the role to a service fail with that
service's error. The default, 0, opens no window. The moto side is ``sandbox.patches.iam_propagation``.

AWS documents none of these messages; each is the one AWS's own tooling retries on:
- Lambda CreateFunction / UpdateFunctionConfiguration: InvalidParameterValueException "The role
  defined for the function cannot be assumed by Lambda." (moto raises the same for a missing role;
  Terraform's aws_lambda_function retries on it).
- Step Functions CreateStateMachine / UpdateStateMachine: AccessDeniedException "Neither the global
  service principal states.amazonaws.com, nor the regional one is authorized to assume the provided
  role." (AWS's CloudFormation provider for AWS::StepFunctions::StateMachine retries on it:
  aws-cloudformation/aws-cloudformation-resource-providers-stepfunctions, Constants.java).
- SageMaker CreateFeatureGroup: ValidationException "The execution role ARN is invalid." (Terraform's
  aws_sagemaker_feature_group retries on it); the sentence naming the role after it is the sandbox's.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

LAMBDA_MESSAGE = "The role defined for the function cannot be assumed by Lambda."
STATES_MESSAGE = ("Neither the global service principal states.amazonaws.com, nor the regional one is authorized "
                  "to assume the provided role.")
SAGEMAKER_MESSAGE = "The execution role ARN is invalid."


class RoleWindow:
    """Which roles changed recently, and until when (simulated time) services cannot assume them."""

    def __init__(self, now: Callable[[], datetime], seconds: float = 0.0) -> None:
        if seconds < 0:
            raise ValueError(f"iam_propagation_seconds must be 0 or more, got {seconds}")
        self.seconds = seconds
        self._now = now
        self._until: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def changed(self, role_name: str) -> None:
        """A role was created or changed now: services cannot assume it for the window."""
        if self.seconds > 0:
            with self._lock:
                self._until[role_name] = self._now() + timedelta(seconds=self.seconds)

    def propagating(self, role_arn: str | None) -> bool:
        """True while the role (an ARN or a name) is inside its window."""
        if not role_arn:
            return False
        name = role_arn.rsplit("/", 1)[-1]
        with self._lock:
            until = self._until.get(name)
        return until is not None and self._now() < until
