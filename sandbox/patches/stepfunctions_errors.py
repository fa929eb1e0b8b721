"""SageMaker errors in Step Functions task states, named as AWS names them."""
from __future__ import annotations

from typing import Any, cast

from sandbox.patches.base import patch

_MODELED_SAGEMAKER_ERRORS = {"ResourceInUse", "ResourceLimitExceeded", "ResourceNotFound", "ConflictException"}


def sagemaker_task_error_name(code: str, optimized: bool) -> str:
    """The Step Functions error name for a SageMaker error ``code`` in a task state.

    AWS names errors after the SDK's exception classes: a modelled error keeps its name with an
    "Exception" suffix ("SageMaker.ResourceInUseException"); anything else (throttling, 5xx,
    validation) is the service's catch-all: "SageMaker.AmazonSageMakerException" in the optimized
    integration (sagemaker:createLabelingJob), "SageMaker.SageMakerException" in aws-sdk tasks.
    """
    if code in _MODELED_SAGEMAKER_ERRORS:
        return f"SageMaker.{code if code.endswith('Exception') else code + 'Exception'}"
    return "SageMaker.AmazonSageMakerException" if optimized else "SageMaker.SageMakerException"


def sagemaker_task_error_cause(code: str, message: str, status: int | None, request_id: str, optimized: bool) -> str:
    """The Step Functions cause for a SageMaker error, as AWS's Java SDKs render the exception.

    Optimized integrations (sagemaker:createLabelingJob) use the AWS SDK for Java 1.x message,
    "<message> (Service: AmazonSageMaker; Status Code: 400; Error Code: ValidationException;
    Request ID: <id>; Proxy: null)": the service name as in SageMaker's own docs ("Query Endpoint
    Autoscaling History", endpoint-scaling-query-history: "(Service: AmazonSageMaker; Status Code:
    400; Error Code: ResourceLimitExceeded; Request ID: ...)"), the "Proxy: null" ending as moto's
    and LocalStack's engines render the other optimized integrations (DynamoDB, SNS, Batch, Step
    Functions). AWS documents no Step Functions example for SageMaker: the layout is inferred, not
    documented. aws-sdk tasks use the SDK v2 message: "<message> (Service: SageMaker, Status Code:
    400, Request ID: <id>)", as moto's engine renders aws-sdk errors of every other service.
    """
    if optimized:
        return (f"{message} (Service: AmazonSageMaker; Status Code: {status}; Error Code: {code}; "
                f"Request ID: {request_id}; Proxy: null)")
    return f"{message} (Service: SageMaker, Status Code: {status}, Request ID: {request_id})"


def install() -> None:
    """Why: moto's engine names aws-sdk SageMaker errors "sagemaker.sagemakerException" (no
    PascalCase binding for the service) and turns every error of the optimized
    sagemaker:createLabelingJob integration, which it relays as "unsupported", into States.Runtime.
    Neither matches what AWS reports, so the state machine's Retry and Catch rules could not be
    exercised. Both are renamed as AWS names them (see sagemaker_task_error_name). The cause is
    the message AWS's Java SDKs write (sagemaker_task_error_cause): the state machine reads it to
    tell a refused create from a transient one."""
    import uuid

    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported import (
        StateTaskServiceUnsupported,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    def renamed(optimized: bool, original: Any) -> Any:
        def _from_error(self: Any, env: Any, ex: Exception) -> Any:
            resource = self.resource
            service = resource.api_name if resource.service_name == "aws-sdk" else resource.service_name
            if not (isinstance(ex, ClientError) and str(service).lower() == "sagemaker"):
                return original(self, env, ex)
            code = ex.response.get("Error", {}).get("Code", "")
            error = sagemaker_task_error_name(code, optimized)
            metadata = ex.response.get("ResponseMetadata", {})
            cause = sagemaker_task_error_cause(code, ex.response["Error"].get("Message", ""),
                                               metadata.get("HTTPStatusCode"),
                                               metadata.get("RequestId") or str(uuid.uuid4()), optimized)
            return FailureEvent(
                env=env,
                error_name=CustomErrorName(error),
                event_type=HistoryEventType.TaskFailed,
                event_details=cast(EventDetails, {"taskFailedEventDetails": TaskFailedEventDetails(
                    error=error, cause=cause,
                    resource=self._get_sfn_resource(), resourceType=self._get_sfn_resource_type(),
                )}),  # moto's EventDetails TypedDict is total; one key is what its own engine sends
            )
        return _from_error

    patch(aws_sdk.StateTaskServiceAwsSdk, "_from_error", renamed(False, aws_sdk.StateTaskServiceAwsSdk._from_error))
    patch(StateTaskServiceUnsupported, "_from_error", renamed(True, StateTaskServiceUnsupported._from_error))
