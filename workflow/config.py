"""The typed model of config.yaml: every key declared once.

Each key is one pydantic field carrying its type, default, bounds (``Field``)
and description. That one declaration drives validation, the README's config
reference (``describe_keys``) and the check that config.yaml sets every key.
Rules beyond type and bounds are validators next to their field; the AWS
naming rules they apply live in ``workflow.rules``. ``load_config`` turns the
YAML file into a ``PipelineConfig`` or raises ``ConfigError`` with one line:
``<file>: <key.path>: <what is wrong>; <what is accepted>``
(``workflow.config_schema`` words pydantic's errors that way and
renders the reference).

This module is for the deploy side only: pydantic never enters the Lambda zip,
and nothing in ``steps/`` imports it. Nothing here talks to AWS.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from steps import task_types as step_task_types
from steps.naming import prefix_problem
from workflow import ground_truth as gt
from workflow import polling as poll
from workflow import task_types
from workflow.config_schema import (
    ConfigError,
    describe_fields,
    first_error,
    range_of,
    read_yaml,
    shown,
)
from workflow.rules import arn, s3, tags
from workflow.rules import ci as ci_rules
from workflow.rules.schedule import (
    SCHEDULE_FORMS,
    is_off,
    schedule_expression_problem,
    timezone_problem,
)

__all__ = [
    "PIPELINE_NAME_MAX",
    "ConfigError",
    "JobSection",
    "PipelineConfig",
    "PollingSection",
    "config_to_dict",
    "describe_keys",
    "load_config",
    "replace",
    "schedule_expression_problem",
]

# --------------------------------------------------------------------------
# Limits that are ours (the AWS ones live in workflow.ground_truth and workflow.rules)
# --------------------------------------------------------------------------
PIPELINE_NAME_MAX = 40  # + the longest resource suffix stays within IAM/Lambda's 64
PIPELINE_NAME_PATTERN = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*$")
MAX_IMAGES_PER_RUN_MAX = 100_000
POLL_MAX_INTERVAL_MAX = 86_400
# Two Ground Truth jobs running their 30-day maximum may use this share of the history.
HISTORY_BUDGET_SHARE = 0.6
HISTORY_BUDGET_JOBS = 2
LABEL_CATEGORY_MAX_LENGTH = 128  # ours: Ground Truth documents no limit; keeps the UI readable
IMAGE_EXTENSION_PATTERN = re.compile(r"^\.[a-z0-9]{1,10}$")
FEATURE_GROUP_PATTERN = re.compile(r"^[a-zA-Z0-9]([_-]*[a-zA-Z0-9]){0,63}$")
ATHENA_WORKGROUP_PATTERN = re.compile(r"^[a-zA-Z0-9._-]{1,128}$")
_WORKFORCE_KINDS = {"private": "private-crowd", "vendor": "vendor-crowd", "public": "public-crowd"}
_LABEL_ATTRIBUTE_RULE = ("use 1-127 letters, digits and hyphens, starting and ending with a letter or digit, "
                         "not ending with '-metadata' and not 'source-ref'")


def problem(wrong: str, accepted: str, *at: str | int) -> PydanticCustomError:
    """A rule's error: ``at`` extends the key path of the value being validated."""
    return PydanticCustomError("config", "{wrong}; {accepted}", {"wrong": wrong, "accepted": accepted, "at": at})


def note(text: str) -> dict[str, Any]:
    """Field(json_schema_extra=...) that adds ``text`` to the accepted range in errors."""
    return {"range_note": text}


class _Section(BaseModel):
    """A config section: strict YAML types, no unknown keys, immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _null_means_defaults(cls, data: Any) -> Any:
        """`iam:` with every key commented out reads as null: take the defaults."""
        if data is None and not any(field.is_required() for field in cls.model_fields.values()):
            return {}
        return data


def _as_tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value  # YAML lists; strict tuples take only tuples


StrList = Annotated[tuple[str, ...], BeforeValidator(_as_tuple)]


# --------------------------------------------------------------------------
# Rules on one value
# --------------------------------------------------------------------------
def _pipeline_name(name: str) -> str:
    if not PIPELINE_NAME_PATTERN.match(name):
        raise problem(f"{name!r} cannot name the state machine and prefix IAM role and Lambda function names",
                      "use letters, digits and single hyphens, starting with a letter and ending with a letter or digit")
    return name


def _region(region: str) -> str:
    if region not in gt.SUPPORTED_REGIONS:
        raise problem(f"{region!r} has no Ground Truth built-in task Lambdas",
                      f"use one of: {', '.join(sorted(gt.SUPPORTED_REGIONS))}")
    return region


def _job_name_prefix(prefix: str) -> str:
    wrong = prefix_problem(prefix)
    if wrong:
        raise problem(f"{prefix!r} {wrong}", "use 1-24 letters, digits and hyphens, starting and ending with a letter or digit")
    return prefix


def _null_is_empty(value: Any) -> Any:
    return {} if value is None else value


def _null_is_no_reasons(value: Any) -> Any:
    """labeling.unlabelable_reasons: null (or an empty YAML key) is no extra reason."""
    return () if value is None else value


def _tags(values: dict[str, str]) -> dict[str, str]:
    for key, value in values.items():
        found = tags.tag_problem(key, value, shown)
        if found:
            raise problem(*found, key)
    return values


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


def _kms_arn(value: str | None) -> str | None:
    if value is not None and arn.kms_key_region(value) is None:
        raise problem(f"{shown(value)} is not a KMS key or alias ARN", f"use {arn.KMS_ARN_FORM}, or null")
    return value


def _feature_group(name: str) -> str:
    if not FEATURE_GROUP_PATTERN.match(name):
        raise problem(f"{name!r} breaks the feature group name rule",
                      "use 1-64 letters and digits, single or repeated '-'/'_' between them (^[a-zA-Z0-9]([_-]*[a-zA-Z0-9]){0,63}$)")
    return name


def _workgroup(name: str) -> str:
    if not ATHENA_WORKGROUP_PATTERN.match(name):
        raise problem(f"{name!r} is not a workgroup name", "use 1-128 letters, digits, '.', '_' or '-'")
    return name


def _names(items: tuple[str, ...]) -> tuple[str, ...]:
    """Unique, non-empty, trimmed one-line display names (categories, choices)."""
    for index, item in enumerate(items):
        if not item.strip() or item != item.strip() or "\n" in item:
            raise problem(f"{item!r} is empty or has surrounding whitespace", "use a non-empty, trimmed one-line name", index)
        if len(item) > LABEL_CATEGORY_MAX_LENGTH:
            raise problem(f"is {len(item)} characters long", f"use at most {LABEL_CATEGORY_MAX_LENGTH}", index)
        if item in items[:index]:
            raise problem(f"{item!r} is listed twice", "list each entry once", index)
    return items


def _label_attribute(attr: str) -> str:
    if len(attr) > gt.LABEL_ATTRIBUTE_MAX or not gt.LABEL_ATTRIBUTE_PATTERN.match(attr):
        raise problem(f"{attr!r} breaks Ground Truth's LabelAttributeName rule", _LABEL_ATTRIBUTE_RULE)
    if attr.endswith(gt.LABEL_ATTRIBUTE_FORBIDDEN_SUFFIX):
        raise problem(f"{attr!r} ends with '-metadata', which Ground Truth reserves", _LABEL_ATTRIBUTE_RULE)
    if attr in ("source-ref", "source"):
        raise problem(f"{attr!r} is the input manifest's own key", _LABEL_ATTRIBUTE_RULE)
    return attr


def _display_text(text: str, info: ValidationInfo) -> str:
    low, high = range_of(JobSection.model_fields[str(info.field_name)])
    if not text.strip():
        raise problem("is blank", f"use {low}-{high} characters")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        raise problem("contains control characters", f"use {low}-{high} printable characters")
    return text


def _keywords(words: tuple[str, ...]) -> tuple[str, ...]:
    for index, word in enumerate(words):
        if len(word) > gt.TASK_KEYWORD_MAX_LENGTH or not gt.TASK_KEYWORD_PATTERN.match(word):
            raise problem(f"{word!r} is not an allowed keyword",
                          f"use 1-{gt.TASK_KEYWORD_MAX_LENGTH} letters and digits, words separated by single spaces", index)
    return words


def _template_file(value: Any, info: ValidationInfo) -> Any:
    """A path relative to the config file's folder that names an existing file."""
    if not isinstance(value, str):
        return value  # strict Path validation reports the wrong type
    folder = Path((info.context or {}).get("folder", "."))
    template = (folder / value).resolve()
    if not template.is_file():
        raise problem(f"{value!r} resolves to {template}, which is not a file",
                      "give the path of the worker UI template relative to the config file's folder")
    return template


def _workteam_arn(value: str | None) -> str | None:
    if value is not None and arn.workteam(value) is None:
        raise problem(f"{shown(value)} is not a workteam ARN", f"use {arn.WORKTEAM_ARN_FORM}")
    return value


def _off_is_null(value: Any) -> Any:
    return None if is_off(value) else value


def _expression(expression: str | None) -> str | None:
    wrong = None if expression is None else schedule_expression_problem(expression)
    if wrong:
        raise problem(f"{shown(expression)} {wrong}", SCHEDULE_FORMS)
    return expression


def _timezone(name: str) -> str:
    wrong = timezone_problem(name)
    if wrong:
        raise problem(wrong, "use an IANA name such as UTC or Europe/Berlin")
    return name


def _branch(branch: str) -> str:
    wrong = ci_rules.branch_problem(branch)
    if wrong:
        raise problem(wrong, ci_rules.BRANCH_RULE)
    return branch


def _role_arn(value: str | None) -> str | None:
    if value is not None and not arn.is_role_arn(value):
        raise problem(f"{shown(value)} is not an IAM role ARN", f"use {arn.ROLE_ARN_FORM}, or null to create the role")
    return value


RoleArn = Annotated[str | None, AfterValidator(_role_arn)]


# --------------------------------------------------------------------------
# The sections, one field per key ({range}, {min}, {max}, {choices} in a description come from the field)
# --------------------------------------------------------------------------
class PipelineSection(_Section):
    name: Annotated[str, Field(
        min_length=1, max_length=PIPELINE_NAME_MAX,
        json_schema_extra=note(": it prefixes IAM role and Lambda function names, "
                               "which allow 64 characters including the pipeline's suffixes"),
        description="State machine name and prefix of every resource the deployer creates "
                    "({range} letters, digits, hyphens; starts with a letter)."), AfterValidator(_pipeline_name)]
    region: Annotated[str, Field(
        description="AWS region; one of the 12 regions with Ground Truth's built-in task Lambdas."), AfterValidator(_region)]
    job_name_prefix: Annotated[str, Field(
        description="Start of every Ground Truth job name (1-24 letters, digits, hyphens)."), AfterValidator(_job_name_prefix)]
    tags: Annotated[dict[str, str], BeforeValidator(_null_is_empty), Field(
        max_length=gt.MAX_TAGS, title="tag",
        description="Tags on every resource and labeling job (keys 1-128, values 0-256 characters, no aws: prefix, "
                    "at most {max})."), AfterValidator(_tags)] = {}


class StorageSection(_Section):
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
        description="KMS key or alias ARN for everything the pipeline writes; null for SSE-S3."), AfterValidator(_kms_arn)] = None
    listing: Annotated[Literal["auto", "inventory", "list"], Field(
        description="Where the image list comes from: 'inventory' (the newest daily S3 Inventory report, queried "
                    "in Athena), 'list' (ListObjectsV2 in the check Lambda, for small buckets), 'auto' (the "
                    "inventory once a report exists, else listing).")] = "auto"


class FeatureStoreSection(_Section):
    feature_group_name: Annotated[str, Field(
        description="Feature group with one record per image (1-64 letters, digits, '-', '_')."), AfterValidator(_feature_group)]
    offline_store_prefix: Annotated[str, Field(
        description="Key prefix of the offline store inside storage.bucket; no leading '/'."), AfterValidator(_prefix)]
    online_store: Annotated[bool, Field(description="Also keep an online store.")]
    athena_workgroup: Annotated[str, Field(description="Athena workgroup that reads the offline store."),
                                AfterValidator(_workgroup)]
    # H12b: the offline store's table format (fixed when the group is created) and its compaction.
    table_format: Annotated[Literal["Iceberg", "Glue"], Field(
        title="table format",
        description="Offline store table format of a new feature group: {choices}; fixed at creation "
                    "(an existing group keeps its own).")] = "Iceberg"
    compaction_schedule: Annotated[str | None, BeforeValidator(_off_is_null), Field(
        description="When Athena compacts an Iceberg offline store (OPTIMIZE ... REWRITE DATA USING BIN_PACK), "
                    "a Scheduler cron(...) or rate(...) in schedule.timezone; 'off' for never."),
        AfterValidator(_expression)] = "cron(0 3 * * ? *)"
    vacuum_schedule: Annotated[str | None, BeforeValidator(_off_is_null), Field(
        description="When Athena runs VACUUM (expire snapshots, remove orphan files) on an Iceberg offline store; "
                    "'off' for never; must differ from compaction_schedule."),
        AfterValidator(_expression)] = "cron(0 5 * * ? *)"

    @model_validator(mode="after")
    def _maintenance_apart(self) -> FeatureStoreSection:
        if self.compaction_schedule and self.compaction_schedule == self.vacuum_schedule:
            raise problem(f"{self.vacuum_schedule!r} equals compaction_schedule",
                          "run VACUUM at another time: two commits at once to one Iceberg table conflict",
                          "vacuum_schedule")
        return self


class LabelsSection(_Section):
    task_type: Annotated[Literal["bounding_box", "semantic_segmentation", "image_classification",
                                 "multilabel_image_classification"], Field(
        title="task type",
        description="What workers label: bounding_box (boxes), semantic_segmentation (a mask PNG per image), "
                    "image_classification (one class per image) or multilabel_image_classification (any number "
                    "of classes per image). Classification has no verification job: the verification section is "
                    "ignored (a note at deploy) and labels.min_confidence decides APPROVED or REJECTED.")] = "bounding_box"
    categories: Annotated[StrList, Field(
        min_length=1, max_length=gt.BOUNDING_BOX_MAX_CATEGORIES, title="category",
        description="Classes workers mark ({range}, unique; classification: at most "
                    f"{gt.CLASSIFIER_MAX_CATEGORIES} with labels.none_category)."), AfterValidator(_names)]
    none_category: Annotated[str, Field(
        min_length=1, max_length=LABEL_CATEGORY_MAX_LENGTH,
        description="Classification only: the answer for an image showing none of the categories (single label: "
                    "one more class after the categories; multi-label: the 'none of these' option).")] = "no defect"
    min_confidence: Annotated[float, Field(
        ge=0.0, le=1.0,
        description="Classification only: the lowest consolidated confidence that counts as APPROVED ({range}); "
                    "below it the image is REJECTED and labeled again next run. Ground Truth reports 0.0 when one "
                    "worker labels an image, so a minimum above 0 needs labeling.workers_per_object of 2 or more.")] = 0.0


class JobSection(_Section):
    """Settings shared by the labeling and the verification job."""

    label_attribute: Annotated[str, Field(
        description="Key of this job's answer in the output manifest; letters, digits, hyphens; "
                    "must not end with -metadata. Ground Truth requires '-ref' at the end of a semantic "
                    "segmentation labeling job's key (appended when missing) and refuses it elsewhere."),
        AfterValidator(_label_attribute)]
    title: Annotated[str, Field(
        min_length=1, max_length=gt.TASK_TITLE_MAX,
        description="Task title shown to workers ({range} characters)."), AfterValidator(_display_text)]
    description: Annotated[str, Field(
        min_length=1, max_length=gt.TASK_DESCRIPTION_MAX,
        description="Task description shown to workers ({range} characters)."), AfterValidator(_display_text)]
    keywords: Annotated[StrList, Field(
        min_length=gt.TASK_KEYWORDS_MIN, max_length=gt.TASK_KEYWORDS_MAX, title="keyword",
        description=f"{{range}} keywords (letters, digits, single spaces; at most {gt.TASK_KEYWORD_MAX_LENGTH} "
                    "characters each)."), AfterValidator(_keywords)]
    instructions_template: Annotated[Path, BeforeValidator(_template_file), Field(
        description="Worker UI template (Liquid/HTML), relative to the config file's folder; must exist; null: the "
                    "shipped template for labels.task_type (workflow/assets/).")]
    workers_per_object: Annotated[int, Field(
        ge=gt.WORKERS_PER_OBJECT_MIN, le=gt.WORKERS_PER_OBJECT_MAX,
        description="Workers who label each image ({range}).")]
    task_time_limit_seconds: Annotated[int, Field(
        ge=gt.TASK_TIME_LIMIT_MIN, le=gt.TASK_TIME_LIMIT_MAX,
        json_schema_extra=note(" (8 h: Ground Truth's maximum for image tasks)"),
        description="Time a worker has for one image ({range}).")]
    task_availability_lifetime_seconds: Annotated[int, Field(
        ge=gt.TASK_AVAILABILITY_MIN, le=gt.TASK_AVAILABILITY_MAX_PRIVATE, json_schema_extra=note(" (30 days)"),
        description=f"Time a task waits for a worker ({{range}}; at most {gt.TASK_AVAILABILITY_MAX_PUBLIC} "
                    "for the public workforce).")]
    max_concurrent_tasks: Annotated[int, Field(
        ge=gt.MAX_CONCURRENT_TASKS_MIN, le=gt.MAX_CONCURRENT_TASKS_MAX,
        description="Images in front of workers at once ({range}; above 1000 needs an AWS quota increase).")]


class LabelingSection(JobSection):
    max_images_per_run: Annotated[int, Field(
        ge=1, le=MAX_IMAGES_PER_RUN_MAX,
        description="Images sent to one labeling job ({range}); the rest is reported as backlog.")] = 1000
    unlabelable_reasons: Annotated[StrList, BeforeValidator(_null_is_no_reasons), Field(
        title="reason fragment",
        description="Fragments (case-insensitive) of a labeling output line's failure-reason that mean the image "
                    "itself cannot be labeled: recorded UNLABELABLE and not sent again until the object is replaced. "
                    "Real Ground Truth's wording is undocumented: add it once seen. Reasons about the task "
                    "(expired, access denied, not found) are always retried.")] = ()


class VerificationSection(JobSection):
    choices: Annotated[StrList, Field(
        min_length=2, max_length=gt.BOUNDING_BOX_MAX_CATEGORIES, title="choice",
        description="Verdicts workers choose from (at least {min}, unique); the first means 'label correct'. "
                    "The verification section applies to bounding_box and semantic_segmentation; classification "
                    "has no verification job and ignores it (labels.min_confidence decides instead)."),
        AfterValidator(_names)]
    on_reject: Annotated[Literal["relabel", "adjust"], Field(
        title="on_reject",
        description="What the next run does with an image whose newest verdict is REJECTED: 'relabel' (a new "
                    "labeling job draws it again) or 'adjust' (a built-in adjustment job shows workers the rejected "
                    "boxes or mask to correct, in parallel with the labeling job for new images, with the labeling "
                    "section's settings; bounding_box and semantic_segmentation only).")] = "relabel"


class WorkforceSection(_Section):
    type: Annotated[Literal["private", "vendor", "public"], Field(
        title="workforce type",
        description="private (your workteam), vendor (Marketplace vendor) or public "
                    "(Mechanical Turk: strangers see the images).")]
    workteam_arn: Annotated[str | None, Field(
        description="Workteam ARN in pipeline.region; may be null only for type public (the region's public crowd)."),
        AfterValidator(_workteam_arn)] = None
    public_task_price_usd: Annotated[float | None, Field(
        description="Price per task in USD, only and required for type public; one of Ground Truth's allowed prices.")] = None

    @model_validator(mode="after")
    def _type_price_and_team_agree(self) -> WorkforceSection:
        kind, price = self.type, self.public_task_price_usd
        if kind != "public" and price is not None:
            raise problem(f"is {price} but workforce.type is {kind}",
                          "set it to null; a price applies only to the public workforce", "public_task_price_usd")
        if kind == "public":
            allowed = ", ".join(f"{p:.3f}" for p in gt.ALLOWED_PUBLIC_PRICES_USD)
            if price is None:
                raise problem("is missing; the public workforce needs a price per task", f"use one of (USD): {allowed}",
                              "public_task_price_usd")
            if not gt.is_allowed_public_price(price):
                near = " or ".join(f"{p:.3f}" for p in gt.nearest_public_prices(price))
                raise problem(f"{price} USD is not an allowed price", f"nearest allowed: {near}; all allowed (USD): {allowed}",
                              "public_task_price_usd")
        if self.workteam_arn is None:
            if kind != "public":
                raise problem(f"is missing; a {kind} workforce needs its workteam", f"use {arn.WORKTEAM_ARN_FORM}",
                              "workteam_arn")
            return self
        team = arn.workteam(self.workteam_arn)
        if team and team["kind"] != _WORKFORCE_KINDS[kind]:
            raise problem(f"is a {team['kind']} workteam but workforce.type is {kind}",
                          f"use a workteam/{_WORKFORCE_KINDS[kind]}/... ARN or change workforce.type", "workteam_arn")
        return self


class PollingSection(_Section):
    first_interval_seconds: Annotated[int, Field(
        ge=1, le=POLL_MAX_INTERVAL_MAX, description="First wait before checking a running job ({range}).")]
    growth: Annotated[float, Field(
        ge=1.0, le=10.0, description="Factor applied to the wait after each check ({range}).")]
    max_interval_seconds: Annotated[int, Field(
        description=f"Largest wait (first_interval_seconds-{POLL_MAX_INTERVAL_MAX}); must keep two 30-day jobs within "
                    f"{HISTORY_BUDGET_SHARE:.0%} of the {poll.EXECUTION_HISTORY_LIMIT:,}-event history.")]

    @model_validator(mode="after")
    def _fits_the_history(self) -> PollingSection:
        first, growth, cap = self.first_interval_seconds, self.growth, self.max_interval_seconds
        if not first <= cap <= POLL_MAX_INTERVAL_MAX:
            raise problem(f"is {cap}", f"use polling.first_interval_seconds ({first}) to {POLL_MAX_INTERVAL_MAX}",
                          "max_interval_seconds")
        try:
            poll.wait_schedule(self)
        except ValueError:
            raise problem(f"{growth} needs more than {poll.MAX_WAIT_STEPS} waits to grow from {first}s to {cap}s",
                          "use a larger growth, a larger first interval or a smaller max interval", "growth") from None
        budget = math.floor(HISTORY_BUDGET_SHARE * poll.EXECUTION_HISTORY_LIMIT)
        per_job = poll.events_for(gt.JOB_MAX_DURATION_SECONDS, self)
        if HISTORY_BUDGET_JOBS * per_job > budget:
            minimum = poll.min_max_interval(self, gt.JOB_MAX_DURATION_SECONDS, HISTORY_BUDGET_JOBS, budget)
            fix = (f"raise it to at least {minimum}" if minimum is not None and minimum <= POLL_MAX_INTERVAL_MAX
                   else "raise first_interval_seconds or growth")
            raise problem(f"{cap} makes two 30-day Ground Truth jobs cost {HISTORY_BUDGET_JOBS * per_job} history events, "
                          f"over {budget} ({HISTORY_BUDGET_SHARE:.0%} of the {poll.EXECUTION_HISTORY_LIMIT} limit)", fix,
                          "max_interval_seconds")
        return self


class ScheduleSection(_Section):
    expression: Annotated[str | None, BeforeValidator(_off_is_null), Field(
        description="EventBridge Scheduler cron(...), rate(...) or at(...); null or 'off' to run only on demand."),
        AfterValidator(_expression)] = None
    timezone: Annotated[str, Field(description="IANA time zone of the schedule expression."),
                        AfterValidator(_timezone)] = "UTC"


class ObservabilitySection(_Section):
    log_level: Annotated[Literal["ALL", "ERROR", "FATAL", "OFF"], Field(
        title="log level",
        description="Step Functions execution log level in CloudWatch Logs: {choices} "
                    "(execution data is never logged).")] = "ERROR"
    tracing: Annotated[bool, Field(
        description="X-Ray tracing of the state machine and its three Lambda functions.")] = True


def _artifact_location(value: str | None) -> str | None:
    if value is None:
        return None
    bucket, _, prefix = value.removeprefix("s3://").partition("/")
    wrong = None if value.startswith("s3://") else "does not start with s3://"
    wrong = wrong or s3.bucket_problem(bucket)
    if wrong is None and prefix:
        found = s3.prefix_problem(prefix if prefix.endswith("/") else prefix + "/")
        wrong = found[0] if found else None
    if wrong:
        raise problem(f"{shown(value)} {wrong}", "use s3://<bucket>/<prefix>/ (or null: <work_prefix>builds/ in storage.bucket)")
    return value if value.endswith("/") else value + "/"


class CiSection(_Section):
    """CodeBuild on commit (publish.codebuild): off unless enabled."""

    enabled: Annotated[bool, Field(
        description="Create a CodeBuild project that runs buildspec.yml (tests, dry run, deploy) on every push "
                    "to ci.branch.")] = False
    source: Annotated[Literal["github", "codecommit", "bitbucket"], Field(
        title="source", description="Where the repository is: {choices}.")] = "github"
    repository_url: Annotated[str | None, Field(
        description="The repository's HTTPS clone URL (https://github.com/<owner>/<repo>.git, "
                    "https://git-codecommit.<region>.amazonaws.com/v1/repos/<repo>, "
                    "https://bitbucket.org/<workspace>/<repo>.git); required when enabled.")] = None
    branch: Annotated[str, Field(
        min_length=1, max_length=255, description="The branch whose pushes start a build."), AfterValidator(_branch)] = "main"
    compute_type: Annotated[Literal[ci_rules.COMPUTE_TYPES], Field(  # type: ignore[valid-type]
        title="compute type", description="CodeBuild compute type: {choices}.")] = "BUILD_GENERAL1_SMALL"
    artifact_location: Annotated[str | None, Field(
        description="Where each build's rendered dry run (build/) is kept: s3://<bucket>/<prefix>/; null: "
                    "<work_prefix>builds/ in storage.bucket."), AfterValidator(_artifact_location)] = None

    @model_validator(mode="after")
    def _repository_fits_the_source(self) -> CiSection:
        if self.repository_url is None:
            if self.enabled:
                raise problem("is missing; ci.enabled needs the repository", f"use {ci_rules.URL_FORMS[self.source]}",
                              "repository_url")
            return self
        wrong = ci_rules.repository_problem(self.source, self.repository_url)
        if wrong:
            raise problem(wrong, f"use {ci_rules.URL_FORMS[self.source]} (ci.source is {self.source})", "repository_url")
        return self


class IamSection(_Section):
    state_machine_role_arn: Annotated[RoleArn, Field(description="Existing role for the state machine (null: create).")] = None
    lambda_role_arn: Annotated[RoleArn, Field(
        description="Existing role for all three Lambda functions (null: create one least-privilege role per function).")] = None
    ground_truth_role_arn: Annotated[RoleArn, Field(description="Existing role for the labeling jobs (null: create).")] = None
    feature_store_role_arn: Annotated[RoleArn, Field(
        description="Existing role Feature Store uses to write the offline store (null: create).")] = None
    scheduler_role_arn: Annotated[RoleArn, Field(description="Existing role for the schedule (null: create).")] = None


class PipelineConfig(_Section):
    """The whole config; ``source`` is the file it was loaded from (not a key)."""

    pipeline: PipelineSection
    storage: StorageSection
    feature_store: FeatureStoreSection
    labels: LabelsSection
    labeling: LabelingSection
    verification: VerificationSection
    workforce: WorkforceSection
    polling: PollingSection
    schedule: ScheduleSection
    observability: ObservabilitySection
    iam: IamSection
    ci: CiSection = CiSection()
    source: Path = Field(exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _source_from_context(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and info.context and "source" in info.context:
            if "source" in data:
                raise problem("is not a known key", f"allowed here: {', '.join(SECTIONS)}", "source")
            return {**data, "source": info.context["source"]}
        return data

    @model_validator(mode="before")
    @classmethod
    def _task_type_defaults(cls, data: Any) -> Any:
        """What labels.task_type implies before the sections are read: a null instructions_template is
        the shipped template for the task type, and a semantic segmentation label attribute gets
        Ground Truth's required '-ref' suffix (so switching task_type alone works)."""
        if not isinstance(data, dict):
            return data
        labels = data.get("labels")
        task_type = labels.get("task_type", "bounding_box") if isinstance(labels, dict) else "bounding_box"
        if task_type not in task_types.SPECS:
            return data  # the field reports it
        spec = task_types.SPECS[task_type]
        data = dict(data)
        for kind in ("labeling", "verification"):
            section = data.get(kind)
            if isinstance(section, dict) and "instructions_template" in section and section["instructions_template"] is None:
                template = spec.template(kind) if kind == "labeling" or spec.verification else \
                    task_types.SPECS["bounding_box"].template(kind)  # ignored: no verification job
                data[kind] = {**section, "instructions_template": str(template)}
        section = data.get("labeling")
        if task_type == "semantic_segmentation" and isinstance(section, dict):
            attribute = section.get("label_attribute")
            if isinstance(attribute, str) and attribute and not attribute.endswith(task_types.REF_SUFFIX):
                data["labeling"] = {**section, "label_attribute": attribute + task_types.REF_SUFFIX}
        return data

    @field_validator("storage")
    @classmethod
    def _key_in_the_region(cls, storage: StorageSection, info: ValidationInfo) -> StorageSection:
        region = info.data["pipeline"].region if "pipeline" in info.data else None
        key_region = arn.kms_key_region(storage.kms_key_arn) if storage.kms_key_arn else None
        if region and key_region and key_region != region:
            raise problem(f"the key is in {key_region!r}, not in pipeline.region {region!r}",
                          "use a key in the pipeline's region (S3 and Ground Truth need it there)", "kms_key_arn")
        return storage

    @field_validator("workforce")
    @classmethod
    def _team_in_the_region(cls, workforce: WorkforceSection, info: ValidationInfo) -> WorkforceSection:
        if "pipeline" not in info.data:
            return workforce
        region = info.data["pipeline"].region
        public = gt.public_workteam_arn(region)
        if workforce.workteam_arn is None:  # only the public workforce may leave it out
            return workforce.model_copy(update={"workteam_arn": public})
        team = arn.workteam(workforce.workteam_arn)
        if team and team["region"] != region:
            raise problem(f"the workteam is in {team['region']!r}, not in pipeline.region {region!r}",
                          "use a workteam in the pipeline's region", "workteam_arn")
        if workforce.type == "public" and workforce.workteam_arn != public:
            raise problem(f"{shown(workforce.workteam_arn)} is not the public workforce", f"use {public} or null",
                          "workteam_arn")
        return workforce

    @field_validator("ci")
    @classmethod
    def _repository_in_the_region(cls, ci: CiSection, info: ValidationInfo) -> CiSection:
        region = info.data["pipeline"].region if "pipeline" in info.data else None
        repo_region = ci_rules.codecommit_region(ci.repository_url or "") if ci.source == "codecommit" else None
        if region and repo_region and repo_region != region:
            raise problem(f"the repository is in {repo_region!r}, not in pipeline.region {region!r}",
                          "use a repository in the pipeline's region (CodeBuild and the push rule live there)",
                          "repository_url")
        return ci

    @model_validator(mode="after")
    def _jobs_fit_the_workforce(self) -> PipelineConfig:
        if self.verification.label_attribute == self.labeling.label_attribute:
            raise problem(f"{self.verification.label_attribute!r} equals labeling.label_attribute",
                          "use a different name: Ground Truth requires a verification job to write a new attribute",
                          "verification", "label_attribute")
        _adjustment_fits(self)
        _task_type_fits(self)
        if self.workforce.type == "public":
            low, _ = range_of(JobSection.model_fields["task_availability_lifetime_seconds"])
            for section in ("labeling", "verification"):
                lifetime = getattr(self, section).task_availability_lifetime_seconds
                if lifetime > gt.TASK_AVAILABILITY_MAX_PUBLIC:
                    raise problem(f"is {lifetime}",
                                  f"use {low} to {gt.TASK_AVAILABILITY_MAX_PUBLIC} (12 h: the public workforce's maximum)",
                                  section, "task_availability_lifetime_seconds")
        return self


def _task_type_fits(cfg: PipelineConfig) -> None:
    """The rules labels.task_type adds: -ref attributes, category counts, confidence, the template's element."""
    task_type, labels = cfg.labels.task_type, cfg.labels
    spec = task_types.spec(task_type)
    if task_type != "semantic_segmentation" and cfg.labeling.label_attribute.endswith(task_types.REF_SUFFIX):
        raise problem(f"{cfg.labeling.label_attribute!r} ends with '-ref', which Ground Truth reserves for "
                      "semantic segmentation", f"use a name without '-ref' for labels.task_type {task_type}",
                      "labeling", "label_attribute")
    if spec.verification and cfg.verification.label_attribute.endswith(task_types.REF_SUFFIX):
        raise problem(f"{cfg.verification.label_attribute!r} ends with '-ref', which a verification job must not",
                      "use a name without '-ref'", "verification", "label_attribute")
    if task_type in step_task_types.CLASSIFICATION_TYPES:
        if labels.none_category in labels.categories:
            raise problem(f"{labels.none_category!r} is also one of labels.categories",
                          "use an answer that is not a category, e.g. 'no defect'", "labels", "none_category")
        answers = len(labels.categories) + (task_type == "image_classification")
        if answers > gt.CLASSIFIER_MAX_CATEGORIES:
            raise problem(f"has {len(labels.categories)} classes, {answers} answers with labels.none_category",
                          f"use at most {gt.CLASSIFIER_MAX_CATEGORIES} answers (crowd-image-classifier's limit) for "
                          f"labels.task_type {task_type}", "labels", "categories")
        if labels.min_confidence > 0 and cfg.labeling.workers_per_object == 1:
            raise problem(f"is {labels.min_confidence} but labeling.workers_per_object is 1, and Ground Truth reports "
                          "confidence 0.0 for one worker, so every image would be REJECTED",
                          "use 0.0, or labeling.workers_per_object 2 or more", "labels", "min_confidence")
    _template_fits(cfg, "labeling", spec.element, spec.element_name)
    if spec.verification:
        _template_fits(cfg, "verification", "crowd-image-classifier", None)


def _template_fits(cfg: PipelineConfig, kind: str, element: str, name: str | None) -> None:
    """The template has the crowd element (with the name) the task type's built-in consolidation reads."""
    path = getattr(cfg, kind).instructions_template
    text = path.read_text(encoding="utf-8", errors="replace")
    tags = re.findall(rf"<{re.escape(element)}(?=[\s>/])[^>]*>", text)
    named = [tag for tag in tags if name is None or re.search(rf"\bname\s*=\s*[\"']{re.escape(name)}[\"']", tag)]
    if not named:
        wanted = f'<{element} name="{name}">' if name else f"<{element}>"
        raise problem(f"{path.name} has no {wanted}, which labels.task_type {cfg.labels.task_type} needs (its "
                      "built-in consolidation reads the answer there)",
                      f"use null for the shipped template ({task_types.spec(cfg.labels.task_type).template(kind).name}) "
                      "or keep that element and name", kind, "instructions_template")


# Task types (labels.task_type) with a built-in adjustment job (sms-data-verify-start-api, "Bounding Box and
# Semantic Segmentation": AdjustmentBoundingBox, AdjustmentSemanticSegmentation); classification has none.
ADJUSTABLE_TASK_TYPES = ("bounding_box", "semantic_segmentation")
ADJUSTMENT_ATTRIBUTE_SUFFIX = "-adjusted"


def adjustment_attribute(label_attribute: str) -> str:
    """The adjustment job's LabelAttributeName: Ground Truth requires one other than the adjusted label's.

    A semantic segmentation label attribute ends with ``-ref``, and so must its adjustment job's
    (CreateLabelingJob, LabelAttributeName: "Image semantic segmentation (SemanticSegmentation) and
    adjustment (AdjustmentSemanticSegmentation) labeling jobs" must end with "-ref"): ``scratch-ref``
    gives ``scratch-adjusted-ref``, ``scratch-boxes`` gives ``scratch-boxes-adjusted``.
    """
    base = label_attribute.removesuffix(task_types.REF_SUFFIX)
    ref = task_types.REF_SUFFIX if base != label_attribute else ""
    return base + ADJUSTMENT_ATTRIBUTE_SUFFIX + ref


def _adjustment_fits(cfg: PipelineConfig) -> None:
    """verification.on_reject: adjust needs a task type with an adjustment job and room for its attribute."""
    if cfg.verification.on_reject != "adjust":
        return
    task_type = getattr(cfg.labels, "task_type", "bounding_box")
    if task_type not in ADJUSTABLE_TASK_TYPES:
        raise problem(f"'adjust' does not apply to labels.task_type {task_type!r}: Ground Truth has no adjustment "
                      "job for it",
                      f"use 'relabel', or labels.task_type {' or '.join(ADJUSTABLE_TASK_TYPES)}",
                      "verification", "on_reject")
    attribute = adjustment_attribute(cfg.labeling.label_attribute)
    if len(attribute) > gt.LABEL_ATTRIBUTE_MAX:
        tail = attribute[len(cfg.labeling.label_attribute.removesuffix(task_types.REF_SUFFIX)):]  # -adjusted[-ref]
        raise problem(f"is {len(cfg.labeling.label_attribute)} characters, too long for the adjustment job's "
                      f"attribute {attribute[:20]}...{tail}",
                      f"use at most {gt.LABEL_ATTRIBUTE_MAX - len(ADJUSTMENT_ATTRIBUTE_SUFFIX)} characters with "
                      "verification.on_reject: adjust", "labeling", "label_attribute")
    # Three jobs are polled (labeling and adjustment side by side, then verification): they must fit the
    # history budget that two jobs must fit with on_reject relabel (PollingSection._fits_the_history).
    budget = math.floor(HISTORY_BUDGET_SHARE * poll.EXECUTION_HISTORY_LIMIT)
    events = (HISTORY_BUDGET_JOBS + 1) * poll.events_for(gt.JOB_MAX_DURATION_SECONDS, cfg.polling)
    if events > budget:
        minimum = poll.min_max_interval(cfg.polling, gt.JOB_MAX_DURATION_SECONDS, HISTORY_BUDGET_JOBS + 1, budget)
        fix = (f"raise polling.max_interval_seconds to at least {minimum}"
               if minimum is not None and minimum <= POLL_MAX_INTERVAL_MAX else "poll less often")
        raise problem(f"'adjust' polls three 30-day Ground Truth jobs: {events} history events with this polling, "
                      f"over {budget} ({HISTORY_BUDGET_SHARE:.0%} of the {poll.EXECUTION_HISTORY_LIMIT} limit)",
                      f"{fix}, or use 'relabel'", "verification", "on_reject")
    if attribute == cfg.verification.label_attribute:
        raise problem(f"{attribute!r} is the adjustment job's attribute (labeling.label_attribute with "
                      f"'{ADJUSTMENT_ATTRIBUTE_SUFFIX}')", "use another name with verification.on_reject: adjust",
                      "verification", "label_attribute")


SECTIONS: tuple[str, ...] = tuple(name for name, field in PipelineConfig.model_fields.items() if not field.exclude)


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------
def load_config(path: str | Path = "config.yaml", region: str | None = None) -> PipelineConfig:
    """Load and validate config.yaml; raise ConfigError (one line) on any bad value.

    ``region`` (deploy.py --region) replaces pipeline.region before validation,
    so every region-dependent rule is checked against it.
    """
    source = Path(path)
    document = read_yaml(source)
    if region is not None and isinstance(document, dict) and isinstance(document.get("pipeline"), dict):
        document["pipeline"]["region"] = region
    try:
        return PipelineConfig.model_validate(
            document, context={"source": source.resolve(), "folder": source.parent})
    except ValidationError as error:
        raise ConfigError(first_error(error, source, PipelineConfig)) from None


def describe_keys() -> list[tuple[str, str, str, str]]:
    """Every key as (key path, YAML type, default, one-line description), in file order."""
    return describe_fields(PipelineConfig)


_Model = TypeVar("_Model", bound=BaseModel)


def replace(model: _Model, **changes: Any) -> _Model:
    """A copy of a config (section) with some keys changed, like ``dataclasses.replace``.

    Not validated again: for tests and for moving a checked config elsewhere.
    """
    unknown = set(changes) - set(type(model).model_fields)
    if unknown:
        raise TypeError(f"{type(model).__name__} has no key {', '.join(sorted(unknown))}")
    return model.model_copy(update=changes)


def config_to_dict(cfg: PipelineConfig) -> dict[str, Any]:
    """The validated config as plain YAML-ready data (paths as strings, tuples as lists)."""
    return cfg.model_dump(mode="json") | {"source": str(cfg.source)}
