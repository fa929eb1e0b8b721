"""What the simulated workforce does with each data object, and the output lines it yields.

The plan is decided when the job is created (deterministic: see
sandbox/workforce.py); the output manifest is rendered from it when the job
completes, in Ground Truth's documented format (sms-data-output,
sms-data-verify-manifest). Objects left unlabeled carry ``failure-reason`` in
their metadata and no label.

Per object, as Ground Truth does it: the worker template is rendered with the
task input (render.py, workers.task_input), the worker works the rendered page
(workers.py: image via its ``src`` and the bucket's CORS rule, answer keyed by the
crowd element's name) and the built-in consolidation turns the answer into the
label (consolidation.py). A template that no task input can render (Liquid syntax
error, unknown filter) fails the whole job: ``JobPlan.failure``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.ground_truth import consolidation, render, workers
from sandbox.ground_truth.consolidation import VERIFICATION_TYPE, NoLabel
from sandbox.ground_truth.crowd_form import crowd_elements
from sandbox.ground_truth.s3io import S3Store
from sandbox.ground_truth.validation import ADJUSTED_TYPES, OBJECT_DETECTION_TYPE, JobSpec
from sandbox.workforce import ADJUSTMENT, LABELING, WorkforceProfile

LABELED = "labeled"
UNLABELED = "unlabeled"  # the task expired: LabelCounters.Unlabeled
FAILED = "failed"  # the object cannot be labeled: LabelCounters.FailedNonRetryableError

EXPIRED_REASON = "ClientError: The task expired before a worker completed it; the data object was not labeled."


@dataclass(frozen=True)
class ObjectResult:
    """One data object's fate: its outcome, and the label and metadata it gets."""

    outcome: str
    label: Any = None  # the value of <LabelAttributeName>, for LABELED only
    metadata: dict[str, Any] = field(default_factory=dict)  # without creation-date and job-name
    files: dict[str, bytes] = field(default_factory=dict)  # s3:// URI -> bytes written with the output (masks)


@dataclass(frozen=True)
class JobPlan:
    """Every object's fate in manifest order, or why the whole job fails."""

    objects: list[ObjectResult]
    failure: str | None = None  # a FailureReason: the job fails as soon as it starts


class _JobFails(Exception):
    pass


# Job kind -> the function that decides one object's outcome, for kinds planned outside this module
# (registered at import, so this module imports none of them: no import cycle).
OBJECT_PLANNERS: dict[str, Callable[..., ObjectResult]] = {}


def plan_job(spec: JobSpec, workforce: WorkforceProfile, s3: S3Store) -> JobPlan:
    """Decide every object's outcome, in manifest order."""
    kind_type = OUTPUT_TYPES.get(spec.task_type, OBJECT_DETECTION_TYPE) if spec.kind == LABELING else VERIFICATION_TYPE
    if spec.kind == ADJUSTMENT:  # the adjusted labels' type (sms-data-verify-manifest: the original task's output)
        kind_type = ADJUSTED_TYPES.get(spec.task_type, OBJECT_DETECTION_TYPE)
    try:
        template = render.parse(spec.template)
        planner = OBJECT_PLANNERS.get(spec.kind)
        if planner is not None:  # e.g. adjustment jobs: sandbox.ground_truth.adjustment registers itself
            return JobPlan([planner(spec, workforce, s3, template, line, index) for index, line in enumerate(spec.lines)])
        if spec.kind != LABELING:
            return JobPlan([_verify_object(spec, workforce, s3, template, line) for line in spec.lines])
        if spec.task_type == "BoundingBox":
            return JobPlan([_label_object(spec, workforce, s3, template, line) for line in spec.lines])
        return JobPlan([_label_other(spec, workforce, s3, template, line, index)
                        for index, line in enumerate(spec.lines)])
    except (render.TemplateError, _JobFails) as error:
        reason = error.args[0] if isinstance(error, _JobFails) else _template_failure(error)
        return JobPlan([_failure(reason, kind_type, UNLABELED) for _ in spec.lines], failure=reason)


def _template_failure(error: render.TemplateError) -> str:
    # Undocumented wording; what is documented is that a template is rendered per task
    # (sms-custom-templates-step2-automate) and that RenderUiTemplate previews it.
    return (f"ClientError: The worker task template (HumanTaskConfig.UiConfig.UiTemplateS3Uri) cannot be rendered: "
            f"{error.code}: {error.message}; check it with RenderUiTemplate.")


def output_line(spec: JobSpec, line: dict[str, Any], result: ObjectResult, done_at: datetime) -> dict[str, Any]:
    """The output manifest line: the input line plus ``<attr>`` (if labeled) and ``<attr>-metadata``."""
    out = dict(line)
    metadata = dict(result.metadata)
    metadata["creation-date"] = done_at.replace(tzinfo=None).isoformat(timespec="microseconds")
    metadata["job-name"] = f"labeling-job/{spec.name}"
    if result.outcome == LABELED:
        out[spec.label_attribute] = result.label
    out[f"{spec.label_attribute}-metadata"] = metadata
    return out


def _failure(reason: str, kind_type: str, outcome: str = FAILED) -> ObjectResult:
    return ObjectResult(outcome, metadata={"failure-reason": reason, "type": kind_type})


def _render(spec: JobSpec, template: render.Template, line: dict[str, Any], kind_type: str):
    """The page's crowd elements, or the ObjectResult of a task that does not render."""
    try:
        return crowd_elements(template.render(workers.task_input(spec, line)))
    except render.TemplateError as error:
        if error.template_fault:
            raise _JobFails(_template_failure(error)) from None
        return _failure(f"ClientError: Task failed to render: [ {error.code}: {error.message} ]", kind_type)


def _label_object(spec: JobSpec, workforce: WorkforceProfile, s3: S3Store, template: render.Template,
                  line: dict[str, Any]) -> ObjectResult:
    source_ref = line.get("source-ref")
    if source_ref is None:
        return _failure("ClientError: Bounding box tasks need an image: the line has 'source' but no 'source-ref'.",
                        OBJECT_DETECTION_TYPE)
    elements = _render(spec, template, line, OBJECT_DETECTION_TYPE)
    if isinstance(elements, ObjectResult):
        return elements
    size = workers.load_image(spec, s3, elements)
    if isinstance(size, workers.CannotWork):
        return _failure(size.reason, OBJECT_DETECTION_TYPE)
    if workforce.task_expires(LABELING, spec.name, source_ref):
        return _failure(EXPIRED_REASON, OBJECT_DETECTION_TYPE, UNLABELED)
    answer = workers.draw(spec, workforce, source_ref, elements, size)
    if isinstance(answer, workers.CannotWork):
        return _failure(answer.reason, OBJECT_DETECTION_TYPE)
    try:
        label, metadata = consolidation.bounding_boxes(spec, workforce, source_ref, answer, size)
    except NoLabel as no_label:
        return _failure(str(no_label), OBJECT_DETECTION_TYPE)
    return ObjectResult(LABELED, label=label, metadata=metadata)


def _verify_object(spec: JobSpec, workforce: WorkforceProfile, s3: S3Store, template: render.Template,
                   line: dict[str, Any]) -> ObjectResult:
    source_ref = line.get("source-ref")
    if source_ref is None:
        return _failure("ClientError: Bounding box tasks need an image: the line has 'source' but no 'source-ref'.",
                        VERIFICATION_TYPE)
    audited = spec.audited_attribute
    previous = line.get(f"{audited}-metadata")
    # sms-data-verify-adjust-prereq: the input must contain the label attribute being verified;
    # sms-verification-data, "Cautions and Considerations" > "Filter Your Data Before Starting the
    # Job" (#sms-data-verify-filter): Ground Truth "processes all objects in your input manifest",
    # and "Unlabeled objects individually fail, but they don't cause the job to fail, and they might
    # incur processing costs". So such a line fails alone, with a failure-reason.
    if audited not in line or (isinstance(previous, dict) and "failure-reason" in previous):
        return _failure(f"ClientError: The data object has no '{audited}' label to verify.", VERIFICATION_TYPE)
    elements = _render(spec, template, line, VERIFICATION_TYPE)
    if isinstance(elements, ObjectResult):
        return elements
    size = workers.load_image(spec, s3, elements)
    if isinstance(size, workers.CannotWork):
        return _failure(size.reason, VERIFICATION_TYPE)
    if spec.task_type == "VerificationSemanticSegmentation":
        overlay = workers.load_overlay(spec, s3, elements)
        if overlay is not None:
            return _failure(overlay.reason, VERIFICATION_TYPE)
    if workforce.task_expires(spec.kind, spec.name, source_ref):
        return _failure(EXPIRED_REASON, VERIFICATION_TYPE, UNLABELED)
    answer = workers.judge(spec, workforce, line, elements)
    if isinstance(answer, workers.CannotWork):
        return _failure(answer.reason, VERIFICATION_TYPE)
    try:
        verdict, metadata = consolidation.verification(spec, workforce, source_ref, answer)
    except NoLabel as no_label:
        return _failure(str(no_label), VERIFICATION_TYPE)
    return ObjectResult(LABELED, label=verdict, metadata=metadata)


# sms-data-output: the metadata "type" of each labeling task type's output.
OUTPUT_TYPES = {
    "BoundingBox": OBJECT_DETECTION_TYPE,
    "SemanticSegmentation": consolidation.SEGMENTATION_TYPE,
    "ImageMultiClass": consolidation.CLASSIFICATION_TYPE,
    "ImageMultiClassMultiLabel": consolidation.MULTILABEL_TYPE,
}


def mask_uri(spec: JobSpec, index: int) -> str:
    """Where the consolidated mask of the object at ``index`` goes: under the job's
    annotations/consolidated-annotation/ folder (sms-data-output, "Annotations Directory": "information
    required to consolidate the annotations"); the file name Ground Truth uses is not documented."""
    return f"{spec.output_path}{spec.name}/annotations/consolidated-annotation/output/{index}.png"


def _label_other(spec: JobSpec, workforce: WorkforceProfile, s3: S3Store, template: render.Template,
                 line: dict[str, Any], index: int) -> ObjectResult:
    """Semantic segmentation and (multi-label) image classification, like _label_object does boxes."""
    kind_type = OUTPUT_TYPES[spec.task_type]
    source_ref = line.get("source-ref")
    if source_ref is None:
        return _failure("ClientError: Image tasks need an image: the line has 'source' but no 'source-ref'.", kind_type)
    elements = _render(spec, template, line, kind_type)
    if isinstance(elements, ObjectResult):
        return elements
    size = workers.load_image(spec, s3, elements)
    if isinstance(size, workers.CannotWork):
        return _failure(size.reason, kind_type)
    if workforce.task_expires(LABELING, spec.name, source_ref):
        return _failure(EXPIRED_REASON, kind_type, UNLABELED)
    if spec.task_type == "SemanticSegmentation":
        answer = workers.paint(spec, workforce, source_ref, elements, size)
    else:
        answer = workers.classify(spec, workforce, source_ref, elements)
    if isinstance(answer, workers.CannotWork):
        return _failure(answer.reason, kind_type)
    try:
        if spec.task_type == "SemanticSegmentation":
            uri, metadata, png = consolidation.semantic_segmentation(
                spec, workforce, source_ref, answer, size, mask_uri(spec, index))
            return ObjectResult(LABELED, label=uri, metadata=metadata, files={uri: png})
        if spec.task_type == "ImageMultiClass":
            label, metadata = consolidation.image_classification(spec, workforce, source_ref, answer)
            return ObjectResult(LABELED, label=label, metadata=metadata)
        labels, metadata = consolidation.multilabel_classification(spec, workforce, source_ref, answer)
        return ObjectResult(LABELED, label=labels, metadata=metadata)
    except NoLabel as no_label:
        return _failure(str(no_label), kind_type)
