"""Ground Truth labeling jobs: state per account and region, and their lifecycle on the sandbox clock.

A job is ``Initializing`` for ``initializing_seconds``, then ``InProgress``
while the simulated workforce completes objects at an even pace over
``labeling_seconds`` (``verification_seconds``), then ``Completed``; or
``Failed`` half way when the profile fails that kind of job (at once when it
starts if its worker template cannot be rendered); or ``Stopping``
then ``Stopped`` after StopLabelingJob. Status is derived from the clock on
every read; the output manifest is written the first time a read finds the
job Completed (the pipeline always describes a job before reading its output).
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sandbox.ground_truth import adjustment  # noqa: F401  (registers the adjustment planner)
from sandbox.ground_truth.errors import ResourceInUseException, ResourceNotFound, ValidationError
from sandbox.ground_truth.s3io import S3AccessDenied, S3Store
from sandbox.ground_truth.simulation import FAILED, LABELED, ObjectResult, output_line, plan_job
from sandbox.ground_truth.validation import JobSpec, validate_create_request
from sandbox.iam.ground_truth import output_failure_reason
from sandbox.workforce import WorkforceProfile

INITIALIZING, IN_PROGRESS, COMPLETED = "Initializing", "InProgress", "Completed"
FAILED_STATUS, STOPPING, STOPPED = "Failed", "Stopping", "Stopped"
ACTIVE_STATUSES = (INITIALIZING, IN_PROGRESS)
# Echoed by DescribeLabelingJob exactly as they were sent.
REQUEST_FIELDS = (
    "LabelingJobName", "LabelAttributeName", "InputConfig", "OutputConfig", "RoleArn",
    "LabelCategoryConfigS3Uri", "StoppingConditions", "LabelingJobAlgorithmsConfig", "HumanTaskConfig", "Tags",
)


@dataclass
class LabelingJob:
    spec: JobSpec
    request: dict[str, Any]
    arn: str
    created_at: datetime
    workforce: WorkforceProfile
    plan: list[ObjectResult]
    reference_code: str
    template_failure: str | None = None  # the worker template cannot be rendered: the job fails when it starts
    stop_requested_at: datetime | None = None
    output_written: bool = False
    output_failure: str | None = None  # the role could not write the output (sandbox.iam.ground_truth)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- timeline -------------------------------------------------------------

    @property
    def started_at(self) -> datetime:
        """When the job turns InProgress."""
        return self.created_at + timedelta(seconds=self.workforce.initializing_seconds)

    @property
    def _duration(self) -> timedelta:
        return timedelta(seconds=self.workforce.job_seconds(self.spec.kind))

    @property
    def ends_at(self) -> datetime:
        """When the job completes, or fails half way when its kind is set to fail (at once for a bad template)."""
        if self.template_failure:
            return self.started_at
        if self.workforce.job_failure(self.spec.kind):
            return self.started_at + self._duration / 2
        return self.started_at + self._duration

    def object_done_at(self, index: int) -> datetime:
        """When the workforce finishes object ``index`` (objects finish evenly over the job)."""
        return self.started_at + self._duration * ((index + 1) / len(self.plan))

    def status(self, now: datetime) -> tuple[str, datetime]:
        """The status at ``now`` and when the job entered it (its LastModifiedTime)."""
        if self.stop_requested_at is not None:
            stopped_at = self.stop_requested_at + timedelta(seconds=self.workforce.stopping_seconds)
            return (STOPPED, stopped_at) if now >= stopped_at else (STOPPING, self.stop_requested_at)
        if now < self.started_at:
            return INITIALIZING, self.created_at
        if now < self.ends_at:
            return IN_PROGRESS, self.started_at
        if self.template_failure:
            return FAILED_STATUS, self.ends_at
        if self.output_failure or self.workforce.job_failure(self.spec.kind):
            return FAILED_STATUS, self.ends_at
        return COMPLETED, self.ends_at

    def counters(self, now: datetime) -> dict[str, int]:
        """LabelCounters at ``now``: objects finished so far, frozen once the job stops or fails."""
        until = min(now, self.ends_at)
        if self.stop_requested_at is not None:
            until = min(until, self.stop_requested_at)
        labeled = failed = 0
        for index, result in enumerate(self.plan):
            if self.object_done_at(index) > until:
                break
            labeled += result.outcome == LABELED
            failed += result.outcome == FAILED
        return {
            "TotalLabeled": labeled,
            "HumanLabeled": labeled,
            "MachineLabeled": 0,
            "FailedNonRetryableError": failed,
            "Unlabeled": len(self.plan) - labeled - failed,
        }

    @property
    def output_uri(self) -> str:
        return f"{self.spec.output_path}{self.spec.name}/manifests/output/output.manifest"

    def output_manifest(self) -> bytes:
        """The output manifest (JSON Lines) in Ground Truth's format."""
        lines = (
            json.dumps(output_line(self.spec, line, result, self.object_done_at(i)), ensure_ascii=False)
            for i, (line, result) in enumerate(zip(self.spec.lines, self.plan, strict=True))
        )
        return ("\n".join(lines) + "\n").encode("utf-8")

    # -- API views -----------------------------------------------------------

    def describe(self, now: datetime) -> dict[str, Any]:
        status, modified = self.status(now)
        response: dict[str, Any] = {
            "LabelingJobStatus": status,
            "LabelCounters": self.counters(now),
            "CreationTime": self.created_at,
            "LastModifiedTime": modified,
            "JobReferenceCode": self.reference_code,
            "LabelingJobArn": self.arn,
        }
        if status == FAILED_STATUS:
            response["FailureReason"] = self.output_failure or self.workforce.job_failure(self.spec.kind)
        if status == FAILED_STATUS and self.template_failure:
            response["FailureReason"] = self.template_failure
        response.update({key: self.request[key] for key in REQUEST_FIELDS if key in self.request})
        if status == COMPLETED:
            response["LabelingJobOutput"] = {"OutputDatasetS3Uri": self.output_uri}
        return response

    def summary(self, now: datetime) -> dict[str, Any]:
        full = self.describe(now)
        human = self.request["HumanTaskConfig"]
        summary: dict[str, Any] = {key: full[key] for key in (
            "LabelingJobName", "LabelingJobArn", "CreationTime", "LastModifiedTime", "LabelingJobStatus",
            "LabelCounters", "FailureReason", "LabelingJobOutput", "InputConfig",
        ) if key in full}
        summary["WorkteamArn"] = human["WorkteamArn"]
        summary["PreHumanTaskLambdaArn"] = human["PreHumanTaskLambdaArn"]
        summary["AnnotationConsolidationLambdaArn"] = human["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"]
        return summary


class GroundTruthBackend:
    """The labeling jobs of one account in one region."""

    def __init__(self, account_id: str, region: str, clock_now: Callable[[], datetime],
                 workforce: Callable[[], WorkforceProfile]) -> None:
        self.account_id = account_id
        self.region = region
        self._now = clock_now
        self._workforce = workforce
        self._jobs: dict[str, LabelingJob] = {}  # by lower-cased name: names are unique case-insensitively
        self._lock = threading.RLock()

    def create_labeling_job(self, request: dict[str, Any]) -> LabelingJob:
        """Validate and start a job; ResourceInUse if the name was ever used (any case)."""
        name = request["LabelingJobName"]
        s3 = S3Store.for_labeling_job(self.account_id, self.region, request)  # as the job's RoleArn
        with self._lock:
            if name.lower() in self._jobs:
                raise ResourceInUseException(f"A labeling job with name {name} already exists; job names are unique "
                                             "per account and region for ever, compared case-insensitively.")
            spec = validate_create_request(request, self.account_id, self.region, s3)
            workforce = self._workforce()
            arn = f"arn:aws:sagemaker:{self.region}:{self.account_id}:labeling-job/{name.lower()}"
            plan = plan_job(spec, workforce, s3)
            job = LabelingJob(
                spec=spec,
                request=request,
                arn=arn,
                created_at=self._now(),
                workforce=workforce,
                plan=plan.objects,
                reference_code=hashlib.sha256(arn.encode()).hexdigest()[:24],
                template_failure=plan.failure,
            )
            self._jobs[name.lower()] = job
        return job

    def get(self, name: str) -> LabelingJob:
        with self._lock:
            job = self._jobs.get(name.lower())
        if job is None:
            raise ResourceNotFound(f"Could not find labeling job '{name}' in account {self.account_id}, region {self.region}.")
        return job

    def describe_labeling_job(self, name: str) -> dict[str, Any]:
        job = self.get(name)
        now = self._now()
        self._write_output_when_completed(job, now)
        return job.describe(now)

    def stop_labeling_job(self, name: str) -> None:
        """Stop an Initializing or InProgress job (Stopping, then Stopped)."""
        job = self.get(name)
        now = self._now()
        with job._lock:
            status, _ = job.status(now)
            if status not in ACTIVE_STATUSES:
                if status in (STOPPING, STOPPED):
                    return  # stopping twice changes nothing
                raise ValidationError(f"Labeling job {job.spec.name} is {status}; only Initializing or InProgress jobs can be stopped.")
            job.stop_requested_at = now

    def list_labeling_jobs(self) -> list[tuple[LabelingJob, dict[str, Any]]]:
        """Every job with its summary at the current time."""
        now = self._now()
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            self._write_output_when_completed(job, now)
        return [(job, job.summary(now)) for job in jobs]

    def _write_output_when_completed(self, job: LabelingJob, now: datetime) -> None:
        with job._lock:
            if job.output_written or job.status(now)[0] != COMPLETED:
                return
            try:
                store = S3Store.for_labeling_job(self.account_id, self.region, job.request)
                for result in job.plan:  # the consolidated masks the output lines point to
                    for uri, body in result.files.items():
                        store.write(uri, body, job.spec.kms_key_id)
                store.write(job.output_uri, job.output_manifest(), job.spec.kms_key_id)
            except (S3AccessDenied, ValidationError) as denied:  # the role may not write (or be assumed)
                job.output_failure = output_failure_reason(denied)
                return
            job.output_written = True
