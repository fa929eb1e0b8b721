"""Where the data lives: the storage section (S3 bucket, prefixes, image extensions, KMS key, listing) and the
feature_store section (feature group, offline store, Athena workgroup, Iceberg maintenance schedules)."""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from workflow.config.base import Section, StrList, matching, optional_arn
from workflow.config.errors import problem
from workflow.config.timing import ScheduleExpression
from workflow.rules import arn, s3

IMAGE_EXTENSION_PATTERN = re.compile(r"^\.[a-z0-9]{1,10}$")
FEATURE_GROUP_PATTERN = re.compile(r"^[a-zA-Z0-9]([_-]*[a-zA-Z0-9]){0,63}$")
ATHENA_WORKGROUP_PATTERN = re.compile(r"^[a-zA-Z0-9._-]{1,128}$")
_feature_group = matching(
    FEATURE_GROUP_PATTERN, "breaks the feature group name rule",
    "use 1-64 letters and digits, single or repeated '-'/'_' between them (^[a-zA-Z0-9]([_-]*[a-zA-Z0-9]){0,63}$)")
_workgroup = matching(ATHENA_WORKGROUP_PATTERN, "is not a workgroup name", "use 1-128 letters, digits, '.', '_' or '-'")
_kms_arn = optional_arn(arn.kms_key_region, "a KMS key or alias ARN", f"use {arn.KMS_ARN_FORM}, or null")


def _bucket(name: str) -> str:
    wrong = s3.bucket_problem(name)
    if wrong:
        raise problem(f"{name!r} {wrong}", s3.BUCKET_RULE)
    return name


def _prefix(value: str) -> str:
    found = s3.prefix_problem(value)
    if found:
        raise problem(*found)
    return s3.as_prefix(value)


def _prefix_or_empty(value: str) -> str:
    return value if value == "" else _prefix(value)


def _extensions(items: tuple[str, ...]) -> tuple[str, ...]:
    seen: list[str] = []
    for index, item in enumerate(items):
        ext = item.strip().lower()
        ext = ext if ext.startswith(".") else "." + ext
        if not IMAGE_EXTENSION_PATTERN.match(ext):
            raise problem(f"{item!r} is not a file extension", "use a dot and 1-10 letters or digits, e.g. .jpg", index)
        if ext in seen:
            raise problem(f"{item!r} repeats {ext!r}", "list each extension once (case and the leading dot do not matter)", index)
        seen.append(ext)
    return tuple(seen)


class StorageSection(Section):
    bucket: Annotated[str, Field(description="S3 bucket holding the raw images and the pipeline's files."),
                      AfterValidator(_bucket)]
    raw_prefix: Annotated[str, Field(
        description="Key prefix of the raw images ('' for the whole bucket); no leading '/'."), AfterValidator(_prefix_or_empty)]
    work_prefix: Annotated[str, Field(
        description="Key prefix for manifests, job outputs, Athena results and UI assets; no leading '/'."),
        AfterValidator(_prefix)]
    image_extensions: Annotated[StrList, Field(
        min_length=1, title="extension", examples=[[".jpg", ".png"]],
        description="Extensions that make an object an image, matched case-insensitively (e.g. [.jpg, .png])."),
        AfterValidator(_extensions)]
    kms_key_arn: Annotated[str | None, Field(
        description="KMS key or alias ARN for everything the pipeline writes; null for SSE-S3."), _kms_arn] = None
    listing: Annotated[Literal["auto", "inventory", "list"], Field(
        description="Where the image list comes from: 'inventory' (the newest daily S3 Inventory report, queried "
                    "in Athena), 'list' (ListObjectsV2 in the check Lambda, for small buckets), 'auto' (the "
                    "inventory once a report exists, else listing).")] = "auto"


class FeatureStoreSection(Section):
    feature_group_name: Annotated[str, Field(
        description="Feature group with one record per image (1-64 letters, digits, '-', '_')."), _feature_group]
    offline_store_prefix: Annotated[str, Field(
        description="Key prefix of the offline store inside storage.bucket; no leading '/'."), AfterValidator(_prefix)]
    online_store: Annotated[bool, Field(description="Also keep an online store.")]
    athena_workgroup: Annotated[str, Field(description="Athena workgroup that reads the offline store."),
                                _workgroup]
    # H12b: the offline store's table format (fixed when the group is created) and its compaction.
    table_format: Annotated[Literal["Iceberg", "Glue"], Field(
        title="table format",
        description="Offline store table format of a new feature group: {choices}; fixed at creation "
                    "(an existing group keeps its own).")] = "Iceberg"
    compaction_schedule: Annotated[ScheduleExpression, Field(
        description="When Athena compacts an Iceberg offline store (OPTIMIZE ... REWRITE DATA USING BIN_PACK), "
                    "a Scheduler cron(...) or rate(...) in schedule.timezone; 'off' for never.")] = "cron(0 3 * * ? *)"
    vacuum_schedule: Annotated[ScheduleExpression, Field(
        description="When Athena runs VACUUM (expire snapshots, remove orphan files) on an Iceberg offline store; "
                    "'off' for never; must differ from compaction_schedule.")] = "cron(0 5 * * ? *)"

    @model_validator(mode="after")
    def _maintenance_apart(self) -> FeatureStoreSection:
        if self.compaction_schedule and self.compaction_schedule == self.vacuum_schedule:
            raise problem(f"{self.vacuum_schedule!r} equals compaction_schedule",
                          "run VACUUM at another time: two commits at once to one Iceberg table conflict",
                          "vacuum_schedule")
        return self
