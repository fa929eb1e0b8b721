"""IAM eventual consistency: roles inside their propagation window are refused (sandbox.iam_propagation)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox import registry
from sandbox.iam_propagation import LAMBDA_MESSAGE, SAGEMAKER_MESSAGE, STATES_MESSAGE, RoleWindow
from sandbox.patches.base import patch


def install() -> None:
    """Record role changes in moto's IAM and refuse roles inside their window (the running sandbox's
    ``iam_propagation``, a ``sandbox.iam_propagation.RoleWindow``).

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
        sandbox = registry.current()
        return getattr(sandbox, "iam_propagation", None) if sandbox is not None else None

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
