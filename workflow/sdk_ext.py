"""What the ``stepfunctions`` SDK (2.3.0) lacks, added in one place.

The SDK predates ``ResultSelector``, the Fail state's ``CausePath`` /
``ErrorPath`` and the state machine's logging and tracing configuration. The
classes here subclass the SDK's own ``Task``, ``LambdaStep``, ``Fail`` and
``Workflow`` and only add those fields, so the rest of the code keeps building
the graph with the SDK rather than with hand-written JSON.
"""
from __future__ import annotations

from typing import Any

from workflow.sdk import LambdaStep as SdkLambdaStep
from workflow.sdk import Workflow as SdkWorkflow
from workflow.sdk import states as sdk_states

LAMBDA_INVOKE_RESOURCE = "arn:aws:states:::lambda:invoke"


class ResultSelectorMixin:
    """Adds ``result_selector`` (ASL ``ResultSelector``) to a Task state's ``to_dict``."""

    result_selector: dict[str, Any] | None = None

    def _set_result_selector(self, state_id: str, result_selector: dict[str, Any] | None) -> None:
        if result_selector is not None and not isinstance(result_selector, dict):
            raise TypeError(f"state {state_id!r}: result_selector must be a dict, got {type(result_selector).__name__}")
        self.result_selector = result_selector

    def to_dict(self) -> dict[str, Any]:
        result = super().to_dict()  # type: ignore[misc]
        if self.result_selector is not None:
            result["ResultSelector"] = self.result_selector
        return result


class Task(ResultSelectorMixin, sdk_states.Task):
    """The SDK's Task state, plus ``result_selector=``."""

    def __init__(self, state_id: str, *, result_selector: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(state_id, **kwargs)
        self._set_result_selector(state_id, result_selector)


class LambdaStep(ResultSelectorMixin, SdkLambdaStep):
    """The SDK's LambdaStep (``arn:aws:states:::lambda:invoke``), plus ``result_selector=``."""

    def __init__(self, state_id: str, *, result_selector: dict[str, Any] | None = None, **kwargs: Any) -> None:
        # Skip SdkLambdaStep.__init__: it derives the ARN partition from the local
        # boto3 session's region, which a dry run has not got (and warns about);
        # every Ground Truth region is in the "aws" partition.
        kwargs["resource"] = LAMBDA_INVOKE_RESOURCE
        sdk_states.Task.__init__(self, state_id, **kwargs)
        self._set_result_selector(state_id, result_selector)


class Fail(sdk_states.Fail):
    """The SDK's Fail state, plus ``cause_path=`` / ``error_path=``.

    Each of error/cause may be static or a path (a reference path or an
    intrinsic function such as ``States.Format``), never both.
    """

    def __init__(self, state_id: str, *, cause_path: str | None = None, error_path: str | None = None, **kwargs: Any) -> None:
        if cause_path is not None and kwargs.get("cause") is not None:
            raise ValueError(f"Fail state {state_id!r}: give cause or cause_path, not both")
        if error_path is not None and kwargs.get("error") is not None:
            raise ValueError(f"Fail state {state_id!r}: give error or error_path, not both")
        for name, path in (("cause_path", cause_path), ("error_path", error_path)):
            if path is not None and not path.startswith(("$", "States.")):
                raise ValueError(
                    f"Fail state {state_id!r}: {name} {path!r} must be a path ($...) or an intrinsic (States....)"
                )
        super().__init__(state_id, **kwargs)
        self.cause_path = cause_path
        self.error_path = error_path

    def to_dict(self) -> dict[str, Any]:
        result = super().to_dict()
        if self.cause_path is not None:
            result["CausePath"] = self.cause_path
        if self.error_path is not None:
            result["ErrorPath"] = self.error_path
        return result


class Workflow(SdkWorkflow):
    """The SDK's Workflow, plus logging and tracing configuration.

    ``logging_configuration`` and ``tracing_configuration`` take the shapes of
    the Step Functions ``CreateStateMachine`` / ``UpdateStateMachine``
    parameters ``loggingConfiguration`` / ``tracingConfiguration``.
    """

    def __init__(
        self,
        *args: Any,
        logging_configuration: dict[str, Any] | None = None,
        tracing_configuration: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.logging_configuration = logging_configuration
        self.tracing_configuration = tracing_configuration

    def _observability_parameters(self) -> dict[str, Any]:
        parameters: dict[str, Any] = {}
        if self.logging_configuration is not None:
            parameters["loggingConfiguration"] = self.logging_configuration
        if self.tracing_configuration is not None:
            parameters["tracingConfiguration"] = self.tracing_configuration
        return parameters

    def _create(self) -> str:
        response = self.client.create_state_machine(
            name=self.name,
            definition=self.definition.to_json(pretty=self.format_json),
            roleArn=self.role,
            tags=self.tags,
            **self._observability_parameters(),
        )
        return response["stateMachineArn"]

    def update(self, definition: Any = None, role: str | None = None) -> str:
        """Update definition and/or role, and always the logging/tracing configuration."""
        if self.state_machine_arn is None:
            raise ValueError("the workflow has no state machine ARN yet: create() it first")
        if definition is not None:
            self.definition = definition if isinstance(definition, sdk_states.Graph) else sdk_states.Graph(definition)
        if role is not None:
            self.role = role
        self.client.update_state_machine(
            stateMachineArn=self.state_machine_arn,
            definition=self.definition.to_json(pretty=self.format_json),
            roleArn=self.role,
            **self._observability_parameters(),
        )
        return self.state_machine_arn


class Parallel(ResultSelectorMixin, sdk_states.Parallel):
    """The SDK's Parallel state, plus ``result_selector=`` (its output is the array of branch outputs)."""

    def __init__(self, state_id: str, *, result_selector: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(state_id, **kwargs)
        self._set_result_selector(state_id, result_selector)
