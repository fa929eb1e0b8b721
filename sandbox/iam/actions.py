"""Which IAM action, on which resource, with which condition context, each API call needs.

One row per (boto3 client name, operation): ``ROWS[("s3", "GetObject")] = row("s3:GetObject",
s3_object)``. A row may need several actions or resources (``rows(...)``): the call is allowed only
when every one is. Action names, resource types and condition keys come from the Service
Authorization Reference ("Actions, resources, and condition keys for AWS services",
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html);
each service's section is named next to its rows. Calls without a row, made under an identity,
are refused by the request hook with a message naming this module (never silently allowed).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sandbox import registry
from sandbox.iam.requests import Call


@dataclass(frozen=True)
class Check:
    """One authorization the call needs."""

    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)


Rule = Callable[[Call], list[Check]]
Resource = Callable[[Call], str]
ContextOf = Callable[[Call], Mapping[str, str | list[str]]]


def row(action: str, resource: Resource, context: ContextOf | None = None) -> Rule:
    """A rule needing ``action`` on ``resource(call)`` (with ``context(call)``)."""
    return lambda call: [Check(action, resource(call), dict(context(call)) if context else {})]


def rows(*rules: Rule) -> Rule:
    """A rule needing every one of ``rules``."""
    return lambda call: [check for rule in rules for check in rule(call)]


def arn(service: str, template: str, *, region: bool = True, account: bool = True, lower: bool = False) -> Resource:
    """``arn:aws:<service>:<region>:<account>:<template>``, the template's one ``{Param}`` filled from
    the call; a parameter that already holds an ARN (SageMaker and Lambda accept either) is kept whole."""
    name = re.search(r"\{(\w+)\}", template).group(1)  # type: ignore[union-attr]

    def build(call: Call) -> str:
        value = str(call.params.get(name, ""))
        if value.startswith("arn:"):
            return value
        resource = template.replace("{" + name + "}", value.lower() if lower else value)
        return f"arn:aws:{service}:{call.region if region else ''}:{call.account if account else ''}:{resource}"
    return build


def param(name: str) -> Resource:
    """The call's parameter ``name`` (an ARN the caller passed)."""
    return lambda call: str(call.params.get(name, ""))


# --- Amazon S3 ("Actions, resources, and condition keys for Amazon S3"): bucket-level actions
# take the bucket ARN, object actions the object ARN; ListObjects(V2) is s3:ListBucket with the
# s3:prefix / s3:delimiter / s3:max-keys keys; HeadObject is s3:GetObject; multipart upload parts
# are s3:PutObject.
def s3_bucket(call: Call) -> str:
    return f"arn:aws:s3:::{call.params.get('Bucket', '')}"


def s3_object(call: Call) -> str:
    return f"arn:aws:s3:::{call.params.get('Bucket', '')}/{call.params.get('Key', '')}"


def s3_list_context(call: Call) -> dict[str, str]:
    wanted = {"Prefix": "s3:prefix", "Delimiter": "s3:delimiter", "MaxKeys": "s3:max-keys"}
    return {key: str(call.params[name]) for name, key in wanted.items() if name in call.params}


# SSE-KMS: writing an object encrypted with a KMS key needs kms:GenerateDataKey on the key, reading
# one needs kms:Decrypt (Amazon S3 User Guide, "Using server-side encryption with AWS KMS keys
# (SSE-KMS)", Permissions: https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html).
# The key is the request's, else the bucket's default encryption key; objects remember theirs.
# Objects under the AWS managed key aws/s3 (no key id) need no identity grant: its key policy allows
# the account's principals through S3.
def _kms_key_arn(call: Call, key_id: str | None) -> str | None:
    if not key_id:
        return None
    return key_id if key_id.startswith("arn:") else f"arn:aws:kms:{call.region}:{call.account}:key/{key_id}"


def _bucket_of(call: Call) -> object | None:
    from moto.s3.models import s3_backends

    return s3_backends[call.account]["aws"].buckets.get(str(call.params.get("Bucket", "")))


def s3_kms_for_write(call: Call) -> list[Check]:
    key_id = call.params.get("SSEKMSKeyId")
    if not key_id and call.params.get("ServerSideEncryption") in (None, ""):
        rules = ((getattr(_bucket_of(call), "encryption", None) or {}).get("Rule") or [])
        rules = rules if isinstance(rules, list) else [rules]
        default = next((r.get("ApplyServerSideEncryptionByDefault") or {} for r in rules if isinstance(r, dict)), {})
        if default.get("SSEAlgorithm") == "aws:kms":
            key_id = default.get("KMSMasterKeyID")
    key = _kms_key_arn(call, key_id)
    return [Check("kms:GenerateDataKey", key)] if key else []


def s3_kms_for_read(call: Call) -> list[Check]:
    bucket = _bucket_of(call)
    stored = getattr(bucket, "keys", {}).get(str(call.params.get("Key", ""))) if bucket is not None else None
    if stored is None or getattr(stored, "encryption", None) != "aws:kms":
        return []
    key = _kms_key_arn(call, getattr(stored, "kms_key_id", None))
    return [Check("kms:Decrypt", key)] if key else []


def _sagemaker_name(kind: str, parameter: str) -> Resource:
    # SageMaker ARNs carry resource names in lower case.
    return arn("sagemaker", f"{kind}/{{{parameter}}}", lower=True)


def _workgroup(call: Call) -> str:
    return f"arn:aws:athena:{call.region}:{call.account}:workgroup/{call.params.get('WorkGroup') or 'primary'}"


def _query_workgroup(call: Call) -> str:
    """The workgroup of the query a call names (Athena authorizes query calls on it)."""
    workgroup = "primary"
    try:
        workgroup = registry.active().athena.get_query_execution(
            str(call.params.get("QueryExecutionId", ""))).get("WorkGroup") or "primary"
    except Exception:  # an unknown query id: Athena's own error follows
        pass
    return f"arn:aws:athena:{call.region}:{call.account}:workgroup/{workgroup}"


def _glue(*parts: str) -> list[Resource]:
    """Glue's catalog, database and table ARNs ("Actions, resources, and condition keys for AWS
    Glue": GetDatabase needs catalog and database, GetTable/GetPartitions also the table)."""
    catalog: Resource = lambda call: f"arn:aws:glue:{call.region}:{call.account}:catalog"  # noqa: E731
    found = [catalog]
    if "database" in parts:
        found.append(lambda call: f"arn:aws:glue:{call.region}:{call.account}:database/{call.params.get('DatabaseName') or call.params.get('Name', '')}")
    if "table" in parts:
        found.append(lambda call: f"arn:aws:glue:{call.region}:{call.account}:table/{call.params.get('DatabaseName', '')}/{call.params.get('Name') or call.params.get('TableName', '')}")
    return found


def _glue_row(action: str, *parts: str) -> Rule:
    return rows(*(row(action, resource) for resource in _glue(*parts)))


def _feature_groups_of_batch(action: str) -> Rule:
    """BatchWriteRecord names a feature group per entry: each needs the action."""
    def checks(call: Call) -> list[Check]:
        names = sorted({str(e.get("FeatureGroupName", "")) for e in call.params.get("Entries") or [] if isinstance(e, dict)})
        return [Check(action, name if name.startswith("arn:") else
                      f"arn:aws:sagemaker:{call.region}:{call.account}:feature-group/{name.lower()}") for name in names]
    return checks


def _qualified(function_arn: str, call: Call) -> str:
    qualifier = call.params.get("Qualifier")
    return f"{function_arn}:{qualifier}" if qualifier and function_arn.count(":") == 6 else function_arn


ROWS: dict[tuple[str, str], Rule] = {
    # Amazon S3
    ("s3", "ListObjectsV2"): row("s3:ListBucket", s3_bucket, s3_list_context),
    ("s3", "ListObjects"): row("s3:ListBucket", s3_bucket, s3_list_context),
    ("s3", "HeadBucket"): row("s3:ListBucket", s3_bucket),
    ("s3", "GetBucketLocation"): row("s3:GetBucketLocation", s3_bucket),
    ("s3", "GetObject"): rows(row("s3:GetObject", s3_object), s3_kms_for_read),
    ("s3", "HeadObject"): row("s3:GetObject", s3_object),  # metadata only: nothing to decrypt
    ("s3", "PutObject"): rows(row("s3:PutObject", s3_object), s3_kms_for_write),
    ("s3", "CreateMultipartUpload"): rows(row("s3:PutObject", s3_object), s3_kms_for_write),
    ("s3", "UploadPart"): row("s3:PutObject", s3_object),
    ("s3", "CompleteMultipartUpload"): row("s3:PutObject", s3_object),
    ("s3", "AbortMultipartUpload"): row("s3:AbortMultipartUpload", s3_object),
    ("s3", "DeleteObject"): row("s3:DeleteObject", s3_object),
    # Amazon Athena ("Actions, resources, and condition keys for Amazon Athena": workgroup resource)
    ("athena", "StartQueryExecution"): row("athena:StartQueryExecution", _workgroup),
    ("athena", "GetQueryExecution"): row("athena:GetQueryExecution", _query_workgroup),
    ("athena", "GetQueryResults"): row("athena:GetQueryResults", _query_workgroup),
    ("athena", "StopQueryExecution"): row("athena:StopQueryExecution", _query_workgroup),
    ("athena", "ListQueryExecutions"): row("athena:ListQueryExecutions", _workgroup),
    # AWS Glue
    ("glue", "GetDatabase"): _glue_row("glue:GetDatabase", "database"),
    ("glue", "GetTable"): _glue_row("glue:GetTable", "database", "table"),
    ("glue", "GetPartitions"): _glue_row("glue:GetPartitions", "database", "table"),
    # Amazon SageMaker ("Actions, resources, and condition keys for Amazon SageMaker AI"); the
    # Feature Store runtime: BatchWriteRecord needs sagemaker:BatchWriteRecord on each entry's
    # feature group. Whether AWS also checks sagemaker:PutRecord for it is not documented on any
    # page we found, so the sandbox does not require it (the pipeline's policy grants both).
    ("sagemaker", "DescribeFeatureGroup"): row("sagemaker:DescribeFeatureGroup", _sagemaker_name("feature-group", "FeatureGroupName")),
    ("sagemaker-featurestore-runtime", "PutRecord"): row("sagemaker:PutRecord", _sagemaker_name("feature-group", "FeatureGroupName")),
    ("sagemaker-featurestore-runtime", "BatchWriteRecord"): _feature_groups_of_batch("sagemaker:BatchWriteRecord"),
    # AWS Step Functions ("Actions, resources, and condition keys for AWS Step Functions")
    ("stepfunctions", "DescribeExecution"): row("states:DescribeExecution", param("executionArn")),
    ("stepfunctions", "StartExecution"): row("states:StartExecution", param("stateMachineArn")),
    # ListExecutions is authorised on the stateMachine resource (Service Authorization Reference, Step Functions)
    ("stepfunctions", "ListExecutions"): row("states:ListExecutions", param("stateMachineArn")),
    # AWS STS: GetCallerIdentity needs no permission (AWS STS API Reference, GetCallerIdentity)
    ("sts", "GetCallerIdentity"): lambda call: [],
    # AWS Lambda ("Actions, resources, and condition keys for AWS Lambda")
    ("lambda", "Invoke"): row("lambda:InvokeFunction", lambda call: _qualified(arn("lambda", "function:{FunctionName}")(call), call)),
    # Amazon SageMaker labeling jobs (made by Step Functions as the state machine's role, see
    # sandbox.patches.stepfunctions_role): the labeling-job ARN carries the name lower-cased.
    ("sagemaker", "CreateLabelingJob"): rows(
        row("sagemaker:CreateLabelingJob", _sagemaker_name("labeling-job", "LabelingJobName")),
        # Passing RoleArn needs iam:PassRole on that role, with iam:PassedToService (IAM User Guide,
        # "Grant a user permissions to pass a role to an AWS service", id_roles_use_passrole).
        row("iam:PassRole", param("RoleArn"), lambda call: {"iam:PassedToService": "sagemaker.amazonaws.com"})),
    ("sagemaker", "DescribeLabelingJob"): row("sagemaker:DescribeLabelingJob", _sagemaker_name("labeling-job", "LabelingJobName")),
    ("sagemaker", "StopLabelingJob"): row("sagemaker:StopLabelingJob", _sagemaker_name("labeling-job", "LabelingJobName")),
}


# --- The deployer's calls (publish.codebuild_role.DEPLOY_CALLS), judged when deploy.py runs as the
# CodeBuild service role. Each service's section of the Service Authorization Reference is named
# next to its rows (https://docs.aws.amazon.com/service-authorization/latest/reference/list_<service>.html);
# its "API operations" table maps each operation to every IAM action it authorizes, its "Actions"
# table gives the resource types (none listed: the policy must grant Resource "*", modelled below
# as the resource "*", which only a statement whose Resource matches "*" allows).
def _when(key: str, rule: Rule) -> Rule:
    """``rule`` only when the call carries a non-empty ``key`` (e.g. tags, a role to pass); query-protocol
    calls (IAM) carry a list as flattened ``Tags.member.1.Key`` parameters."""
    def checks(call: Call) -> list[Check]:
        present = call.params.get(key) or any(name.startswith(f"{key}.") for name in call.params)
        return rule(call) if present else []
    return checks


def _pass_role(key: str, service: str) -> Rule:
    """Passing the role in ``key`` to ``service`` needs iam:PassRole on it with iam:PassedToService
    (IAM User Guide, "Grant a user permissions to pass a role to an AWS service", id_roles_use_passrole)."""
    return _when(key, row("iam:PassRole", param(key), lambda call: {"iam:PassedToService": service}))


def _pass_role_nested(outer: str, inner: str, service: str) -> Rule:
    """iam:PassRole for a role ARN nested in a structure (a schedule's Target.RoleArn)."""
    def checks(call: Call) -> list[Check]:
        role_arn = str((call.params.get(outer) or {}).get(inner, ""))
        return [Check("iam:PassRole", role_arn, {"iam:PassedToService": service})] if role_arn else []
    return checks


def _everything(call: Call) -> str:
    return "*"


def _role(call: Call) -> str:
    """The role ARN (IAM's ARNs carry no region; a role's path precedes its name)."""
    path = str(call.params.get("Path") or "/")
    return f"arn:aws:iam::{call.account}:role{path}{call.params.get('RoleName', '')}"


def _function(call: Call) -> str:
    return _qualified(arn("lambda", "function:{FunctionName}")(call), call)


def _tags_of_tagged_function(call: Call) -> list[Check]:
    """GetFunction returns a function's tags: for a tagged function it also needs lambda:ListTags ("Using
    tags on Lambda functions", https://docs.aws.amazon.com/lambda/latest/dg/configuration-tags.html,
    "Permissions required for working with tags": "For tagged functions, this permission is also
    necessary for GetFunction")."""
    from moto.awslambda.models import lambda_backends

    try:
        function = lambda_backends[call.account][call.region].get_function(str(call.params.get("FunctionName", "")))
    except Exception:  # no such function: Lambda's own 404 follows
        return []
    return [Check("lambda:ListTags", _function(call))] if getattr(function, "tags", None) else []


def _log_group(call: Call) -> str:
    return f"arn:aws:logs:{call.region}:{call.account}:log-group:{call.params.get('logGroupName', '')}"


def _rule_arn(parameter: str) -> Resource:
    """A rule on the default event bus: arn:aws:events:<region>:<account>:rule/<name>."""
    def build(call: Call) -> str:
        value = str(call.params.get(parameter, ""))
        return value if value.startswith("arn:") else f"arn:aws:events:{call.region}:{call.account}:rule/{value}"
    return build


def _schedule(call: Call) -> str:
    group = call.params.get("GroupName") or "default"
    return f"arn:aws:scheduler:{call.region}:{call.account}:schedule/{group}/{call.params.get('Name', '')}"


def _glue_input(action: str, kind: str) -> Rule:
    """CreateDatabase names its database in DatabaseInput; CreateTable/UpdateTable their table in
    TableInput ("Actions, resources, and condition keys for AWS Glue": catalog, database and table)."""
    def checks(call: Call) -> list[Check]:
        base = f"arn:aws:glue:{call.region}:{call.account}"
        if kind == "database":
            name = str((call.params.get("DatabaseInput") or {}).get("Name", ""))
            return [Check(action, f"{base}:catalog"), Check(action, f"{base}:database/{name}")]
        database, table = call.params.get("DatabaseName", ""), (call.params.get("TableInput") or {}).get("Name", "")
        return [Check(action, f"{base}:catalog"), Check(action, f"{base}:database/{database}"),
                Check(action, f"{base}:table/{database}/{table}")]
    return checks


def _state_machine_by_name(call: Call) -> str:
    return f"arn:aws:states:{call.region}:{call.account}:stateMachine:{call.params.get('name', '')}"


DEPLOY_ROWS: dict[tuple[str, str], Rule] = {
    # Amazon S3 ("Actions, resources, and condition keys for Amazon S3", list_amazons3): bucket
    # configuration actions take the bucket ARN; the CORS actions are spelled s3:GetBucketCORS /
    # s3:PutBucketCORS, encryption is s3:PutEncryptionConfiguration, inventory s3:Get/PutInventoryConfiguration.
    ("s3", "CreateBucket"): row("s3:CreateBucket", s3_bucket),
    ("s3", "PutBucketEncryption"): row("s3:PutEncryptionConfiguration", s3_bucket),
    ("s3", "PutPublicAccessBlock"): row("s3:PutBucketPublicAccessBlock", s3_bucket),
    ("s3", "GetBucketPolicy"): row("s3:GetBucketPolicy", s3_bucket),
    ("s3", "PutBucketPolicy"): row("s3:PutBucketPolicy", s3_bucket),
    ("s3", "GetBucketCors"): row("s3:GetBucketCORS", s3_bucket),
    ("s3", "PutBucketCors"): row("s3:PutBucketCORS", s3_bucket),
    ("s3", "GetBucketInventoryConfiguration"): row("s3:GetInventoryConfiguration", s3_bucket),
    ("s3", "PutBucketInventoryConfiguration"): row("s3:PutInventoryConfiguration", s3_bucket),
    # IAM ("Actions, resources, and condition keys for AWS Identity and Access Management (IAM)",
    # list_identityandaccessmanagementiam): role resource. Tag-on-create: CreateRole with Tags also
    # needs iam:TagRole, the permission "Tagging IAM roles" names for setting a role's tags
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags_roles.html, "Permissions required for
    # tagging IAM roles"). No page we found says in so many words that CreateRole checks it; the rule
    # is the tag-on-create one other services document (Step Functions below, Lambda) and the one users
    # report for IAM (aws-cloudformation/aws-cloudformation-coverage-roadmap#328).
    ("iam", "GetRole"): row("iam:GetRole", _role),
    ("iam", "CreateRole"): rows(row("iam:CreateRole", _role), _when("Tags", row("iam:TagRole", _role))),
    ("iam", "UpdateAssumeRolePolicy"): row("iam:UpdateAssumeRolePolicy", _role),
    ("iam", "GetRolePolicy"): row("iam:GetRolePolicy", _role),
    ("iam", "PutRolePolicy"): row("iam:PutRolePolicy", _role),
    # AWS Lambda ("Actions, resources, and condition keys for AWS Lambda", list_awslambda): function
    # resource; CreateFunction with Tags also needs lambda:TagResource (tag-on-create: "Using tags on
    # Lambda functions", https://docs.aws.amazon.com/lambda/latest/dg/configuration-tags.html, "Permissions
    # required for working with tags": lambda:TagResource for anyone who calls TagResource "or performs
    # a tag on create"); passing the execution role is iam:PassRole to lambda.amazonaws.com.
    ("lambda", "GetFunction"): rows(row("lambda:GetFunction", _function), _tags_of_tagged_function),
    ("lambda", "GetFunctionConfiguration"): row("lambda:GetFunctionConfiguration", _function),
    ("lambda", "CreateFunction"): rows(row("lambda:CreateFunction", _function),
                                       _when("Tags", row("lambda:TagResource", _function)),
                                       _pass_role("Role", "lambda.amazonaws.com")),
    ("lambda", "UpdateFunctionCode"): row("lambda:UpdateFunctionCode", _function),
    ("lambda", "UpdateFunctionConfiguration"): rows(row("lambda:UpdateFunctionConfiguration", _function),
                                                    _pass_role("Role", "lambda.amazonaws.com")),
    ("lambda", "GetPolicy"): row("lambda:GetPolicy", _function),
    ("lambda", "AddPermission"): row("lambda:AddPermission", _function),
    ("lambda", "RemovePermission"): row("lambda:RemovePermission", _function),
    # Amazon SageMaker ("Actions, resources, and condition keys for Amazon SageMaker AI",
    # list_amazonsagemaker): feature-group resource; the offline store's role is passed to SageMaker.
    # Creating with Tags also needs sagemaker:AddTags: "policies that allow ... to create SageMaker
    # resources must also grant permissions to add tags to those resources ... 'AccessDenied' errors can
    # occur" (Feature Store, https://docs.aws.amazon.com/sagemaker/latest/dg/feature-store-use-with-studio.html,
    # pointing to "Provide permissions for tagging SageMaker AI resources", security_iam_id-based-policy-examples).
    ("sagemaker", "CreateFeatureGroup"): rows(row("sagemaker:CreateFeatureGroup", _sagemaker_name("feature-group", "FeatureGroupName")),
                                              _when("Tags", row("sagemaker:AddTags", _sagemaker_name("feature-group", "FeatureGroupName"))),
                                              _pass_role("RoleArn", "sagemaker.amazonaws.com")),
    ("sagemaker", "UpdateFeatureGroup"): row("sagemaker:UpdateFeatureGroup", _sagemaker_name("feature-group", "FeatureGroupName")),
    # AWS Glue ("Actions, resources, and condition keys for AWS Glue", list_awsglue)
    ("glue", "CreateDatabase"): _glue_input("glue:CreateDatabase", "database"),
    ("glue", "CreateTable"): _glue_input("glue:CreateTable", "table"),
    ("glue", "UpdateTable"): _glue_input("glue:UpdateTable", "table"),
    # Amazon CloudWatch Logs ("Actions, resources, and condition keys for Amazon CloudWatch Logs",
    # list_amazoncloudwatchlogs): DescribeLogGroups is granted on "*"; the others on the log group.
    # Whether CreateLogGroup with tags also needs logs:TagResource is not documented on any page we
    # found (the API reference says only that logs cannot restrict tags by aws:TagKeys), so the
    # sandbox does not require it (the build role grants it).
    ("logs", "DescribeLogGroups"): row("logs:DescribeLogGroups", _everything),
    ("logs", "CreateLogGroup"): row("logs:CreateLogGroup", _log_group),
    ("logs", "PutRetentionPolicy"): row("logs:PutRetentionPolicy", _log_group),
    # AWS Step Functions ("Actions, resources, and condition keys for AWS Step Functions",
    # list_awsstepfunctions): its API operations table lists, under CreateStateMachine,
    # states:CreateStateMachine, states:PublishStateMachineVersion (when publishing), states:TagResource
    # (when tagging) and iam:PassRole with iam:PassedToService states.amazonaws.com.
    ("stepfunctions", "ListStateMachines"): row("states:ListStateMachines", _everything),
    ("stepfunctions", "DescribeStateMachine"): row("states:DescribeStateMachine", param("stateMachineArn")),
    ("stepfunctions", "CreateStateMachine"): rows(row("states:CreateStateMachine", _state_machine_by_name),
                                                  _when("publish", row("states:PublishStateMachineVersion", _state_machine_by_name)),
                                                  _when("tags", row("states:TagResource", _state_machine_by_name)),
                                                  _pass_role("roleArn", "states.amazonaws.com")),
    ("stepfunctions", "UpdateStateMachine"): rows(row("states:UpdateStateMachine", param("stateMachineArn")),
                                                  _when("publish", row("states:PublishStateMachineVersion", param("stateMachineArn"))),
                                                  _pass_role("roleArn", "states.amazonaws.com")),
    # Amazon EventBridge ("Actions, resources, and condition keys for Amazon EventBridge",
    # list_amazoneventbridge): rule resource on the default bus. Whether PutRule with Tags also needs
    # events:TagResource is not documented on any page we found: not required here (the role grants it).
    ("events", "DescribeRule"): row("events:DescribeRule", _rule_arn("Name")),
    ("events", "PutRule"): row("events:PutRule", _rule_arn("Name")),
    ("events", "ListTargetsByRule"): row("events:ListTargetsByRule", _rule_arn("Rule")),
    ("events", "PutTargets"): row("events:PutTargets", _rule_arn("Rule")),
    # Amazon EventBridge Scheduler ("Actions, resources, and condition keys for Amazon EventBridge
    # Scheduler", list_amazoneventbridgescheduler): schedule resource
    # arn:aws:scheduler:<region>:<account>:schedule/<group>/<name>; the target's role goes to Scheduler.
    ("scheduler", "GetSchedule"): row("scheduler:GetSchedule", _schedule),
    ("scheduler", "CreateSchedule"): rows(row("scheduler:CreateSchedule", _schedule),
                                          _pass_role_nested("Target", "RoleArn", "scheduler.amazonaws.com")),
    ("scheduler", "UpdateSchedule"): rows(row("scheduler:UpdateSchedule", _schedule),
                                          _pass_role_nested("Target", "RoleArn", "scheduler.amazonaws.com")),
    ("scheduler", "DeleteSchedule"): row("scheduler:DeleteSchedule", _schedule),
}
ROWS.update(DEPLOY_ROWS)


def checks_for(call: Call) -> list[Check] | None:
    """Every authorization ``call`` needs, or None when no row maps it."""
    rule = ROWS.get((call.service, call.operation))
    return None if rule is None else rule(call)
