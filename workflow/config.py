"""The typed model of config.yaml.

The field names and types here are the contract the rest of the project builds
on (graph, job requests, deployer). ``load_config`` turns the YAML file into a
``PipelineConfig`` or raises ``ConfigError`` with one line naming the file, the
key path, what is wrong and what is accepted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


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
    expression: str | None  # cron(...) / rate(...) for EventBridge Scheduler; None = off
    timezone: str = "UTC"


@dataclass(frozen=True)
class IamSection:
    state_machine_role_arn: str | None = None
    lambda_role_arn: str | None = None
    ground_truth_role_arn: str | None = None
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
    iam: IamSection
    source: Path  # the file this was loaded from


def load_config(path: str | Path = "config.yaml") -> PipelineConfig:
    """Load and validate config.yaml; raise ConfigError (one line) on any bad value."""
    raise NotImplementedError("filled in by the config model work")
