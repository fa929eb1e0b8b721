"""The typed model of config.yaml.

The field names and types here are the contract the rest of the project builds
on (graph, job requests, deployer). ``load_config`` turns the YAML file into a
``PipelineConfig`` or raises ``ConfigError`` with one line naming the file, the
key path, what is wrong and what is accepted:
``<file>: <key.path>: <what is wrong>; <what is accepted>``.

Every key is declared once, in ``KEYS`` (type, default, description); the
loader checks structure against it and ``describe_keys`` renders it for the
README's config reference. Nothing here talks to AWS.
"""
from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from steps.naming import prefix_problem
from workflow import ground_truth as gt
from workflow import polling as poll


class ConfigError(ValueError):
    """A bad config value; ``str(error)`` is the one-line message for the user."""


@dataclass(frozen=True)
class PipelineSection:
    name: str  # state machine name and resource name prefix
    region: str
    job_name_prefix: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StorageSection:
    bucket: str
    raw_prefix: str  # "" or ends with "/"
    work_prefix: str  # ends with "/"
    image_extensions: tuple[str, ...]  # lower-case, with the leading dot
    kms_key_arn: str | None = None


@dataclass(frozen=True)
class FeatureStoreSection:
    feature_group_name: str
    offline_store_prefix: str
    online_store: bool
    athena_workgroup: str


@dataclass(frozen=True)
class LabelsSection:
    categories: tuple[str, ...]


@dataclass(frozen=True)
class JobSection:
    """Settings shared by the labeling and the verification job."""

    label_attribute: str
    title: str
    description: str
    keywords: tuple[str, ...]
    instructions_template: Path  # resolved against the config file's folder
    workers_per_object: int
    task_time_limit_seconds: int
    task_availability_lifetime_seconds: int
    max_concurrent_tasks: int


@dataclass(frozen=True)
class LabelingSection(JobSection):
    max_images_per_run: int = 1000


@dataclass(frozen=True)
class VerificationSection(JobSection):
    choices: tuple[str, ...] = ()  # choices[0] means "label correct"


@dataclass(frozen=True)
class WorkforceSection:
    type: Literal["private", "vendor", "public"]
    workteam_arn: str  # for public: the region's public-crowd workteam ARN
    public_task_price_usd: float | None = None


@dataclass(frozen=True)
class PollingSection:
    first_interval_seconds: int
    growth: float
    max_interval_seconds: int


@dataclass(frozen=True)
class ScheduleSection:
    expression: str | None  # cron(...) / rate(...) / at(...) for EventBridge Scheduler; None = off
    timezone: str = "UTC"


@dataclass(frozen=True)
class ObservabilitySection:
    log_level: Literal["ALL", "ERROR", "FATAL", "OFF"] = "ERROR"
    tracing: bool = True


@dataclass(frozen=True)
class IamSection:
    state_machine_role_arn: str | None = None
    lambda_role_arn: str | None = None
    ground_truth_role_arn: str | None = None
    feature_store_role_arn: str | None = None
    scheduler_role_arn: str | None = None


@dataclass(frozen=True)
class PipelineConfig:
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
    source: Path  # the file this was loaded from


# --------------------------------------------------------------------------
# Limits that are ours (the AWS ones live in workflow.ground_truth)
# --------------------------------------------------------------------------
PIPELINE_NAME_MAX = 40  # + the longest resource suffix stays within IAM/Lambda's 64
PIPELINE_NAME_PATTERN = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*$")
MAX_IMAGES_PER_RUN_MAX = 100_000
POLL_FIRST_MIN = 1
POLL_GROWTH_MIN, POLL_GROWTH_MAX = 1.0, 10.0
POLL_MAX_INTERVAL_MAX = 86_400
# Two Ground Truth jobs running their 30-day maximum may use this share of the history.
HISTORY_BUDGET_SHARE = 0.6
HISTORY_BUDGET_JOBS = 2
LABEL_CATEGORY_MAX_LENGTH = 128  # ours: Ground Truth documents no limit; keeps the UI readable
VERIFICATION_MIN_CHOICES = 2
IMAGE_EXTENSION_PATTERN = re.compile(r"^\.[a-z0-9]{1,10}$")
FEATURE_GROUP_PATTERN = re.compile(r"^[a-zA-Z0-9]([_-]*[a-zA-Z0-9]){0,63}$")
ATHENA_WORKGROUP_PATTERN = re.compile(r"^[a-zA-Z0-9._-]{1,128}$")
TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256
_TAG_SYMBOLS = set("_.:/=+-@ ")

WORKTEAM_ARN_FORM = "arn:aws:sagemaker:<region>:<12 digits>:workteam/<private-crowd|vendor-crowd|public-crowd>/<name>"
WORKTEAM_ARN_PATTERN = re.compile(
    r"^arn:aws:sagemaker:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):workteam/"
    r"(?P<kind>private-crowd|vendor-crowd|public-crowd)/(?P<name>[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62})$"
)
KMS_ARN_FORM = "arn:aws:kms:<region>:<12 digits>:key/<key id> or arn:aws:kms:<region>:<12 digits>:alias/<name>"
KMS_ARN_PATTERN = re.compile(
    r"^arn:aws:kms:(?P<region>[a-z0-9-]+):\d{12}:(key/[a-zA-Z0-9-]{1,128}|alias/[a-zA-Z0-9/_-]{1,250})$"
)
ROLE_ARN_FORM = "arn:aws:iam::<12 digits>:role/<optional/path/>name"
ROLE_ARN_PATTERN = re.compile(
    r"^arn:aws:iam::\d{12}:role/(?:[\w+=,.@-]+/)*(?P<name>[\w+=,.@-]{1,64})$", re.ASCII
)
_WORKFORCE_KINDS = {"private": "private-crowd", "vendor": "vendor-crowd", "public": "public-crowd"}

LOG_LEVELS = ("ALL", "ERROR", "FATAL", "OFF")
REQUIRED = object()  # marks a key without a default
_OFF_MEANS_NULL = {"schedule.expression"}


@dataclass(frozen=True)
class Key:
    """One config key: dotted path, YAML type, default (or REQUIRED), description."""

    path: str
    type: str
    default: Any
    description: str


_JOB_KEYS = (
    ("label_attribute", "string", REQUIRED,
     "Key of this job's answer in the output manifest; letters, digits, hyphens; must not end with -metadata."),
    ("title", "string", REQUIRED, "Task title shown to workers (1-128 characters)."),
    ("description", "string", REQUIRED, "Task description shown to workers (1-255 characters)."),
    ("keywords", "list of strings", REQUIRED,
     "1-5 keywords (letters, digits, single spaces; at most 30 characters each)."),
    ("instructions_template", "string", REQUIRED,
     "Worker UI template (Liquid/HTML), relative to the config file's folder; must exist."),
    ("workers_per_object", "integer", REQUIRED, "Workers who label each image (1-9)."),
    ("task_time_limit_seconds", "integer", REQUIRED, "Time a worker has for one image (30-28800)."),
    ("task_availability_lifetime_seconds", "integer", REQUIRED,
     "Time a task waits for a worker (60-2592000; at most 43200 for the public workforce)."),
    ("max_concurrent_tasks", "integer", REQUIRED,
     "Images in front of workers at once (1-5000; above 1000 needs an AWS quota increase)."),
)

KEYS: tuple[Key, ...] = (
    Key("pipeline.name", "string", REQUIRED,
        "State machine name and prefix of every resource the deployer creates (1-40 letters, digits, hyphens; starts with a letter)."),
    Key("pipeline.region", "string", REQUIRED,
        "AWS region; one of the 12 regions with Ground Truth's built-in task Lambdas."),
    Key("pipeline.job_name_prefix", "string", REQUIRED,
        "Start of every Ground Truth job name (1-24 letters, digits, hyphens)."),
    Key("pipeline.tags", "mapping of strings", {},
        "Tags on every resource and labeling job (keys 1-128, values 0-256 characters, no aws: prefix, at most 50)."),
    Key("storage.bucket", "string", REQUIRED, "S3 bucket holding the raw images and the pipeline's files."),
    Key("storage.raw_prefix", "string", REQUIRED,
        "Key prefix of the raw images ('' for the whole bucket); no leading '/'."),
    Key("storage.work_prefix", "string", REQUIRED,
        "Key prefix for manifests, job outputs, Athena results and UI assets; no leading '/'."),
    Key("storage.image_extensions", "list of strings", REQUIRED,
        "Extensions that make an object an image, matched case-insensitively (e.g. [.jpg, .png])."),
    Key("storage.kms_key_arn", "string or null", None,
        "KMS key or alias ARN for everything the pipeline writes; null for SSE-S3."),
    Key("feature_store.feature_group_name", "string", REQUIRED,
        "Feature group with one record per image (1-64 letters, digits, '-', '_')."),
    Key("feature_store.offline_store_prefix", "string", REQUIRED,
        "Key prefix of the offline store inside storage.bucket; no leading '/'."),
    Key("feature_store.online_store", "boolean", REQUIRED, "Also keep an online store."),
    Key("feature_store.athena_workgroup", "string", REQUIRED, "Athena workgroup that reads the offline store."),
    Key("labels.categories", "list of strings", REQUIRED,
        "Object classes workers draw boxes for (1-50, unique)."),
    *(Key(f"labeling.{name}", typ, default, text) for name, typ, default, text in _JOB_KEYS),
    Key("labeling.max_images_per_run", "integer", 1000,
        "Images sent to one labeling job (1-100000); the rest is reported as backlog."),
    *(Key(f"verification.{name}", typ, default, text) for name, typ, default, text in _JOB_KEYS),
    Key("verification.choices", "list of strings", REQUIRED,
        "Verdicts workers choose from (at least 2, unique); the first means 'label correct'."),
    Key("workforce.type", "string", REQUIRED,
        "private (your workteam), vendor (Marketplace vendor) or public (Mechanical Turk: strangers see the images)."),
    Key("workforce.workteam_arn", "string or null", None,
        "Workteam ARN in pipeline.region; may be null only for type public (the region's public crowd)."),
    Key("workforce.public_task_price_usd", "number or null", None,
        "Price per task in USD, only and required for type public; one of Ground Truth's allowed prices."),
    Key("polling.first_interval_seconds", "integer", REQUIRED, "First wait before checking a running job (>= 1)."),
    Key("polling.growth", "number", REQUIRED, "Factor applied to the wait after each check (1.0-10)."),
    Key("polling.max_interval_seconds", "integer", REQUIRED,
        "Largest wait (first_interval_seconds-86400); must keep two 30-day jobs within 60% of the 25,000-event history."),
    Key("schedule.expression", "string or null", None,
        "EventBridge Scheduler cron(...), rate(...) or at(...); null or 'off' to run only on demand."),
    Key("schedule.timezone", "string", "UTC", "IANA time zone of the schedule expression."),
    Key("observability.log_level", "string", "ERROR",
        "Step Functions execution log level in CloudWatch Logs: ALL, ERROR, FATAL or OFF (execution data is never logged)."),
    Key("observability.tracing", "boolean", True, "X-Ray tracing of the state machine and its three Lambda functions."),
    Key("iam.state_machine_role_arn", "string or null", None, "Existing role for the state machine (null: create)."),
    Key("iam.lambda_role_arn", "string or null", None, "Existing role for all three Lambda functions (null: create one least-privilege role per function)."),
    Key("iam.ground_truth_role_arn", "string or null", None, "Existing role for the labeling jobs (null: create)."),
    Key("iam.feature_store_role_arn", "string or null", None, "Existing role Feature Store uses to write the offline store (null: create)."),
    Key("iam.scheduler_role_arn", "string or null", None, "Existing role for the schedule (null: create)."),
)
_KEYS_BY_PATH = {key.path: key for key in KEYS}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(key.path.split(".")[0] for key in KEYS))


def describe_keys() -> list[tuple[str, str, str, str]]:
    """Every key as (key path, type, default, one-line description), in file order."""
    rows = []
    for key in KEYS:
        default = "required" if key.default is REQUIRED else yaml.safe_dump(
            key.default, default_flow_style=True).strip().removesuffix("...").strip()
        rows.append((key.path, key.type, default, key.description))
    return rows


# --------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------
class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice (first on line {seen[key] + 1})", key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found; pass the path of an existing config file (e.g. config.yaml)") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder; pass the path of a YAML config file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read ({_one_line(error)}); pass a readable UTF-8 YAML file") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = _one_line(error.problem or error.context or "syntax error")
        raise ConfigError(f"{path}: {where}: invalid YAML ({problem}); fix the YAML syntax there") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: invalid YAML ({_one_line(error)}); fix the YAML syntax") from None


class _Checker:
    """Raises ConfigError for one file, key path by key path."""

    def __init__(self, source: Path) -> None:
        self.source = source

    def fail(self, path: str, wrong: str, accepted: str) -> ConfigError:
        return ConfigError(_one_line(f"{self.source}: {path}: {wrong}; {accepted}"))

    # -- structure ---------------------------------------------------------
    def structure(self, document: Any) -> dict[str, Any]:
        """Check sections, keys and YAML types; return values by dotted key path."""
        if document is None:
            raise self.fail("(top level)", "the file is empty", f"expected a mapping with the sections {', '.join(SECTIONS)}")
        if not isinstance(document, dict):
            raise self.fail("(top level)", f"is a {_type_name(document)}",
                            f"expected a mapping with the sections {', '.join(SECTIONS)}")
        self._known_keys("(top level)", document, SECTIONS)
        values: dict[str, Any] = {}
        for section in SECTIONS:
            if section not in document:
                raise self.fail(section, "is missing", f"add the section with its keys: {', '.join(self._keys_of(section))}")
            body = document[section]
            if body is None and all(_KEYS_BY_PATH[f"{section}.{n}"].default is not REQUIRED for n in self._keys_of(section)):
                body = {}  # e.g. `iam:` with every key commented out
            if not isinstance(body, dict):
                raise self.fail(section, "is empty" if body is None else f"is a {_type_name(body)}", f"expected a mapping with the keys {', '.join(self._keys_of(section))}")
            self._known_keys(section, body, self._keys_of(section))
            for name in self._keys_of(section):
                key = _KEYS_BY_PATH[f"{section}.{name}"]
                if name not in body:
                    if key.default is REQUIRED:
                        raise self.fail(key.path, "is missing", f"add it ({key.type}): {key.description}")
                    values[key.path] = key.default
                else:
                    values[key.path] = self._typed(key, body[name])
        return values

    @staticmethod
    def _keys_of(section: str) -> list[str]:
        return [key.path.split(".", 1)[1] for key in KEYS if key.path.split(".")[0] == section]

    def _known_keys(self, where: str, mapping: dict, allowed: list[str] | tuple[str, ...]) -> None:
        for name in mapping:
            if name not in allowed:
                path = str(name) if where == "(top level)" else f"{where}.{name}"
                raise self.fail(path, "is not a known key", f"allowed here: {', '.join(allowed)}")

    def _typed(self, key: Key, value: Any) -> Any:
        kind = key.type
        if key.path in _OFF_MEANS_NULL and value is False:
            return None  # YAML 1.1 reads a bare `off` as false
        if value is None and kind.endswith("or null"):
            return None
        base = kind.removesuffix(" or null")
        accepted = f"expected {kind}"
        if base == "string":
            if not isinstance(value, str):
                raise self.fail(key.path, f"is {_shown(value)} ({_type_name(value)})", f"{accepted}; quote it if YAML reads it as another type")
            return value
        if base == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.fail(key.path, f"is {_shown(value)} ({_type_name(value)})", f"{accepted} (a whole number without quotes)")
            return value
        if base == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise self.fail(key.path, f"is {_shown(value)} ({_type_name(value)})", f"{accepted} (e.g. 2.0)")
            return float(value)
        if base == "boolean":
            if not isinstance(value, bool):
                raise self.fail(key.path, f"is {_shown(value)} ({_type_name(value)})", f"{accepted} (true or false)")
            return value
        if base == "list of strings":
            if not isinstance(value, list):
                raise self.fail(key.path, f"is {_shown(value)} ({_type_name(value)})", f"{accepted}, e.g. [a, b]")
            for index, item in enumerate(value):
                if not isinstance(item, str):
                    raise self.fail(f"{key.path}[{index}]", f"is {_shown(item)} ({_type_name(item)})", "expected a string; quote it")
            return list(value)
        if base == "mapping of strings":
            if value is None:
                return {}
            if not isinstance(value, dict):
                raise self.fail(key.path, f"is {_shown(value)} ({_type_name(value)})", f"{accepted}, e.g. {{owner: ml-platform}}")
            for name, item in value.items():
                if not isinstance(name, str):
                    raise self.fail(f"{key.path}.{name}", f"key is a {_type_name(name)}", "expected a string key; quote it")
                if not isinstance(item, str):
                    raise self.fail(f"{key.path}.{name}", f"is {_shown(item)} ({_type_name(item)})", "expected a string value; quote it")
            return dict(value)
        raise AssertionError(f"unknown key type {kind!r} for {key.path}")


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "mapping"}.get(
        type(value), type(value).__name__)


def _shown(value: Any, limit: int = 100) -> str:
    text = repr(value)
    if len(text) <= limit or not isinstance(value, str):
        return text
    return repr(value[: limit - 20]) + f"... ({len(value)} characters)"


# --------------------------------------------------------------------------
# Value rules
# --------------------------------------------------------------------------
def _s3_bucket_problem(name: str) -> str | None:
    if not 3 <= len(name) <= 63:
        return f"is {len(name)} characters long"
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", name):
        return "must use only lower-case letters, digits, dots and hyphens, and start and end with a letter or digit"
    if ".." in name:
        return "must not contain two adjacent dots"
    try:
        ipaddress.IPv4Address(name)
        return "must not be formatted as an IP address"
    except ValueError:
        pass
    for prefix in ("xn--", "sthree-", "amzn-s3-demo-"):
        if name.startswith(prefix):
            return f"must not start with {prefix!r}"
    for suffix in ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"):
        if name.endswith(suffix):
            return f"must not end with {suffix!r}"
    return None


_BUCKET_RULE = ("use an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens, "
                "starting and ending with a letter or digit")


class _Rules(_Checker):
    """Checks each value and builds the typed sections."""

    def __init__(self, source: Path, values: dict[str, Any]) -> None:
        super().__init__(source)
        self.v = values

    # -- pipeline ----------------------------------------------------------
    def pipeline(self) -> PipelineSection:
        name = self.v["pipeline.name"]
        if not 1 <= len(name) <= PIPELINE_NAME_MAX:
            raise self.fail("pipeline.name", f"is {len(name)} characters long",
                            f"use 1-{PIPELINE_NAME_MAX}: it prefixes IAM role and Lambda function names, "
                            "which allow 64 characters including the pipeline's suffixes")
        if not PIPELINE_NAME_PATTERN.match(name):
            raise self.fail("pipeline.name", f"{name!r} cannot name the state machine and prefix IAM role and Lambda function names",
                            "use letters, digits and single hyphens, starting with a letter and ending with a letter or digit")
        region = self.v["pipeline.region"]
        if region not in gt.SUPPORTED_REGIONS:
            raise self.fail("pipeline.region", f"{region!r} has no Ground Truth built-in task Lambdas",
                            f"use one of: {', '.join(sorted(gt.SUPPORTED_REGIONS))}")
        prefix = self.v["pipeline.job_name_prefix"]
        problem = prefix_problem(prefix)
        if problem:
            raise self.fail("pipeline.job_name_prefix", f"{prefix!r} {problem}",
                            "use 1-24 letters, digits and hyphens, starting and ending with a letter or digit")
        return PipelineSection(name=name, region=region, job_name_prefix=prefix, tags=self._tags())

    def _tags(self) -> dict[str, str]:
        tags = self.v["pipeline.tags"]
        if len(tags) > gt.MAX_TAGS:
            raise self.fail("pipeline.tags", f"has {len(tags)} tags", f"use at most {gt.MAX_TAGS}")
        chars = "letters, digits, spaces and _ . : / = + - @"
        for key, value in tags.items():
            path = f"pipeline.tags.{key}"
            if not 1 <= len(key) <= TAG_KEY_MAX:
                raise self.fail(path, f"the tag key is {len(key)} characters long", f"use 1-{TAG_KEY_MAX}")
            if not _tag_text_ok(key):
                raise self.fail(path, f"the tag key {_shown(key)} has characters AWS tags do not allow", f"use {chars}")
            if key.lower().startswith("aws:"):
                raise self.fail(path, "tag keys starting with 'aws:' are reserved for AWS", "choose another key")
            if len(value) > TAG_VALUE_MAX:
                raise self.fail(path, f"the tag value is {len(value)} characters long", f"use 0-{TAG_VALUE_MAX}")
            if not _tag_text_ok(value):
                raise self.fail(path, f"the tag value {_shown(value)} has characters AWS tags do not allow", f"use {chars}")
        return dict(tags)

    # -- storage -----------------------------------------------------------
    def storage(self, region: str) -> StorageSection:
        bucket = self.v["storage.bucket"]
        problem = _s3_bucket_problem(bucket)
        if problem:
            raise self.fail("storage.bucket", f"{bucket!r} {problem}", _BUCKET_RULE)
        return StorageSection(
            bucket=bucket,
            raw_prefix=self.prefix("storage.raw_prefix", may_be_empty=True),
            work_prefix=self.prefix("storage.work_prefix", may_be_empty=False),
            image_extensions=self._extensions(),
            kms_key_arn=self._kms(region),
        )

    def prefix(self, path: str, *, may_be_empty: bool) -> str:
        value = self.v[path]
        accepted = "use a key prefix like 'images/raw/' (no leading '/', no empty segments)"
        if not value:
            if may_be_empty:
                return ""
            raise self.fail(path, "is empty", accepted)
        if value.startswith("/"):
            raise self.fail(path, f"{value!r} starts with '/'", f"{accepted}; S3 keys do not start with '/'")
        if "//" in value:
            raise self.fail(path, f"{value!r} contains '//'", accepted)
        if any(ch in value for ch in "\n\r\t") or value != value.strip():
            raise self.fail(path, f"{value!r} has surrounding or control whitespace", accepted)
        if len(value) > 512:
            raise self.fail(path, f"is {len(value)} characters long", f"{accepted}; at most 512 characters")
        return value if value.endswith("/") else value + "/"

    def _extensions(self) -> tuple[str, ...]:
        raw = self.v["storage.image_extensions"]
        if not raw:
            raise self.fail("storage.image_extensions", "is empty", "list at least one extension, e.g. [.jpg, .png]")
        seen: list[str] = []
        for index, item in enumerate(raw):
            ext = item.strip().lower()
            ext = ext if ext.startswith(".") else "." + ext
            if not IMAGE_EXTENSION_PATTERN.match(ext):
                raise self.fail(f"storage.image_extensions[{index}]", f"{item!r} is not a file extension",
                                "use a dot and 1-10 letters or digits, e.g. .jpg")
            if ext in seen:
                raise self.fail(f"storage.image_extensions[{index}]", f"{item!r} repeats {ext!r}",
                                "list each extension once (case and the leading dot do not matter)")
            seen.append(ext)
        return tuple(seen)

    def _kms(self, region: str) -> str | None:
        arn = self.v["storage.kms_key_arn"]
        if arn is None:
            return None
        match = KMS_ARN_PATTERN.match(arn)
        if not match:
            raise self.fail("storage.kms_key_arn", f"{_shown(arn)} is not a KMS key or alias ARN", f"use {KMS_ARN_FORM}, or null")
        if match["region"] != region:
            raise self.fail("storage.kms_key_arn", f"the key is in {match['region']!r}, not in pipeline.region {region!r}",
                            "use a key in the pipeline's region (S3 and Ground Truth need it there)")
        return arn

    # -- feature store and labels ------------------------------------------
    def feature_store(self) -> FeatureStoreSection:
        name = self.v["feature_store.feature_group_name"]
        if not FEATURE_GROUP_PATTERN.match(name):
            raise self.fail("feature_store.feature_group_name", f"{name!r} breaks the feature group name rule",
                            "use 1-64 letters and digits, single or repeated '-'/'_' between them (^[a-zA-Z0-9]([_-]*[a-zA-Z0-9]){0,63}$)")
        workgroup = self.v["feature_store.athena_workgroup"]
        if not ATHENA_WORKGROUP_PATTERN.match(workgroup):
            raise self.fail("feature_store.athena_workgroup", f"{workgroup!r} is not a workgroup name",
                            "use 1-128 letters, digits, '.', '_' or '-'")
        return FeatureStoreSection(
            feature_group_name=name,
            offline_store_prefix=self.prefix("feature_store.offline_store_prefix", may_be_empty=False),
            online_store=self.v["feature_store.online_store"],
            athena_workgroup=workgroup,
        )

    def names(self, path: str, *, minimum: int, maximum: int) -> tuple[str, ...]:
        """A list of unique, non-empty, trimmed display names (categories, choices)."""
        items = self.v[path]
        if not minimum <= len(items) <= maximum:
            raise self.fail(path, f"has {len(items)} {'entry' if len(items) == 1 else 'entries'}",
                            f"list {minimum} to {maximum} entries")
        seen: list[str] = []
        for index, item in enumerate(items):
            if not item.strip() or item != item.strip() or "\n" in item:
                raise self.fail(f"{path}[{index}]", f"{item!r} is empty or has surrounding whitespace", "use a non-empty, trimmed one-line name")
            if len(item) > LABEL_CATEGORY_MAX_LENGTH:
                raise self.fail(f"{path}[{index}]", f"is {len(item)} characters long", f"use at most {LABEL_CATEGORY_MAX_LENGTH}")
            if item in seen:
                raise self.fail(f"{path}[{index}]", f"{item!r} is listed twice", "list each entry once")
            seen.append(item)
        return tuple(seen)

    # -- jobs --------------------------------------------------------------
    def job_fields(self, section: str, workforce_type: str) -> dict[str, Any]:
        v = {name: self.v[f"{section}.{name}"] for name, *_ in _JOB_KEYS}
        attr = v["label_attribute"]
        attr_rule = ("use 1-127 letters, digits and hyphens, starting and ending with a letter or digit, "
                     "not ending with '-metadata' and not 'source-ref'")
        if len(attr) > gt.LABEL_ATTRIBUTE_MAX or not gt.LABEL_ATTRIBUTE_PATTERN.match(attr):
            raise self.fail(f"{section}.label_attribute", f"{attr!r} breaks Ground Truth's LabelAttributeName rule", attr_rule)
        if attr.endswith(gt.LABEL_ATTRIBUTE_FORBIDDEN_SUFFIX):
            raise self.fail(f"{section}.label_attribute", f"{attr!r} ends with '-metadata', which Ground Truth reserves", attr_rule)
        if attr in ("source-ref", "source"):
            raise self.fail(f"{section}.label_attribute", f"{attr!r} is the input manifest's own key", attr_rule)
        self._text(f"{section}.title", v["title"], gt.TASK_TITLE_MAX)
        self._text(f"{section}.description", v["description"], gt.TASK_DESCRIPTION_MAX)
        keywords = v["keywords"]
        if not gt.TASK_KEYWORDS_MIN <= len(keywords) <= gt.TASK_KEYWORDS_MAX:
            raise self.fail(f"{section}.keywords", f"has {len(keywords)} keywords",
                            f"list {gt.TASK_KEYWORDS_MIN} to {gt.TASK_KEYWORDS_MAX}")
        for index, word in enumerate(keywords):
            if len(word) > gt.TASK_KEYWORD_MAX_LENGTH or not gt.TASK_KEYWORD_PATTERN.match(word):
                raise self.fail(f"{section}.keywords[{index}]", f"{word!r} is not an allowed keyword",
                                f"use 1-{gt.TASK_KEYWORD_MAX_LENGTH} letters and digits, words separated by single spaces")
        template = (self.source.parent / v["instructions_template"]).resolve()
        if not template.is_file():
            raise self.fail(f"{section}.instructions_template", f"{v['instructions_template']!r} resolves to {template}, which is not a file",
                            "give the path of the worker UI template relative to the config file's folder")
        max_lifetime = gt.TASK_AVAILABILITY_MAX_PUBLIC if workforce_type == "public" else gt.TASK_AVAILABILITY_MAX_PRIVATE
        lifetime_note = " (12 h: the public workforce's maximum)" if workforce_type == "public" else " (30 days)"
        self._range(f"{section}.workers_per_object", v["workers_per_object"], gt.WORKERS_PER_OBJECT_MIN, gt.WORKERS_PER_OBJECT_MAX)
        self._range(f"{section}.task_time_limit_seconds", v["task_time_limit_seconds"], gt.TASK_TIME_LIMIT_MIN,
                    gt.TASK_TIME_LIMIT_MAX, " (8 h: Ground Truth's maximum for image tasks)")
        self._range(f"{section}.task_availability_lifetime_seconds", v["task_availability_lifetime_seconds"],
                    gt.TASK_AVAILABILITY_MIN, max_lifetime, lifetime_note)
        self._range(f"{section}.max_concurrent_tasks", v["max_concurrent_tasks"], gt.MAX_CONCURRENT_TASKS_MIN, gt.MAX_CONCURRENT_TASKS_MAX)
        return {**v, "keywords": tuple(keywords), "instructions_template": template}

    def max_images_per_run(self) -> int:
        value = self.v["labeling.max_images_per_run"]
        self._range("labeling.max_images_per_run", value, 1, MAX_IMAGES_PER_RUN_MAX)
        return value

    def _text(self, path: str, text: str, maximum: int) -> None:
        if not text.strip() or len(text) > maximum:
            raise self.fail(path, f"is {len(text)} characters long" if text.strip() else "is blank",
                            f"use 1-{maximum} characters")
        if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
            raise self.fail(path, "contains control characters", f"use 1-{maximum} printable characters")

    def _range(self, path: str, value: int | float, low: int | float, high: int | float, note: str = "") -> None:
        if not low <= value <= high:
            raise self.fail(path, f"is {value}", f"use {low} to {high}{note}")

    # -- workforce ---------------------------------------------------------
    def workforce(self, region: str) -> WorkforceSection:
        kind = self.v["workforce.type"]
        if kind not in _WORKFORCE_KINDS:
            raise self.fail("workforce.type", f"{kind!r} is not a workforce type", "use private, vendor or public")
        price = self.v["workforce.public_task_price_usd"]
        if kind != "public" and price is not None:
            raise self.fail("workforce.public_task_price_usd", f"is {price} but workforce.type is {kind}",
                            "set it to null; a price applies only to the public workforce")
        if kind == "public":
            allowed = ", ".join(f"{p:.3f}" for p in gt.ALLOWED_PUBLIC_PRICES_USD)
            if price is None:
                raise self.fail("workforce.public_task_price_usd", "is missing; the public workforce needs a price per task",
                                f"use one of (USD): {allowed}")
            if not gt.is_allowed_public_price(price):
                near = " or ".join(f"{p:.3f}" for p in gt.nearest_public_prices(price))
                raise self.fail("workforce.public_task_price_usd", f"{price} USD is not an allowed price",
                                f"nearest allowed: {near}; all allowed (USD): {allowed}")
        arn = self.v["workforce.workteam_arn"]
        if arn is None:
            if kind != "public":
                raise self.fail("workforce.workteam_arn", f"is missing; a {kind} workforce needs its workteam", f"use {WORKTEAM_ARN_FORM}")
            arn = gt.public_workteam_arn(region)
        match = WORKTEAM_ARN_PATTERN.match(arn)
        if not match:
            raise self.fail("workforce.workteam_arn", f"{_shown(arn)} is not a workteam ARN", f"use {WORKTEAM_ARN_FORM}")
        if match["region"] != region:
            raise self.fail("workforce.workteam_arn", f"the workteam is in {match['region']!r}, not in pipeline.region {region!r}",
                            "use a workteam in the pipeline's region")
        if match["kind"] != _WORKFORCE_KINDS[kind]:
            raise self.fail("workforce.workteam_arn", f"is a {match['kind']} workteam but workforce.type is {kind}",
                            f"use a workteam/{_WORKFORCE_KINDS[kind]}/... ARN or change workforce.type")
        if kind == "public" and arn != gt.public_workteam_arn(region):
            raise self.fail("workforce.workteam_arn", f"{_shown(arn)} is not the public workforce",
                            f"use {gt.public_workteam_arn(region)} or null")
        return WorkforceSection(type=kind, workteam_arn=arn, public_task_price_usd=price)

    # -- polling -----------------------------------------------------------
    def polling(self) -> PollingSection:
        first = self.v["polling.first_interval_seconds"]
        growth = self.v["polling.growth"]
        cap = self.v["polling.max_interval_seconds"]
        self._range("polling.first_interval_seconds", first, POLL_FIRST_MIN, POLL_MAX_INTERVAL_MAX)
        self._range("polling.growth", growth, POLL_GROWTH_MIN, POLL_GROWTH_MAX)
        if not first <= cap <= POLL_MAX_INTERVAL_MAX:
            raise self.fail("polling.max_interval_seconds", f"is {cap}",
                            f"use polling.first_interval_seconds ({first}) to {POLL_MAX_INTERVAL_MAX}")
        settings = PollingSection(first_interval_seconds=first, growth=growth, max_interval_seconds=cap)
        try:
            poll.wait_schedule(settings)
        except ValueError:
            raise self.fail("polling.growth", f"{growth} needs more than {poll.MAX_WAIT_STEPS} waits to grow from {first}s to {cap}s",
                            "use a larger growth, a larger first interval or a smaller max interval") from None
        budget = math.floor(HISTORY_BUDGET_SHARE * poll.EXECUTION_HISTORY_LIMIT)
        per_job = poll.events_for(gt.JOB_MAX_DURATION_SECONDS, settings)
        if HISTORY_BUDGET_JOBS * per_job > budget:
            minimum = poll.min_max_interval(settings, gt.JOB_MAX_DURATION_SECONDS, HISTORY_BUDGET_JOBS, budget)
            fix = (f"raise it to at least {minimum}" if minimum is not None and minimum <= POLL_MAX_INTERVAL_MAX
                   else "raise first_interval_seconds or growth")
            raise self.fail("polling.max_interval_seconds",
                            f"{cap} makes two 30-day Ground Truth jobs cost {HISTORY_BUDGET_JOBS * per_job} history events, "
                            f"over {budget} ({HISTORY_BUDGET_SHARE:.0%} of the {poll.EXECUTION_HISTORY_LIMIT} limit)", fix)
        return settings

    # -- schedule and iam --------------------------------------------------
    def schedule(self) -> ScheduleSection:
        timezone = self.v["schedule.timezone"]
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail("schedule.timezone", f"{timezone!r} is not a known time zone",
                            "use an IANA name such as UTC or Europe/Berlin") from None
        expression = self.v["schedule.expression"]
        if expression is None or expression.strip().lower() == "off":
            return ScheduleSection(expression=None, timezone=timezone)
        problem = schedule_expression_problem(expression)
        if problem:
            raise self.fail("schedule.expression", f"{_shown(expression)} {problem}", _SCHEDULE_FORMS)
        return ScheduleSection(expression=expression, timezone=timezone)

    def observability(self) -> ObservabilitySection:
        level = self.v["observability.log_level"]
        if level not in LOG_LEVELS:
            raise self.fail("observability.log_level", f"{_shown(level)} is not a log level", f"use one of {', '.join(LOG_LEVELS)}")
        return ObservabilitySection(log_level=level, tracing=self.v["observability.tracing"])

    def iam(self) -> IamSection:
        roles = {}
        for name in ("state_machine_role_arn", "lambda_role_arn", "ground_truth_role_arn", "feature_store_role_arn", "scheduler_role_arn"):
            arn = self.v[f"iam.{name}"]
            if arn is not None and not ROLE_ARN_PATTERN.match(arn):
                raise self.fail(f"iam.{name}", f"{_shown(arn)} is not an IAM role ARN", f"use {ROLE_ARN_FORM}, or null to create the role")
            roles[name] = arn
        return IamSection(**roles)


def _tag_text_ok(text: str) -> bool:
    return all(ch.isalnum() or ch in _TAG_SYMBOLS for ch in text)


# --------------------------------------------------------------------------
# Schedule expressions (EventBridge Scheduler)
# --------------------------------------------------------------------------
_SCHEDULE_FORMS = ("use cron(minutes hours day-of-month month day-of-week year) with '?' in exactly one of "
                   "day-of-month/day-of-week, rate(N minute|minutes|hour|hours|day|days), "
                   "at(yyyy-mm-ddThh:mm:ss), or null/off")
_MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
_DAYS = "SUN MON TUE WED THU FRI SAT".split()
# (name, low, high, names) in cron field order
_CRON_FIELDS = (
    ("minutes", 0, 59, None),
    ("hours", 0, 23, None),
    ("day-of-month", 1, 31, None),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _DAYS),
    ("year", 1970, 2199, None),
)


def _cron_value(text: str, low: int, high: int, names: list[str] | None) -> int | None:
    if names and text.upper() in names:
        return names.index(text.upper()) + 1
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    return None


def _cron_field_problem(text: str, index: int) -> str | None:
    name, low, high, names = _CRON_FIELDS[index]
    span = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
    bad = f"has {name} field {text!r}; allowed values {span} with , - * /"
    if text == "?":
        return None if name in ("day-of-month", "day-of-week") else f"uses '?' in the {name} field"
    for item in text.split(","):
        if name == "day-of-month" and (item in ("L", "LW") or re.fullmatch(r"\d{1,2}W", item)):
            if item.endswith("W") and item != "LW" and _cron_value(item[:-1], low, high, None) is None:
                return bad
            continue
        if name == "day-of-week" and (item == "L" or re.fullmatch(r"\w{1,3}(L|#[1-5])", item)):
            base = re.sub(r"(L|#[1-5])$", "", item)
            if _cron_value(base, low, high, names) is None:
                return bad
            continue
        base, _, step = item.partition("/")
        if step and (not step.isdigit() or int(step) < 1):
            return bad
        if base == "*":
            continue
        start, dash, end = base.partition("-")
        if _cron_value(start, low, high, names) is None:
            return bad
        if dash and _cron_value(end, low, high, names) is None:
            return bad
    return None


def schedule_expression_problem(expression: str) -> str | None:
    """Why ``expression`` is not a valid EventBridge Scheduler expression, or None."""
    match = re.fullmatch(r"(cron|rate|at)\((.*)\)", expression.strip())
    if not match:
        return "is not a cron(...), rate(...) or at(...) expression"
    kind, body = match.groups()
    if kind == "rate":
        rate = re.fullmatch(r"(\d+) (minute|minutes|hour|hours|day|days)", body.strip())
        if not rate or int(rate[1]) < 1:
            return "is not 'rate(N unit)' with a positive whole N and unit minute(s), hour(s) or day(s)"
        number, unit = int(rate[1]), rate[2]
        if (number == 1) != (not unit.endswith("s")):
            return f"must use the {'singular' if number == 1 else 'plural'} unit for {number}"
        return None
    if kind == "at":
        try:
            datetime.strptime(body, "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            return "is not at(yyyy-mm-ddThh:mm:ss)"
        return None
    fields = body.split()
    if len(fields) != 6:
        return f"has {len(fields)} cron fields, not 6"
    for index, text in enumerate(fields):
        problem = _cron_field_problem(text, index)
        if problem:
            return problem
    if (fields[2] == "?") == (fields[4] == "?"):
        return "must have '?' in exactly one of day-of-month and day-of-week"
    return None


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------
def load_config(path: str | Path = "config.yaml", region: str | None = None) -> PipelineConfig:
    """Load and validate config.yaml; raise ConfigError (one line) on any bad value.

    ``region`` (deploy.py --region) replaces pipeline.region before validation,
    so every region-dependent rule is checked against it.
    """
    source = Path(path)
    document = _read_yaml(source)
    if region is not None and isinstance(document, dict) and isinstance(document.get("pipeline"), dict):
        document["pipeline"]["region"] = region
    values = _Checker(source).structure(document)
    rules = _Rules(source, values)
    pipeline = rules.pipeline()
    storage = rules.storage(pipeline.region)
    feature_store = rules.feature_store()
    labels = LabelsSection(categories=rules.names("labels.categories", minimum=1, maximum=gt.BOUNDING_BOX_MAX_CATEGORIES))
    workforce = rules.workforce(pipeline.region)
    labeling = LabelingSection(
        **rules.job_fields("labeling", workforce.type),
        max_images_per_run=rules.max_images_per_run(),
    )
    verification = VerificationSection(
        **rules.job_fields("verification", workforce.type),
        choices=rules.names("verification.choices", minimum=VERIFICATION_MIN_CHOICES, maximum=gt.BOUNDING_BOX_MAX_CATEGORIES),
    )
    if labeling.label_attribute == verification.label_attribute:
        raise rules.fail("verification.label_attribute", f"{verification.label_attribute!r} equals labeling.label_attribute",
                         "use a different name: Ground Truth requires a verification job to write a new attribute")
    return PipelineConfig(
        pipeline=pipeline,
        storage=storage,
        feature_store=feature_store,
        labels=labels,
        labeling=labeling,
        verification=verification,
        workforce=workforce,
        polling=rules.polling(),
        schedule=rules.schedule(),
        observability=rules.observability(),
        iam=rules.iam(),
        source=source.resolve(),
    )


def config_to_dict(cfg: PipelineConfig) -> dict[str, Any]:
    """The validated config as plain YAML-ready data (paths as strings, tuples as lists)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, tuple):
            return [plain(item) for item in value]
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        return value

    return {
        section: {name: plain(getattr(getattr(cfg, section), name)) for name in _Checker._keys_of(section)}
        for section in SECTIONS
    } | {"source": str(cfg.source)}
