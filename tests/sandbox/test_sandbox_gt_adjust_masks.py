"""Semantic segmentation adjustment jobs (AdjustmentSemanticSegmentation) in the sandbox, as AWS documents them.

sms-data-verify-start-api: the task type's Adjustment PRE-/ACS- Lambdas, a LabelAttributeName other than the
adjusted label's (CreateLabelingJob, LabelAttributeName: ending with "-ref", as for SemanticSegmentation);
sms-ui-template-crowd-semantic-segmentation: the worker sees the previous mask through ``initial-value``
(``src`` through grant_read_access, ``labelMappings``) and answers with ``initialValueModified``;
sms-data-verify-manifest: the output is the original task's (a mask PNG and its ``internal-color-map``,
sms-data-output) with ``adjustment-status`` adjusted | unadjusted. The shipped template is rendered as deployed
(workflow.job_requests.adjustment_template_text).
"""
from __future__ import annotations

import io
import json

import botocore.exceptions
import pytest
from gt_helpers import BUCKET, lambda_arn
from PIL import Image
from task_type_configs import load_for

from sandbox.ground_truth import masks
from workflow import job_requests

CATEGORIES = ["scratch", "dent"]
ATTRIBUTE = "scratch-boxes-ref"
ADJUSTED = "scratch-boxes-adjusted-ref"
SCRATCH, DENT = masks.label_colour(0), masks.label_colour(1)
COLOR_MAP = {
    "0": {"class-name": "BACKGROUND", "hex-color": masks.BACKGROUND_HEX, "confidence": 0.0},
    "1": {"class-name": "scratch", "hex-color": SCRATCH, "confidence": 0.0},
    "2": {"class-name": "dent", "hex-color": DENT, "confidence": 0.0},
}


@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    folder = tmp_path_factory.mktemp("configs")
    return load_for(folder, "semantic_segmentation", labels__categories=CATEGORIES, verification__on_reject="adjust")


@pytest.fixture
def env(gt_env, cfg):
    """The shipped segmentation adjustment template and category file, as the deployer uploads them."""
    gt_env.put("work/seg/adjustment.liquid.html", job_requests.adjustment_template_text(cfg))
    gt_env.put("work/seg/labeling.liquid.html", job_requests.template_text(cfg, "labeling"))
    gt_env.put("work/seg/labeling-categories.json", json.dumps(job_requests.labeling_categories(cfg)))
    return gt_env


def _size(env, index: int) -> tuple[int, int]:
    body = env.s3.get_object(Bucket=BUCKET, Key=env.image_keys[index])["Body"].read()
    return Image.open(io.BytesIO(body)).size


def _line(env, index: int, regions, *, kind: str = "groundtruth/semantic-segmentation") -> dict:
    """An input line holding a previous mask painted with ``regions`` ((colour, left, top, width, height))."""
    width, height = _size(env, index)
    mask = env.put(f"work/old-masks/{index}.png", masks.paint(width, height, regions))
    return {
        "source-ref": f"s3://{BUCKET}/{env.image_keys[index]}",
        "source-etag": f"etag{index}",
        ATTRIBUTE: mask,
        f"{ATTRIBUTE}-metadata": {"internal-color-map": COLOR_MAP, "type": kind, "human-annotated": "yes",
                                  "creation-date": "2026-11-29T10:00:00.000000", "job-name": "labeling-job/old-lbl"},
    }


def _request(env, lines, name: str, *, attribute: str = ADJUSTED, task: str = "AdjustmentSemanticSegmentation",
             template: str = "work/seg/adjustment.liquid.html") -> dict:
    request = env.labeling_request(name=name, manifest=env.put_manifest(f"work/{name}.manifest", lines))
    request["LabelAttributeName"] = attribute
    request["LabelCategoryConfigS3Uri"] = f"s3://{BUCKET}/work/seg/labeling-categories.json"
    human = request["HumanTaskConfig"]
    human["UiConfig"] = {"UiTemplateS3Uri": f"s3://{BUCKET}/{template}"}
    human["PreHumanTaskLambdaArn"] = lambda_arn("PRE", task)
    human["AnnotationConsolidationConfig"] = {"AnnotationConsolidationLambdaArn": lambda_arn("ACS", task)}
    return request


def _run(env, request) -> tuple[dict, list[dict]]:
    env.sm.create_labeling_job(**request)
    described = env.finish(request["LabelingJobName"])
    assert described["LabelingJobStatus"] == "Completed", described.get("FailureReason")
    return described, env.read_lines(described["LabelingJobOutput"]["OutputDatasetS3Uri"])


def _pixels(env, uri: str) -> Image.Image:
    body = env.s3.get_object(Bucket=BUCKET, Key=uri[len(f"s3://{BUCKET}/"):])["Body"].read()
    return Image.open(io.BytesIO(body)).convert("RGB")


def test_the_worker_trims_the_mask_shown_through_initial_value_and_the_output_says_adjusted(env):
    line = _line(env, 0, [(SCRATCH, 10, 20, 40, 30), (DENT, 80, 50, 50, 40)])
    described, (out,) = _run(env, _request(env, [line], "seg-run-2-adj"))
    assert described["LabelCounters"]["TotalLabeled"] == 1
    metadata = out[f"{ADJUSTED}-metadata"]
    assert metadata["adjustment-status"] == "adjusted"
    assert metadata["type"] == "groundtruth/semantic-segmentation"
    assert metadata["job-name"] == "labeling-job/seg-run-2-adj"
    colours = {entry["class-name"]: entry["hex-color"] for entry in metadata["internal-color-map"].values()}
    assert colours == {"BACKGROUND": masks.BACKGROUND_HEX, "scratch": SCRATCH, "dent": DENT}
    # A new mask PNG, written with the job's output: each area less a tenth of its size on every side.
    assert out[ADJUSTED].startswith(f"s3://{BUCKET}/work/labeling/seg-run-2-adj/annotations/")
    width, height = _size(env, 0)
    expected = Image.open(io.BytesIO(masks.paint(width, height, [(SCRATCH, 14, 23, 32, 24), (DENT, 85, 54, 40, 32)])))
    assert _pixels(env, out[ADJUSTED]).tobytes() == expected.convert("RGB").tobytes()
    # The input line passes through: the previous mask and the extra keys stay.
    assert out[ATTRIBUTE] == line[ATTRIBUTE] and out["source-etag"] == "etag0"


def test_a_mask_the_worker_leaves_as_it_is_is_unadjusted(env):
    tiny = (SCRATCH, 3, 4, 6, 5)  # under 10 pixels: the worker keeps it
    _, (out,) = _run(env, _request(env, [_line(env, 1, [tiny])], "seg-run-3-adj"))
    assert out[f"{ADJUSTED}-metadata"]["adjustment-status"] == "unadjusted"
    assert _pixels(env, out[ADJUSTED]).tobytes() == _pixels(env, _line(env, 1, [tiny])[ATTRIBUTE]).tobytes()


def test_a_page_without_initial_value_makes_the_worker_paint_from_scratch(env):
    line = _line(env, 2, [(SCRATCH, 10, 20, 40, 30)])
    _, (out,) = _run(env, _request(env, [line], "seg-run-4-adj", template="work/seg/labeling.liquid.html"))
    width, height = _size(env, 2)
    trimmed = Image.open(io.BytesIO(masks.paint(width, height, [(SCRATCH, 14, 23, 32, 24)]))).convert("RGB")
    assert _pixels(env, out[ADJUSTED]).tobytes() != trimmed.tobytes()


def test_an_adjustment_attribute_without_ref_is_refused(env):
    request = _request(env, [_line(env, 0, [])], "seg-run-5-adj", attribute="scratch-boxes-adjusted")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        env.sm.create_labeling_job(**request)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "must end with '-ref' for AdjustmentSemanticSegmentation" in caught.value.response["Error"]["Message"]


def test_adjusting_masks_needs_masks(env):
    line = _line(env, 0, [], kind="groundtruth/object-detection")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        env.sm.create_labeling_job(**_request(env, [line], "seg-run-6-adj"))
    assert "the adjustment job's task type must be the original job's" in caught.value.response["Error"]["Message"]


def test_a_mask_that_is_gone_cannot_be_adjusted_and_fails_alone(env):
    kept, gone = _line(env, 3, [(SCRATCH, 10, 20, 40, 30)]), _line(env, 4, [(DENT, 10, 20, 40, 30)])
    env.s3.delete_object(Bucket=BUCKET, Key=gone[ATTRIBUTE][len(f"s3://{BUCKET}/"):])
    bare = {"source-ref": f"s3://{BUCKET}/{env.image_keys[5]}"}
    described, lines = _run(env, _request(env, [kept, gone, bare], "seg-run-7-adj"))
    assert described["LabelCounters"]["TotalLabeled"] == 1
    assert described["LabelCounters"]["FailedNonRetryableError"] == 2
    assert lines[1][f"{ADJUSTED}-metadata"]["failure-reason"].startswith("ClientError: The mask to adjust could not "
                                                                          "be read")
    assert lines[2][f"{ADJUSTED}-metadata"]["failure-reason"] == \
        f"ClientError: The data object has no '{ATTRIBUTE}' label to adjust."
    assert all(line[f"{ADJUSTED}-metadata"]["type"] == "groundtruth/semantic-segmentation" for line in lines)
