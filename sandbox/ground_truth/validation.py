"""CreateLabelingJob's service rules, checked as Ground Truth checks them.

``validate_create_request`` turns a request (already shape-checked) into a
``JobSpec`` or raises ``ValidationError`` naming the field, what is wrong and
what would be right. Name uniqueness is the store's job (models.py).

Sandbox scope: the built-in task types of builtin.TASK_TYPES (bounding boxes, semantic
segmentation, single- and multi-label image classification, and verification of boxes and
masks) with S3 manifests. Private workteams are accepted when their ARN has the
job's region and account (the sandbox keeps no workteams); vendor workteams
when they have the job's region.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends

from sandbox.ground_truth.builtin import (
    BUILTIN_LAMBDA_ACCOUNTS,
    PUBLIC_WORKFORCE_ACCOUNT,
    TASK_TYPES,
    builtin_lambda_arn,
    parse_builtin_lambda,
    parse_workteam,
)
from sandbox.ground_truth.errors import ValidationError
from sandbox.ground_truth.s3io import S3ObjectMissing, S3Store, split_s3_uri
from sandbox.workforce import ADJUSTMENT, VERIFICATION

MAX_LABELS = 50
OBJECT_DETECTION_TYPE = "groundtruth/object-detection"
SEGMENTATION_TYPE = "groundtruth/semantic-segmentation"
VERIFIABLE_TYPES = (OBJECT_DETECTION_TYPE, SEGMENTATION_TYPE)  # sms-data-verify-start-api: boxes and masks


@dataclass(frozen=True)
class JobSpec:
    """What the simulation needs from a valid CreateLabelingJob request."""

    name: str
    kind: str  # workforce.LABELING | workforce.VERIFICATION
    task_type: str  # BoundingBox | VerificationBoundingBox
    label_attribute: str
    categories: tuple[str, ...]  # labels of the category file, in order (class ids / choice indexes)
    lines: tuple[dict[str, Any], ...]  # the input manifest, parsed
    output_path: str  # S3OutputPath with a trailing "/"
    kms_key_id: str | None
    audited_attribute: str | None  # verification: the label attribute being verified
    template: str = ""  # the worker task template (Liquid), rendered per object when workers pick tasks up
    account_id: str = ""
    region: str = ""
    workers_per_object: int = 1  # HumanTaskConfig.NumberOfHumanWorkersPerDataObject


def validate_create_request(request: dict[str, Any], account_id: str, region: str, s3: S3Store) -> JobSpec:
    """Check Ground Truth's rules for a CreateLabelingJob request; return the job's spec."""
    name = request["LabelingJobName"]
    attribute = request["LabelAttributeName"]
    if attribute.endswith("-metadata"):
        raise ValidationError(
            f"LabelAttributeName '{attribute}' must not end with '-metadata': "
            "Ground Truth writes '<LabelAttributeName>-metadata' itself"
        )
    human = request["HumanTaskConfig"]
    task_type = _task_type(human, region)
    _check_ref_suffix(attribute, task_type)
    _check_workteam(human, account_id, region)
    _check_role(request["RoleArn"], account_id)
    source = request["InputConfig"]["DataSource"]
    if "SnsDataSource" in source or "S3DataSource" not in source:
        raise ValidationError(
            "InputConfig.DataSource must be an S3DataSource with a ManifestS3Uri "
            "(the sandbox does not simulate streaming labeling jobs)"
        )
    template = _check_template(human["UiConfig"], s3)
    categories, audit_attribute = _read_categories(request.get("LabelCategoryConfigS3Uri"), s3)
    lines = _read_manifest(source["S3DataSource"]["ManifestS3Uri"], s3)
    kind = TASK_TYPES[task_type]
    audited = None
    if kind == VERIFICATION:
        audited = audit_attribute or _audited_attribute(lines)
        if audited == attribute:
            raise ValidationError(
                f"LabelAttributeName '{attribute}' is the label attribute being verified; "
                "a verification job must use a different LabelAttributeName"
            )
        _check_original_labels_kept(categories, lines, audited)
    elif kind == ADJUSTMENT:  # sms-data-verify-start-api, sms-data-verify-adjust-prereq (sandbox.ground_truth.adjustment)
        audited = audit_attribute or _audited_attribute(lines)
        if audited == attribute:
            raise ValidationError(
                f"LabelAttributeName '{attribute}' is the label attribute being adjusted; "
                "an adjustment job must use a different LabelAttributeName"
            )
        _check_original_labels_kept(categories, lines, audited)
        check_adjusted_type(task_type, lines, audited)
    output_path = request["OutputConfig"]["S3OutputPath"]
    _check_output_path(output_path, s3)
    return JobSpec(
        name=name,
        kind=kind,
        task_type=task_type,
        label_attribute=attribute,
        categories=categories,
        lines=tuple(lines),
        output_path=output_path if output_path.endswith("/") else output_path + "/",
        kms_key_id=request["OutputConfig"].get("KmsKeyId"),
        audited_attribute=audited,
        template=template,
        account_id=account_id,
        region=region,
        workers_per_object=int(human.get("NumberOfHumanWorkersPerDataObject") or 1),
    )


# CreateLabelingJob, LabelAttributeName: for SemanticSegmentation (and its adjustment) "the attribute
# name must end with -ref", while "verification (VerificationSemanticSegmentation) must not end with
# -ref"; sms-data-output: "For any other type of job, the attribute name can't end with -ref".
REF_TASK_TYPES = ("SemanticSegmentation", "AdjustmentSemanticSegmentation")


def _check_ref_suffix(attribute: str, task_type: str) -> None:
    if task_type in REF_TASK_TYPES and not attribute.endswith("-ref"):
        raise ValidationError(
            f"LabelAttributeName '{attribute}' must end with '-ref' for {task_type} labeling jobs; "
            f"use '{attribute}-ref'"
        )
    if task_type not in REF_TASK_TYPES and attribute.endswith("-ref"):
        raise ValidationError(
            f"LabelAttributeName '{attribute}' must not end with '-ref' for {task_type} labeling jobs; "
            "only semantic segmentation (and its adjustment) label attributes end with '-ref'"
        )


def _task_type(human: dict[str, Any], region: str) -> str:
    """The task type named by the built-in PRE and ACS Lambda ARNs, checked against the region."""
    if region not in BUILTIN_LAMBDA_ACCOUNTS:
        raise ValidationError(
            f"Ground Truth's built-in task types are not available in region {region}; "
            f"use one of {', '.join(sorted(BUILTIN_LAMBDA_ACCOUNTS))}"
        )
    pre = human.get("PreHumanTaskLambdaArn")
    consolidation = (human.get("AnnotationConsolidationConfig") or {}).get("AnnotationConsolidationLambdaArn")
    if not pre:
        raise ValidationError(
            f"HumanTaskConfig.PreHumanTaskLambdaArn is required: for bounding boxes use "
            f"{builtin_lambda_arn('PRE', 'BoundingBox', region)}"
        )
    if not consolidation:
        raise ValidationError(
            "HumanTaskConfig.AnnotationConsolidationConfig.AnnotationConsolidationLambdaArn is required: "
            f"for bounding boxes use {builtin_lambda_arn('ACS', 'BoundingBox', region)}"
        )
    pre_task = _builtin_task("HumanTaskConfig.PreHumanTaskLambdaArn", pre, "PRE", region)
    acs_task = _builtin_task(
        "HumanTaskConfig.AnnotationConsolidationConfig.AnnotationConsolidationLambdaArn", consolidation, "ACS", region
    )
    if pre_task != acs_task:
        raise ValidationError(
            f"HumanTaskConfig.AnnotationConsolidationConfig.AnnotationConsolidationLambdaArn is for task type "
            f"{acs_task} but PreHumanTaskLambdaArn is for {pre_task}; use "
            f"{builtin_lambda_arn('ACS', pre_task, region)}"
        )
    return pre_task


def _builtin_task(field: str, arn: str, kind: str, region: str) -> str:
    parsed = parse_builtin_lambda(arn)
    expected = ", ".join(builtin_lambda_arn(kind, task, region) for task in TASK_TYPES)
    if parsed is None or parsed[0] != kind or parsed[1] not in TASK_TYPES:
        raise ValidationError(
            f"{field} '{arn}' is not a built-in Ground Truth {kind} Lambda the sandbox simulates; use one of {expected}"
        )
    _, task, arn_region, account = parsed
    if arn_region != region or account != BUILTIN_LAMBDA_ACCOUNTS[region]:
        raise ValidationError(
            f"{field} '{arn}' does not belong to region {region}; use {builtin_lambda_arn(kind, task, region)}"
        )
    return task


def _check_workteam(human: dict[str, Any], account_id: str, region: str) -> None:
    arn = human["WorkteamArn"]
    parsed = parse_workteam(arn)
    if parsed is None:
        raise ValidationError(f"HumanTaskConfig.WorkteamArn '{arn}' is not a workteam ARN")
    team_region, team_account, rest = parsed
    if team_region != region:
        raise ValidationError(f"HumanTaskConfig.WorkteamArn '{arn}' is in region {team_region}, not the job's region {region}")
    if rest.startswith("public-crowd/"):
        if team_account != PUBLIC_WORKFORCE_ACCOUNT or rest != "public-crowd/default":
            raise ValidationError(
                f"HumanTaskConfig.WorkteamArn '{arn}' is not the public workforce; it is "
                f"arn:aws:sagemaker:{region}:{PUBLIC_WORKFORCE_ACCOUNT}:workteam/public-crowd/default"
            )
        amount = (human.get("PublicWorkforceTaskPrice") or {}).get("AmountInUsd") or {}
        if not any(amount.get(unit) for unit in ("Dollars", "Cents", "TenthFractionsOfACent")):
            raise ValidationError(
                "HumanTaskConfig.PublicWorkforceTaskPrice.AmountInUsd is required (and above zero) "
                "when the workteam is the public workforce"
            )
    elif rest.startswith("private-crowd/"):
        if team_account != account_id:
            raise ValidationError(
                f"HumanTaskConfig.WorkteamArn '{arn}' is a private workteam of account {team_account}, "
                f"not of the job's account {account_id}"
            )
    elif not rest.startswith("vendor-crowd/"):
        raise ValidationError(
            f"HumanTaskConfig.WorkteamArn '{arn}' must name workteam/private-crowd/<name>, "
            "workteam/vendor-crowd/<name> or workteam/public-crowd/default"
        )


def _check_role(role_arn: str, account_id: str) -> None:
    try:
        iam_backends[account_id]["global"].get_role_by_arn(role_arn)
    except NotFoundException:
        raise ValidationError(f"RoleArn '{role_arn}' does not exist in account {account_id}; create the role first") from None


def _read(field: str, uri: str, s3: S3Store) -> bytes:
    try:
        return s3.read(uri)
    except S3ObjectMissing as missing:
        raise ValidationError(f"{field} cannot be read: {missing}") from None


def _check_template(ui_config: dict[str, Any], s3: S3Store) -> str:
    """The worker task template's text. Its Liquid is not checked here: no AWS page says
    CreateLabelingJob validates it, and Ground Truth renders it when it creates tasks (a
    template that cannot render fails the job later: see simulation.py)."""
    uri = ui_config.get("UiTemplateS3Uri")
    if not uri:
        raise ValidationError(
            "HumanTaskConfig.UiConfig.UiTemplateS3Uri is required for bounding box tasks "
            "(HumanTaskUiArn is for 3D point cloud and video frame task types)"
        )
    body = _read("HumanTaskConfig.UiConfig.UiTemplateS3Uri", uri, s3)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"HumanTaskConfig.UiConfig.UiTemplateS3Uri '{uri}' is not UTF-8 text (an HTML template)") from None
    if not text.strip():
        raise ValidationError(f"HumanTaskConfig.UiConfig.UiTemplateS3Uri '{uri}' is empty; it must hold the worker task template")
    return text


def _read_categories(uri: str | None, s3: S3Store) -> tuple[tuple[str, ...], str | None]:
    """Labels of the category file, and its optional auditLabelAttributeName."""
    if not uri:
        raise ValidationError("LabelCategoryConfigS3Uri is required for bounding box and verification task types")
    field = "LabelCategoryConfigS3Uri"
    try:
        document = json.loads(_read(field, uri, s3))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationError(f"{field} '{uri}' is not valid JSON ({error})") from None
    expected = '{"document-version": "2018-11-28", "labels": [{"label": "..."}]}'
    if not isinstance(document, dict) or not isinstance(document.get("document-version"), str):
        raise ValidationError(f"{field} '{uri}' must be a JSON object with a 'document-version' string: {expected}")
    labels = document.get("labels")
    if not isinstance(labels, list) or not 1 <= len(labels) <= MAX_LABELS:
        raise ValidationError(f"{field} '{uri}' must have a 'labels' list of 1 to {MAX_LABELS} entries: {expected}")
    names = []
    for i, entry in enumerate(labels):
        if not isinstance(entry, dict) or not isinstance(entry.get("label"), str) or not entry["label"].strip():
            raise ValidationError(f"{field} '{uri}': labels[{i}] must be an object with a non-empty 'label' string")
        names.append(entry["label"])
    if len(set(names)) != len(names):
        raise ValidationError(f"{field} '{uri}': label categories must be unique, got {names}")
    audit = document.get("auditLabelAttributeName")
    if audit is not None and not isinstance(audit, str):
        raise ValidationError(f"{field} '{uri}': auditLabelAttributeName must be a string")
    return tuple(names), audit


def _read_manifest(uri: str, s3: S3Store) -> list[dict[str, Any]]:
    field = "InputConfig.DataSource.S3DataSource.ManifestS3Uri"
    try:
        text = _read(field, uri, s3).decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{field} '{uri}' is not UTF-8 text (JSON Lines)") from None
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ValidationError(f"{field} '{uri}' line {number} is not valid JSON ({error})") from None
        if not isinstance(line, dict) or not isinstance(line.get("source-ref", line.get("source")), str):
            raise ValidationError(
                f"{field} '{uri}' line {number} must be a JSON object with a 'source-ref' (or 'source') string"
            )
        lines.append(line)
    if not lines:
        raise ValidationError(f"{field} '{uri}' contains no data objects (one JSON object per line)")
    return lines


def _audited_attribute(lines: list[dict[str, Any]]) -> str:
    """The label attribute a verification job verifies: the one with '<attr>-metadata' in its input."""
    found: dict[str, bool] = {}
    for line in lines:
        for key, value in line.items():
            if key.endswith("-metadata") and isinstance(value, dict):
                base = key[: -len("-metadata")]
                found[base] = found.get(base, False) or value.get("type") in VERIFIABLE_TYPES
    boxes = [name for name, is_boxes in found.items() if is_boxes] or list(found)
    if len(boxes) == 1:
        return boxes[0]
    if not boxes:
        raise ValidationError(
            "InputConfig.DataSource.S3DataSource.ManifestS3Uri has no labels to verify: no line carries "
            "'<attribute>' and '<attribute>-metadata' from a bounding box job"
        )
    raise ValidationError(
        f"the input manifest holds several label attributes {sorted(boxes)}; name the one to verify "
        "with 'auditLabelAttributeName' in the label category file"
    )


def _check_original_labels_kept(categories: tuple[str, ...], lines: list[dict[str, Any]], audited: str) -> None:
    """sms-data-verify-start-api: a verification job's category file must contain the labels used
    in the original labeling job (new labels may be added). Those are the class-map values."""
    original: set[str] = set()
    for line in lines:
        metadata = line.get(f"{audited}-metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("class-map"), dict):
            original.update(str(v) for v in metadata["class-map"].values())
        if isinstance(metadata, dict) and isinstance(metadata.get("internal-color-map"), dict):
            original.update(str(entry.get("class-name")) for entry in metadata["internal-color-map"].values()
                            if isinstance(entry, dict) and entry.get("class-name") != "BACKGROUND")
    missing = sorted(original - set(categories))
    if missing:
        raise ValidationError(
            f"LabelCategoryConfigS3Uri must contain the labels used in the original labeling job; missing {missing}"
        )


def _check_output_path(uri: str, s3: S3Store) -> None:
    try:
        bucket, _ = split_s3_uri(uri)
    except S3ObjectMissing as bad:
        raise ValidationError(f"OutputConfig.S3OutputPath: {bad}") from None
    if not s3.bucket_exists(bucket):
        raise ValidationError(f"OutputConfig.S3OutputPath '{uri}': bucket {bucket!r} does not exist")


# Adjustment task type -> the metadata type of the labels it adjusts (sms-data-output).
ADJUSTED_TYPES = {"AdjustmentBoundingBox": OBJECT_DETECTION_TYPE, "AdjustmentSemanticSegmentation": SEGMENTATION_TYPE}


def check_adjusted_type(task_type: str, lines: list[dict[str, Any]], attribute: str) -> None:
    """ValidationError when the labels to adjust are of another task type than the adjustment job's."""
    expected = ADJUSTED_TYPES.get(task_type)
    if expected is None:
        return
    for number, line in enumerate(lines, start=1):
        metadata = line.get(f"{attribute}-metadata")
        if not isinstance(metadata, dict) or "failure-reason" in metadata:
            continue
        found = metadata.get("type")
        if found and found != expected:
            raise ValidationError(
                f"input manifest line {number}: the label '{attribute}' is of type {found!r}, but {task_type} "
                f"adjusts {expected!r} labels; the adjustment job's task type must be the original job's"
            )
