"""Names and ARNs of the AWS resources the pipeline uses, derived from the config.

Everything here is a pure function of ``PipelineConfig`` (plus an account id):
the deployer creates resources under these names, the graph and the job
requests refer to them. Role ARNs given in ``config.yaml`` (``iam.*``) win over
the derived ones: those roles are used instead of created.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from steps import layout
from workflow.config import PipelineConfig, replace

PLACEHOLDER_ACCOUNT_ID = "000000000000"
_ACCOUNT_ID = re.compile(r"^\d{12}$")

ASSET_NAMES = (
    "labeling.liquid.html",
    "verification.liquid.html",
    "labeling-categories.json",
    "verification-categories.json",
    "adjustment.liquid.html",  # verification.on_reject: adjust (uploaded whatever the setting: a switch needs no upload)
)


def check_lambda_name(cfg: PipelineConfig) -> str:
    """Function name of the CheckMissingLabels step."""
    return f"{cfg.pipeline.name}-check-missing-labels"


def update_lambda_name(cfg: PipelineConfig) -> str:
    """Function name of the UpdateFeatureStore step."""
    return f"{cfg.pipeline.name}-update-feature-store"


def filter_lambda_name(cfg: PipelineConfig) -> str:
    """Function name of the FilterLabeledObjects step (the verification job's input)."""
    return f"{cfg.pipeline.name}-filter-labeled-objects"


def unwritten_lambda_name(cfg: PipelineConfig) -> str:
    """Function name of WriteUnwrittenOutput (steps.unwritten_output): the update's code and role, first in each run."""
    return f"{cfg.pipeline.name}-write-unwritten"


def stop_lambda_name(cfg: PipelineConfig) -> str:
    """Function name of StopExecutionJobs (the target of the execution status rule)."""
    return f"{cfg.pipeline.name}-stop-execution-jobs"


def execution_rule_name(cfg: PipelineConfig) -> str:
    """Name of the EventBridge rule on the state machine's aborted, timed-out and failed executions."""
    return f"{cfg.pipeline.name}-execution-ended"


def lambda_names(cfg: PipelineConfig) -> tuple[str, ...]:
    """Every function the deployer creates; each stays within Lambda's 64 characters."""
    return (check_lambda_name(cfg), filter_lambda_name(cfg), update_lambda_name(cfg), stop_lambda_name(cfg),
            unwritten_lambda_name(cfg))


def role_names(cfg: PipelineConfig) -> dict[str, str]:
    """Names of the roles the deployer creates, by use."""
    name = cfg.pipeline.name
    return {
        "state_machine": f"{name}-states",
        "check_lambda": f"{name}-check-lambda",
        "update_lambda": f"{name}-update-lambda",
        "filter_lambda": f"{name}-filter-lambda",
        "stop_lambda": f"{name}-stop-lambda",
        "ground_truth": f"{name}-ground-truth",
        "feature_store": f"{name}-feature-store",
        "scheduler": f"{name}-scheduler",
        "compaction": f"{name}-compaction",  # starts the Iceberg offline store's OPTIMIZE/VACUUM (publish.compaction)
    }


def schedule_name(cfg: PipelineConfig) -> str:
    """Name of the EventBridge Scheduler schedule that starts the state machine."""
    return f"{cfg.pipeline.name}-schedule"


def compaction_schedule_names(cfg: PipelineConfig) -> dict[str, str]:
    """Names of the EventBridge Scheduler schedules that run Athena OPTIMIZE and VACUUM on an Iceberg
    offline store (publish.compaction), by statement; at most 63 characters (Scheduler allows 64)."""
    return {"OPTIMIZE": f"{cfg.pipeline.name}-optimize-offline-store", "VACUUM": f"{cfg.pipeline.name}-vacuum-offline-store"}


def codebuild_project_name(cfg: PipelineConfig) -> str:
    """Name of the CodeBuild project that tests and deploys the pipeline on each push (``ci:``)."""
    return f"{cfg.pipeline.name}-deploy"


def codebuild_role_name(cfg: PipelineConfig) -> str:
    """Name of the CodeBuild project's service role (what ``python deploy.py`` needs, nothing more)."""
    return f"{cfg.pipeline.name}-codebuild"


def codebuild_trigger_rule_name(cfg: PipelineConfig) -> str:
    """Name of the EventBridge rule that starts a build on a push to a CodeCommit branch."""
    return f"{cfg.pipeline.name}-deploy-on-push"


def codebuild_trigger_role_name(cfg: PipelineConfig) -> str:
    """Name of the role EventBridge uses to start that build (CodeCommit sources only)."""
    return f"{cfg.pipeline.name}-deploy-trigger"


def work_prefix(cfg: PipelineConfig) -> str:
    """The work prefix, ending with "/" (or empty)."""
    return layout.base(cfg.storage.work_prefix)


def asset_key(cfg: PipelineConfig, asset: str) -> str:
    """S3 key of one UI asset (template or category file) under ``<work_prefix>assets/``."""
    if asset not in ASSET_NAMES:
        raise ValueError(f"unknown asset {asset!r}; known: {', '.join(ASSET_NAMES)}")
    return layout.asset_key(cfg.storage.work_prefix, asset)


def asset_uri(cfg: PipelineConfig, asset: str) -> str:
    """s3:// URI of one UI asset."""
    return f"s3://{cfg.storage.bucket}/{asset_key(cfg, asset)}"


def athena_output_uri(cfg: PipelineConfig) -> str:
    """Where Athena writes query results: ``s3://<bucket>/<work_prefix>athena/``."""
    return f"s3://{cfg.storage.bucket}/{layout.athena_prefix(cfg.storage.work_prefix)}"


@dataclass(frozen=True)
class ResourceArns:
    """ARNs of the resources the state machine and the labeling jobs use."""

    account_id: str
    region: str
    check_lambda: str
    update_lambda: str
    filter_lambda: str
    state_machine: str
    state_machine_role: str
    check_lambda_role: str
    update_lambda_role: str
    filter_lambda_role: str
    ground_truth_role: str
    feature_store_role: str
    scheduler_role: str
    stop_lambda: str
    stop_lambda_role: str
    compaction_role: str = ""  # the compaction schedules' role (publish.compaction)
    unwritten_lambda: str = ""  # WriteUnwrittenOutput (runs as update_lambda_role)

    @classmethod
    def for_account(cls, cfg: PipelineConfig, account_id: str) -> ResourceArns:
        """The ARNs in ``account_id``; role ARNs from ``cfg.iam`` win over derived ones."""
        if not isinstance(account_id, str) or not _ACCOUNT_ID.match(account_id):
            raise ValueError(f"account id {account_id!r} is not valid; expected 12 digits")
        region = cfg.pipeline.region
        roles = role_names(cfg)

        def role(kind: str, configured: str | None) -> str:
            return configured or f"arn:aws:iam::{account_id}:role/{roles[kind]}"

        def function(name: str) -> str:
            return f"arn:aws:lambda:{region}:{account_id}:function:{name}"

        return cls(
            account_id=account_id,
            region=region,
            check_lambda=function(check_lambda_name(cfg)),
            update_lambda=function(update_lambda_name(cfg)),
            filter_lambda=function(filter_lambda_name(cfg)),
            state_machine=f"arn:aws:states:{region}:{account_id}:stateMachine:{cfg.pipeline.name}",
            state_machine_role=role("state_machine", cfg.iam.state_machine_role_arn),
            check_lambda_role=role("check_lambda", cfg.iam.lambda_role_arn),
            update_lambda_role=role("update_lambda", cfg.iam.lambda_role_arn),
            filter_lambda_role=role("filter_lambda", cfg.iam.lambda_role_arn),
            ground_truth_role=role("ground_truth", cfg.iam.ground_truth_role_arn),
            feature_store_role=role("feature_store", cfg.iam.feature_store_role_arn),
            scheduler_role=role("scheduler", cfg.iam.scheduler_role_arn),
            stop_lambda=function(stop_lambda_name(cfg)),
            stop_lambda_role=role("stop_lambda", cfg.iam.lambda_role_arn),
            compaction_role=role("compaction", None),
            unwritten_lambda=function(unwritten_lambda_name(cfg)),
        )

    @classmethod
    def placeholder(cls, cfg: PipelineConfig) -> ResourceArns:
        """ARNs in the placeholder account 000000000000, for the dry run."""
        return cls.for_account(cfg, PLACEHOLDER_ACCOUNT_ID)


_ACCOUNT_IN_ARN = re.compile(r"^(arn:aws:[a-z-]+:[a-z0-9-]*:)(\d{12})(:.*)$")


def in_account(cfg: PipelineConfig, account_id: str) -> tuple[PipelineConfig, list[str]]:
    """The config with account-specific ARNs moved into the sandbox's account.

    A private workteam belongs to one account; the sandbox is another account,
    so ``arn:...:111122223333:workteam/...`` becomes ``arn:...:<sandbox>:workteam/...``.
    Returns the new config and one note per ARN moved.
    """
    notes = []

    def move(arn: str | None, what: str) -> str | None:
        match = _ACCOUNT_IN_ARN.match(arn or "")
        if not match or match.group(2) == account_id:
            return arn
        moved = f"{match.group(1)}{account_id}{match.group(3)}"
        notes.append(f"{what}: {arn} -> {moved}")
        return moved

    workforce = cfg.workforce
    if workforce.type != "public":
        workforce = replace(workforce, workteam_arn=move(workforce.workteam_arn, "workteam"))
    storage = replace(cfg.storage, kms_key_arn=move(cfg.storage.kms_key_arn, "kms key"))
    iam = replace(cfg.iam, **{name: move(getattr(cfg.iam, name), f"iam.{name}") for name in type(cfg.iam).model_fields})
    return replace(cfg, workforce=workforce, storage=storage, iam=iam), notes
