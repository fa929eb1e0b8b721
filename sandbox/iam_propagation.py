"""A window after each IAM role change during which services cannot assume the role yet.

IAM is eventually consistent: "Changes that I make are not always immediately visible ... it
can take some time for the information to propagate" (IAM User Guide, Troubleshooting IAM,
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
A service handed a role created or changed seconds ago refuses it. ``Sandbox(iam_propagation_seconds=N)``
opens an N-second window (simulated seconds, on the sandbox clock) after CreateRole, PutRolePolicy
and UpdateAssumeRolePolicy; meanwhile the calls that hand the role to a service fail with that
service's error. The default, 0, opens no window.

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
from datetime import datetime, timedelta
from typing import Any, Callable

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


def install(patch: Callable[[Any, str, Any], None], active: Callable[[], Any]) -> None:
    """Record role changes in moto's IAM and refuse roles inside their window (``patch`` records
    each change so that uninstall restores moto; ``active`` returns the running sandbox).

    Why: moto makes a role usable the instant it exists, so the deployer's waiting for IAM could
    never be exercised; the backends are patched (not the HTTP layer) so that in-process and
    served requests meet the same window.
    """
    from moto.awslambda.exceptions import InvalidParameterValueException
    from moto.awslambda.models import LambdaBackend
    from moto.core.exceptions import AWSError
    from moto.iam.models import IAMBackend
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import SageMakerModelBackend
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    def window() -> RoleWindow | None:
        try:
            return active().iam_propagation
        except (RuntimeError, AttributeError):
            return None

    def recording(original: Callable[..., Any]) -> Callable[..., Any]:
        def changed(self: Any, role_name: str, *args: Any, **kwargs: Any) -> Any:
            result = original(self, role_name, *args, **kwargs)
            found = window()
            if found is not None:
                found.changed(role_name)
            return result
        return changed

    def refusing(original: Callable[..., Any], role_of: Callable[..., str | None],
                 error: Callable[[str | None], Exception]) -> Callable[..., Any]:
        def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
            role = role_of(*args, **kwargs)
            found = window()
            if found is not None and found.propagating(role):
                raise error(role)
            return original(self, *args, **kwargs)
        return checked

    for name in ("create_role", "put_role_policy", "update_assume_role_policy"):
        patch(IAMBackend, name, recording(getattr(IAMBackend, name)))

    def lambda_refusal(role: str | None) -> Exception:
        return InvalidParameterValueException(LAMBDA_MESSAGE)

    def states_refusal(role: str | None) -> Exception:
        return AWSError(STATES_MESSAGE, exception_type="AccessDeniedException", status=400)

    def sagemaker_refusal(role: str | None) -> Exception:
        return ValidationError(f"{SAGEMAKER_MESSAGE} Role {role} cannot be assumed by sagemaker.amazonaws.com.")

    patch(LambdaBackend, "create_function", refusing(
        LambdaBackend.create_function, lambda spec, *a, **k: spec.get("Role"), lambda_refusal))
    patch(LambdaBackend, "update_function_configuration", refusing(
        LambdaBackend.update_function_configuration,
        lambda function_name, qualifier, body, *a, **k: (body or {}).get("Role"), lambda_refusal))
    patch(StepFunctionsParserBackend, "create_state_machine", refusing(
        StepFunctionsParserBackend.create_state_machine, lambda *a, **k: k.get("roleArn"), states_refusal))
    patch(StepFunctionsParserBackend, "update_state_machine", refusing(
        StepFunctionsParserBackend.update_state_machine, lambda *a, **k: k.get("role_arn"), states_refusal))
    patch(SageMakerModelBackend, "create_feature_group", refusing(
        SageMakerModelBackend.create_feature_group, lambda *a, **k: k.get("role_arn"), sagemaker_refusal))
