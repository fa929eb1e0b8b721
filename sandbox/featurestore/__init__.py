"""The Feature Store runtime stand-in: validation, online and offline stores, REST wire format."""
from sandbox.featurestore.errors import FeatureStoreError
from sandbox.featurestore.offline_store import OfflineStore
from sandbox.featurestore.runtime import FeatureStoreRuntime
from sandbox.featurestore.validation import FeatureGroupSchema

__all__ = ["FeatureGroupSchema", "FeatureStoreError", "FeatureStoreRuntime", "OfflineStore"]
