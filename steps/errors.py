"""Errors the steps raise on purpose. Step Functions uses the class name as the error
name, so these names must equal the constants in ``steps.contract``."""
from __future__ import annotations


class InvalidExecutionInput(ValueError):
    """The execution input has an unknown key or a bad value."""


class ManifestError(ValueError):
    """A manifest line is not what Ground Truth writes (corrupt or truncated file)."""


class FeatureStoreWriteFailed(RuntimeError):
    """Some records could not be written to the feature group even after retries."""


class FeatureGroupMissing(RuntimeError):
    """The feature group is gone (or unreadable), so every image would look unlabeled: refuse to run."""


class AthenaQueryFailed(RuntimeError):
    """The offline-store query failed, was cancelled or did not finish in time."""
