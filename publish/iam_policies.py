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

from steps.check_missing_labels import INPUT_MANIFEST_NAME
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

    @classmethod
    def for_config(cls, cfg: PipelineConfig, arns) -> "PolicyContext":
        """The context for ``cfg`` with the account and Ground Truth role of ``arns`` (ResourceArns)."""
        from workflow import resources

        return cls(
            cfg=cfg, account_id=arns.account_id,
            check_function_name=resources.check_lambda_name(cfg),
            update_function_name=resources.update_lambda_name(cfg),
            state_machine_name=cfg.pipeline.name,
            ground_truth_role_arn=arns.ground_truth_role,
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
    statement = {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


def _policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def trust_policy(service: str, ctx: PolicyContext, source_arn: str | None = None) -> dict:
    """Who may assume a role: one AWS service, from this account (confused-deputy guard)."""
    condition: dict = {"StringEquals": {"aws:SourceAccount": ctx.account_id}}
    if source_arn:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    return _policy({
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
        "Condition": condition,
    })


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


def labeling_job_arn_pattern(ctx: PolicyContext) -> str:
    """Every labeling job this pipeline can create: names start with the job name prefix."""
    return ctx.arn("sagemaker", f"labeling-job/{ctx.cfg.pipeline.job_name_prefix.lower()}-*")


def feature_group_arn(ctx: PolicyContext) -> str:
    return ctx.arn("sagemaker", f"feature-group/{ctx.cfg.feature_store.feature_group_name.lower()}")


def state_machine_arn(ctx: PolicyContext) -> str:
    return ctx.arn("states", f"stateMachine:{ctx.state_machine_name}")


def execution_arn_pattern(ctx: PolicyContext) -> str:
    """Every execution of this pipeline's state machine."""
    return ctx.arn("states", f"execution:{ctx.state_machine_name}:*")


def check_function_policy(ctx: PolicyContext) -> dict:
    """CheckMissingLabels: list raw images, query the offline store, write the run manifest,
    claim its images and read the claims of other runs (markers, their manifests, their executions)."""
    storage, fs = ctx.cfg.storage, ctx.cfg.feature_store
    athena_prefix = f"{storage.work_prefix}athena/"
    offline_prefix = fs.offline_store_prefix
    glue_db = "sagemaker_featurestore"
    glue_tables = fs.feature_group_name.replace("-", "_").lower() + "_*"  # Feature Store's table naming
    active_prefix = f"{storage.work_prefix}active/"  # steps.in_flight markers, one per active run
    statements = [
        _statement("ListRawImagesOfflineStoreAndActiveRuns", ["s3:ListBucket"], [_bucket(ctx)],
                   {"StringLike": {"s3:prefix": [f"{storage.raw_prefix}*", f"{offline_prefix}*", f"{athena_prefix}*",
                                                 f"{active_prefix}*"]}}),
        _statement("ReadOfflineStoreAndQueryResults", ["s3:GetObject"],
                   [_objects(ctx, offline_prefix), _objects(ctx, athena_prefix)]),
        _statement("WriteRunManifestsAndQueryResults", ["s3:PutObject", "s3:GetBucketLocation", "s3:AbortMultipartUpload"],
                   [_objects(ctx, f"{storage.work_prefix}runs/"), _objects(ctx, athena_prefix), _bucket(ctx)]),
        _statement("ClaimImagesInFlight", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                   [_objects(ctx, active_prefix)]),
        _statement("ReadAndWithdrawRunManifests", ["s3:GetObject", "s3:DeleteObject"],
                   [_objects(ctx, f"{storage.work_prefix}runs/", f"*/{INPUT_MANIFEST_NAME}")]),
        _statement("DescribeOwnExecutions", ["states:DescribeExecution"], [execution_arn_pattern(ctx)]),
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
    """UpdateFeatureStore: read the verification output manifest, write feature records."""
    storage = ctx.cfg.storage
    statements = [
        _statement("ReadJobOutputs", ["s3:GetObject"], [_objects(ctx, f"{storage.work_prefix}runs/")]),
        _statement("WriteFeatureRecords", ["sagemaker:PutRecord", "sagemaker:BatchWriteRecord"], [feature_group_arn(ctx)]),
        _log_group_statement(ctx, ctx.update_function_name),
    ]
    return _policy(*statements, *_tracing_statements(ctx), *_kms_statements(ctx, ["kms:Decrypt", "kms:GenerateDataKey"]))


def ground_truth_policy(ctx: PolicyContext) -> dict:
    """The role Ground Truth assumes: read images and manifests, write job outputs."""
    storage = ctx.cfg.storage
    statements = [
        _statement("ListPipelinePrefixes", ["s3:ListBucket"], [_bucket(ctx)],
                   {"StringLike": {"s3:prefix": [f"{storage.raw_prefix}*", f"{storage.work_prefix}*"]}}),
        _statement("ReadImagesManifestsAndAssets", ["s3:GetObject"],
                   [_objects(ctx, storage.raw_prefix), _objects(ctx, storage.work_prefix)]),
        _statement("WriteJobOutputs", ["s3:PutObject"], [_objects(ctx, f"{storage.work_prefix}runs/")]),
        _statement("WriteJobLogs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                   [ctx.arn("logs", "log-group:/aws/sagemaker/LabelingJobs"),
                    ctx.arn("logs", "log-group:/aws/sagemaker/LabelingJobs:*")]),
    ]
    return _policy(*statements, *_kms_statements(ctx, ["kms:Decrypt", "kms:GenerateDataKey"]))


def feature_store_policy(ctx: PolicyContext) -> dict:
    """The role Feature Store assumes to write the offline store into our bucket."""
    prefix = ctx.cfg.feature_store.offline_store_prefix
    statements = [
        _statement("WriteOfflineStore", ["s3:PutObject", "s3:PutObjectAcl"], [_objects(ctx, prefix)]),
        _statement("CheckBucketAcl", ["s3:GetBucketAcl"], [_bucket(ctx)]),
    ]
    return _policy(*statements, *_kms_statements(ctx, ["kms:Encrypt", "kms:GenerateDataKey"]))


def state_machine_policy(ctx: PolicyContext) -> dict:
    """The state machine: invoke its two functions, run its labeling jobs, pass the GT role."""
    functions = [ctx.arn("lambda", f"function:{name}") for name in (ctx.check_function_name, ctx.update_function_name)]
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
    return _policy(*statements)


def scheduler_policy(ctx: PolicyContext) -> dict:
    """EventBridge Scheduler: start executions of this one state machine."""
    return _policy(_statement("StartPipeline", ["states:StartExecution"], [state_machine_arn(ctx)]))


@dataclass(frozen=True)
class RoleDocuments:
    trust: dict
    policy: dict


def role_documents(ctx: PolicyContext) -> dict[str, RoleDocuments]:
    """Trust and permission documents for every role the deployer may create."""
    return {
        "state_machine": RoleDocuments(trust_policy("states.amazonaws.com", ctx, ctx.arn("states", "stateMachine:*")), state_machine_policy(ctx)),
        "check_lambda": RoleDocuments(trust_policy("lambda.amazonaws.com", ctx), check_function_policy(ctx)),
        "update_lambda": RoleDocuments(trust_policy("lambda.amazonaws.com", ctx), update_function_policy(ctx)),
        "ground_truth": RoleDocuments(trust_policy("sagemaker.amazonaws.com", ctx), ground_truth_policy(ctx)),
        "feature_store": RoleDocuments(trust_policy("sagemaker.amazonaws.com", ctx), feature_store_policy(ctx)),
        "scheduler": RoleDocuments(trust_policy("scheduler.amazonaws.com", ctx), scheduler_policy(ctx)),
    }


def render_iam_files(cfg: PipelineConfig, arns) -> dict[str, str]:
    """Every role's trust and permission document as ``iam/<role>.json`` files (dry run, review)."""
    import json

    return {
        f"iam/{role}.json": json.dumps({"trust": docs.trust, "permissions": docs.policy}, indent=2) + "\n"
        for role, docs in role_documents(PolicyContext.for_config(cfg, arns)).items()
    }
