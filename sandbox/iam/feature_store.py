"""Feature Store writing a feature group's offline store as the group's role (CreateFeatureGroup RoleArn).

AWS: PutRecord returns once the online store (if any) has the record; the offline store is filled
asynchronously, "buffered, batched, and written into Amazon S3 within 15 minutes", under
``<S3Uri>/<account>/sagemaker/<region>/offline-store/<group>-<creation time>/data/year=/month=/
day=/hour=/<file>.parquet`` ("Amazon SageMaker Feature Store offline store data format",
feature-store-offline). The write is made with the group's RoleArn, which needs s3:PutObject there
and, with a customer managed key, kms:GenerateDataKey ("Cross account offline store access",
feature-store-cross-account-access-offline-store). When replicating into the offline store fails,
DescribeFeatureGroup's OfflineStoreStatus turns ``Blocked`` with a BlockedReason
(API_DescribeFeatureGroup, API_OfflineStoreStatus): the rows do not appear, PutRecord itself does
not fail. The BlockedReason wording, and whether the store unblocks once the role is fixed, are
not documented: the sandbox records the first reason and stays Blocked.
"""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sandbox.featurestore.validation import FeatureGroupSchema
from sandbox.iam import trust
from sandbox.iam.evaluation import access_denied_message, evaluate


def offline_object_key(schema: FeatureGroupSchema, account: str, region: str, event_time: datetime,
                       record_id: str) -> tuple[str, str]:
    """(bucket, key) of the Parquet file a record's offline row lands in (feature-store-offline)."""
    uri = (schema.offline_s3_uri or "").removeprefix("s3://")
    bucket, _, prefix = uri.partition("/")
    created = int(schema.created.timestamp()) if schema.created else 0
    stamp = event_time.strftime("%Y%m%dT%H%M%SZ")
    suffix = hashlib.sha256(f"{schema.arn}/{record_id}/{event_time.isoformat()}".encode()).hexdigest()[:16]
    if schema.table_format == "Iceberg":
        partitions: tuple[str, ...] = iceberg_partition(schema, event_time, suffix)
    else:
        partitions = (f"year={event_time:%Y}", f"month={event_time:%m}", f"day={event_time:%d}", f"hour={event_time:%H}")
    key = "/".join(part for part in (
        prefix.strip("/"), account, "sagemaker", region, "offline-store", f"{schema.name}-{created}", "data",
        *partitions, f"{stamp}_{suffix}.parquet",
    ) if part)
    return bucket, key


def iceberg_partition(schema: FeatureGroupSchema, event_time: datetime, suffix: str) -> tuple[str, str]:
    """An Iceberg offline store's data folders: ``data/<8 random alphanumerics>/<event time feature>_trunc=
    <yyyy-mm-dd>/`` (daily partitions, not hourly; the table's metadata under ``metadata/`` next to ``data/``),
    "Amazon SageMaker Feature Store offline store data format", feature-store-offline."""
    return suffix[:8], f"{schema.event_time_feature}_trunc={event_time:%Y-%m-%d}"


def iceberg_metadata_key(schema: FeatureGroupSchema, account: str, region: str) -> tuple[str, str]:
    """(bucket, key) of an Iceberg table metadata file Feature Store writes with a commit (its name is
    Iceberg's ``<version>-<uuid>.metadata.json``; which version a commit writes is not documented)."""
    bucket, key = offline_object_key(schema, account, region, datetime.fromtimestamp(0, UTC), "metadata")
    base = key.split("/data/", 1)[0]
    return bucket, f"{base}/metadata/00000-{hashlib.sha256(schema.arn.encode()).hexdigest()[:32]}.metadata.json"


def offline_write_blocked(schema: FeatureGroupSchema, event_time: datetime, record_id: str) -> str | None:
    """The BlockedReason when Feature Store may not write this row as the group's role; None if it may."""
    if not trust.services_checked() or not schema.role_arn or not schema.offline_s3_uri:
        return None
    region, account = schema.arn.split(":")[3:5]
    role = schema.role_arn
    if not trust.may_assume(account, role, trust.SAGEMAKER).allowed:
        return (f"Feature Store could not assume role {role} to write the offline store: its trust policy must "
                f"allow {trust.SAGEMAKER} sts:AssumeRole")
    bucket, key = offline_object_key(schema, account, region, event_time, record_id)
    checks = [("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}")]
    if schema.table_format == "Iceberg":  # each write commits: a new metadata file under metadata/
        meta_bucket, meta_key = iceberg_metadata_key(schema, account, region)
        checks.append(("s3:PutObject", f"arn:aws:s3:::{meta_bucket}/{meta_key}"))
    if schema.offline_kms_key_id:
        key_id = schema.offline_kms_key_id
        key_arn = key_id if key_id.startswith("arn:") else f"arn:aws:kms:{region}:{account}:key/{key_id}"
        checks.append(("kms:GenerateDataKey", key_arn))
    for action, resource in checks:
        decision = evaluate(account, role, action, resource)
        if not decision.allowed:
            session = f"SageMaker-FeatureStore-{schema.name}"[:64]
            return f"Access Denied writing the offline store: {access_denied_message(role, action, resource, decision, session)}"[:1024]
    return None


def assume_group_role(account: str, role_arn: str | None) -> None:
    """CreateFeatureGroup: SageMaker must be able to assume the RoleArn that writes the offline store.

    Refused synchronously with ValidationException "The execution role ARN is invalid." (not
    documented; the message Terraform's aws_sagemaker_feature_group retries on, as
    sandbox.iam_propagation uses for a role SageMaker cannot assume yet), then the role."""
    from moto.sagemaker.exceptions import ValidationError

    if not role_arn or not trust.services_checked():
        return
    if not trust.may_assume(account, role_arn, trust.SAGEMAKER).allowed:
        raise ValidationError(f"The execution role ARN is invalid. SageMaker could not assume {role_arn}: its trust "
                              f"policy must allow principal '{trust.SAGEMAKER}' sts:AssumeRole.")
