"""Tear down what ``deploy.py`` created for a config: ``python deploy.py --destroy``.

Describe, then act. ``destroy_plan(cfg, delete_labels)`` is a pure function of the config: every
resource the deployer (or the pipeline's own functions) may have created, in the order they are
removed (the reverse of the deploy's dependency order), each either to delete or to keep (with
why). ``Destroyer`` walks the plan through ``DELETERS`` (one function per kind) and reports each
resource as ``deleted``, ``absent`` (nothing there: a second run reports only these) or ``kept``.
A new resource is one ``Target`` line in the plan (and one deleter if its kind is new).

What goes, under ``storage.work_prefix`` (``steps.layout``): ``assets/`` (worker templates and
category files the deployer uploaded), ``athena/`` (query results, compaction's included),
``active/`` (claims of runs in flight), ``inventory/`` (S3 Inventory reports), ``builds/`` (the CI
builds' artifacts, unless ``ci.artifact_location`` puts them elsewhere). ``runs/`` (input
manifests and the Ground Truth jobs' outputs: paid labels, the only copy of a label whose
feature-store write failed) goes only with ``--delete-labels``, like the feature group, its
offline-store files (the group's own folder, never the whole offline prefix) and its Glue table.
Bucket-level pieces the deployer added go one by one: the S3 Inventory configuration (by Id), its
delivery statement in the bucket policy (by Sid), the Ground Truth CORS rule (by ID). Never deleted:
the bucket, anything under ``storage.raw_prefix`` with an image extension (even if a work prefix
overlaps it), anything outside these prefixes, and roles given in ``iam:``. A role named like ours
that deploy.py did not create (its description lacks the deployer's mark) is kept too.

Running executions refuse the teardown; ``force`` stops them and then their labeling jobs with
``steps.stop_execution_jobs`` (the code the execution-ended rule's function runs).
"""
from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from cli import CommandError
from publish import bucket_cors
from publish import inventory as publish_inventory
from publish.aws import AwsClients
from publish.changes import Change
from publish.deployer import state_machine_log_group
from publish.feature_group import DATABASE, offline_table_name
from steps import layout
from workflow import resources
from workflow.config import PipelineConfig
from workflow.inventory import inventory_names

ROLE_MARK = "(managed by deploy.py)"  # in the Description of every role publish.iam_roles creates
NOT_FOUND = frozenset({"NoSuchEntity", "ResourceNotFoundException", "ResourceNotFound", "StateMachineDoesNotExist",
                       "EntityNotFoundException", "NoSuchBucket", "NoSuchCORSConfiguration", "404", "NotFound",
                       "NoSuchConfiguration", "NoSuchInventoryConfig", "NoSuchBucketPolicy"})
LABELS_KEPT = "holds paid labels; --delete-labels deletes it"


class DestroyRefused(CommandError):
    """The teardown did not start: executions are running, or it was not confirmed (exit 1)."""


@dataclass(frozen=True)
class Target:
    """One resource of the plan: ``kind`` selects its deleter; ``keep`` (non-empty) says why it stays."""

    kind: str
    name: str
    keep: str = ""


def _s3_uri(cfg: PipelineConfig, key: str) -> str:
    return f"s3://{cfg.storage.bucket}/{key}"


def destroy_plan(cfg: PipelineConfig, delete_labels: bool = False) -> list[Target]:
    """Every resource ``deploy.py`` creates for ``cfg``, in the order ``--destroy`` removes them."""
    labels_keep = "" if delete_labels else LABELS_KEPT
    inventory = inventory_names(cfg)
    work = cfg.storage.work_prefix
    configured = {
        "state_machine": cfg.iam.state_machine_role_arn, "ground_truth": cfg.iam.ground_truth_role_arn,
        "feature_store": cfg.iam.feature_store_role_arn, "scheduler": cfg.iam.scheduler_role_arn,
        "check_lambda": cfg.iam.lambda_role_arn, "update_lambda": cfg.iam.lambda_role_arn,
        "filter_lambda": cfg.iam.lambda_role_arn, "stop_lambda": cfg.iam.lambda_role_arn,
    }
    plan = [
        # What starts deploys and runs goes first: CI, then the schedule, then the state machine.
        Target("codebuild project", resources.codebuild_project_name(cfg)),  # with its webhook
        Target("eventbridge rule", resources.codebuild_trigger_rule_name(cfg)),  # CodeCommit pushes -> builds
        Target("schedule", resources.schedule_name(cfg)),
        *(Target("schedule", name) for name in resources.compaction_schedule_names(cfg).values()),  # Iceberg upkeep
        Target("eventbridge rule", resources.execution_rule_name(cfg)),  # targets first
        Target("state machine", cfg.pipeline.name),
        Target("log group", state_machine_log_group(cfg)),
        # The labels: the group, then its Glue table and files (DeleteFeatureGroup keeps both).
        Target("feature group", cfg.feature_store.feature_group_name, labels_keep),
        Target("glue table", f"{DATABASE}.{offline_table_name(cfg.feature_store.feature_group_name)}", labels_keep),
        Target("offline store files", _s3_uri(cfg, cfg.feature_store.offline_store_prefix), labels_keep),
        # S3 Inventory of the raw prefix (storage.listing auto | inventory): configuration, delivery grant, table.
        Target("s3 inventory", inventory.config_id),  # a configuration of storage.bucket
        Target("bucket policy", f"{cfg.storage.bucket} {publish_inventory.POLICY_SID}"),  # that one statement
        Target("glue table", f"{inventory.database}.{inventory.table}"),
    ]
    for function in resources.lambda_names(cfg):
        plan.append(Target("lambda function", function))
        plan.append(Target("log group", f"/aws/lambda/{function}"))  # created by the function's first run
    for kind, role in resources.role_names(cfg).items():
        given = configured.get(kind)
        plan.append(Target("iam role", role, f"given in iam: ({given}); never touched" if given else ""))
    plan += [
        Target("iam role", resources.codebuild_role_name(cfg)),
        Target("iam role", resources.codebuild_trigger_role_name(cfg)),
        Target("s3 prefix", _s3_uri(cfg, layout.assets_prefix(work))),
        Target("s3 prefix", _s3_uri(cfg, layout.athena_prefix(work))),
        Target("s3 prefix", _s3_uri(cfg, layout.active_prefix(work))),
        Target("s3 prefix", _s3_uri(cfg, layout.inventory_prefix(work))),  # the inventory reports
        # The CI builds' rendered dry runs: the default location is ours; a configured one is the owner's.
        Target("s3 prefix", _s3_uri(cfg, f"{layout.base(work)}builds/")) if cfg.ci.artifact_location is None
        else Target("s3 prefix", cfg.ci.artifact_location, "ci.artifact_location is yours: left alone"),
        Target("s3 prefix", _s3_uri(cfg, layout.runs_prefix(work)), "manifests and job outputs of past runs: " + LABELS_KEPT
               if not delete_labels else ""),
        Target("s3 bucket cors rule", f"{cfg.storage.bucket}: {bucket_cors.RULE_ID}"),
        Target("s3 bucket", cfg.storage.bucket, "never deleted"),
        Target("raw images", _s3_uri(cfg, cfg.storage.raw_prefix), "never deleted"),
    ]
    return plan


def plan_lines(plan: list[Target]) -> list[str]:
    """The plan as the confirmation prompt shows it."""
    return [f"{'keep' if t.keep else 'delete':>7}  {t.kind}: {t.name}" + (f" ({t.keep})" if t.keep else "") for t in plan]


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _absent(error: ClientError) -> bool:
    return _code(error) in NOT_FOUND


class Destroyer:
    """Carries out a plan through ``clients``; ``emit`` receives each outcome as it happens."""

    def __init__(self, cfg: PipelineConfig, clients: AwsClients, emit: Callable[[Change], None] = lambda c: None) -> None:
        self.cfg, self.clients, self.emit = cfg, clients, emit
        self.account_id = clients.account_id()
        self.arns = resources.ResourceArns.for_account(cfg, self.account_id)
        self._offline: dict[str, str] | None = None  # the feature group's table and files, read before it goes
        self.stop_wait_seconds = 60.0

    # -- executions ---------------------------------------------------------------------------------
    def running_executions(self) -> list[dict]:
        """The state machine's RUNNING executions (none when it does not exist)."""
        sfn = self.clients.client("stepfunctions")
        found: list[dict] = []
        try:
            for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=self.arns.state_machine,
                                                                       statusFilter="RUNNING"):
                found.extend(page.get("executions", []))
        except ClientError as error:
            if _absent(error):
                return []
            raise
        return found

    def stop_executions(self, executions: list[dict]) -> list[Change]:
        """Stop each execution, then its labeling jobs (steps.stop_execution_jobs, as the rule's function does)."""
        from steps.log import StepSummary
        from steps.stop_execution_jobs import stop_execution_jobs

        sfn, sagemaker = self.clients.client("stepfunctions"), self.clients.client("sagemaker")
        changes = []
        for execution in executions:
            arn = execution["executionArn"]
            sfn.stop_execution(executionArn=arn, error="Destroyed", cause="python deploy.py --destroy --force")
            self._wait_ended(sfn, arn)  # stop_execution_jobs leaves the jobs of a RUNNING execution alone
            event = {"detail": {"executionArn": arn, "stateMachineArn": self.arns.state_machine}}
            result = stop_execution_jobs(event, sfn, sagemaker, self.arns.state_machine,
                                         self.cfg.pipeline.job_name_prefix, StepSummary("DeployDestroy"))
            # The execution rule's function may have stopped a job first: it is then reported with its status.
            jobs = [f"{job} stopped" for job in result["stopped"]]
            jobs += [f"{job} {status}" for job, status in result["not_running"].items()]
            changes.append(self._emit(Change("execution", execution.get("name", arn), "stopped",
                                                  "labeling jobs: " + (", ".join(jobs) or "none"))))
        return changes

    def _wait_ended(self, sfn: Any, arn: str) -> None:
        """StopExecution returns before DescribeExecution shows the end: wait for it (a minute at most)."""
        deadline = time.monotonic() + self.stop_wait_seconds
        while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            if time.monotonic() > deadline:
                raise CommandError(f"execution {arn} still RUNNING {self.stop_wait_seconds:.0f} s after StopExecution; "
                                   "run --destroy --force again")
            time.sleep(0.5)

    # -- the plan -----------------------------------------------------------------------------------
    def run(self, plan: list[Target]) -> list[Change]:
        """Delete or keep each target in order; a failure stops with one line saying what is left."""
        done: list[Change] = []
        for index, target in enumerate(plan):
            try:
                change = (Change(target.kind, target.name, "kept", target.keep) if target.keep
                          else DELETERS[target.kind](self, target))
            except ClientError as error:
                pending = [f"{t.kind} {t.name}" for t in plan[index:] if not t.keep]
                left = ", ".join(pending[:3]) + (f" and {len(pending) - 3} more" if len(pending) > 3 else "")
                from cli import describe_aws_error

                raise CommandError(f"destroy failed at {target.kind} {target.name}: {describe_aws_error(error)}. "
                                   f"Not done: {left}. Fix the cause and run --destroy again: it skips what is gone") from error
            done.append(self._emit(change))
        return done

    def _emit(self, change: Change) -> Change:
        self.emit(change)
        return change

    # -- deleters, one per kind ---------------------------------------------------------------------
    def codebuild_project(self, target: Target) -> Change:
        codebuild = self.clients.client("codebuild")
        projects = codebuild.batch_get_projects(names=[target.name]).get("projects", [])
        if not projects:
            return Change(target.kind, target.name, "absent")
        detail = ""
        if projects[0].get("webhook"):
            codebuild.delete_webhook(projectName=target.name)  # also removes the hook from the repository
            detail = "and its webhook"
        codebuild.delete_project(name=target.name)
        return Change(target.kind, target.name, "deleted", detail)

    def schedule(self, target: Target) -> Change:
        try:
            self.clients.client("scheduler").delete_schedule(Name=target.name)
        except ClientError as error:
            if _absent(error):
                return Change(target.kind, target.name, "absent")
            raise
        return Change(target.kind, target.name, "deleted")

    def eventbridge_rule(self, target: Target) -> Change:
        """Targets first: EventBridge refuses to delete a rule that still has targets (DeleteRule)."""
        events = self.clients.client("events")
        try:
            targets = events.list_targets_by_rule(Rule=target.name).get("Targets", [])
        except ClientError as error:
            if _absent(error):
                return Change(target.kind, target.name, "absent")
            raise
        if targets:
            events.remove_targets(Rule=target.name, Ids=[t["Id"] for t in targets])
        events.delete_rule(Name=target.name)
        return Change(target.kind, target.name, "deleted", f"{len(targets)} target(s) removed first" if targets else "")

    def state_machine(self, target: Target) -> Change:
        sfn = self.clients.client("stepfunctions")
        try:
            sfn.describe_state_machine(stateMachineArn=self.arns.state_machine)
        except ClientError as error:
            if _absent(error):
                return Change(target.kind, target.name, "absent")
            raise
        sfn.delete_state_machine(stateMachineArn=self.arns.state_machine)
        return Change(target.kind, target.name, "deleted")

    def log_group(self, target: Target) -> Change:
        try:
            self.clients.client("logs").delete_log_group(logGroupName=target.name)
        except ClientError as error:
            if _absent(error):
                return Change(target.kind, target.name, "absent")
            raise
        return Change(target.kind, target.name, "deleted")

    def _offline_store(self) -> dict[str, str]:
        """The group's Glue table and file location, read once, before the group is deleted."""
        if self._offline is None:
            name = self.cfg.feature_store.feature_group_name
            found: dict[str, str] = {}
            try:
                described = self.clients.client("sagemaker").describe_feature_group(FeatureGroupName=name)
                offline = described.get("OfflineStoreConfig") or {}
                catalog = offline.get("DataCatalogConfig") or {}
                if catalog.get("TableName"):
                    found["database"], found["table"] = catalog.get("Database", DATABASE), catalog["TableName"]
                s3 = offline.get("S3StorageConfig") or {}
                found["files"] = s3.get("ResolvedOutputS3Uri") or ""
            except ClientError as error:
                if not _absent(error) and _code(error) != "ValidationException":
                    raise
            self._offline = found
        return self._offline

    def feature_group(self, target: Target) -> Change:
        self._offline_store()
        try:
            self.clients.client("sagemaker").delete_feature_group(FeatureGroupName=target.name)
        except ClientError as error:
            if _absent(error):
                return Change(target.kind, target.name, "absent")
            raise
        return Change(target.kind, target.name, "deleted")

    def glue_table(self, target: Target) -> Change:
        """A Glue table; the offline store's as the group named it (DeleteFeatureGroup keeps it,
        API_DeleteFeatureGroup), and its location is remembered for the files."""
        database, table = target.name.split(".", 1)
        found: dict[str, str] = {}
        if target.name == f"{DATABASE}.{offline_table_name(self.cfg.feature_store.feature_group_name)}":
            found = self._offline_store()
            database, table = found.get("database", database), found.get("table") or table
        glue, name = self.clients.client("glue"), f"{database}.{table}"
        files = ""
        try:
            located = glue.get_table(DatabaseName=database, Name=table)["Table"]
            files = located.get("StorageDescriptor", {}).get("Location", "")
            glue.delete_table(DatabaseName=database, Name=table)
        except ClientError as error:
            if _absent(error):
                return Change(target.kind, name, "absent")
            raise
        if files and not found.get("files"):
            found["files"] = files  # the group was gone already: its table still knew where the files are
        return Change(target.kind, name, "deleted")

    def offline_store_files(self, target: Target) -> Change:
        """The group's own files only: ``ResolvedOutputS3Uri`` (or its table's location), which must lie
        under ``feature_store.offline_store_prefix`` and name the group; never the whole prefix."""
        location = self._offline_store().get("files", "")
        bucket, prefix = _split_s3(location) if location else ("", "")
        group = self.cfg.feature_store.feature_group_name
        if not location or bucket != self.cfg.storage.bucket:
            return Change(target.kind, target.name, "absent", "no offline store location known" if not location else
                          f"{location} is outside {self.cfg.storage.bucket}: left alone")
        if prefix.endswith("/data"):
            prefix = prefix[: -len("/data")]  # <group>-<created>/ holds data/ (and metadata/ for Iceberg)
        if not prefix.startswith(self.cfg.feature_store.offline_store_prefix) or group not in prefix:
            return Change(target.kind, location, "kept", "not under feature_store.offline_store_prefix or not this group's")
        return self._delete_prefix(target.kind, prefix.rstrip("/") + "/")

    def s3_inventory(self, target: Target) -> Change:
        config_id = target.name
        s3 = self.clients.client("s3")
        try:
            s3.get_bucket_inventory_configuration(Bucket=self.cfg.storage.bucket, Id=config_id)
        except ClientError as error:
            if _absent(error):
                return Change(target.kind, target.name, "absent")
            raise
        s3.delete_bucket_inventory_configuration(Bucket=self.cfg.storage.bucket, Id=config_id)
        return Change(target.kind, target.name, "deleted")

    def bucket_policy(self, target: Target) -> Change:
        """One statement of the bucket policy (``<bucket> <Sid>``); the others (e.g. the TLS-only one) stay."""
        sid = target.name.rsplit(" ", 1)[1]
        s3, bucket = self.clients.client("s3"), self.cfg.storage.bucket
        try:
            policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        except ClientError as error:
            if _absent(error) or _code(error) == "NoSuchBucketPolicy":
                return Change(target.kind, target.name, "absent")
            raise
        statements = policy.get("Statement", [])
        statements = [statements] if isinstance(statements, dict) else list(statements)
        kept = [statement for statement in statements if statement.get("Sid") != sid]
        if len(kept) == len(statements):
            return Change(target.kind, target.name, "absent")
        if kept:
            s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({**policy, "Statement": kept}))
        else:
            s3.delete_bucket_policy(Bucket=bucket)
        return Change(target.kind, target.name, "deleted", f"{len(kept)} other statement(s) kept" if kept else "")

    def lambda_function(self, target: Target) -> Change:
        try:
            self.clients.client("lambda").delete_function(FunctionName=target.name)  # its resource policy goes with it
        except ClientError as error:
            if _absent(error):
                return Change(target.kind, target.name, "absent")
            raise
        return Change(target.kind, target.name, "deleted")

    def iam_role(self, target: Target) -> Change:
        """Inline policies and attached managed policies first: DeleteRole refuses a role that has any
        (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html)."""
        iam = self.clients.client("iam")
        try:
            role = iam.get_role(RoleName=target.name)["Role"]
        except ClientError as error:
            if _absent(error):
                return Change(target.kind, target.name, "absent")
            raise
        if ROLE_MARK not in (role.get("Description") or ""):
            return Change(target.kind, target.name, "kept", f"its description lacks {ROLE_MARK!r}: not created by deploy.py")
        policies = [name for page in iam.get_paginator("list_role_policies").paginate(RoleName=target.name)
                    for name in page["PolicyNames"]]
        for policy in policies:
            iam.delete_role_policy(RoleName=target.name, PolicyName=policy)
        attached = [p["PolicyArn"] for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=target.name)
                    for p in page["AttachedPolicies"]]
        for arn in attached:
            iam.detach_role_policy(RoleName=target.name, PolicyArn=arn)
        iam.delete_role(RoleName=target.name)
        detail = f"inline polic{'y' if len(policies) == 1 else 'ies'} {', '.join(policies)} first" if policies else ""
        return Change(target.kind, target.name, "deleted", detail)

    def s3_prefix(self, target: Target) -> Change:
        _, prefix = _split_s3(target.name)
        return self._delete_prefix(target.kind, prefix)

    def s3_bucket_cors_rule(self, target: Target) -> Change:
        """The rule the deployer added (by its ID); the owner's rules stay."""
        s3, bucket = self.clients.client("s3"), self.cfg.storage.bucket
        try:
            rules = s3.get_bucket_cors(Bucket=bucket).get("CORSRules", [])
        except ClientError as error:
            if _absent(error):
                return Change(target.kind, target.name, "absent")
            raise
        kept = [rule for rule in rules if rule.get("ID") != bucket_cors.RULE_ID]
        if len(kept) == len(rules):
            return Change(target.kind, target.name, "absent")
        if kept:
            s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": kept})
        else:
            s3.delete_bucket_cors(Bucket=bucket)
        return Change(target.kind, target.name, "deleted", f"{len(kept)} other rule(s) kept" if kept else "")

    # -- S3 -----------------------------------------------------------------------------------------
    def _keys(self, prefix: str) -> Iterator[str]:
        s3 = self.clients.client("s3")
        try:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.cfg.storage.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield item["Key"]
        except ClientError as error:
            if not _absent(error):
                raise

    def _is_raw_image(self, key: str) -> bool:
        storage = self.cfg.storage
        return key.startswith(storage.raw_prefix) and key.lower().endswith(tuple(storage.image_extensions))

    def _delete_prefix(self, kind: str, prefix: str) -> Change:
        """Delete every object under ``prefix`` except raw images, 1,000 keys a call (DeleteObjects)."""
        s3, bucket = self.clients.client("s3"), self.cfg.storage.bucket
        uri = f"s3://{bucket}/{prefix}"
        if not prefix:
            return Change(kind, uri, "kept", "an empty prefix is the whole bucket: never deleted")
        deleted = spared = 0
        batch: list[str] = []

        def flush() -> int:
            if not batch:
                return 0
            answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
            errors = answer.get("Errors", [])
            if errors:  # DeleteObjects answers 200 and lists the keys it could not delete
                first = errors[0]
                raise CommandError(f"destroy failed at {kind} {uri}: {len(errors)} object(s) not deleted, e.g. "
                                   f"{first.get('Key')}: {first.get('Code')}: {first.get('Message')}; fix and run --destroy again")
            count = len(batch)
            batch.clear()
            return count

        for key in self._keys(prefix):
            if self._is_raw_image(key):
                spared += 1
                continue
            batch.append(key)
            if len(batch) == 1000:
                deleted += flush()
        deleted += flush()
        if not deleted:
            return Change(kind, uri, "absent", f"{spared} raw image(s) kept" if spared else "")
        return Change(kind, uri, "deleted", f"{deleted} object(s)" + (f", {spared} raw image(s) kept" if spared else ""))


def _split_s3(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


# One deleter per kind: Destroyer.<kind with "_" for " ">.
DELETERS: dict[str, Callable[[Destroyer, Target], Change]] = {
    kind: getattr(Destroyer, kind.replace(" ", "_")) for kind in (
        "codebuild project", "schedule", "eventbridge rule", "state machine", "log group", "feature group",
        "glue table", "offline store files", "s3 inventory", "bucket policy", "lambda function", "iam role",
        "s3 prefix", "s3 bucket cors rule",
    )
}


def require_terminal(stdin: Any = None) -> None:
    """A script cannot answer: without a terminal, refuse (it must say --yes)."""
    if not (stdin or sys.stdin).isatty():
        raise DestroyRefused("--destroy needs confirmation but stdin is not a terminal; pass --yes to confirm")


def confirm(prompt: str, stdin: Any = None) -> None:
    """Ask on the terminal; refuse without a terminal or without 'y'/'yes'."""
    stdin = stdin or sys.stdin
    require_terminal(stdin)
    print(prompt, end="", flush=True)
    answer = stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise DestroyRefused(f"not confirmed (answered {answer!r}); nothing was deleted")


def destroy(cfg: PipelineConfig, clients: AwsClients, *, delete_labels: bool, yes: bool, force: bool,
            emit: Callable[[Change], None], say: Callable[[str], None] = print, stdin: Any = None) -> list[Change]:
    """Refuse while executions run (unless ``force``), confirm (unless ``yes``), then carry out the plan."""
    plan = destroy_plan(cfg, delete_labels)
    if not yes:
        require_terminal(stdin)
    destroyer = Destroyer(cfg, clients, emit)
    running = destroyer.running_executions()
    if running and not force:
        names = ", ".join(e.get("name", e["executionArn"]) for e in running[:5]) + (", ..." if len(running) > 5 else "")
        raise DestroyRefused(f"{len(running)} execution(s) of {cfg.pipeline.name} are running ({names}); wait for them, "
                             "or pass --force to stop them and their labeling jobs before the teardown")
    if not yes:
        say(f"python deploy.py --destroy: account {destroyer.account_id}, region {clients.region}")
        for line in plan_lines(plan):
            say(line)
        if running:
            say(f"   stop  {len(running)} running execution(s) and their labeling jobs (--force)")
        confirm(f"Delete these resources of {cfg.pipeline.name}? [y/N] ", stdin)
    changes = destroyer.stop_executions(running) if running else []
    return changes + destroyer.run(plan)
