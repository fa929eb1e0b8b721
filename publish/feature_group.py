"""The feature group training reads: created once, never silently altered."""
from __future__ import annotations

import re
import time
from typing import Any

from botocore.exceptions import ClientError

from publish.changes import Change
from publish.iam_propagation import RolePropagation
from steps import contract, task_types
from workflow.config import PipelineConfig

CATALOG = "AwsDataCatalog"
DATABASE = "sagemaker_featurestore"


class FeatureGroupConflict(RuntimeError):
    """An existing feature group whose definitions do not match what UpdateFeatureStore writes."""


def offline_table_name(feature_group_name: str) -> str:
    """The Glue/Athena table of the group's offline store, fixed here rather than left to AWS.

    Without DataCatalogConfig, Feature Store names the table itself ("auto-generates the table
    name, database, and catalog", https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_OfflineStoreConfig.html),
    and IAM policies could only guess it with a wildcard. Athena table names take lowercase
    letters, digits and underscores (https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html);
    a feature group name (``^[a-zA-Z0-9]([_-]*[a-zA-Z0-9]){0,63}``) becomes one by lowercasing
    it and turning '-' into '_': "scratch-labels" -> "scratch_labels".
    """
    return re.sub(r"[^a-z0-9_]", "_", feature_group_name.lower())


def data_catalog_config(feature_group_name: str) -> dict:
    """OfflineStoreConfig.DataCatalogConfig: Feature Store's own catalog and database, our table name
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DataCatalogConfig.html)."""
    return {"Catalog": CATALOG, "Database": DATABASE, "TableName": offline_table_name(feature_group_name)}


def _legacy_table(feature_group_name: str, catalog: dict) -> bool:
    """True for the table Feature Store named itself for a group created without DataCatalogConfig
    (by this pipeline's earlier releases): ``<name>_<epoch seconds>`` in our catalog and database."""
    return (catalog.get("Catalog") == CATALOG and catalog.get("Database") == DATABASE
            and re.fullmatch(re.escape(offline_table_name(feature_group_name)) + r"_\d+", catalog.get("TableName") or "")
            is not None)


def offline_table_in_use(sm, feature_group_name: str) -> str:
    """The offline-store table the IAM policies must grant: an existing group's own table when it was
    named by Feature Store for an earlier release of this pipeline, else ``offline_table_name``."""
    existing = _describe(sm, feature_group_name)
    catalog = ((existing or {}).get("OfflineStoreConfig") or {}).get("DataCatalogConfig") or {}
    if _legacy_table(feature_group_name, catalog):
        return catalog["TableName"]
    return offline_table_name(feature_group_name)


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
        "FeatureDefinitions": [{"FeatureName": n, "FeatureType": t}
                               for n, t in task_types.feature_definitions(cfg.labels.task_type)],
        "OfflineStoreConfig": {"S3StorageConfig": s3_config, "DisableGlueTableCreation": False,
                               "DataCatalogConfig": data_catalog_config(fs.feature_group_name),
                               "TableFormat": fs.table_format},
        "RoleArn": role_arn,
        "Description": f"{cfg.labels.task_type.replace('_', ' ').capitalize()} labels, one record per image "
                       "(labeling pipeline)",
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(cfg.pipeline.tags.items())],
    }
    if fs.online_store:
        online: dict[str, Any] = {"EnableOnlineStore": True}
        if storage.kms_key_arn:
            online["SecurityConfig"] = {"KmsKeyId": storage.kms_key_arn}
        request["OnlineStoreConfig"] = online
    return request


def table_format_of(described: dict | None) -> str | None:
    """The offline store's table format of a described group: "Iceberg" or "Glue"; None without a group.

    OfflineStoreConfig.TableFormat takes Default | Glue | Iceberg, "Glue (Default)"
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_OfflineStoreConfig.html): a group
    created without it, or with Default, has a Glue (Hive) table.
    """
    if described is None:
        return None
    offline = described.get("OfflineStoreConfig") or {}
    return "Iceberg" if offline.get("TableFormat") == "Iceberg" else "Glue"


def table_format_in_use(sm, feature_group_name: str, configured: str) -> str:
    """The format the group has, or will have once created: the existing group's own, else ``configured``.
    The format is fixed at creation ("You can choose the table format when you're creating a new feature
    group", https://docs.aws.amazon.com/sagemaker/latest/dg/feature-store-offline.html)."""
    return table_format_of(_describe(sm, feature_group_name)) or configured


def table_format_note(existing: dict, request: dict) -> str:
    """One line when an existing group's format differs from the configured one ('' when it does not):
    the group is kept as it is, never recreated (that would orphan its labels)."""
    have = table_format_of(existing)
    want = request["OfflineStoreConfig"].get("TableFormat", "Glue")
    if have == want:
        return ""
    return (f"offline store stays {have} (feature_store.table_format {want} applies to new groups only: "
            "the format is fixed at creation)")


def conflicts(existing: dict, request: dict) -> list[str]:
    """Why an existing group cannot take our records (empty list: it can)."""
    problems = []
    for key in ("RecordIdentifierFeatureName", "EventTimeFeatureName"):
        if existing.get(key) != request[key]:
            problems.append(f"{key} is {existing.get(key)!r}, ours is {request[key]!r}")
    have = {d["FeatureName"]: d["FeatureType"] for d in existing.get("FeatureDefinitions", [])}
    theirs = task_types.identify(set(have))
    ours = task_types.identify({d["FeatureName"] for d in request["FeatureDefinitions"]})
    if theirs and ours and theirs != ours:  # the task type's own features name it
        problems.append(f"it holds {theirs} labels and labels.task_type is {ours}")
        return problems
    for wanted in request["FeatureDefinitions"]:
        name, kind = wanted["FeatureName"], wanted["FeatureType"]
        if name not in have:
            problems.append(f"feature {name} ({kind}) is missing")
        elif have[name] != kind:
            problems.append(f"feature {name} is {have[name]}, ours is {kind}")
    if "OfflineStoreConfig" not in existing:
        problems.append("it has no offline store (the pipeline reads labels from it with Athena)")
        return problems
    have_catalog = existing["OfflineStoreConfig"].get("DataCatalogConfig") or {}
    want_catalog = request["OfflineStoreConfig"]["DataCatalogConfig"]
    if _legacy_table(request["FeatureGroupName"], have_catalog):
        return problems  # created by an earlier release: its table is kept, and granted (offline_table_in_use)
    if {k: have_catalog.get(k) for k in want_catalog} != want_catalog:
        problems.append(f"its offline store table is {_table(have_catalog)}, ours is {_table(want_catalog)} "
                        "(the IAM policies grant exactly that table)")
    return problems


def _table(catalog: dict) -> str:
    return f"{catalog.get('Catalog', '?')}.{catalog.get('Database', '?')}.{catalog.get('TableName', '?')}"


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


def _refuse_orphaned_table(glue, request: dict) -> None:
    """A new group must not adopt a Glue table left by a deleted one.

    DeleteFeatureGroup keeps the offline store's files and "the AWS Glue database and tables that
    are automatically created" (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeleteFeatureGroup.html).
    What CreateFeatureGroup does when DataCatalogConfig names such a table is not documented, so the
    deployer stops and lets the owner decide what happens to the labels that table still holds.
    """
    catalog = request["OfflineStoreConfig"]["DataCatalogConfig"]
    try:
        table = glue.get_table(DatabaseName=catalog["Database"], Name=catalog["TableName"])["Table"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "EntityNotFoundException":
            return
        raise
    location = table.get("StorageDescriptor", {}).get("Location", "its S3 location")
    raise FeatureGroupConflict(
        f"feature group {request['FeatureGroupName']} does not exist, but its offline store table "
        f"{catalog['Database']}.{catalog['TableName']} does (left by a deleted group; its labels are still in "
        f"{location}); keep them by choosing another feature_store.feature_group_name, or start from an empty "
        f"group by deleting the table: aws glue delete-table --database-name {catalog['Database']} "
        f"--name {catalog['TableName']}")


def ensure_feature_group(sm, request: dict, timeout: float = 600.0,
                         propagation: RolePropagation | None = None, glue=None) -> Change:
    """Create the group and wait until Created; an existing one must match our definitions. While
    IAM propagates a new role, ``propagation`` waits (publish.iam_propagation)."""
    propagation = propagation or RolePropagation()
    name = request["FeatureGroupName"]
    existing = _describe(sm, name)
    if existing is None:
        if glue is not None:
            _refuse_orphaned_table(glue, request)
        propagation.call(lambda: sm.create_feature_group(**request), request["RoleArn"], "SageMaker Feature Store")
        _wait_created(sm, name, timeout)
        return Change("feature group", name, "created",
                      f"offline store with {request['OfflineStoreConfig'].get('TableFormat', 'Glue')} table")
    problems = conflicts(existing, request)
    if problems:
        raise FeatureGroupConflict(
            f"feature group {name} already exists with other definitions: {'; '.join(problems)}. "
            "It is never altered by the deployer: choose another feature_store.feature_group_name or migrate it."
        )
    if existing.get("FeatureGroupStatus") == "Creating":
        _wait_created(sm, name, timeout)
    catalog = existing["OfflineStoreConfig"].get("DataCatalogConfig") or {}
    notes = [table_format_note(existing, request)]
    if _legacy_table(name, catalog):
        notes.insert(0, f"offline table {catalog['TableName']} kept (named by Feature Store)")
    return Change("feature group", name, "unchanged", "; ".join(note for note in notes if note))


def missing_features(existing: dict, request: dict) -> list[dict]:
    """The request's feature definitions an existing group lacks (a group created by an earlier release)."""
    have = {d["FeatureName"] for d in existing.get("FeatureDefinitions", [])}
    return [d for d in request["FeatureDefinitions"] if d["FeatureName"] not in have]


def add_missing_features(sm, request: dict, timeout: float = 600.0, poll_seconds: float = 5.0) -> Change | None:
    """Add the features an existing group lacks with UpdateFeatureGroup(FeatureAdditions); None when
    there is no group yet (CreateFeatureGroup makes it complete) or nothing is missing.

    Features can be added, never removed, and a feature added to a group adds no data to existing
    records ("Add features and records to a feature group", feature-store-update-feature-group).
    The update is asynchronous: a 200 means a valid request, and DescribeFeatureGroup reports
    ``LastUpdateStatus`` InProgress, then Successful or Failed (API_UpdateFeatureGroup,
    API_DescribeFeatureGroup); at most 100 additions per call (the API's FeatureAdditions limit).
    A feature the group has with another type is left to ``conflicts``.
    """
    name = request["FeatureGroupName"]
    existing = _describe(sm, name)
    if existing is None:
        return None
    missing = missing_features(existing, request)
    if not missing:
        return None
    present = [d for d in request["FeatureDefinitions"] if d not in missing]
    if conflicts(existing, {**request, "FeatureDefinitions": present}):
        return None  # not a group of ours: ensure_feature_group refuses it and says why, nothing is added
    for start in range(0, len(missing), 100):
        sm.update_feature_group(FeatureGroupName=name, FeatureAdditions=missing[start:start + 100])
        _wait_updated(sm, name, timeout, poll_seconds)
    names = ", ".join(d["FeatureName"] for d in missing)
    return Change("feature group", name, "updated", f"features added: {names}")


def _wait_updated(sm, name: str, timeout: float, poll_seconds: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        status = (sm.describe_feature_group(FeatureGroupName=name).get("LastUpdateStatus") or {})
        if status.get("Status") in (None, "Successful"):
            return
        if status.get("Status") == "Failed":
            raise RuntimeError(f"feature group {name}: adding features failed: "
                               f"{status.get('FailureReason', 'no reason given')}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"feature group {name}: adding features still {status.get('Status')} after {timeout:.0f} s")
        time.sleep(poll_seconds)
