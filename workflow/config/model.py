"""The whole config (``PipelineConfig``): its sections and the rules that span them (everything in
pipeline.region, the two jobs' attributes, the public workforce's task lifetime, task type and adjustment)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from workflow import ground_truth as gt
from workflow.config.adjustment import adjustment_fits
from workflow.config.base import Section
from workflow.config.ci import CiSection
from workflow.config.errors import problem, shown
from workflow.config.fields import keys_of, range_of
from workflow.config.jobs import JobSection, LabelingSection, VerificationSection
from workflow.config.labels import LabelsSection
from workflow.config.pipeline import IamSection, ObservabilitySection, PipelineSection
from workflow.config.storage import FeatureStoreSection, StorageSection
from workflow.config.task_type_rules import task_type_defaults, task_type_fits
from workflow.config.timing import PollingSection, ScheduleSection
from workflow.config.workforce import WorkforceSection
from workflow.rules import arn
from workflow.rules import ci as ci_rules


def _pipeline_region(info: ValidationInfo) -> str | None:
    """pipeline.region, when the pipeline section (read before the others) was valid."""
    return info.data["pipeline"].region if "pipeline" in info.data else None


def _same_region(what: str, found: str | None, region: str | None, accepted: str, key: str) -> None:
    """Refuse ``what`` (a resource ARN's or URL's region ``found``) outside pipeline.region."""
    if region and found and found != region:
        raise problem(f"{what} is in {found!r}, not in pipeline.region {region!r}", accepted, key)


class PipelineConfig(Section):
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
        return task_type_defaults(data)

    @field_validator("storage")
    @classmethod
    def _key_in_the_region(cls, storage: StorageSection, info: ValidationInfo) -> StorageSection:
        key_region = arn.kms_key_region(storage.kms_key_arn) if storage.kms_key_arn else None
        _same_region("the key", key_region, _pipeline_region(info),
                     "use a key in the pipeline's region (S3 and Ground Truth need it there)", "kms_key_arn")
        return storage

    @field_validator("workforce")
    @classmethod
    def _team_in_the_region(cls, workforce: WorkforceSection, info: ValidationInfo) -> WorkforceSection:
        region = _pipeline_region(info)
        if region is None:
            return workforce
        public = gt.public_workteam_arn(region)
        if workforce.workteam_arn is None:  # only the public workforce may leave it out
            return workforce.model_copy(update={"workteam_arn": public})
        team = arn.workteam(workforce.workteam_arn)
        _same_region("the workteam", team["region"] if team else None, region,
                     "use a workteam in the pipeline's region", "workteam_arn")
        if workforce.type == "public" and workforce.workteam_arn != public:
            raise problem(f"{shown(workforce.workteam_arn)} is not the public workforce", f"use {public} or null",
                          "workteam_arn")
        return workforce

    @field_validator("ci")
    @classmethod
    def _repository_in_the_region(cls, ci: CiSection, info: ValidationInfo) -> CiSection:
        repo_region = ci_rules.codecommit_region(ci.repository_url or "") if ci.source == "codecommit" else None
        _same_region("the repository", repo_region, _pipeline_region(info),
                     "use a repository in the pipeline's region (CodeBuild and the push rule live there)",
                     "repository_url")
        return ci

    @model_validator(mode="after")
    def _jobs_fit_the_workforce(self) -> PipelineConfig:
        if self.verification.label_attribute == self.labeling.label_attribute:
            raise problem(f"{self.verification.label_attribute!r} equals labeling.label_attribute",
                          "use a different name: Ground Truth requires a verification job to write a new attribute",
                          "verification", "label_attribute")
        adjustment_fits(self)
        task_type_fits(self)
        if self.workforce.type == "public":
            low, _ = range_of(JobSection.model_fields["task_availability_lifetime_seconds"])
            for section in ("labeling", "verification"):
                lifetime = getattr(self, section).task_availability_lifetime_seconds
                if lifetime > gt.TASK_AVAILABILITY_MAX_PUBLIC:
                    raise problem(f"is {lifetime}",
                                  f"use {low} to {gt.TASK_AVAILABILITY_MAX_PUBLIC} (12 h: the public workforce's maximum)",
                                  section, "task_availability_lifetime_seconds")
        return self


SECTIONS: tuple[str, ...] = tuple(keys_of(PipelineConfig))
