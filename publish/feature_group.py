"""The feature group training reads: created once, never silently altered."""
from __future__ import annotations

import time

from botocore.exceptions import ClientError

from publish.changes import Change
from steps import contract
from workflow.config import PipelineConfig


class FeatureGroupConflict(RuntimeError):
    """An existing feature group whose definitions do not match what UpdateFeatureStore writes."""


def feature_group_request(cfg: PipelineConfig, role_arn: str) -> dict:
    """The CreateFeatureGroup request: schema from steps/contract.py, offline store in our bucket."""
    fs, storage = cfg.feature_store, cfg.storage
    s3_config = {"S3Uri": f"s3://{storage.bucket}/{fs.offline_store_prefix.rstrip('/')}"}
    if storage.kms_key_arn:
        s3_config["KmsKeyId"] = storage.kms_key_arn
    request = {
        "FeatureGroupName": fs.feature_group_name,
        "RecordIdentifierFeatureName": contract.RECORD_IDENTIFIER,
        "EventTimeFeatureName": contract.EVENT_TIME,
        "FeatureDefinitions": [{"FeatureName": n, "FeatureType": t} for n, t in contract.FEATURE_DEFINITIONS],
        "OfflineStoreConfig": {"S3StorageConfig": s3_config, "DisableGlueTableCreation": False},
        "RoleArn": role_arn,
        "Description": "Verified bounding-box labels, one record per image (labeling pipeline)",
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(cfg.pipeline.tags.items())],
    }
    if fs.online_store:
        online = {"EnableOnlineStore": True}
        if storage.kms_key_arn:
            online["SecurityConfig"] = {"KmsKeyId": storage.kms_key_arn}
        request["OnlineStoreConfig"] = online
    return request


def conflicts(existing: dict, request: dict) -> list[str]:
    """Why an existing group cannot take our records (empty list: it can)."""
    problems = []
    for key in ("RecordIdentifierFeatureName", "EventTimeFeatureName"):
        if existing.get(key) != request[key]:
            problems.append(f"{key} is {existing.get(key)!r}, ours is {request[key]!r}")
    have = {d["FeatureName"]: d["FeatureType"] for d in existing.get("FeatureDefinitions", [])}
    for wanted in request["FeatureDefinitions"]:
        name, kind = wanted["FeatureName"], wanted["FeatureType"]
        if name not in have:
            problems.append(f"feature {name} ({kind}) is missing")
        elif have[name] != kind:
            problems.append(f"feature {name} is {have[name]}, ours is {kind}")
    if "OfflineStoreConfig" not in existing:
        problems.append("it has no offline store (the pipeline reads labels from it with Athena)")
    return problems


def _wait_created(sm, name: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        described = sm.describe_feature_group(FeatureGroupName=name)
        status = described.get("FeatureGroupStatus")
        if status == "Created":
            return described
        if status == "CreateFailed":
            raise RuntimeError(f"feature group {name} failed to create: {described.get('FailureReason', 'no reason given')}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"feature group {name} still {status} after {timeout:.0f} s")
        time.sleep(5.0)


def _describe(sm, name: str) -> dict | None:
    try:
        return sm.describe_feature_group(FeatureGroupName=name)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("ResourceNotFound", "ResourceNotFoundException", "ValidationException"):
            return None
        raise


def ensure_feature_group(sm, request: dict, timeout: float = 600.0) -> Change:
    """Create the group and wait until Created; an existing one must match our definitions."""
    name = request["FeatureGroupName"]
    existing = _describe(sm, name)
    if existing is None:
        sm.create_feature_group(**request)
        _wait_created(sm, name, timeout)
        return Change("feature group", name, "created", "offline store with Glue table")
    problems = conflicts(existing, request)
    if problems:
        raise FeatureGroupConflict(
            f"feature group {name} already exists with other definitions: {'; '.join(problems)}. "
            "It is never altered by the deployer: choose another feature_store.feature_group_name or migrate it."
        )
    if existing.get("FeatureGroupStatus") == "Creating":
        _wait_created(sm, name, timeout)
    return Change("feature group", name, "unchanged")
