"""SageMaker's error responses for the Ground Truth stand-in, in the service's wire shape.

moto serializes these with the sagemaker service model: a JSON body with
``__type`` = the code, HTTP 400, so boto3 raises ``ClientError`` with that code.
"""
from __future__ import annotations

from moto.sagemaker.exceptions import (
    ResourceInUseException,
    ResourceNotFound,
    SagemakerClientError,
    ValidationError,
)

__all__ = ["ResourceInUseException", "ResourceLimitExceeded", "ResourceNotFound", "ValidationError"]


class ResourceLimitExceeded(SagemakerClientError):
    code = "ResourceLimitExceeded"
