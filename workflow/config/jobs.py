"""The Ground Truth jobs' sections: the settings every job shares (``JobSection``), the labeling section
(how many images a run sends, which failure reasons mean an image cannot be labeled) and the verification
section (the verdicts, what a rejected image gets next run)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo

from workflow import ground_truth as gt
from workflow.config.base import Section, StrList, null_is
from workflow.config.errors import problem
from workflow.config.fields import note, range_of
from workflow.config.labels import display_names

MAX_IMAGES_PER_RUN_MAX = 100_000
_LABEL_ATTRIBUTE_RULE = ("use 1-127 letters, digits and hyphens, starting and ending with a letter or digit, "
                         "not ending with '-metadata' and not 'source-ref'")


def _label_attribute(attr: str) -> str:
    if len(attr) > gt.LABEL_ATTRIBUTE_MAX or not gt.LABEL_ATTRIBUTE_PATTERN.match(attr):
        raise problem(f"{attr!r} breaks Ground Truth's LabelAttributeName rule", _LABEL_ATTRIBUTE_RULE)
    if attr.endswith(gt.LABEL_ATTRIBUTE_FORBIDDEN_SUFFIX):
        raise problem(f"{attr!r} ends with '-metadata', which Ground Truth reserves", _LABEL_ATTRIBUTE_RULE)
    if attr in ("source-ref", "source"):
        raise problem(f"{attr!r} is the input manifest's own key", _LABEL_ATTRIBUTE_RULE)
    return attr


def _display_text(text: str, info: ValidationInfo) -> str:
    low, high = range_of(JobSection.model_fields[str(info.field_name)])
    if not text.strip():
        raise problem("is blank", f"use {low}-{high} characters")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        raise problem("contains control characters", f"use {low}-{high} printable characters")
    return text


def _keywords(words: tuple[str, ...]) -> tuple[str, ...]:
    for index, word in enumerate(words):
        if len(word) > gt.TASK_KEYWORD_MAX_LENGTH or not gt.TASK_KEYWORD_PATTERN.match(word):
            raise problem(f"{word!r} is not an allowed keyword",
                          f"use 1-{gt.TASK_KEYWORD_MAX_LENGTH} letters and digits, words separated by single spaces", index)
    return words


def _template_file(value: Any, info: ValidationInfo) -> Any:
    """A path relative to the config file's folder that names an existing file."""
    if not isinstance(value, str):
        return value  # strict Path validation reports the wrong type
    folder = Path((info.context or {}).get("folder", "."))
    try:
        template = (folder / value).resolve()
        is_file = template.is_file()
    except OSError as error:  # e.g. a name longer than the file system allows
        raise problem(f"{value[:80]!r} is not a usable path ({error.strerror or error})",
                      "give the path of the worker UI template relative to the config file's folder") from None
    if not is_file:
        raise problem(f"{value!r} resolves to {template}, which is not a file",
                      "give the path of the worker UI template relative to the config file's folder")
    return template


class JobSection(Section):
    """Settings shared by the labeling and the verification job."""

    label_attribute: Annotated[str, Field(
        description="Key of this job's answer in the output manifest; letters, digits, hyphens; "
                    "must not end with -metadata. Ground Truth requires '-ref' at the end of a semantic "
                    "segmentation labeling job's key (appended when missing) and refuses it elsewhere."),
        AfterValidator(_label_attribute)]
    title: Annotated[str, Field(
        min_length=1, max_length=gt.TASK_TITLE_MAX,
        description="Task title shown to workers ({range} characters)."), AfterValidator(_display_text)]
    description: Annotated[str, Field(
        min_length=1, max_length=gt.TASK_DESCRIPTION_MAX,
        description="Task description shown to workers ({range} characters)."), AfterValidator(_display_text)]
    keywords: Annotated[StrList, Field(
        min_length=gt.TASK_KEYWORDS_MIN, max_length=gt.TASK_KEYWORDS_MAX, title="keyword",
        description=f"{{range}} keywords (letters, digits, single spaces; at most {gt.TASK_KEYWORD_MAX_LENGTH} "
                    "characters each)."), AfterValidator(_keywords)]
    instructions_template: Annotated[Path, BeforeValidator(_template_file), Field(
        description="Worker UI template (Liquid/HTML), relative to the config file's folder; must exist; null: the "
                    "shipped template for labels.task_type (workflow/assets/).")]
    workers_per_object: Annotated[int, Field(
        ge=gt.WORKERS_PER_OBJECT_MIN, le=gt.WORKERS_PER_OBJECT_MAX,
        description="Workers who label each image ({range}).")]
    task_time_limit_seconds: Annotated[int, Field(
        ge=gt.TASK_TIME_LIMIT_MIN, le=gt.TASK_TIME_LIMIT_MAX,
        json_schema_extra=note(" (8 h: Ground Truth's maximum for image tasks)"),
        description="Time a worker has for one image ({range}).")]
    task_availability_lifetime_seconds: Annotated[int, Field(
        ge=gt.TASK_AVAILABILITY_MIN, le=gt.TASK_AVAILABILITY_MAX_PRIVATE, json_schema_extra=note(" (30 days)"),
        description=f"Time a task waits for a worker ({{range}}; at most {gt.TASK_AVAILABILITY_MAX_PUBLIC} "
                    "for the public workforce).")]
    max_concurrent_tasks: Annotated[int, Field(
        ge=gt.MAX_CONCURRENT_TASKS_MIN, le=gt.MAX_CONCURRENT_TASKS_MAX,
        description="Images in front of workers at once ({range}; above 1000 needs an AWS quota increase).")]


class LabelingSection(JobSection):
    max_images_per_run: Annotated[int, Field(
        ge=1, le=MAX_IMAGES_PER_RUN_MAX,
        description="Images sent to one labeling job ({range}); the rest is reported as backlog.")] = 1000
    unlabelable_reasons: Annotated[StrList, null_is(tuple), Field(
        title="reason fragment",
        description="Fragments (case-insensitive) of a labeling output line's failure-reason that mean the image "
                    "itself cannot be labeled: recorded UNLABELABLE and not sent again until the object is replaced. "
                    "Real Ground Truth's wording is undocumented: add it once seen. Reasons about the task "
                    "(expired, access denied, not found) are always retried.")] = ()


class VerificationSection(JobSection):
    choices: Annotated[StrList, Field(
        min_length=2, max_length=gt.BOUNDING_BOX_MAX_CATEGORIES, title="choice",
        description="Verdicts workers choose from (at least {min}, unique); the first means 'label correct'. "
                    "The verification section applies to bounding_box and semantic_segmentation; classification "
                    "has no verification job and ignores it (labels.min_confidence decides instead)."),
        AfterValidator(display_names)]
    on_reject: Annotated[Literal["relabel", "adjust"], Field(
        title="on_reject",
        description="What the next run does with an image whose newest verdict is REJECTED: 'relabel' (a new "
                    "labeling job draws it again) or 'adjust' (a built-in adjustment job shows workers the rejected "
                    "boxes or mask to correct, in parallel with the labeling job for new images, with the labeling "
                    "section's settings; bounding_box and semantic_segmentation only).")] = "relabel"
