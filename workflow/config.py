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

from steps.naming import prefix_problem
from workflow import ground_truth as gt
from workflow import polling as poll
from workflow.config_schema import (
    ConfigError,
    describe_fields,
    first_error,
    range_of,
    read_yaml,
    shown,
)
from workflow.rules import arn, s3, tags
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


class FeatureStoreSection(_Section):
    feature_group_name: Annotated[str, Field(
        description="Feature group with one record per image (1-64 letters, digits, '-', '_')."), AfterValidator(_feature_group)]
    offline_store_prefix: Annotated[str, Field(
        description="Key prefix of the offline store inside storage.bucket; no leading '/'."), AfterValidator(_prefix)]
    online_store: Annotated[bool, Field(description="Also keep an online store.")]
    athena_workgroup: Annotated[str, Field(description="Athena workgroup that reads the offline store."),
                                AfterValidator(_workgroup)]


class LabelsSection(_Section):
    categories: Annotated[StrList, Field(
        min_length=1, max_length=gt.BOUNDING_BOX_MAX_CATEGORIES, title="category",
        description="Object classes workers draw boxes for ({range}, unique)."), AfterValidator(_names)]


class JobSection(_Section):
    """Settings shared by the labeling and the verification job."""

    label_attribute: Annotated[str, Field(
        description="Key of this job's answer in the output manifest; letters, digits, hyphens; "
                    "must not end with -metadata."), AfterValidator(_label_attribute)]
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
        description="Worker UI template (Liquid/HTML), relative to the config file's folder; must exist.")]
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


class VerificationSection(JobSection):
    choices: Annotated[StrList, Field(
        min_length=2, max_length=gt.BOUNDING_BOX_MAX_CATEGORIES, title="choice",
        description="Verdicts workers choose from (at least {min}, unique); the first means 'label correct'."),
        AfterValidator(_names)]


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
    source: Path = Field(exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _source_from_context(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and info.context and "source" in info.context:
            if "source" in data:
                raise problem("is not a known key", f"allowed here: {', '.join(SECTIONS)}", "source")
            return {**data, "source": info.context["source"]}
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

    @model_validator(mode="after")
    def _jobs_fit_the_workforce(self) -> PipelineConfig:
        if self.verification.label_attribute == self.labeling.label_attribute:
            raise problem(f"{self.verification.label_attribute!r} equals labeling.label_attribute",
                          "use a different name: Ground Truth requires a verification job to write a new attribute",
                          "verification", "label_attribute")
        if self.workforce.type == "public":
            low, _ = range_of(JobSection.model_fields["task_availability_lifetime_seconds"])
            for section in ("labeling", "verification"):
                lifetime = getattr(self, section).task_availability_lifetime_seconds
                if lifetime > gt.TASK_AVAILABILITY_MAX_PUBLIC:
                    raise problem(f"is {lifetime}",
                                  f"use {low} to {gt.TASK_AVAILABILITY_MAX_PUBLIC} (12 h: the public workforce's maximum)",
                                  section, "task_availability_lifetime_seconds")
        return self


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
