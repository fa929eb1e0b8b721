"""The CodeBuild project's service role: exactly what ``python deploy.py`` calls for this config.

``DEPLOY_CALLS`` lists every AWS call the deployer makes (client, operation), each with the IAM
actions it needs and the resources they apply to (the Service Authorization Reference's action and
resource types, https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
A test records the calls of real deploys on the sandbox and fails on any call missing here, so a new
call in the deployer cannot go unnoticed; another (test_publish_codebuild_role_evaluated) deploys with
AssumeRole credentials of the generated role while the sandbox evaluates each request's IAM action,
resource ARN and condition keys (sandbox.iam.actions), and removes each granted action in turn. ``build_role_policy`` turns the table into one statement per
resource group, narrowed to this config's names (the same ones ``publish.iam_policies`` grants the
pipeline's roles), plus what CodeBuild itself does as the role (its logs, the artifacts, a CodeCommit
pull: "Allow CodeBuild to interact with other AWS services", setting-up-service-role).

Two choices keep the role from granting more than a deploy:
- Inside a build the deployer skips its own CI step (publish.codebuild), so the role needs no CodeBuild,
  webhook or rights over its own policy: a build can never widen its own permissions.
- ``iam:PassRole`` is granted per role with ``iam:PassedToService`` naming the one service it goes to.
A create that carries tags also needs the service's tagging action (tag-on-create: iam:TagRole,
lambda:TagResource, states:TagResource, logs:TagResource, events:TagResource, sagemaker:AddTags), and
GetFunction of a tagged function needs lambda:ListTags. The role covers deploys only: ``--destroy`` is
run from a workstation.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from publish import compaction
from publish import iam_policies as pol
from publish import inventory as publish_inventory
from publish.feature_group import DATABASE, offline_table_name
from steps import layout
from workflow import resources
from workflow.config import PipelineConfig
from workflow.inventory import inventory_names
from workflow.rules import ci as ci_rules

# (boto3 client, operation) -> ((IAM action, resource group), ...). Groups: RESOURCE_GROUPS below.
DEPLOY_CALLS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("sts", "GetCallerIdentity"): (),  # needs no permission (API_GetCallerIdentity)
    # S3: bucket-level actions on the bucket ARN; HeadBucket is s3:ListBucket.
    ("s3", "HeadBucket"): (("s3:ListBucket", "bucket"),),
    ("s3", "CreateBucket"): (("s3:CreateBucket", "bucket"),),
    ("s3", "PutBucketEncryption"): (("s3:PutEncryptionConfiguration", "bucket"),),
    ("s3", "PutPublicAccessBlock"): (("s3:PutBucketPublicAccessBlock", "bucket"),),
    ("s3", "GetBucketPolicy"): (("s3:GetBucketPolicy", "bucket"),),
    ("s3", "PutBucketPolicy"): (("s3:PutBucketPolicy", "bucket"),),
    ("s3", "GetBucketCors"): (("s3:GetBucketCORS", "bucket"),),
    ("s3", "PutBucketCors"): (("s3:PutBucketCORS", "bucket"),),
    ("s3", "GetBucketInventoryConfiguration"): (("s3:GetInventoryConfiguration", "inventory_bucket"),),
    ("s3", "PutBucketInventoryConfiguration"): (("s3:PutInventoryConfiguration", "inventory_bucket"),),
    ("s3", "GetObject"): (("s3:GetObject", "assets"),),
    ("s3", "PutObject"): (("s3:PutObject", "assets"),),
    # IAM: the roles the deployer manages (never those given in iam:).
    ("iam", "GetRole"): (("iam:GetRole", "roles"),),
    ("iam", "CreateRole"): (("iam:CreateRole", "roles"), ("iam:TagRole", "roles")),
    ("iam", "UpdateAssumeRolePolicy"): (("iam:UpdateAssumeRolePolicy", "roles"),),
    ("iam", "GetRolePolicy"): (("iam:GetRolePolicy", "roles"),),
    ("iam", "PutRolePolicy"): (("iam:PutRolePolicy", "roles"),),
    # Lambda: the pipeline's functions; a function's role is passed to Lambda.
    # GetFunction of a tagged function also needs lambda:ListTags (configuration-tags, "Permissions required").
    ("lambda", "GetFunction"): (("lambda:GetFunction", "functions"), ("lambda:ListTags", "functions")),
    ("lambda", "GetFunctionConfiguration"): (("lambda:GetFunctionConfiguration", "functions"),),
    ("lambda", "CreateFunction"): (("lambda:CreateFunction", "functions"), ("lambda:TagResource", "functions"),
                                   ("iam:PassRole", "pass:lambda")),
    ("lambda", "UpdateFunctionCode"): (("lambda:UpdateFunctionCode", "functions"),),
    ("lambda", "UpdateFunctionConfiguration"): (("lambda:UpdateFunctionConfiguration", "functions"),
                                                ("iam:PassRole", "pass:lambda")),
    ("lambda", "GetPolicy"): (("lambda:GetPolicy", "functions"),),
    ("lambda", "AddPermission"): (("lambda:AddPermission", "functions"),),
    ("lambda", "RemovePermission"): (("lambda:RemovePermission", "functions"),),
    # SageMaker Feature Store: the feature group; its role is passed to SageMaker.
    ("sagemaker", "DescribeFeatureGroup"): (("sagemaker:DescribeFeatureGroup", "feature_group"),),
    ("sagemaker", "CreateFeatureGroup"): (("sagemaker:CreateFeatureGroup", "feature_group"),
                                          ("sagemaker:AddTags", "feature_group"), ("iam:PassRole", "pass:sagemaker")),
    ("sagemaker", "UpdateFeatureGroup"): (("sagemaker:UpdateFeatureGroup", "feature_group"),),
    # Glue: the offline store's table (read: a deleted group's table is refused) and the inventory's.
    ("glue", "GetTable"): (("glue:GetTable", "glue"), ("glue:GetTable", "inventory_glue")),
    ("glue", "GetDatabase"): (("glue:GetDatabase", "inventory_glue"),),
    ("glue", "CreateDatabase"): (("glue:CreateDatabase", "inventory_glue"),),
    ("glue", "CreateTable"): (("glue:CreateTable", "inventory_glue"),),
    ("glue", "UpdateTable"): (("glue:UpdateTable", "inventory_glue"),),
    # CloudWatch Logs: the state machine's log group; DescribeLogGroups has no resource type.
    ("logs", "DescribeLogGroups"): (("logs:DescribeLogGroups", "*"),),
    ("logs", "CreateLogGroup"): (("logs:CreateLogGroup", "log_group"), ("logs:TagResource", "log_group")),
    ("logs", "PutRetentionPolicy"): (("logs:PutRetentionPolicy", "log_group"),),
    # Step Functions: ListStateMachines has no resource type; the machine's role is passed to Step Functions.
    ("stepfunctions", "ListStateMachines"): (("states:ListStateMachines", "*"),),
    ("stepfunctions", "DescribeStateMachine"): (("states:DescribeStateMachine", "state_machine"),),
    ("stepfunctions", "CreateStateMachine"): (("states:CreateStateMachine", "state_machine"),
                                              ("states:TagResource", "state_machine"), ("iam:PassRole", "pass:states")),
    ("stepfunctions", "UpdateStateMachine"): (("states:UpdateStateMachine", "state_machine"), ("iam:PassRole", "pass:states")),
    # EventBridge: the execution-ended rule.
    ("events", "DescribeRule"): (("events:DescribeRule", "rules"),),
    ("events", "PutRule"): (("events:PutRule", "rules"), ("events:TagResource", "rules")),
    ("events", "ListTargetsByRule"): (("events:ListTargetsByRule", "rules"),),
    ("events", "PutTargets"): (("events:PutTargets", "rules"),),
    # EventBridge Scheduler: the run schedule and the compaction schedules; their roles go to Scheduler.
    ("scheduler", "GetSchedule"): (("scheduler:GetSchedule", "schedules"),),
    ("scheduler", "CreateSchedule"): (("scheduler:CreateSchedule", "schedules"), ("iam:PassRole", "pass:scheduler")),
    ("scheduler", "UpdateSchedule"): (("scheduler:UpdateSchedule", "schedules"), ("iam:PassRole", "pass:scheduler")),
    ("scheduler", "DeleteSchedule"): (("scheduler:DeleteSchedule", "schedules"),),
}

PASSED_TO = {"pass:lambda": "lambda.amazonaws.com", "pass:sagemaker": "sagemaker.amazonaws.com",
             "pass:states": "states.amazonaws.com", "pass:scheduler": "scheduler.amazonaws.com"}
_PASSED_ROLES = {  # which pipeline roles each service receives from the deployer
    "pass:lambda": ("check_lambda", "update_lambda", "filter_lambda", "stop_lambda"),
    "pass:sagemaker": ("feature_store",), "pass:states": ("state_machine",), "pass:scheduler": ("scheduler", "compaction"),
}
WILDCARD_ACTIONS = frozenset({"logs:DescribeLogGroups", "states:ListStateMachines"})


def codebuild_trust() -> dict:
    """codebuild.amazonaws.com, without a condition: the service-role page shows none
    (setting-up-service-role), and no page documents CodeBuild sending aws:SourceArn to the role."""
    return pol.trust_policy("codebuild.amazonaws.com")


def artifact_location(cfg: PipelineConfig) -> str:
    """Where builds keep their build/ folder: ``ci.artifact_location`` or ``<work_prefix>builds/``."""
    return cfg.ci.artifact_location or f"s3://{cfg.storage.bucket}/{layout.base(cfg.storage.work_prefix)}builds/"


def _resource_groups(cfg: PipelineConfig, ctx: pol.PolicyContext) -> dict[str, list[str]]:
    names = resources.role_names(cfg)
    account = ctx.account_id
    arns = resources.ResourceArns.for_account(cfg, account)
    configured = {"state_machine": cfg.iam.state_machine_role_arn, "ground_truth": cfg.iam.ground_truth_role_arn,
                  "feature_store": cfg.iam.feature_store_role_arn, "scheduler": cfg.iam.scheduler_role_arn,
                  **dict.fromkeys(_PASSED_ROLES["pass:lambda"], cfg.iam.lambda_role_arn)}

    def role_arn(kind: str) -> str:
        return configured.get(kind) or f"arn:aws:iam::{account}:role/{names[kind]}"

    inventory, with_inventory = inventory_names(cfg), publish_inventory.wanted(cfg)
    schedules = [resources.schedule_name(cfg), *resources.compaction_schedule_names(cfg).values()]
    log_group = ctx.arn("logs", f"log-group:/aws/vendedlogs/states/{cfg.pipeline.name}")
    groups: dict[str, list[str]] = {
        "*": ["*"],
        "bucket": [f"arn:aws:s3:::{cfg.storage.bucket}"],
        "assets": [f"arn:aws:s3:::{cfg.storage.bucket}/{layout.assets_prefix(cfg.storage.work_prefix)}*"],
        "roles": sorted(f"arn:aws:iam::{account}:role/{name}" for kind, name in names.items() if not configured.get(kind)),
        # every function publish.deployer creates (each ResourceArns field holding a function ARN)
        "functions": sorted(value for value in vars(arns).values() if isinstance(value, str) and ":function:" in value),
        "feature_group": [pol.feature_group_arn(ctx)],
        "glue": [ctx.arn("glue", "catalog"), ctx.arn("glue", f"database/{DATABASE}"),
                 ctx.arn("glue", f"table/{DATABASE}/{offline_table_name(cfg.feature_store.feature_group_name)}")],
        # storage.listing auto | inventory only (publish.inventory)
        "inventory_bucket": [f"arn:aws:s3:::{cfg.storage.bucket}"] if with_inventory else [],
        "inventory_glue": [ctx.arn("glue", "catalog"), ctx.arn("glue", f"database/{inventory.database}"),
                           ctx.arn("glue", f"table/{inventory.database}/{inventory.table}")] if with_inventory else [],
        "log_group": [log_group, f"{log_group}:*"],
        "state_machine": [arns.state_machine],
        "rules": [ctx.arn("events", f"rule/{resources.execution_rule_name(cfg)}")],
        "schedules": [ctx.arn("scheduler", f"schedule/default/{name}") for name in schedules],
    }
    passed = {kind for kinds in _PASSED_ROLES.values() for kind in kinds} - {
        *(() if cfg.schedule.expression else ("scheduler",)),
        *(() if compaction.wanted(cfg, cfg.feature_store.table_format) else ("compaction",))}
    for group, kinds in _PASSED_ROLES.items():
        groups[group] = sorted({role_arn(kind) for kind in kinds if kind in passed and (kind in names or configured.get(kind))})
    return groups


def _own_statements(cfg: PipelineConfig, ctx: pol.PolicyContext) -> list[dict]:
    """What CodeBuild does as the role: write the build's logs, upload the artifacts, pull CodeCommit."""
    project = resources.codebuild_project_name(cfg)
    logs = ctx.arn("logs", f"log-group:/aws/codebuild/{project}")
    bucket, _, prefix = artifact_location(cfg).removeprefix("s3://").partition("/")
    statements = [
        pol._statement("WriteBuildLogs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                       [logs, f"{logs}:*"]),
        pol._statement("UploadArtifacts", ["s3:PutObject"], [f"arn:aws:s3:::{bucket}/{prefix}*"]),
        pol._statement("LocateArtifactBucket", ["s3:GetBucketAcl", "s3:GetBucketLocation"], [f"arn:aws:s3:::{bucket}"]),
    ]
    if cfg.ci.source == "codecommit" and cfg.ci.repository_url:
        repo = ci_rules.codecommit_repository(cfg.ci.repository_url)
        statements.append(pol._statement("PullSource", ["codecommit:GitPull"], [ctx.arn("codecommit", str(repo))]))
    return statements


def _sid(group: str) -> str:
    return "Deploy" + "".join(part.title() for part in group.replace("pass:", "pass_to_").replace("*", "any_resource").split("_"))


def build_role_policy(cfg: PipelineConfig, account_id: str) -> dict:
    """The role's permission policy: one statement per resource group of ``DEPLOY_CALLS``, then CodeBuild's own."""
    ctx = pol.PolicyContext.for_config(cfg, resources.ResourceArns.for_account(cfg, account_id))
    groups = _resource_groups(cfg, ctx)
    actions: dict[str, set[str]] = defaultdict(set)
    for needs in DEPLOY_CALLS.values():
        for action, group in needs:
            actions[group].add(action)
    statements = []
    for group in sorted(actions):
        if not groups.get(group):
            continue
        condition = {"StringEquals": {"iam:PassedToService": PASSED_TO[group]}} if group in PASSED_TO else None
        statements.append(pol._statement(_sid(group), sorted(actions[group]), groups[group], condition))
    key = cfg.storage.kms_key_arn
    if key:  # the assets are written and compared with SSE-KMS
        statements.append(pol._statement("UseTheKmsKey", ["kms:Decrypt", "kms:GenerateDataKey"], [key]))
    return pol._policy(*statements, *_own_statements(cfg, ctx))


def trigger_trust() -> dict:
    """EventBridge starts the build on a CodeCommit push as this role (events.amazonaws.com)."""
    return pol.trust_policy("events.amazonaws.com")


def trigger_policy(cfg: PipelineConfig, account_id: str) -> dict:
    """codebuild:StartBuild on the one project ("CodeBuild as an EventBridge target", eb-use-identity-based)."""
    ctx = pol.PolicyContext.for_config(cfg, resources.ResourceArns.for_account(cfg, account_id))
    project = ctx.arn("codebuild", f"project/{resources.codebuild_project_name(cfg)}")
    return pol._policy(pol._statement("StartDeployBuild", ["codebuild:StartBuild"], [project]))


def render_ci_iam_files(cfg: PipelineConfig, arns: Any) -> dict[str, str]:
    """``iam/codebuild.json`` (and ``iam/codebuild-trigger.json`` for CodeCommit) when ci is enabled."""
    import json

    if not cfg.ci.enabled:
        return {}
    files = {"iam/codebuild.json": {"trust": codebuild_trust(), "permissions": build_role_policy(cfg, arns.account_id)}}
    if cfg.ci.source == "codecommit":
        files["iam/codebuild-trigger.json"] = {"trust": trigger_trust(), "permissions": trigger_policy(cfg, arns.account_id)}
    return {path: json.dumps(doc, indent=2) + "\n" for path, doc in files.items()}

