"""Feature Store runtime errors, as the service names them (botocore's error shapes)."""
from __future__ import annotations

from moto.core.exceptions import JsonRESTError


class FeatureStoreError(JsonRESTError):
    """An error answer of the Feature Store runtime: code, HTTP status and message."""

    def __init__(self, error_code: str, message: str, status: int) -> None:
        super().__init__(error_code, message)
        self.code = status
        self.error_code = error_code


def validation_error(message: str) -> FeatureStoreError:
    """400 ValidationError: the request breaks a rule of the API or the feature group."""
    return FeatureStoreError("ValidationError", message, 400)


def resource_not_found(message: str) -> FeatureStoreError:
    """404 ResourceNotFound: no such feature group."""
    return FeatureStoreError("ResourceNotFound", message, 404)
