"""``deploy.py --preflight``: check a deployed pipeline on its account without starting a job.

Checks, each one line (``ok    <check>`` or ``FAIL  <check>: <what is wrong>; <the fix>``):

1. every role may do what its service will do (``iam:SimulatePrincipalPolicy`` with the actions,
   example resources and condition keys of the policies ``publish.iam_policies`` renders);
2. both worker templates, read from the deployed assets, render with ``sagemaker:RenderUiTemplate``
   on a real image from the bucket and hold the crowd element the task type documents;
3. the workteam exists in the region;
4. the bucket has Ground Truth's CORS rule and default encryption;
5. Ground Truth answers for this account (it is closed to new customers).

The pure parts (requirements from policy documents, example resources, the judgement of a
rendered template) are separate functions; the check functions make one or a few AWS calls each.

AWS documentation each check relies on:
- SimulatePrincipalPolicy (results ``allowed`` / ``implicitDeny`` / ``explicitDeny``, ContextEntries):
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
- RenderUiTemplate (RenderedContent, Errors): https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_RenderUiTemplate.html
- the bounding-box template's ``crowd-bounding-box name="boundingBox"``: sms-bounding-box; the
  verification UI's ``crowd-image-classifier`` with ``overlay`` ``boundingBox``: sms-ui-template-crowd-image-classifier
- DescribeWorkteam (by name, in the caller's account and region): API_DescribeWorkteam
- the CORS rule: https://docs.aws.amazon.com/sagemaker/latest/dg/sms-cors-update.html
- "Amazon SageMaker Ground Truth is no longer open to new customers. Existing customers can continue
  to use the service as normal." (note on sms-bounding-box and the other Ground Truth pages)
"""
from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from botocore.exceptions import ClientError

from publish import bucket_cors, compaction, feature_group
from publish.iam_policies import PolicyContext, role_documents
from steps import layout
from workflow import job_requests, resources, task_types
from workflow.config import PipelineConfig
from workflow.resources import ResourceArns

MAX_DENIALS_SHOWN = 3
GROUND_TRUTH_CORS_DOC = "https://docs.aws.amazon.com/sagemaker/latest/dg/sms-cors-update.html"


@dataclass(frozen=True)
class Check:
    """One preflight check: ``problem`` is None when it passed (``detail`` then says what was seen)."""

    name: str
    problem: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None

    def line(self) -> str:
        if self.ok:
            return f"ok    {self.name}" + (f": {self.detail}" if self.detail else "")
        return f"FAIL  {self.name}: {self.problem}"


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def _error(error: ClientError) -> str:
    info = error.response.get("Error", {})
    return f"{error.operation_name} answered {info.get('Code', 'an error')}: {_one_line(info.get('Message', ''))}"


# --------------------------------------------------------------------------------------------------
# 1. Roles: what each service will do, simulated against the deployed role
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Requirement:
    """One call a service will make with a role: action, concrete resource, condition context."""

    action: str
    resource: str
    context: tuple[tuple[str, str, str], ...] = ()  # (key, type, value) as ContextEntries

    def describe(self) -> str:
        where = f" on {self.resource}" if self.resource != "*" else ""
        with_ = "".join(f" with {key}={value}" for key, _, value in self.context)
        return f"{self.action}{where}{with_}"


# Condition operators whose keys preflight can fill with an example value, and the key's type
# (API_SimulatePrincipalPolicy, ContextEntry.ContextKeyType).
_CONTEXT_TYPES = {"String": "string", "Arn": "string", "Bool": "boolean", "Numeric": "numeric"}


def _operator_type(operator: str) -> str | None:
    base = operator.split(":")[-1].removesuffix("IfExists")
    return next((kind for prefix, kind in _CONTEXT_TYPES.items() if base.startswith(prefix)), None)


def _pattern(text: str) -> re.Pattern[str]:
    """An IAM wildcard (``*``, ``?``) as a regular expression."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text) + r"\Z")


def _example_value(value: str, operator: str) -> str:
    """A value that satisfies ``operator`` with ``value``: wildcards of *Like operators filled in."""
    if "Like" in operator:
        return value.replace("*", "").replace("?", "x")
    return value


def example_resource(pattern: str, candidates: Iterable[str]) -> str:
    """The first of ``candidates`` that ``pattern`` (an IAM resource) covers, else the pattern with
    its wildcards filled in ("*" alone stays "*": actions without a resource type)."""
    if pattern == "*" or not any(c in pattern for c in "*?"):
        return pattern
    regex = _pattern(pattern)
    found = next((candidate for candidate in candidates if regex.match(candidate)), None)
    return found or pattern.replace("*", "example").replace("?", "x")


def _contexts(condition: dict[str, Any]) -> list[tuple[tuple[str, str, str], ...]]:
    """Every combination of one example value per condition key (one simulation each)."""
    per_key = []
    for operator, keys in condition.items():
        kind = _operator_type(operator)
        if kind is None:
            continue
        for key, values in keys.items():
            values = values if isinstance(values, list) else [values]
            per_key.append([(key, kind, _example_value(str(value), operator)) for value in values])
    return [tuple(combination) for combination in itertools.product(*per_key)] or [()]


def requirements_of(policy: dict[str, Any], candidates: list[str]) -> list[Requirement]:
    """The (action, example resource, context) triples an Allow policy document grants."""
    found: dict[Requirement, None] = {}
    for statement in policy.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        patterns = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action, pattern, context in itertools.product(actions, patterns, _contexts(statement.get("Condition", {}))):
            found[Requirement(action, example_resource(pattern, candidates), context)] = None
    return list(found)


def example_resources(cfg: PipelineConfig, arns: ResourceArns, image_key: str | None) -> list[str]:
    """Concrete ARNs one run touches, most specific first: its manifests and outputs, the UI
    assets, an image, Athena results, its labeling jobs and execution."""
    bucket = cfg.storage.bucket
    values = job_requests.example_values(cfg, arns)
    objects = [value.removeprefix(f"s3://{bucket}/") for value in values.values()
               if isinstance(value, str) and value.startswith(f"s3://{bucket}/")]
    objects = [key + "output.manifest" if key.endswith("/") else key for key in objects]
    objects += [resources.asset_key(cfg, asset) for asset in resources.ASSET_NAMES]
    objects.append(image_key or f"{cfg.storage.raw_prefix}example{cfg.storage.image_extensions[0]}")
    objects.append(f"{layout.athena_prefix(cfg.storage.work_prefix)}00000000-0000-0000-0000-000000000000.csv")
    jobs = [value for path, value in values.items() if path.endswith("job_name")]
    return [
        *(f"arn:aws:s3:::{bucket}/{key}" for key in objects),
        *(f"arn:aws:sagemaker:{arns.region}:{arns.account_id}:labeling-job/{job.lower()}" for job in jobs),
        f"arn:aws:states:{arns.region}:{arns.account_id}:execution:{cfg.pipeline.name}:example-run",
    ]


def simulate_denials(iam: Any, role_arn: str, requirements: list[Requirement]) -> list[Requirement]:
    """The requirements ``iam:SimulatePrincipalPolicy`` does not allow for ``role_arn``."""
    groups: dict[tuple[str, tuple], list[str]] = {}
    for requirement in requirements:
        groups.setdefault((requirement.resource, requirement.context), []).append(requirement.action)
    denied = []
    for (resource, context), actions in groups.items():
        request: dict[str, Any] = {"PolicySourceArn": role_arn, "ActionNames": actions, "ResourceArns": [resource]}
        if context:
            request["ContextEntries"] = [{"ContextKeyName": key, "ContextKeyType": kind, "ContextKeyValues": [value]}
                                         for key, kind, value in context]
        for page in iam.get_paginator("simulate_principal_policy").paginate(**request):
            for result in page["EvaluationResults"]:
                if result["EvalDecision"] != "allowed":
                    denied.append(Requirement(result["EvalActionName"], result.get("EvalResourceName", resource), context))
    return denied


def _configured_key(cfg: PipelineConfig, role_arn: str) -> str | None:
    """The ``iam.*`` key that names ``role_arn``, if the config gives this role."""
    return next((f"iam.{name}" for name in type(cfg.iam).model_fields if getattr(cfg.iam, name) == role_arn), None)


def role_checks(cfg: PipelineConfig, arns: ResourceArns, iam: Any, image_key: str | None,
                offline_table: str = "", table_format: str = "") -> list[Check]:
    """One check per role the pipeline uses (created by deploy.py or named in ``iam:``)."""
    candidates = example_resources(cfg, arns, image_key)
    checks = []
    for kind, documents in role_documents(PolicyContext.for_config(cfg, arns, offline_table)).items():
        role_arn = getattr(arns, f"{kind}_role")
        configured = _configured_key(cfg, role_arn)
        if kind == "scheduler" and cfg.schedule.expression is None and not configured:
            continue  # deploy.py creates no scheduler role without a schedule
        if kind == "compaction" and not compaction.wanted(cfg, table_format or cfg.feature_store.table_format):
            continue  # nor a compaction role for a Glue-format group or with compaction off (publish.compaction)
        name = f"role {kind} ({role_arn.rsplit('/', 1)[-1]})"
        requirements = requirements_of(documents.policy, candidates)
        fix = (f"add it to the role's policies ({configured} names this role; deploy.py leaves it as it is)"
               if configured else "re-run python deploy.py to restore the role's policy")
        try:
            denied = simulate_denials(iam, role_arn, requirements)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code == "NoSuchEntity":
                checks.append(Check(name, f"the role {role_arn} does not exist; "
                                          + (f"fix {configured}" if configured else "re-run python deploy.py")))
            else:
                checks.append(Check(name, f"cannot simulate its policies ({_error(error)}); your identity needs "
                                          "iam:SimulatePrincipalPolicy on the role"))
            continue
        if denied:
            shown = ", ".join(requirement.describe() for requirement in denied[:MAX_DENIALS_SHOWN])
            more = f" and {len(denied) - MAX_DENIALS_SHOWN} more" if len(denied) > MAX_DENIALS_SHOWN else ""
            checks.append(Check(name, f"denied {shown}{more}; {fix}"))
        else:
            count = len({requirement.action for requirement in requirements})
            checks.append(Check(name, detail=f"{count} action{'s' if count != 1 else ''} allowed"))
    return checks


# --------------------------------------------------------------------------------------------------
# 2. Worker templates rendered by SageMaker
# --------------------------------------------------------------------------------------------------
SAMPLE_BOX = {"class_id": 0, "left": 41, "top": 37, "width": 123, "height": 29}


def first_image_key(s3: Any, cfg: PipelineConfig) -> str | None:
    """The first object under ``storage.raw_prefix`` with one of the image extensions."""
    extensions = tuple(cfg.storage.image_extensions)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=cfg.storage.bucket, Prefix=cfg.storage.raw_prefix)
    for page in pages:
        for item in page.get("Contents", []):
            if item["Key"].lower().endswith(extensions):
                return item["Key"]
    return None


def sample_manifest_line(cfg: PipelineConfig, image_uri: str, labeling_job_name: str) -> dict[str, Any]:
    """A labeling job's output line for ``image_uri`` with one box (sms-data-output, bounding box), or
    for semantic segmentation a mask with its internal-color-map (sms-data-output, semantic segmentation)."""
    attribute = cfg.labeling.label_attribute
    if cfg.labels.task_type == "semantic_segmentation":
        return {"source-ref": image_uri, attribute: image_uri, f"{attribute}-metadata": {
            "internal-color-map": {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.9},
                                   "1": {"class-name": cfg.labels.categories[0], "hex-color": SAMPLE_MASK_COLOUR,
                                         "confidence": 0.9}},
            "type": "groundtruth/semantic-segmentation", "human-annotated": "yes",
            "creation-date": "2026-01-01T06:00:00.000000", "job-name": f"labeling-job/{labeling_job_name}"}}
    return {
        "source-ref": image_uri,
        attribute: {"image_size": [{"width": 640, "height": 480, "depth": 3}], "annotations": [dict(SAMPLE_BOX)]},
        f"{attribute}-metadata": {
            "objects": [{"confidence": 0.9}],
            "class-map": {"0": cfg.labels.categories[0]},
            "type": "groundtruth/object-detection",
            "human-annotated": "yes",
            "creation-date": "2026-01-01T06:00:00.000000",
            "job-name": f"labeling-job/{labeling_job_name}",
        },
    }


def task_input(cfg: PipelineConfig, kind: str, image_uri: str, line: dict[str, Any]) -> dict[str, Any]:
    """``task.input`` as the built-in pre-annotation Lambda gives it: the image, the category
    file's labels and, for verification, the manifest line being verified."""
    if kind == "labeling":
        return {"taskObject": image_uri, "labels": list(job_requests.labeling_classes(cfg))}
    labels = [entry["label"] for entry in job_requests.verification_categories(cfg)["labels"]]
    return {"taskObject": image_uri, "labels": labels, "manifestLine": line}


class _CrowdElements(HTMLParser):
    """Collects every ``crowd-*`` element of a rendered template with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.startswith("crowd-"):
            self.elements.append((tag, {key: value or "" for key, value in attrs}))


def crowd_elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _CrowdElements()
    parser.feed(html)
    parser.close()
    return parser.elements


def _overlay_shows(overlay: str, box: dict[str, int]) -> bool:
    """Whether an ``overlay`` value (JSON, or the JavaScript object literal of AWS's examples) has
    a ``boundingBox`` whose values include ``box``."""
    if "boundingBox" not in overlay:
        return False
    return all(re.search(rf"""["']?{field}["']?\s*:\s*{value}(?![\d.])""", overlay)
               for field, value in box.items() if field != "class_id")


SAMPLE_MASK_COLOUR = "#1f77b4"


def _judge_task_type(kind: str, elements: list[tuple[str, dict[str, str]]], task_type: str) -> str | None:
    """judge_rendered for the task types other than bounding boxes (workflow.task_types names the
    element and the name each one's built-in consolidation reads)."""
    spec = task_types.spec(task_type)
    if kind == "labeling":
        found = [attrs for tag, attrs in elements if tag == spec.element]
        if not found:
            return f"has no {spec.element} element"
        named = [attrs for attrs in found if attrs.get("name") == spec.element_name]
        if not named:
            return (f"its {spec.element} is named {found[0].get('name', '')!r}, not {spec.element_name!r} "
                    "(the built-in consolidation reads that key)")
        return None if named[0].get("src") else f"its {spec.element} has no src (the image to label)"
    classifiers = [attrs for tag, attrs in elements if tag == "crowd-image-classifier"]
    if not classifiers:
        return "has no crowd-image-classifier element (the documented verification UI)"
    if not any("semanticSegmentation" in attrs.get("overlay", "") and SAMPLE_MASK_COLOUR in attrs.get("overlay", "")
               for attrs in classifiers):
        return "its crowd-image-classifier overlay does not show the sample line's mask under semanticSegmentation"
    return None


def judge_rendered(kind: str, html: str, box: dict[str, int] = SAMPLE_BOX, task_type: str = "bounding_box") -> str | None:
    """What is wrong with a rendered template for its task type (None: nothing)."""
    elements = crowd_elements(html)
    if task_type != "bounding_box":
        return _judge_task_type(kind, elements, task_type)
    if kind == "labeling":
        boxes = [attrs for tag, attrs in elements if tag == "crowd-bounding-box"]
        if not boxes:
            return "has no crowd-bounding-box element"
        names = [attrs.get("name", "") for attrs in boxes]
        if "boundingBox" not in names:
            # The built-in consolidation reads the worker answer under the task type's documented
            # name (sms-bounding-box: the bounding-box template's crowd-bounding-box is "boundingBox").
            return f"its crowd-bounding-box is named {names[0]!r}, not 'boundingBox' (the built-in consolidation reads that key)"
        if not next(attrs for attrs in boxes if attrs.get("name") == "boundingBox").get("src"):
            return "its crowd-bounding-box has no src (the image to label)"
        return None
    classifiers = [attrs for tag, attrs in elements if tag == "crowd-image-classifier"]
    if not classifiers:
        return "has no crowd-image-classifier element (the documented bounding-box verification UI)"
    if not any(_overlay_shows(attrs.get("overlay", ""), box) for attrs in classifiers):
        return "its crowd-image-classifier overlay does not show the sample line's box under boundingBox"
    return None


def template_check(cfg: PipelineConfig, kind: str, s3: Any, sagemaker: Any, role_arn: str,
                   image_key: str | None, labeling_job_name: str) -> Check:
    """Render the deployed ``kind`` template ("labeling" or "verification") and judge the result."""
    asset = f"{kind}.liquid.html"
    key = resources.asset_key(cfg, asset)
    name = f"template {kind}"
    source = f"{kind}.instructions_template ({getattr(cfg, kind).instructions_template})"
    bucket = cfg.storage.bucket
    if image_key is None:
        return Check(name, f"no image under s3://{bucket}/{cfg.storage.raw_prefix} to render it with; "
                           f"upload images ({', '.join(cfg.storage.image_extensions)}) there and run --preflight again")
    try:
        template = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    except ClientError as error:
        return Check(name, f"cannot read s3://{bucket}/{key} ({_error(error)}); re-run python deploy.py")
    image_uri = f"s3://{bucket}/{image_key}"
    line = sample_manifest_line(cfg, image_uri, labeling_job_name)
    try:
        rendered = sagemaker.render_ui_template(
            UiTemplate={"Content": template}, Task={"Input": json.dumps(task_input(cfg, kind, image_uri, line))},
            RoleArn=role_arn)
    except ClientError as error:
        if "AccessDenied" in error.response.get("Error", {}).get("Code", ""):
            return Check(name, f"cannot render it ({_error(error)}); your identity needs sagemaker:RenderUiTemplate")
        return Check(name, f"does not render ({_error(error)}); fix {source} and re-run python deploy.py")
    errors = rendered.get("Errors") or []
    if errors:
        first = errors[0]
        return Check(name, f"does not render ({first.get('Code')}: {_one_line(first.get('Message', ''))}); "
                           f"fix {source} and re-run python deploy.py")
    problem = judge_rendered(kind, rendered.get("RenderedContent", ""), task_type=cfg.labels.task_type)
    if problem:
        return Check(name, f"{problem}; fix {source} and re-run python deploy.py")
    spec = task_types.spec(cfg.labels.task_type)
    overlaid = "the box" if cfg.labels.task_type == "bounding_box" else "the mask"
    element = f"{spec.element} '{spec.element_name}'" if kind == "labeling" else f"crowd-image-classifier with {overlaid} overlaid"
    return Check(name, detail=f"renders on s3://{bucket}/{image_key}: {element}")


# --------------------------------------------------------------------------------------------------
# 3.-5. Workteam, bucket, Ground Truth
# --------------------------------------------------------------------------------------------------
_WORKTEAM = re.compile(r"^arn:aws[a-z-]*:sagemaker:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):workteam/"
                       r"(?P<kind>[a-z-]+)/(?P<name>.+)$")


def workteam_check(cfg: PipelineConfig, sagemaker: Any, region: str) -> Check:
    """The configured workteam exists in the pipeline's region (the public crowd always does)."""
    arn = cfg.workforce.workteam_arn or ""
    if cfg.workforce.type == "public":
        return Check("workteam", detail="the public crowd (Amazon Mechanical Turk) needs no check")
    match = _WORKTEAM.match(arn)
    if not match:
        return Check("workteam", f"{arn!r} is not a workteam ARN; set workforce.workteam_arn to one from the SageMaker console")
    if match["region"] != region:
        return Check("workteam", f"{arn} is in {match['region']}, the pipeline in {region}; "
                                 f"use a workteam of {region} in workforce.workteam_arn")
    try:
        if cfg.workforce.type == "vendor":
            found = sagemaker.describe_subscribed_workteam(WorkteamArn=arn)["SubscribedWorkteam"]["WorkteamArn"]
        else:
            found = sagemaker.describe_workteam(WorkteamName=match["name"])["Workteam"]["WorkteamArn"]
    except ClientError as error:
        where = "subscribe to it in AWS Marketplace" if cfg.workforce.type == "vendor" else \
            "create it (SageMaker console, Ground Truth > Labeling workforces > Private)"
        return Check("workteam", f"{arn} not found in {region} ({_error(error)}); {where} "
                                 "or set workforce.workteam_arn to an existing one")
    if found != arn:
        return Check("workteam", f"this account's workteam {match['name']!r} is {found}, not {arn}; "
                                 f"set workforce.workteam_arn to {found}")
    return Check("workteam", detail=f"{arn} exists")


def cors_check(s3: Any, bucket: str) -> Check:
    """The bucket holding the input images has Ground Truth's CORS rule (sms-cors-update), as
    ``publish.bucket_cors`` (the deployer's) recognises it."""
    name = "bucket CORS"
    try:
        rules = bucket_cors.current_rules(s3, bucket)
    except ClientError as error:
        return Check(name, f"cannot read it ({_error(error)}); your identity needs s3:GetBucketCORS")
    if not any(bucket_cors.grants_ground_truth(rule) for rule in rules):
        return Check(name, f"s3://{bucket} has no CORS rule allowing GET from any origin, so workers cannot load "
                           f"its images; re-run python deploy.py (it adds the rule, keeping yours) or add it as "
                           f"{GROUND_TRUTH_CORS_DOC} shows")
    return Check(name, detail=f"s3://{bucket} allows GET from any origin")


def encryption_check(s3: Any, bucket: str) -> Check:
    """The bucket encrypts new objects by default."""
    name = "bucket encryption"
    try:
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ServerSideEncryptionConfigurationNotFoundError":
            return Check(name, f"cannot read it ({_error(error)}); your identity needs s3:GetEncryptionConfiguration")
        rules = []
    algorithms = [rule.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for rule in rules]
    algorithms = [algorithm for algorithm in algorithms if algorithm]
    if not algorithms:
        return Check(name, f"s3://{bucket} has no default encryption; turn it on (PutBucketEncryption, SSE-S3 or SSE-KMS)")
    return Check(name, detail=f"s3://{bucket} default {', '.join(algorithms)}")


def ground_truth_check(sagemaker: Any, account_id: str) -> Check:
    """Ground Truth answers ListLabelingJobs for this account."""
    name = "ground truth"
    try:
        sagemaker.list_labeling_jobs(MaxResults=1)
    except ClientError as error:
        return Check(name, f"SageMaker refused ListLabelingJobs for account {account_id} ({_error(error)}); "
                           "Ground Truth is closed to new customers: if your identity may call "
                           "sagemaker:ListLabelingJobs, this account cannot use it: run the pipeline in an "
                           "account that already uses Ground Truth, or ask AWS Support")
    return Check(name, detail=f"answers for account {account_id}")


# --------------------------------------------------------------------------------------------------
def run_preflight(cfg: PipelineConfig, clients: Any, emit: Callable[[Check], None] = lambda check: None) -> list[Check]:
    """Every check for ``cfg`` through ``clients`` (publish.aws.AwsClients), in order; ``emit``
    receives each as it finishes. Errors other than an AWS answer (no endpoint, no credentials)
    propagate: they end the preflight."""
    account = clients.account_id()
    arns = ResourceArns.for_account(cfg, account)
    s3, sagemaker, iam = clients.client("s3"), clients.client("sagemaker"), clients.client("iam")
    results: list[Check] = []

    def record(check: Check) -> None:
        results.append(check)
        emit(check)

    try:
        image_key = first_image_key(s3, cfg)
    except ClientError as error:
        image_key = None
        record(Check("bucket", f"cannot list s3://{cfg.storage.bucket}/{cfg.storage.raw_prefix} ({_error(error)}); "
                               "check storage.bucket and re-run python deploy.py"))
    try:
        table = feature_group.offline_table_in_use(sagemaker, cfg.feature_store.feature_group_name)
        table_format = feature_group.table_format_in_use(sagemaker, cfg.feature_store.feature_group_name,
                                                         cfg.feature_store.table_format)
    except ClientError:
        table = ""  # the role checks then name the table this release gives a new group
        table_format = ""
    for check in role_checks(cfg, arns, iam, image_key, table, table_format):
        record(check)
    labeling_job = job_requests.example_values(cfg, arns)[job_requests.LABELING_JOB_NAME_PATH]
    kinds = ("labeling", "verification") if task_types.spec(cfg.labels.task_type).verification else ("labeling",)
    for kind in kinds:  # classification has no verification job
        record(template_check(cfg, kind, s3, sagemaker, arns.ground_truth_role, image_key, labeling_job))
    record(workteam_check(cfg, sagemaker, arns.region))
    record(cors_check(s3, cfg.storage.bucket))
    record(encryption_check(s3, cfg.storage.bucket))
    record(ground_truth_check(sagemaker, account))
    return results


_LOOPBACK = re.compile(r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?/?$")


def local_sandbox_view(cfg: PipelineConfig, clients: Any, note: Callable[[str], None]) -> PipelineConfig:
    """``cfg`` as ``deploy.py --local`` deployed it when ``clients`` talk to a sandbox on this machine
    (``--endpoint-url http://127.0.0.1:<port>``): account-specific ARNs (the private workteam, a KMS
    key, configured roles) moved into the sandbox's account. Any other endpoint: ``cfg`` unchanged."""
    if not _LOOPBACK.match(clients.endpoint_url or ""):
        return cfg
    from workflow.resources import in_account

    account = clients.account_id()
    moved, notes = in_account(cfg, account)
    for line in notes:
        note(f"local endpoint, account {account}: {line}")
    return moved
