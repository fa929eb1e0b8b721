"""UpdateFeatureGroup with FeatureAdditions: moto 5.2.5 has no UpdateFeatureGroup."""
from __future__ import annotations

from typing import Any

from sandbox import registry
from sandbox.patches.base import patch

# FeatureName may not be one of the offline store's own columns (API_FeatureDefinition, FeatureName).
RESERVED_FEATURE_NAMES = frozenset({"is_deleted", "write_time", "api_invocation_time"})
FEATURE_TYPES = ("Integral", "Fractional", "String")
MAX_ADDITIONS = 100  # UpdateFeatureGroup FeatureAdditions: 1 to 100 items (API_UpdateFeatureGroup)


def install() -> None:
    """Why: moto has no UpdateFeatureGroup, and the deployer adds features to a group an earlier
    release created (publish.feature_group.add_missing_features). As AWS documents it
    (API_UpdateFeatureGroup; "Add features and records to a feature group",
    feature-store-update-feature-group): features are appended, never removed, 1 to 100 per call,
    reserved names refused; "When you add a feature to the feature group you are effectively adding a
    column to the table", so the Glue table and the offline store's table gain the column (existing
    rows read NULL: "The features that you have added do not add any data to your records").
    DescribeFeatureGroup then reports ``LastUpdateStatus``. AWS applies the update asynchronously
    (InProgress, then Successful); the sandbox applies it at once and reports Successful. Adding a
    feature the group already has is refused with ValidationException (the exact message is
    undocumented).
    """
    from moto.core.responses import ActionResult
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.responses import SageMakerResponse

    from sandbox.featurestore.catalog import schema_of
    from sandbox.patches.sagemaker_feature_groups import feature_group

    def update_feature_group(self: Any) -> Any:
        group = feature_group(self, self._get_param("FeatureGroupName"))
        additions = self._get_param("FeatureAdditions") or []
        if not 1 <= len(additions) <= MAX_ADDITIONS:
            raise ValidationError(f"FeatureAdditions must hold 1 to {MAX_ADDITIONS} features, got {len(additions)}")
        have = {d["FeatureName"] for d in group.feature_definitions}
        for addition in additions:
            name, kind = addition.get("FeatureName"), addition.get("FeatureType")
            if name in RESERVED_FEATURE_NAMES:
                raise ValidationError(f"FeatureName '{name}' is reserved; it cannot be any of "
                                      f"{', '.join(sorted(RESERVED_FEATURE_NAMES))}")
            if kind not in FEATURE_TYPES:
                raise ValidationError(f"FeatureType '{kind}' of '{name}' must be one of {', '.join(FEATURE_TYPES)}")
            if name in have:
                raise ValidationError(f"Feature '{name}' already exists in FeatureGroup '{group.feature_group_name}'")
            have.add(name)
        group.feature_definitions = [*group.feature_definitions,
                                     *({"FeatureName": a["FeatureName"], "FeatureType": a["FeatureType"]}
                                       for a in additions)]
        group.last_update_status = {"Status": "Successful"}
        schema = schema_of(group)
        _add_glue_columns(self.current_account, self.region, schema.database, schema.table, additions)
        registry.active().featurestore.offline.add_columns(schema)
        return ActionResult({"FeatureGroupArn": group.arn})

    patch(SageMakerResponse, "update_feature_group", update_feature_group)
    described = SageMakerResponse.describe_feature_group

    def describe_feature_group(self: Any) -> Any:
        result = described(self)
        group = feature_group(self, self._get_param("FeatureGroupName"))
        status = getattr(group, "last_update_status", None)
        body = getattr(result, "result", None)
        if status and isinstance(body, dict):
            body["LastUpdateStatus"] = status
            body["FeatureDefinitions"] = list(group.feature_definitions)
        return result

    patch(SageMakerResponse, "describe_feature_group", describe_feature_group)


_GLUE_TYPES = {"String": "string", "Integral": "bigint", "Fractional": "double"}


def _add_glue_columns(account: str, region: str, database: str, table: str, additions: list[dict[str, Any]]) -> None:
    """Append the added features to the group's Glue table, before the offline store's own columns."""
    from moto.glue.models import glue_backends

    glue = glue_backends[account][region]
    found = glue.databases.get(database, None)
    if found is None or table not in found.tables:
        return
    current = found.tables[table]
    table_input = dict(current.get_version(str(current._current_version)))
    storage = dict(table_input.get("StorageDescriptor") or {})
    columns = list(storage.get("Columns") or [])
    own = [c for c in columns if c["Name"] in RESERVED_FEATURE_NAMES]
    features = [c for c in columns if c["Name"] not in RESERVED_FEATURE_NAMES]
    features += [{"Name": a["FeatureName"], "Type": _GLUE_TYPES[a["FeatureType"]]} for a in additions]
    storage["Columns"] = features + own
    table_input["StorageDescriptor"] = storage
    table_input["Name"] = table
    current.update(table_input)
