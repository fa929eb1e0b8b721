"""CreateLabelingJob requests for the two Ground Truth jobs, built from the config.

``labeling_request`` (the labels.task_type's built-in task type) and ``verification_request``
(its verification task type; classification has none) return the ``Parameters`` of the state machine's native
``arn:aws:states:::sagemaker:createLabelingJob`` tasks: everything fixed by
the config is a literal, the per-run values are ``"<Field>.$"`` paths into the
state (``STATE_PATHS``). ``example_request`` substitutes those paths with
concrete values, which is what botocore's validation, the tests and the dry
run's ``job_requests/*.json`` use.
"""
from __future__ import annotations

import copy
import html
import json
from pathlib import Path
from typing import Any

from steps import layout, naming, task_types
from workflow import ground_truth
from workflow import task_types as workflow_task_types
from workflow.config import JobSection, PipelineConfig, adjustment_attribute
from workflow.resources import ResourceArns, asset_uri

CATEGORY_DOCUMENT_VERSION = "2018-11-28"
CONTENT_CLASSIFIERS = ["FreeOfPersonallyIdentifiableInformation", "FreeOfAdultContent"]

# Where the state machine keeps the per-run values the requests read.
LABELING_JOB_NAME_PATH = "$.check.labeling_job_name"
VERIFICATION_JOB_NAME_PATH = "$.check.verification_job_name"
INPUT_MANIFEST_PATH = "$.check.manifest_uri"
LABELING_OUTPUT_PATH = "$.check.labeling_output_uri"
VERIFICATION_OUTPUT_PATH = "$.check.verification_output_uri"
LABELED_MANIFEST_PATH = "$.labeling_output.manifest_uri"  # the labeling job's OutputDatasetS3Uri
# Its labeled lines only (steps.filter_labeled_objects): what the verification job reads.
VERIFICATION_INPUT_PATH = "$.verification_input.manifest_uri"
# verification.on_reject: adjust (steps.adjustment): the adjustment job's name and input, and its output
# manifest; it writes under the labeling job's S3OutputPath (LABELING_OUTPUT_PATH).
ADJUSTMENT_JOB_NAME_PATH = "$.check.adjustment_job_name"
ADJUSTMENT_INPUT_PATH = "$.check.adjustment_manifest_uri"
ADJUSTED_MANIFEST_PATH = "$.adjustment_output.manifest_uri"
STATE_PATHS = (
    LABELING_JOB_NAME_PATH,
    VERIFICATION_JOB_NAME_PATH,
    INPUT_MANIFEST_PATH,
    LABELING_OUTPUT_PATH,
    VERIFICATION_OUTPUT_PATH,
    LABELED_MANIFEST_PATH,
    VERIFICATION_INPUT_PATH,
    ADJUSTMENT_JOB_NAME_PATH,
    ADJUSTMENT_INPUT_PATH,
    ADJUSTED_MANIFEST_PATH,
)


def labeling_classes(cfg: PipelineConfig) -> tuple[str, ...]:
    """The labeling job's labels in category-file order (class ids): the config's categories, and for
    single-label classification ``labels.none_category`` last (a worker must choose one class; the
    multi-label template offers it as the element's exclusion-category instead)."""
    if cfg.labels.task_type == task_types.IMAGE_CLASSIFICATION:
        return (*cfg.labels.categories, cfg.labels.none_category)
    return tuple(cfg.labels.categories)


def labeling_categories(cfg: PipelineConfig) -> dict[str, Any]:
    """The label category file of the labeling job: one label per class (``labeling_classes``)."""
    return {
        "document-version": CATEGORY_DOCUMENT_VERSION,
        "labels": [{"label": category} for category in labeling_classes(cfg)],
    }


def verification_categories(cfg: PipelineConfig) -> dict[str, Any]:
    """The label category file of the verification job.

    ``labels`` start with the verification choices in config order (the
    output's ``<verify-attr>`` is the chosen index; index 0 means "label
    correct"), followed by the labeling job's categories, because the file
    "must contain the same labels used in the original labeling job. You can
    add new labels." (sms-data-verify-start-api). The worker template shows
    only the first ``len(choices)`` labels as answers (``template_text``).
    ``auditLabelAttributeName`` names the labeling job's attribute whose boxes
    are verified (sms-label-cat-config-attributes).
    """
    labels = list(dict.fromkeys([*cfg.verification.choices, *cfg.labels.categories]))
    return {
        "document-version": CATEGORY_DOCUMENT_VERSION,
        "labels": [{"label": label} for label in labels],
        "auditLabelAttributeName": cfg.labeling.label_attribute,
    }


# Replaced in the verification template at deploy time (see the template's header comment).
AUDITED_ATTRIBUTE_MARKER = "__AUDITED_LABEL_ATTRIBUTE__"
CHOICES_MARKER = "__VERIFICATION_CHOICE_COUNT__"
# Replaced in the multi-label classification template: labels.none_category as a quoted string.
NONE_CATEGORY_MARKER = "__NONE_CATEGORY__"


def template_text(cfg: PipelineConfig, kind: str) -> str:
    """The worker template uploaded for ``kind`` ("labeling" or "verification").

    In the verification template, ``__AUDITED_LABEL_ATTRIBUTE__`` becomes the
    labeling job's LabelAttributeName (the template reads the boxes from
    ``task.input.manifestLine[<it>]``) and ``__VERIFICATION_CHOICE_COUNT__`` the
    number of configured choices (the answers are the first labels of
    ``task.input.labels``: see ``verification_categories``).
    """
    section = {"labeling": cfg.labeling, "verification": cfg.verification}[kind]
    text = Path(section.instructions_template).read_text(encoding="utf-8")
    if kind == "verification":
        text = text.replace(AUDITED_ATTRIBUTE_MARKER, cfg.labeling.label_attribute)
        text = text.replace(CHOICES_MARKER, str(len(dict.fromkeys(cfg.verification.choices))))
    else:
        text = text.replace(NONE_CATEGORY_MARKER, html.escape(json.dumps(cfg.labels.none_category)))
    return text


# Replaced in the adjustment template at deploy time: the labeling job's LabelAttributeName.
ADJUSTED_ATTRIBUTE_MARKER = "__ADJUSTED_LABEL_ATTRIBUTE__"
ADJUSTMENT_TEMPLATE = Path(__file__).resolve().parent / "assets" / "adjustment.liquid.html"
# The shipped adjustment template per labels.task_type (uploaded as adjustment.liquid.html): the task type's
# element showing the previous label through initial-value (sms-data-verify-start-api).
ADJUSTMENT_TEMPLATES = {
    task_types.BOUNDING_BOX: ADJUSTMENT_TEMPLATE,
    task_types.SEMANTIC_SEGMENTATION: ADJUSTMENT_TEMPLATE.with_name("semantic-segmentation-adjustment.liquid.html"),
}


def adjustment_template_text(cfg: PipelineConfig) -> str:
    """The adjustment job's worker template: the task type's shipped one, reading the previous label's attribute.

    Classification has no adjustment job: it gets the bounding-box one, uploaded as every asset is and never used.
    """
    template = ADJUSTMENT_TEMPLATES.get(cfg.labels.task_type, ADJUSTMENT_TEMPLATE)
    return template.read_text(encoding="utf-8").replace(ADJUSTED_ATTRIBUTE_MARKER, cfg.labeling.label_attribute)


def _tags(cfg: PipelineConfig) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in sorted(cfg.pipeline.tags.items())]


def _human_task_config(
    cfg: PipelineConfig, job: JobSection, task_type: ground_truth.TaskType, template_asset: str
) -> dict[str, Any]:
    region = cfg.pipeline.region
    config: dict[str, Any] = {
        "WorkteamArn": cfg.workforce.workteam_arn,
        "UiConfig": {"UiTemplateS3Uri": asset_uri(cfg, template_asset)},
        "PreHumanTaskLambdaArn": ground_truth.builtin_lambda_arn(region, "pre", task_type),
        "TaskKeywords": list(job.keywords),
        "TaskTitle": job.title,
        "TaskDescription": job.description,
        "NumberOfHumanWorkersPerDataObject": job.workers_per_object,
        "TaskTimeLimitInSeconds": job.task_time_limit_seconds,
        "TaskAvailabilityLifetimeInSeconds": job.task_availability_lifetime_seconds,
        "MaxConcurrentTaskCount": job.max_concurrent_tasks,
        "AnnotationConsolidationConfig": {
            "AnnotationConsolidationLambdaArn": ground_truth.builtin_lambda_arn(region, "acs", task_type),
        },
    }
    if cfg.workforce.type == "public":
        if cfg.workforce.public_task_price_usd is None:
            raise ValueError("workforce.public_task_price_usd is missing; the public workforce needs a task price")
        config["PublicWorkforceTaskPrice"] = ground_truth.public_task_price(cfg.workforce.public_task_price_usd)
    return config


def _request(
    cfg: PipelineConfig,
    arns: ResourceArns,
    *,
    job: JobSection,
    task_type: ground_truth.TaskType,
    name_path: str,
    manifest_path: str,
    output_path: str,
    template_asset: str,
    categories_asset: str,
) -> dict[str, Any]:
    output_config: dict[str, Any] = {"S3OutputPath.$": output_path}
    if cfg.storage.kms_key_arn:
        output_config["KmsKeyId"] = cfg.storage.kms_key_arn
    request: dict[str, Any] = {
        "LabelingJobName.$": name_path,
        "LabelAttributeName": job.label_attribute,
        "InputConfig": {
            "DataSource": {"S3DataSource": {"ManifestS3Uri.$": manifest_path}},
            "DataAttributes": {"ContentClassifiers": list(CONTENT_CLASSIFIERS)},
        },
        "OutputConfig": output_config,
        "RoleArn": arns.ground_truth_role,
        "LabelCategoryConfigS3Uri": asset_uri(cfg, categories_asset),
        # A run's manifest holds at most max_images_per_run objects: a safety
        # cap on paid human work should a manifest ever be larger.
        "StoppingConditions": {"MaxHumanLabeledObjectCount": cfg.labeling.max_images_per_run},
        "HumanTaskConfig": _human_task_config(cfg, job, task_type, template_asset),
    }
    tags = _tags(cfg)
    if tags:
        request["Tags"] = tags
    return request


def labeling_request(cfg: PipelineConfig, arns: ResourceArns) -> dict[str, Any]:
    """CreateLabelingJob parameters of the labeling job for labels.task_type (with ``.$`` paths)."""
    return _request(
        cfg,
        arns,
        job=cfg.labeling,
        task_type=workflow_task_types.spec(cfg.labels.task_type).labeling,
        name_path=LABELING_JOB_NAME_PATH,
        manifest_path=INPUT_MANIFEST_PATH,
        output_path=LABELING_OUTPUT_PATH,
        template_asset="labeling.liquid.html",
        categories_asset="labeling-categories.json",
    )


def verification_request(cfg: PipelineConfig, arns: ResourceArns) -> dict[str, Any]:
    """CreateLabelingJob parameters of the verification job over the labeling job's labeled objects.

    ValueError for a task type without a verification job (classification).
    """
    verification = workflow_task_types.spec(cfg.labels.task_type).verification
    if verification is None:
        raise ValueError(f"labels.task_type {cfg.labels.task_type} has no verification job")
    return _request(
        cfg,
        arns,
        job=cfg.verification,
        task_type=verification,
        name_path=VERIFICATION_JOB_NAME_PATH,
        manifest_path=VERIFICATION_INPUT_PATH,
        output_path=VERIFICATION_OUTPUT_PATH,
        template_asset="verification.liquid.html",
        categories_asset="verification-categories.json",
    )


def adjustment_request(cfg: PipelineConfig, arns: ResourceArns) -> dict[str, Any]:
    """CreateLabelingJob parameters of the adjustment job (verification.on_reject: adjust).

    As sms-data-verify-start-api documents it: the task type's Adjustment PRE-/ACS- Lambdas, a
    LabelAttributeName other than the adjusted label's (``config.adjustment_attribute``), the labeling
    job's category file ("must contain the same labels used in the original labeling job"), and a
    template whose crowd element shows the previous label through ``initial-value``. Every other
    setting is the labeling job's; it writes under the labeling job's S3OutputPath.
    """
    task_type = ground_truth.ADJUSTMENT_TASK_TYPES.get(workflow_task_types.spec(cfg.labels.task_type).labeling)
    if task_type is None:
        raise ValueError(f"labels.task_type {cfg.labels.task_type} has no adjustment job")
    request = _request(
        cfg,
        arns,
        job=cfg.labeling,
        task_type=task_type,
        name_path=ADJUSTMENT_JOB_NAME_PATH,
        manifest_path=ADJUSTMENT_INPUT_PATH,
        output_path=LABELING_OUTPUT_PATH,
        template_asset="adjustment.liquid.html",
        categories_asset="labeling-categories.json",
    )
    request["LabelAttributeName"] = adjustment_attribute(cfg.labeling.label_attribute)
    return request


def example_request(request: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``request`` with every ``"<Field>.$": path`` replaced by ``"<Field>": values[path]``."""

    def substitute(node: Any) -> Any:
        if isinstance(node, list):
            return [substitute(item) for item in node]
        if not isinstance(node, dict):
            return node
        result: dict[str, Any] = {}
        for key, value in node.items():
            if key.endswith(".$"):
                if value not in values:
                    known = ", ".join(sorted(values)) or "none"
                    raise KeyError(f"no example value for path {value!r} (field {key!r}); given: {known}")
                result[key[:-2]] = copy.deepcopy(values[value])
            else:
                result[key] = substitute(value)
        return result

    return substitute(request)


def example_values(cfg: PipelineConfig, arns: ResourceArns, execution_name: str = "example-run") -> dict[str, Any]:
    """Concrete values for ``STATE_PATHS`` as one execution would produce them."""
    execution_arn = f"arn:aws:states:{arns.region}:{arns.account_id}:execution:{cfg.pipeline.name}:{execution_name}"
    run = naming.run_id(cfg.pipeline.job_name_prefix, execution_arn, "2026-01-01T06:00:00.000Z", execution_name)
    labeling_name, verification_name = naming.job_names(run)
    work, s3 = cfg.storage.work_prefix, f"s3://{cfg.storage.bucket}/"
    labeling_output = layout.labeling_output_prefix(work, run)
    return {
        LABELING_JOB_NAME_PATH: labeling_name,
        VERIFICATION_JOB_NAME_PATH: verification_name,
        INPUT_MANIFEST_PATH: s3 + layout.input_manifest_key(work, run),
        LABELING_OUTPUT_PATH: s3 + labeling_output,
        VERIFICATION_OUTPUT_PATH: s3 + layout.verification_output_prefix(work, run),
        LABELED_MANIFEST_PATH: s3 + layout.output_manifest_key(labeling_output, labeling_name),
        VERIFICATION_INPUT_PATH: s3 + layout.verification_input_key(work, run),
        ADJUSTMENT_JOB_NAME_PATH: naming.adjustment_job_name(run),
        ADJUSTMENT_INPUT_PATH: s3 + layout.adjustment_input_key(work, run),
        ADJUSTED_MANIFEST_PATH: s3 + layout.output_manifest_key(labeling_output, naming.adjustment_job_name(run)),
    }
