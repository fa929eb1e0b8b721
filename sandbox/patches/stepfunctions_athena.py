"""Athena task states: ``arn:aws:states:::athena:startQueryExecution`` and its ``.sync`` form.

"Run Athena queries with Step Functions" (https://docs.aws.amazon.com/step-functions/latest/dg/connect-athena.html):
StartQueryExecution supports Request Response and Run a Job (.sync); StopQueryExecution,
GetQueryExecution and GetQueryResults Request Response only. With ``.sync`` the task waits for the query
to end ("Run a Job (.sync)", connect-to-resource.html#connect-sync) and its result is GetQueryExecution's
response (``{"QueryExecution": {...}}``).

Errors (names as public state machines retry them; Step Functions documents no Athena example):
a request Athena refuses is ``Athena.<Exception>`` for the exceptions Athena's API models
(``InvalidRequestException``, ``InternalServerException``, ``TooManyRequestsException``,
``ResourceNotFoundException``) and ``Athena.AmazonAthenaException`` for anything else (the Java SDK's
catch-all, as for the other optimized integrations); a query that ends FAILED or CANCELLED fails the
task with ``States.TaskFailed`` and GetQueryExecution's response as the cause (as the .sync Glue
integration does).
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sandbox.patches.base import patch

MODELED_ERRORS = {"InvalidRequestException", "InternalServerException", "TooManyRequestsException",
                  "ResourceNotFoundException"}
SYNC_ACTIONS = {"start_query_execution"}
REQUEST_ACTIONS = {"start_query_execution", "stop_query_execution", "get_query_execution", "get_query_results"}
_TERMINAL = {"SUCCEEDED", "FAILED", "CANCELLED"}


def athena_task_error_name(code: str) -> str:
    """The Step Functions error name for an Athena error ``code`` in an optimized task state."""
    return f"Athena.{code}" if code in MODELED_ERRORS else "Athena.AmazonAthenaException"


def athena_task_error_cause(code: str, message: str, status: int | None, request_id: str) -> str:
    """The cause, as the AWS SDK for Java 1.x renders the exception (undocumented for Athena)."""
    return (f"{message} (Service: AmazonAthena; Status Code: {status}; Error Code: {code}; "
            f"Request ID: {request_id}; Proxy: null)")


def _plain(value: Any) -> Any:
    """A boto3 response as JSON values: timestamps as epoch seconds, as the wire carries them."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if key != "ResponseMetadata"}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):
        return value.timestamp()
    return value


def install() -> None:
    """Why: moto 5.2.5 lists athena among its "unsupported" services: a Task state with
    athena:startQueryExecution.sync is refused (only .waitForTaskToken is allowed there) and a
    Request Response call is relayed without Athena's error names. The pipeline's inventory mode
    runs its one query through this integration, so the sandbox provides it as documented."""
    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
        StateTaskServiceCallback,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for

    class StateTaskServiceAthena(StateTaskServiceCallback):
        """The optimized Athena integration."""

        def __init__(self) -> None:
            super().__init__(supported_integration_patterns={cast(Any, ResourceCondition.Sync)})

        def _get_supported_parameters(self) -> set[str] | None:
            """The request members of the four optimized actions (botocore's Athena model); None: not one."""
            action = self._get_boto_service_action()
            if action not in REQUEST_ACTIONS:
                return None
            import botocore.session

            model = botocore.session.get_session().get_service_model("athena")
            operation = model.operation_model(self.resource.api_action[:1].upper() + self.resource.api_action[1:])
            return set(operation.input_shape.members) if operation.input_shape else set()

        def _client(self, resource_runtime_part: Any, credentials: Any) -> Any:
            return boto_client_for(service="athena", region=resource_runtime_part.region, state_credentials=credentials)

        def _from_error(self, env: Any, ex: Exception) -> Any:
            if not isinstance(ex, ClientError):
                return super()._from_error(env=env, ex=ex)
            code = ex.response.get("Error", {}).get("Code", "")
            metadata = ex.response.get("ResponseMetadata", {})
            error = athena_task_error_name(code)
            cause = athena_task_error_cause(code, ex.response["Error"].get("Message", ""),
                                            metadata.get("HTTPStatusCode"), metadata.get("RequestId") or str(uuid.uuid4()))
            return FailureEvent(
                env=env, error_name=CustomErrorName(error), event_type=HistoryEventType.TaskFailed,
                event_details=cast(EventDetails, {"taskFailedEventDetails": TaskFailedEventDetails(
                    error=error, cause=cause, resource=self._get_sfn_resource(),
                    resourceType=self._get_sfn_resource_type())}),
            )

        def _eval_service_task(self, env: Any, resource_runtime_part: Any, normalised_parameters: dict[str, Any],
                               state_credentials: Any) -> None:
            action = self._get_boto_service_action()
            if action not in REQUEST_ACTIONS:
                raise ValueError(f"athena:{self.resource.api_action} is not an optimized Athena action; "
                                 "use startQueryExecution, stopQueryExecution, getQueryExecution or getQueryResults")
            response = getattr(self._client(resource_runtime_part, state_credentials), action)(**normalised_parameters)
            env.stack.append(_plain(response))

        def _eval_integration_pattern(self, env: Any, resource_runtime_part: Any, normalised_parameters: dict[str, Any],
                                      state_credentials: Any) -> None:
            # moto's version ends every pattern with callback_endpoint.interrupt_all(), which is None for a
            # service without .waitForTaskToken (Athena has none): poll the query here instead.
            self.timeout.eval(env=env)
            timeout_seconds = env.stack.pop()
            resolver = self._build_sync_resolver(env, resource_runtime_part, normalised_parameters, state_credentials)
            env.stack.append(self._eval_sync(env=env, sync_resolver=resolver, timeout_seconds=timeout_seconds,
                                             callback_endpoint=None, heartbeat_endpoint=None))

        def _build_sync_resolver(self, env: Any, resource_runtime_part: Any, normalised_parameters: dict[str, Any],
                                 state_credentials: Any) -> Callable[[], Any] | None:
            started = env.stack.pop()
            client = self._client(resource_runtime_part, state_credentials)
            query_id = started["QueryExecutionId"]

            def resolve() -> Any | None:
                described = _plain(client.get_query_execution(QueryExecutionId=query_id))
                state = described["QueryExecution"]["Status"]["State"]
                if state not in _TERMINAL:
                    return None
                if state == "SUCCEEDED":
                    return described
                raise FailureEventException(FailureEvent(
                    env=env, error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed),
                    event_type=HistoryEventType.TaskFailed,
                    event_details=cast(EventDetails, {"taskFailedEventDetails": TaskFailedEventDetails(
                        resource=self._get_sfn_resource(), resourceType=self._get_sfn_resource_type(),
                        error=StatesErrorNameType.StatesTaskFailed.to_name(), cause=json.dumps(described))}),
                ))

            return resolve

    original = state_task_factory.state_task_service_for

    def state_task_service_for(service_name: str) -> Any:
        return StateTaskServiceAthena() if service_name == "athena" else original(service_name)

    patch(state_task_factory, "state_task_service_for", state_task_service_for)
