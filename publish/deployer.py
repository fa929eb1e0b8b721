"""Publish everything the workflow needs, in dependency order, idempotently.

Order: bucket (with Ground Truth's CORS rule) -> CI (ci.enabled: CodeBuild) -> S3 Inventory (unless storage.listing is list) -> Ground Truth assets -> IAM roles -> Lambda functions ->
feature group -> log group -> state machine -> execution rule -> schedule -> compaction schedules. Each step reports
created / updated / unchanged. A failure stops the deploy with a
``DeployError`` that says what was done and what was not; running the deploy
again finishes the job, because every step compares before it changes.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from publish import (
    bucket_cors,
    codebuild,
    compaction,
    execution_rule,
    feature_group,
    iam_roles,
    inventory,
    lambdas,
    s3_assets,
    schedule,
    state_machine,
)
from publish.aws import AwsClients
from publish.changes import Change, DeployError, DeployReport
from publish.iam_policies import PolicyContext, role_documents
from publish.iam_propagation import RolePropagation
from publish.packaging import build_steps_package
from workflow import resources
from workflow.artifacts import render_assets
from workflow.config import PipelineConfig
from workflow.graph import build_workflow

STEP_ORDER = ("bucket", "ci", "inventory", "assets", "roles", "lambdas", "feature group", "log group", "state machine", "execution rule",
              "schedule", "compaction")
LAMBDA_HANDLERS = {
    "check": "steps.check_missing_labels.handler",
    "update": "steps.update_feature_store.handler",
    "filter": "steps.filter_labeled_objects.handler",
    "stop": "steps.stop_execution_jobs.handler",
    "unwritten": "steps.unwritten_output.handler",
}


@dataclass
class DeployResult:
    report: DeployReport
    state_machine_arn: str
    arns: resources.ResourceArns

    def console_url(self) -> str:
        region = self.arns.region
        return f"https://{region}.console.aws.amazon.com/states/home?region={region}#/statemachines/view/{self.state_machine_arn}"


def state_machine_log_group(cfg: PipelineConfig) -> str:
    return f"/aws/vendedlogs/states/{cfg.pipeline.name}"


class Deployer:
    """One deploy of ``cfg`` through ``clients``; ``emit`` receives each change as it happens."""

    def __init__(self, cfg: PipelineConfig, clients: AwsClients, emit: Callable[[Change], None] = lambda c: None,
                 propagation: RolePropagation | None = None):
        self.cfg, self.clients, self.emit = cfg, clients, emit
        self.propagation = propagation or RolePropagation()  # waits for IAM to propagate new roles
        self.report = DeployReport()
        self.arns = resources.ResourceArns.for_account(cfg, clients.account_id())

    def _record(self, change: Change) -> Change:
        self.emit(self.report.add(change))
        return change

    def run(self) -> DeployResult:
        """Run every step in order; raise DeployError naming what is left if one fails."""
        steps = {
            "bucket": self._bucket, "ci": self._ci, "inventory": self._inventory, "assets": self._assets, "roles": self._roles, "lambdas": self._lambdas,
            "feature group": self._feature_group, "log group": self._log_group,
            "state machine": self._state_machine, "execution rule": self._execution_rule, "schedule": self._schedule,
            "compaction": self._compaction,
        }
        state_machine_arn = ""
        for index, name in enumerate(STEP_ORDER):
            try:
                result = steps[name]()
            except (ClientError, BotoCoreError, feature_group.FeatureGroupConflict, RuntimeError, TimeoutError,
                    OSError) as error:
                raise DeployError(name, _one_line(error), list(self.report.changes), list(STEP_ORDER[index + 1:])) from error
            if name == "state machine" and result is not None:
                state_machine_arn = result
        return DeployResult(self.report, state_machine_arn, self.arns)

    # -- steps -------------------------------------------------------------------------------------------
    def _bucket(self) -> None:
        storage = self.cfg.storage
        s3 = self.clients.client("s3")
        self._record(s3_assets.ensure_bucket(s3, storage.bucket, self.clients.region, storage.kms_key_arn))
        self._record(bucket_cors.ensure_cors(s3, storage.bucket))  # Ground Truth's worker UI loads the images

    def _ci(self) -> None:
        """ci.enabled: the CodeBuild project, its role and the push trigger (publish.codebuild)."""
        codebuild.ensure_ci(self.clients, self.cfg, self.arns.account_id, self.propagation, self._record)

    def _inventory(self) -> None:
        """storage.listing auto/inventory: the daily S3 Inventory of the raw prefix and its Glue table."""
        for change in inventory.ensure_inventory(self.clients.client("s3"), self.clients.client("glue"), self.cfg,
                                                 self.clients.account_id()):
            self._record(change)

    def _assets(self) -> None:
        s3 = self.clients.client("s3")
        for name, asset in render_assets(self.cfg).items():  # the same bytes as the dry run writes
            key = resources.asset_key(self.cfg, name)
            self._record(s3_assets.ensure_object(s3, self.cfg.storage.bucket, key, asset.body, asset.content_type,
                                                 self.cfg.storage.kms_key_arn))

    def _roles(self) -> None:
        iam = self.clients.client("iam")
        configured = {
            "state_machine": self.cfg.iam.state_machine_role_arn,
            "check_lambda": self.cfg.iam.lambda_role_arn,
            "update_lambda": self.cfg.iam.lambda_role_arn,
            "filter_lambda": self.cfg.iam.lambda_role_arn,
            "stop_lambda": self.cfg.iam.lambda_role_arn,
            "ground_truth": self.cfg.iam.ground_truth_role_arn,
            "feature_store": self.cfg.iam.feature_store_role_arn,
            "scheduler": self.cfg.iam.scheduler_role_arn,
        }
        names = resources.role_names(self.cfg)
        table = feature_group.offline_table_in_use(self.clients.client("sagemaker"), self.cfg.feature_store.feature_group_name)
        for kind, documents in role_documents(PolicyContext.for_config(self.cfg, self.arns, table)).items():
            if kind == "compaction" and not compaction.wanted(self.cfg, self._table_format()):
                continue
            configured_arn = configured.get(kind)
            if configured_arn:
                self._record(Change("iam role", configured_arn, "unchanged", "configured in iam: not managed"))
                continue
            if kind == "scheduler" and self.cfg.schedule.expression is None:
                continue
            change, _ = iam_roles.ensure_role(iam, names[kind], documents.trust, documents.policy, self.cfg.pipeline.tags)
            self._record(change)

    def _lambdas(self) -> None:
        lam = self.clients.client("lambda")
        package = build_steps_package()
        specs = (
            lambdas.FunctionSpec(resources.check_lambda_name(self.cfg), LAMBDA_HANDLERS["check"], self.arns.check_lambda_role,
                                 timeout=900, memory_mb=1024, tags=self.cfg.pipeline.tags,
                                 tracing=self.cfg.observability.tracing),
            lambdas.FunctionSpec(resources.update_lambda_name(self.cfg), LAMBDA_HANDLERS["update"], self.arns.update_lambda_role,
                                 timeout=900, memory_mb=512, tags=self.cfg.pipeline.tags,
                                 tracing=self.cfg.observability.tracing),
            # Streams one manifest to another: little memory; 15 minutes copy far more than 100,000 lines.
            lambdas.FunctionSpec(resources.filter_lambda_name(self.cfg), LAMBDA_HANDLERS["filter"], self.arns.filter_lambda_role,
                                 timeout=900, memory_mb=512, tags=self.cfg.pipeline.tags,
                                 tracing=self.cfg.observability.tracing),
            # Writes earlier runs' unwritten output first in each run: the update's code and role, capped per run.
            lambdas.FunctionSpec(resources.unwritten_lambda_name(self.cfg), LAMBDA_HANDLERS["unwritten"],
                                 self.arns.update_lambda_role, timeout=900, memory_mb=512, tags=self.cfg.pipeline.tags,
                                 tracing=self.cfg.observability.tracing),
            # A few describes and stops per ended execution.
            lambdas.FunctionSpec(resources.stop_lambda_name(self.cfg), LAMBDA_HANDLERS["stop"], self.arns.stop_lambda_role,
                                 timeout=60, memory_mb=256, tags=self.cfg.pipeline.tags,
                                 tracing=self.cfg.observability.tracing,
                                 environment={"STATE_MACHINE_ARN": self.arns.state_machine,
                                              "JOB_NAME_PREFIX": self.cfg.pipeline.job_name_prefix}),
        )
        for spec in specs:
            change, _ = lambdas.ensure_function(lam, spec, package, self.propagation)
            self._record(change)

    def _feature_group(self) -> None:
        request = feature_group.feature_group_request(self.cfg, self.arns.feature_store_role)
        added = feature_group.add_missing_features(self.clients.client("sagemaker"), request)  # an earlier release's group
        if added is not None:
            self._record(added)
        self._record(feature_group.ensure_feature_group(self.clients.client("sagemaker"), request,
                                                        propagation=self.propagation,
                                                        glue=self.clients.client("glue")))

    def _log_group(self) -> None:
        logs, name = self.clients.client("logs"), state_machine_log_group(self.cfg)
        found = logs.describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
        if any(group["logGroupName"] == name for group in found):
            self._record(Change("log group", name, "unchanged"))
            return
        logs.create_log_group(logGroupName=name, tags=dict(self.cfg.pipeline.tags))
        logs.put_retention_policy(logGroupName=name, retentionInDays=90)
        self._record(Change("log group", name, "created", "90-day retention"))

    def _state_machine(self) -> str:
        log_group_arn = f"arn:aws:logs:{self.arns.region}:{self.arns.account_id}:log-group:{state_machine_log_group(self.cfg)}:*"
        observability = self.cfg.observability
        workflow = build_workflow(self.cfg, self.arns, client=self.clients.client("stepfunctions"),
                                  log_group_arn=log_group_arn, tracing=observability.tracing,
                                  log_level=observability.log_level)
        change, arn = state_machine.ensure_state_machine(workflow, self.propagation)
        self._record(change)
        return arn

    def _execution_rule(self) -> None:
        """Aborted and timed-out executions cannot stop their jobs: this rule's function does."""
        self._record(execution_rule.ensure_execution_rule(
            self.clients.client("events"), self.clients.client("lambda"), resources.execution_rule_name(self.cfg),
            self.arns.state_machine, self.arns.stop_lambda, self.cfg.pipeline.tags))

    def _schedule(self) -> None:
        scheduler, name = self.clients.client("scheduler"), resources.schedule_name(self.cfg)
        expression = self.cfg.schedule.expression
        request = None
        if expression:
            request = schedule.schedule_request(name, expression, self.cfg.schedule.timezone,
                                                self.arns.state_machine, self.arns.scheduler_role)
        self._record(schedule.ensure_schedule(scheduler, name, request))

    def _table_format(self) -> str:
        """The offline store's format: the existing group's own (fixed at creation), else the configured one."""
        return feature_group.table_format_in_use(self.clients.client("sagemaker"), self.cfg.feature_store.feature_group_name,
                                                 self.cfg.feature_store.table_format)

    def _compaction(self) -> None:
        """OPTIMIZE and VACUUM schedules for an Iceberg offline store; none (removed) for a Glue one."""
        sm = self.clients.client("sagemaker")
        name = self.cfg.feature_store.feature_group_name
        table_format = self._table_format()
        requests = compaction.schedule_requests(self.cfg, self.arns.compaction_role,
                                                feature_group.offline_table_in_use(sm, name), table_format)
        for change in compaction.ensure_compaction(self.clients.client("scheduler"), requests, table_format):
            self._record(change)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
