"""Feature group definitions, read from moto's SageMaker backend (the control plane)."""
from __future__ import annotations

from typing import Any

from sandbox.featurestore.validation import FeatureGroupSchema

DEFAULT_DATABASE = "sagemaker_featurestore"


def schema_from_moto(account: str, region: str, name_or_arn: str) -> FeatureGroupSchema | None:
    """The schema of a feature group created through moto's CreateFeatureGroup, or None if unknown."""
    from moto.sagemaker.models import sagemaker_backends

    groups: dict[str, Any] = sagemaker_backends[account][region].feature_groups
    if name_or_arn.startswith("arn:"):
        group = groups.get(name_or_arn) or groups.get(name_or_arn.lower())
    else:
        group = next((g for g in groups.values() if g.feature_group_name == name_or_arn), None)
    if group is None:
        return None
    return schema_of(group)


def schema_of(group: Any) -> FeatureGroupSchema:
    """The schema of one moto FeatureGroup object."""
    catalog = (group.offline_store_config or {}).get("DataCatalogConfig", {})
    storage = (group.offline_store_config or {}).get("S3StorageConfig", {})
    online = getattr(group, "online_store_config", None) or {}
    return FeatureGroupSchema(
        name=group.feature_group_name,
        arn=group.arn,
        record_identifier=group.record_identifier_feature_name,
        event_time_feature=group.event_time_feature_name,
        feature_types={d["FeatureName"]: d["FeatureType"] for d in group.feature_definitions},
        online_store=bool(online.get("EnableOnlineStore")),
        database=catalog.get("Database", DEFAULT_DATABASE),
        table=catalog.get("TableName", group.feature_group_name.replace("-", "_").lower()),
        role_arn=getattr(group, "role_arn", None),
        offline_s3_uri=storage.get("S3Uri"),
        offline_kms_key_id=storage.get("KmsKeyId"),
        created=getattr(group, "creation_time", None),
        table_format=(group.offline_store_config or {}).get("TableFormat") or "Glue",
    )
