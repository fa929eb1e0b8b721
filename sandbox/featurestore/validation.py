"""Check records against their feature group, as the Feature Store runtime does.

Pure functions over a ``FeatureGroupSchema`` (built from moto's SageMaker feature group): the record
identifier and the event time must be present, every feature name must be defined once, values must
parse as their declared type, and the event time must be ISO 8601 (``yyyy-MM-ddTHH:mm:ssZ`` or with
``.SSS``) or Fractional seconds since the epoch.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters

from sandbox.featurestore.errors import validation_error

_ISO_EVENT_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$")
_INTEGRAL = re.compile(r"^[+-]?\d+$")
_INT64 = 2**63


@dataclass(frozen=True)
class FeatureGroupSchema:
    """What a record must satisfy, and where its offline rows go."""

    name: str
    arn: str
    record_identifier: str
    event_time_feature: str
    feature_types: dict[str, str]  # name -> String | Integral | Fractional, in definition order
    online_store: bool
    database: str
    table: str
    # Who writes the offline store, and where: CreateFeatureGroup's RoleArn and S3StorageConfig.
    role_arn: str | None = None
    offline_s3_uri: str | None = None
    offline_kms_key_id: str | None = None
    created: datetime | None = None
    # OfflineStoreConfig.TableFormat: "Glue" (a Hive table, hourly partitions) or "Iceberg".
    table_format: str = "Glue"


def parse_event_time(value: str) -> datetime:
    """The event time as an aware UTC datetime; ValidationError when the format is wrong."""
    if _ISO_EVENT_TIME.match(value):
        fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if "." in value else "%Y-%m-%dT%H:%M:%SZ"
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError as error:
            raise validation_error(f"Invalid EventTime '{value}': {error}") from error
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if math.isfinite(seconds) and seconds >= 0 and not value.strip().lower().startswith(("nan", "inf")):
        return datetime.fromtimestamp(seconds, tz=UTC)
    raise validation_error(
        f"Invalid EventTime '{value}': use ISO 8601 yyyy-MM-dd'T'HH:mm:ssZ or yyyy-MM-dd'T'HH:mm:ss.SSSZ "
        "(UTC), or Fractional seconds since the epoch"
    )


def check_value(feature: str, feature_type: str, value: str) -> Any:
    """The value converted to its type (int, float or str); ValidationError when it does not parse."""
    if feature_type == "Integral":
        if not _INTEGRAL.match(value) or not -_INT64 <= int(value) < _INT64:
            raise validation_error(f"Value '{value}' of feature '{feature}' is not a valid Integral (a 64-bit integer)")
        return int(value)
    if feature_type == "Fractional":
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise validation_error(f"Value '{value}' of feature '{feature}' is not a valid Fractional (a finite number)")
        return number
    return value


def check_record(schema: FeatureGroupSchema, record: list[dict[str, Any]]) -> dict[str, Any]:
    """The record as {feature: typed value}; ValidationError naming the first problem found."""
    values: dict[str, Any] = {}
    for item in record:
        name = item.get("FeatureName")
        if name not in schema.feature_types:
            defined = ", ".join(schema.feature_types)
            raise validation_error(
                f"Feature '{name}' is not defined in FeatureGroup '{schema.name}' (defined: {defined})"
            )
        if name in values:
            raise validation_error(f"Feature '{name}' appears more than once in the record")
        if "ValueAsStringList" in item:
            raise validation_error(f"Feature '{name}' is a scalar {schema.feature_types[name]}: use ValueAsString")
        if "ValueAsString" not in item:
            raise validation_error(f"Feature '{name}' has no ValueAsString")
        values[name] = check_value(name, schema.feature_types[name], item["ValueAsString"])
    for required in (schema.record_identifier, schema.event_time_feature):
        if required not in values:
            raise validation_error(
                f"Record of FeatureGroup '{schema.name}' is missing the required feature '{required}'"
            )
    parse_event_time(str(values[schema.event_time_feature]))
    return values


def check_target_stores(schema: FeatureGroupSchema, target_stores: list[str] | None) -> set[str]:
    """The stores to write ({"OnlineStore", "OfflineStore"}); ValidationError for a store the group lacks."""
    available = {"OfflineStore"} | ({"OnlineStore"} if schema.online_store else set())
    if not target_stores:
        return available
    wanted = set(target_stores)
    if "OnlineStore" in wanted and not schema.online_store:
        raise validation_error(f"FeatureGroup '{schema.name}' has no OnlineStore; TargetStores can only be OfflineStore")
    return wanted


_SERVICE_MODEL = None


def check_shape(operation: str, params: dict[str, Any]) -> None:
    """botocore's own shape validation of the request; ValidationError listing every problem."""
    global _SERVICE_MODEL
    if _SERVICE_MODEL is None:
        _SERVICE_MODEL = botocore.session.get_session().get_service_model("sagemaker-featurestore-runtime")
    shape = _SERVICE_MODEL.operation_model(operation).input_shape
    if shape is None:  # the operation takes no input
        return
    try:
        validate_parameters(params, shape)
    except ParamValidationError as error:
        raise validation_error(str(error).replace("\n", " ")) from error
    _check_maximums(params, shape, "")


def _check_maximums(value: Any, shape: Any, where: str) -> None:
    """The service's maximum lengths, which botocore's client-side validation leaves to the server."""
    maximum = shape.metadata.get("max")
    if maximum is not None and isinstance(value, (str, list)) and len(value) > maximum:
        raise validation_error(f"{where or 'input'} has length {len(value)}, more than the maximum {maximum}")
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                _check_maximums(value[name], member, f"{where}.{name}" if where else name)
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            _check_maximums(item, shape.member, f"{where}[{index}]")
