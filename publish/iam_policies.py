"""Least-privilege IAM policy documents for the pipeline's roles, as pure data.

Each role may reach only what its part of the pipeline touches: its bucket
prefixes, its feature group, its functions, its labeling jobs (by name
prefix). No wildcard actions. Wildcard resources appear only for actions
that AWS authorises on no narrower resource; they are listed in
``WILDCARD_RESOURCE_ACTIONS`` (and in the README) so a test can hold every
document to that rule.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from publish.feature_group import offline_table_name
from steps import layout
from workflow.config import PipelineConfig

# Actions that support no resource-level permissions (AWS Service Authorization Reference).
WILDCARD_RESOURCE_ACTIONS = frozenset({
    # CloudWatch Logs vended delivery for Step Functions logging.
    "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
    # X-Ray tracing.
    "xray:PutTraceSegments", "xray:PutTelemetryRecords",
    "xray:GetSamplingRules", "xray:GetSamplingTargets",
    # CloudWatch metrics: PutMetricData has no resource type, only the cloudwatch:namespace condition
    # key (Service Authorization Reference, "Actions, resources, and condition keys for Amazon
    # CloudWatch"). Ground Truth's documented execution role grants it on "*" and documents no
    # namespace, so none is assumed (sms-security-permission-execution-role).
    "cloudwatch:PutMetricData",
})


@dataclass(frozen=True)
class PolicyContext:
    """Everything the policies name, resolved by the deployer (or placeholders in a dry run)."""

    cfg: PipelineConfig
    account_id: str
    check_function_name: str
    update_function_name: str
    state_machine_name: str
    ground_truth_role_arn: str
    partition: str = "aws"
    filter_function_name: str = ""  # empty: the deployer's name (resources.filter_lambda_name)
    offline_table: str = ""  # empty: publish.feature_group.offline_table_name of the feature group

    def __post_init__(self) -> None:
        if not self.filter_function_name:
            from workflow import resources

            object.__setattr__(self, "filter_function_name", resources.filter_lambda_name(self.cfg))
        if not self.offline_table:
            object.__setattr__(self, "offline_table", offline_table_name(self.cfg.feature_store.feature_group_name))

    @classmethod
    def for_config(cls, cfg: PipelineConfig, arns, offline_table: str = "") -> PolicyContext:
        """The context for ``cfg`` with the account and Ground Truth role of ``arns`` (ResourceArns);
        ``offline_table`` names an existing group's table (publish.feature_group.offline_table_in_use)."""
        from workflow import resources

        return cls(
            cfg=cfg, account_id=arns.account_id,
            check_function_name=resources.check_lambda_name(cfg),
            update_function_name=resources.update_lambda_name(cfg),
            filter_function_name=resources.filter_lambda_name(cfg),
            state_machine_name=cfg.pipeline.name,
            ground_truth_role_arn=arns.ground_truth_role,
            offline_table=offline_table,
        )

    @property
    def region(self) -> str:
        return self.cfg.pipeline.region

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return ":".join([
            "arn", self.partition, service, self.region if region else "",
            self.account_id if account else "", resource,
        ])


def _statement(sid: str, actions: list[str], resources: list[str], condition: dict | None = None) -> dict:
    statement: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


def _policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def trust_policy(service: str, condition: dict | None = None) -> dict:
    """Who may assume a role: one AWS service principal, with the confused-deputy condition that
    service documents sending (none where no such document exists)."""
    statement: dict = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return _policy(statement)


def state_machine_trust(ctx: PolicyContext) -> dict:
    """Step Functions documents aws:SourceAccount and aws:SourceArn (the state machine's ARN) in the
    execution role's trust policy ("Creating an IAM role for your state machine in Step Functions",
    section "Prevent cross-service confused deputy issue", procedure-create-iam-role)."""
    return trust_policy("states.amazonaws.com", {
        "StringEquals": {"aws:SourceAccount": ctx.account_id},
        "ArnLike": {"aws:SourceArn": state_machine_arn(ctx)},
    })


def scheduler_trust(ctx: PolicyContext) -> dict:
    """EventBridge Scheduler documents aws:SourceAccount and aws:SourceArn in the schedule execution
    role's trust policy; the ARN must be a schedule group's, never a schedule's ("Confused deputy
    prevention in EventBridge Scheduler", cross-service-confused-deputy-prevention). Our schedule is
    created without GroupName, so it lives in the "default" group."""
    return trust_policy("scheduler.amazonaws.com", {
        "StringEquals": {"aws:SourceAccount": ctx.account_id},
        "ArnLike": {"aws:SourceArn": schedule_group_arn(ctx)},
    })


def lambda_trust() -> dict:
    """The trust policy must name lambda.amazonaws.com ("Defining Lambda function permissions with an
    execution role", lambda-intro-execution-role). No condition: that page shows none, and no AWS
    page documents Lambda sending aws:SourceAccount or aws:SourceArn when it assumes a function's
    execution role (a condition on a key the service does not send would fail)."""
    return trust_policy("lambda.amazonaws.com")


def sagemaker_trust() -> dict:
    """No condition: Ground Truth's execution-role page shows the sagemaker.amazonaws.com trust
    statement without one (sms-security-permission-execution-role, "Automated Data Labeling
    Permission Requirements"), and no AWS page documents SageMaker (Ground Truth, Feature Store)
    sending aws:SourceAccount or aws:SourceArn when it assumes an execution role."""
    return trust_policy("sagemaker.amazonaws.com")


def _bucket(ctx: PolicyContext) -> str:
    return ctx.arn("s3", ctx.cfg.storage.bucket, region=False, account=False)


def _objects(ctx: PolicyContext, prefix: str, pattern: str = "*") -> str:
    return f"{_bucket(ctx)}/{prefix}{pattern}"


def _kms_statements(ctx: PolicyContext, actions: list[str]) -> list[dict]:
    key = ctx.cfg.storage.kms_key_arn
    return [_statement("UseTheKmsKey", actions, [key])] if key else []


def _tracing_statements(ctx: PolicyContext) -> list[dict]:
    """X-Ray segments from an actively traced function (when observability.tracing is on)."""
    if not ctx.cfg.observability.tracing:
        return []
    return [_statement("SendTraces", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"])]


def _log_group_statement(ctx: PolicyContext, function_name: str) -> dict:
    group = ctx.arn("logs", f"log-group:/aws/lambda/{function_name}")
    return _statement(
        "WriteOwnLogs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        [group, f"{group}:*"],
    )


def _log_groups_statement(ctx: PolicyContext, *function_names: str) -> dict:
    """``_log_group_statement`` for several functions sharing one role."""
    statement = _log_group_statement(ctx, function_names[0])
    for name in function_names[1:]:
        group = ctx.arn("logs", f"log-group:/aws/lambda/{name}")
        statement["Resource"] += [group, f"{group}:*"]
    return statement


def _unwritten_function_name(ctx: PolicyContext) -> str:
    from workflow import resources

    return resources.unwritten_lambda_name(ctx.cfg)


def labeling_job_arn_pattern(ctx: PolicyContext) -> str:
    """Every labeling job this pipeline can create: names start with the job name prefix."""
    return ctx.arn("sagemaker", f"labeling-job/{ctx.cfg.pipeline.job_name_prefix.lower()}-*")


def feature_group_arn(ctx: PolicyContext) -> str:
    return ctx.arn("sagemaker", f"feature-group/{ctx.cfg.feature_store.feature_group_name.lower()}")


def state_machine_arn(ctx: PolicyContext) -> str:
    return ctx.arn("states", f"stateMachine:{ctx.state_machine_name}")


def schedule_group_arn(ctx: PolicyContext, group: str = "default") -> str:
    """The schedule group of the pipeline's schedule (created without GroupName: "default")."""
    return ctx.arn("scheduler", f"schedule-group/{group}")


def execution_arn_pattern(ctx: PolicyContext) -> str:
    """Every execution of this pipeline's state machine."""
    return ctx.arn("states", f"execution:{ctx.state_machine_name}:*")


def check_function_policy(ctx: PolicyContext) -> dict:
    """CheckMissingLabels: list raw images, query the offline store, write the run manifest,
    claim its images and read the claims of other runs (markers, their manifests, their executions)."""
    storage, fs = ctx.cfg.storage, ctx.cfg.feature_store
    athena_prefix = layout.athena_prefix(storage.work_prefix)
    runs_prefix = layout.runs_prefix(storage.work_prefix)
    offline_prefix = fs.offline_store_prefix
    glue_db = "sagemaker_featurestore"
    glue_tables = ctx.offline_table  # named by the deployer's DataCatalogConfig: publish.feature_group
    active_prefix = layout.active_prefix(storage.work_prefix)  # steps.in_flight markers, one per active run
    # storage.listing auto/inventory: the prepare phase lists the inventory's hive/ folder for the newest report.
    reports = [f"{_inventory_hive_prefix(ctx)}*"] if storage.listing != "list" else []
    statements = [
        _statement("ListRawImagesOfflineStoreAndActiveRuns", ["s3:ListBucket"], [_bucket(ctx)],
                   {"StringLike": {"s3:prefix": [f"{storage.raw_prefix}*", f"{offline_prefix}*", f"{athena_prefix}*",
                                                 f"{active_prefix}*", *reports]}}),
        _statement("ReadOfflineStoreAndQueryResults", ["s3:GetObject"],
                   [_objects(ctx, offline_prefix), _objects(ctx, athena_prefix)]),
        # Bucket-level actions take the bucket ARN, object actions object ARNs (Service Authorization
        # Reference, "Actions, resources, and condition keys for Amazon S3": GetBucketLocation's resource
        # type is bucket). Athena looks up the result bucket's region as its caller.
        _statement("LocateBucket", ["s3:GetBucketLocation"], [_bucket(ctx)]),
        _statement("WriteRunManifestsAndQueryResults", ["s3:PutObject", "s3:AbortMultipartUpload"],
                   [_objects(ctx, runs_prefix), _objects(ctx, athena_prefix)]),
        _statement("ClaimImagesInFlight", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                   [_objects(ctx, active_prefix)]),
        _statement("ReadAndWithdrawRunManifests", ["s3:GetObject", "s3:DeleteObject"],
                   [_objects(ctx, runs_prefix, f"*/{layout.INPUT_MANIFEST}")]),
        _statement("DescribeOwnExecutions", ["states:DescribeExecution"], [execution_arn_pattern(ctx)]),
        # steps.carried_labels: earlier runs' unverified labels (ended executions, their labeling job's status and
        # output, their carried-labels manifests and handed-on markers; existence checked by listing the key)
        _statement("ListEndedExecutions", ["states:ListExecutions"], [state_machine_arn(ctx)]),
        _statement("DescribeEarlierLabelingJobs", ["sagemaker:DescribeLabelingJob"], [labeling_job_arn_pattern(ctx)]),
        _statement("ListEarlierRunOutputs", ["s3:ListBucket"], [_bucket(ctx)],
                   {"StringLike": {"s3:prefix": [f"{runs_prefix}*"]}}),
        _statement("ReadEarlierLabels", ["s3:GetObject"],
                   [_objects(ctx, runs_prefix, f"*/{layout.LABELING}*/{layout.OUTPUT_MANIFEST}"),
                    _objects(ctx, runs_prefix, f"*/{layout.CARRIED_LABELS_MANIFEST}"),
                    _objects(ctx, runs_prefix, f"*/{layout.UNVERIFIED_LABELS_MANIFEST}"),
                    _objects(ctx, runs_prefix, f"*/{layout.HANDED_ON}*")]),
        _statement("DescribeFeatureGroup", ["sagemaker:DescribeFeatureGroup"], [feature_group_arn(ctx)]),
        _statement("RunAthenaQueries", ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:StopQueryExecution"],
                   [ctx.arn("athena", f"workgroup/{fs.athena_workgroup}")]),
        _statement("ReadOfflineStoreTable", ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
                   [ctx.arn("glue", "catalog"), ctx.arn("glue", f"database/{glue_db}"),
                    ctx.arn("glue", f"table/{glue_db}/{glue_tables}")]),
        _log_group_statement(ctx, ctx.check_function_name),
    ]
    return _policy(*statements, *_tracing_statements(ctx), *_kms_statements(ctx, ["kms:Decrypt", "kms:GenerateDataKey"]))


def update_function_policy(ctx: PolicyContext) -> dict:
    """UpdateFeatureStore: read the job output manifests, write feature records, and keep the run's
    progress markers (steps.update_progress): list them (so a missing marker is told from a refused
    read) and write them, and the run's unverified-labels manifest (steps.unverified_labels); nothing else
    under the runs prefix is writable. For UNLABELABLE records
    (steps.unlabelable) it reads a raw image's ETag (HeadObject needs s3:GetObject, "HeadObject",
    Amazon S3 API Reference). As the run's first state (steps.unwritten_output) it lists the state
    machine's ended executions (ListExecutions is authorised on the stateMachine resource, Service
    Authorization Reference for Step Functions) and lists earlier runs' output manifests."""
    storage = ctx.cfg.storage
    progress_key = layout.update_progress_key(storage.work_prefix, "*")
    unlabelable_key = layout.unlabelable_progress_key(storage.work_prefix, "*")
    unverified_key = layout.unverified_labels_key(storage.work_prefix, "*")  # steps.unverified_labels
    runs = layout.runs_prefix(storage.work_prefix)
    outputs = [f"{runs}*/{folder}*/{layout.OUTPUT_MANIFEST}" for folder in (layout.LABELING, layout.VERIFICATION)]
    statements = [
        _statement("ReadJobOutputs", ["s3:GetObject"], [_objects(ctx, runs)]),
        _statement("ReadRawImageEtags", ["s3:GetObject"], [_objects(ctx, storage.raw_prefix)]),
        _statement("ListUpdateProgress", ["s3:ListBucket"], [_bucket(ctx)],
                   {"StringLike": {"s3:prefix": [progress_key, unlabelable_key, *outputs]}}),
        _statement("WriteUpdateProgress", ["s3:PutObject"], [f"{_bucket(ctx)}/{progress_key}",
                                                              f"{_bucket(ctx)}/{unlabelable_key}",
                                                              f"{_bucket(ctx)}/{unverified_key}"]),
        _statement("WriteFeatureRecords", ["sagemaker:PutRecord", "sagemaker:BatchWriteRecord"], [feature_group_arn(ctx)]),
        _statement("ListEndedExecutions", ["states:ListExecutions"], [state_machine_arn(ctx)]),
        _log_groups_statement(ctx, ctx.update_function_name, _unwritten_function_name(ctx)),
    ]
    return _policy(*statements, *_tracing_statements(ctx), *_kms_statements(ctx, ["kms:Decrypt", "kms:GenerateDataKey"]))


def ground_truth_policy(ctx: PolicyContext) -> dict:
    """The role Ground Truth assumes: AWS's documented minimum execution-role policy for built-in
    task types ("Built-In Task Types (Non-streaming) Execution Role Requirements",
    sms-security-permission-execution-role), with every resource narrowed to our bucket and prefixes
    where the action allows it:

    - S3ViewBuckets: s3:ListBucket and s3:GetBucketLocation on the bucket ARN, no prefix condition;
    - S3GetPutObjects: s3:GetObject, s3:PutObject, s3:AbortMultipartUpload on objects (reads of
      images, manifests and UI assets; writes and multipart aborts under the job outputs);
    - CloudWatch: cloudwatch:PutMetricData (no resource type: "*") and the logs actions, narrowed to
      Ground Truth's log group /aws/sagemaker/LabelingJobs;
    - KMS when a key is configured: the actions "Encrypt Output Data using KMS" lists
      (sms-security-kms-permissions), on the key; the wildcards kms:ReEncrypt* and
      kms:GenerateDataKey* spelled out for symmetric keys (S3 never asks for data key pairs).
    """
    storage = ctx.cfg.storage
    outputs = _objects(ctx, layout.runs_prefix(storage.work_prefix))
    statements = [
        _statement("S3ViewBuckets", ["s3:ListBucket", "s3:GetBucketLocation"], [_bucket(ctx)]),
        _statement("ReadImagesManifestsAndAssets", ["s3:GetObject"],
                   [_objects(ctx, storage.raw_prefix), _objects(ctx, layout.base(storage.work_prefix))]),
        _statement("WriteJobOutputs", ["s3:PutObject", "s3:AbortMultipartUpload"], [outputs]),
        _statement("PublishMetrics", ["cloudwatch:PutMetricData"], ["*"]),
        _statement("WriteJobLogs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                   [ctx.arn("logs", "log-group:/aws/sagemaker/LabelingJobs"),
                    ctx.arn("logs", "log-group:/aws/sagemaker/LabelingJobs:*")]),
    ]
    return _policy(*statements, *_kms_statements(ctx, list(GROUND_TRUTH_KMS_ACTIONS)))


# sms-security-kms-permissions, "Encrypt Output Data using KMS": Encrypt, Decrypt, ReEncrypt*,
# GenerateDataKey*, DescribeKey (the wildcards spelled out for symmetric keys).
GROUND_TRUTH_KMS_ACTIONS = (
    "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
    "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey",
)


def feature_store_policy(ctx: PolicyContext) -> dict:
    """The role Feature Store assumes to write the offline store into our bucket: the actions of
    AmazonSageMakerFeatureStoreAccess (s3:PutObject, s3:PutObjectAcl, s3:GetBucketAcl) narrowed to
    our bucket and offline prefix, and kms:GenerateDataKey "at a minimum" for a customer managed key
    ("Cross account offline store access", feature-store-cross-account-access-offline-store)."""
    prefix = ctx.cfg.feature_store.offline_store_prefix
    statements = [
        _statement("WriteOfflineStore", ["s3:PutObject", "s3:PutObjectAcl"], [_objects(ctx, prefix)]),
        _statement("CheckBucketAcl", ["s3:GetBucketAcl"], [_bucket(ctx)]),
    ]
    return _policy(*statements, *_kms_statements(ctx, ["kms:Encrypt", "kms:GenerateDataKey"]))


def _inventory_hive_prefix(ctx: PolicyContext) -> str:
    from workflow.inventory import inventory_names

    storage = ctx.cfg.storage
    return layout.inventory_hive_prefix(storage.work_prefix, storage.bucket, inventory_names(ctx.cfg).config_id)


def inventory_query_statements(ctx: PolicyContext) -> list[dict]:
    """What the state machine needs to run the inventory query (athena:startQueryExecution.sync) as itself.

    "Run Athena queries with Step Functions" (connect-athena.html, "IAM policies for calling Amazon
    Athena") lists, for .sync: athena:startQueryExecution, stopQueryExecution, getQueryExecution on the
    workgroup; Glue catalog reads; S3 reads of the data and writes of the results. Narrowed here: Glue
    GetDatabase/GetTable/GetPartitions on the two tables the query reads (the inventory's and the
    offline store's), S3 GetObject on the reports' symlink and data files and on the offline store, ListBucket
    on those prefixes, GetBucketLocation, and PutObject/AbortMultipartUpload on the query results only. The
    Glue and S3 actions are what Athena checks for its caller (security-iam-athena).
    """
    from workflow.inventory import inventory_names

    storage, fs = ctx.cfg.storage, ctx.cfg.feature_store
    names = inventory_names(ctx.cfg)
    reports = layout.inventory_report_prefix(storage.work_prefix, storage.bucket, names.config_id)
    athena_prefix = layout.athena_prefix(storage.work_prefix)
    offline_db = "sagemaker_featurestore"
    return [
        _statement("RunInventoryQuery", ["athena:StartQueryExecution", "athena:GetQueryExecution",
                                         "athena:StopQueryExecution"],
                   [ctx.arn("athena", f"workgroup/{fs.athena_workgroup}")]),
        _statement("ReadInventoryAndOfflineStoreTables", ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
                   [ctx.arn("glue", "catalog"), ctx.arn("glue", f"database/{names.database}"),
                    ctx.arn("glue", f"table/{names.database}/{names.table}"), ctx.arn("glue", f"database/{offline_db}"),
                    ctx.arn("glue", f"table/{offline_db}/{ctx.offline_table}")]),
        _statement("ListInventoryAndOfflineStore", ["s3:ListBucket"], [_bucket(ctx)],
                   {"StringLike": {"s3:prefix": [f"{reports}*", f"{fs.offline_store_prefix}*", f"{athena_prefix}*"]}}),
        _statement("LocateQueryBucket", ["s3:GetBucketLocation"], [_bucket(ctx)]),
        # Athena reads, as the state machine, each partition's hive/dt=<dt>/symlink.txt and the report files it
        # names under data/ ("Querying Amazon S3 Inventory with Amazon Athena", storage-inventory-athena-query;
        # "Locating your inventory list", storage-inventory-location), never the manifests; and the offline
        # store's files ("Control access to Amazon S3 from Athena", s3-permissions; sandbox.iam.athena_data).
        _statement("ReadInventoryAndOfflineStore", ["s3:GetObject"],
                   [_objects(ctx, reports + layout.INVENTORY_HIVE), _objects(ctx, f"{reports}data/"),
                    _objects(ctx, fs.offline_store_prefix)]),
        _statement("WriteInventoryQueryResults", ["s3:PutObject", "s3:AbortMultipartUpload"],
                   [_objects(ctx, athena_prefix)]),
        *_kms_statements(ctx, ["kms:Decrypt", "kms:GenerateDataKey"]),
    ]


def state_machine_policy(ctx: PolicyContext) -> dict:
    """The state machine: invoke its two functions, run its labeling jobs, pass the GT role."""
    functions = [ctx.arn("lambda", f"function:{name}") for name in (ctx.check_function_name, ctx.filter_function_name,
                                                                     ctx.update_function_name, _unwritten_function_name(ctx))]
    statements = [
        _statement("InvokePipelineFunctions", ["lambda:InvokeFunction"], functions + [f"{f}:*" for f in functions]),
        _statement("RunPipelineLabelingJobs",
                   ["sagemaker:CreateLabelingJob", "sagemaker:DescribeLabelingJob", "sagemaker:StopLabelingJob", "sagemaker:AddTags"],
                   [labeling_job_arn_pattern(ctx)]),
        _statement("PassGroundTruthRole", ["iam:PassRole"], [ctx.ground_truth_role_arn],
                   {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}),
        _statement("DeliverExecutionLogs", sorted(a for a in WILDCARD_RESOURCE_ACTIONS if a.startswith("logs:")), ["*"]),
    ]
    if ctx.cfg.observability.tracing:
        statements.append(_statement("SendTraces", sorted(a for a in WILDCARD_RESOURCE_ACTIONS if a.startswith("xray:")), ["*"]))
    if ctx.cfg.storage.listing != "list":  # the inventory query runs as the state machine (workflow.graph)
        statements += inventory_query_statements(ctx)
    return _policy(*statements)


def scheduler_policy(ctx: PolicyContext) -> dict:
    """EventBridge Scheduler: start executions of this one state machine."""
    return _policy(_statement("StartPipeline", ["states:StartExecution"], [state_machine_arn(ctx)]))


def compaction_policy(ctx: PolicyContext) -> dict:
    """The compaction schedules' role: EventBridge Scheduler calls athena:StartQueryExecution as it
    ("Using universal targets", managing-targets-universal: the role "must have the permissions to call
    the API operation"), and Athena then runs OPTIMIZE/VACUUM with the caller's permissions
    (security-iam-athena). Athena lists none for maintenance; these are what AWS Glue documents for its
    own Iceberg compaction and snapshot expiration ("Table optimization prerequisites",
    optimization-prerequisites): read, write and delete the table's files, list them, get and update the
    table. s3:DeleteObject because "for VACUUM to be able to delete data files, your query execution role
    must have s3:DeleteObject" (vacuum-statement). Narrowed to the offline-store prefix, the one table,
    the workgroup and the Athena result prefix; the query result bucket must be locatable
    (s3:GetBucketLocation, as for the check function)."""
    fs, storage = ctx.cfg.feature_store, ctx.cfg.storage
    athena_prefix = layout.athena_prefix(storage.work_prefix)
    offline_prefix = fs.offline_store_prefix
    glue_db = "sagemaker_featurestore"
    statements = [
        _statement("StartMaintenanceQueries", ["athena:StartQueryExecution"],
                   [ctx.arn("athena", f"workgroup/{fs.athena_workgroup}")]),
        _statement("ListOfflineStore", ["s3:ListBucket"], [_bucket(ctx)],
                   {"StringLike": {"s3:prefix": [f"{offline_prefix}*"]}}),
        _statement("RewriteOfflineStoreFiles", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                   [_objects(ctx, offline_prefix)]),
        _statement("LocateBucket", ["s3:GetBucketLocation"], [_bucket(ctx)]),
        _statement("WriteQueryResults", ["s3:PutObject", "s3:AbortMultipartUpload"], [_objects(ctx, athena_prefix)]),
        _statement("CommitOfflineStoreTable", ["glue:GetDatabase", "glue:GetTable", "glue:UpdateTable"],
                   [ctx.arn("glue", "catalog"), ctx.arn("glue", f"database/{glue_db}"),
                    ctx.arn("glue", f"table/{glue_db}/{ctx.offline_table}")]),
    ]
    return _policy(*statements, *_kms_statements(ctx, ["kms:Decrypt", "kms:GenerateDataKey"]))


def filter_function_policy(ctx: PolicyContext) -> dict:
    """FilterLabeledObjects: read a labeling job's output manifest, write the run's verification input."""
    runs = layout.runs_prefix(ctx.cfg.storage.work_prefix)
    statements = [
        # <S3OutputPath>/<job name>/manifests/output/output.manifest, S3OutputPath = runs/<run>/labeling/
        _statement("ReadLabelingOutputManifests", ["s3:GetObject"],
                   [_objects(ctx, runs, f"*/{layout.LABELING}*/{layout.OUTPUT_MANIFEST}")]),
        # earlier runs' unverified labels this run verifies again (steps.carried_labels)
        _statement("ReadCarriedLabels", ["s3:GetObject"], [_objects(ctx, runs, f"*/{layout.CARRIED_LABELS_MANIFEST}")]),
        _statement("WriteVerificationInputManifests", ["s3:PutObject"], [_objects(ctx, runs, f"*/{layout.VERIFICATION_INPUT_MANIFEST}")]),
        _log_group_statement(ctx, ctx.filter_function_name),
    ]
    return _policy(*statements, *_tracing_statements(ctx), *_kms_statements(ctx, ["kms:Decrypt", "kms:GenerateDataKey"]))


def stop_function_policy(ctx: PolicyContext) -> dict:
    """StopExecutionJobs: read the ended execution, describe and stop its labeling jobs."""
    from workflow import resources

    return _policy(
        _statement("ReadPipelineExecutions", ["states:DescribeExecution"], [execution_arn_pattern(ctx)]),
        _statement("StopPipelineLabelingJobs", ["sagemaker:DescribeLabelingJob", "sagemaker:StopLabelingJob"],
                   [labeling_job_arn_pattern(ctx)]),
        _log_group_statement(ctx, resources.stop_lambda_name(ctx.cfg)),
        *_tracing_statements(ctx),
    )


@dataclass(frozen=True)
class RoleDocuments:
    trust: dict
    policy: dict


def role_documents(ctx: PolicyContext) -> dict[str, RoleDocuments]:
    """Trust and permission documents for every role the deployer may create."""
    return {
        "state_machine": RoleDocuments(state_machine_trust(ctx), state_machine_policy(ctx)),
        "check_lambda": RoleDocuments(lambda_trust(), check_function_policy(ctx)),
        "update_lambda": RoleDocuments(lambda_trust(), update_function_policy(ctx)),
        "filter_lambda": RoleDocuments(lambda_trust(), filter_function_policy(ctx)),
        "stop_lambda": RoleDocuments(lambda_trust(), stop_function_policy(ctx)),
        "ground_truth": RoleDocuments(sagemaker_trust(), ground_truth_policy(ctx)),
        "feature_store": RoleDocuments(sagemaker_trust(), feature_store_policy(ctx)),
        "scheduler": RoleDocuments(scheduler_trust(ctx), scheduler_policy(ctx)),
        "compaction": RoleDocuments(scheduler_trust(ctx), compaction_policy(ctx)),
    }


def render_iam_files(cfg: PipelineConfig, arns) -> dict[str, str]:
    """Every role's trust and permission document as ``iam/<role>.json`` files (dry run, review)."""
    import json

    return {
        f"iam/{role}.json": json.dumps({"trust": docs.trust, "permissions": docs.policy}, indent=2) + "\n"
        for role, docs in role_documents(PolicyContext.for_config(cfg, arns)).items()
    }
