"""CreateLabelingJob requests for the two Ground Truth jobs, built from the config.

``labeling_request`` (bounding boxes) and ``verification_request`` (bounding-box
verification) return the ``Parameters`` of the state machine's native
``arn:aws:states:::sagemaker:createLabelingJob`` tasks: everything fixed by
the config is a literal, the per-run values are ``"<Field>.$"`` paths into the
state (``STATE_PATHS``). ``example_request`` substitutes those paths with
concrete values, which is what botocore's validation, the tests and the dry
run's ``job_requests/*.json`` use.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from steps import layout, naming
from workflow import ground_truth
from workflow.config import JobSection, PipelineConfig
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
STATE_PATHS = (
    LABELING_JOB_NAME_PATH,
    VERIFICATION_JOB_NAME_PATH,
    INPUT_MANIFEST_PATH,
    LABELING_OUTPUT_PATH,
    VERIFICATION_OUTPUT_PATH,
    LABELED_MANIFEST_PATH,
    VERIFICATION_INPUT_PATH,
)


def labeling_categories(cfg: PipelineConfig) -> dict[str, Any]:
    """The label category file of the labeling job: one label per config category."""
    return {
        "document-version": CATEGORY_DOCUMENT_VERSION,
        "labels": [{"label": category} for category in cfg.labels.categories],
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
    return text


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
    """CreateLabelingJob parameters of the bounding-box labeling job (with ``.$`` paths)."""
    return _request(
        cfg,
        arns,
        job=cfg.labeling,
        task_type="BoundingBox",
        name_path=LABELING_JOB_NAME_PATH,
        manifest_path=INPUT_MANIFEST_PATH,
        output_path=LABELING_OUTPUT_PATH,
        template_asset="labeling.liquid.html",
        categories_asset="labeling-categories.json",
    )


def verification_request(cfg: PipelineConfig, arns: ResourceArns) -> dict[str, Any]:
    """CreateLabelingJob parameters of the verification job over the labeling job's labeled objects."""
    return _request(
        cfg,
        arns,
        job=cfg.verification,
        task_type="VerificationBoundingBox",
        name_path=VERIFICATION_JOB_NAME_PATH,
        manifest_path=VERIFICATION_INPUT_PATH,
        output_path=VERIFICATION_OUTPUT_PATH,
        template_asset="verification.liquid.html",
        categories_asset="verification-categories.json",
    )


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
    }
