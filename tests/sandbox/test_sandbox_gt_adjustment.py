"""Adjustment jobs (AdjustmentBoundingBox) in the sandbox, as AWS documents them.

sms-data-verify-start-api: an adjustment job uses the task type's Adjustment PRE-/ACS- Lambdas, a
LabelAttributeName other than the adjusted label's, and shows the previous boxes through the
crowd-bounding-box's initial-value; sms-data-verify-adjust-prereq: its input lines carry the label
to adjust, of the same task type; sms-data-verify-manifest: the output has the adjusted values and
``adjustment-status`` (adjusted | unadjusted).
"""
from __future__ import annotations

from pathlib import Path

import botocore.exceptions
import pytest
from gt_helpers import BUCKET, LABELING_TEMPLATE, lambda_arn

# The shipped template (workflow/assets), with the attribute the deployer fills in (workflow.job_requests).
ADJUSTMENT_TEMPLATE = Path(__file__).resolve().parents[2] / "workflow" / "assets" / "adjustment.liquid.html"
ADJUSTED_ATTRIBUTE_MARKER = "__ADJUSTED_LABEL_ATTRIBUTE__"

ATTRIBUTE = "scratch-boxes"
ADJUSTED = "scratch-boxes-adjusted"


@pytest.fixture
def adjustment(gt_env):
    """Put the shipped adjustment template; returns a function making an adjustment request over lines."""
    template = ADJUSTMENT_TEMPLATE.read_text(encoding="utf-8").replace(ADJUSTED_ATTRIBUTE_MARKER, ATTRIBUTE)
    gt_env.put("work/adjustment.liquid.html", template)

    def request(lines, name="scratch-run-2-adj", template_key="work/adjustment.liquid.html", **overrides):
        manifest = gt_env.put_manifest(f"work/{name}.manifest", lines)
        req = gt_env.labeling_request(name=name, manifest=manifest)
        req["LabelAttributeName"] = ADJUSTED
        human = req["HumanTaskConfig"]
        human["UiConfig"] = {"UiTemplateS3Uri": f"s3://{BUCKET}/{template_key}"}
        human["PreHumanTaskLambdaArn"] = lambda_arn("PRE", "AdjustmentBoundingBox")
        human["AnnotationConsolidationConfig"] = {"AnnotationConsolidationLambdaArn": lambda_arn("ACS", "AdjustmentBoundingBox")}
        req.update(overrides)
        return req

    return request


def _line(gt_env, index, boxes, *, attribute=ATTRIBUTE, kind="groundtruth/object-detection"):
    return {
        "source-ref": f"s3://{BUCKET}/{gt_env.image_keys[index]}",
        "source-etag": f"etag{index}",
        attribute: {"image_size": [{"width": 640, "height": 480, "depth": 3}],
                    "annotations": [{"class_id": 0, **box} for box in boxes]},
        f"{attribute}-metadata": {"class-map": {"0": "scratch"}, "type": kind, "human-annotated": "yes",
                                  "creation-date": "2026-11-29T10:00:00.000000", "job-name": "labeling-job/old-lbl"},
    }


def _run(gt_env, request):
    gt_env.sm.create_labeling_job(**request)
    described = gt_env.finish(request["LabelingJobName"])
    assert described["LabelingJobStatus"] == "Completed", described.get("FailureReason")
    return described, gt_env.read_lines(described["LabelingJobOutput"]["OutputDatasetS3Uri"])


def test_the_worker_corrects_the_boxes_the_template_shows_and_the_output_says_adjusted(gt_env, adjustment):
    box = {"left": 10, "top": 20, "width": 40, "height": 30}
    described, (out,) = _run(gt_env, adjustment([_line(gt_env, 0, [box])]))
    assert out[ADJUSTED]["annotations"] == [{"class_id": 0, "left": 14, "top": 23, "width": 32, "height": 24}]
    metadata = out[f"{ADJUSTED}-metadata"]
    assert metadata["adjustment-status"] == "adjusted"
    assert metadata["type"] == "groundtruth/object-detection"
    assert metadata["class-map"] == {"0": "scratch"}
    assert metadata["job-name"] == "labeling-job/scratch-run-2-adj"
    # The input line passes through: the previous label and the extra keys stay.
    assert out[ATTRIBUTE]["annotations"][0]["left"] == 10 and out["source-etag"] == "etag0"
    assert described["LabelCounters"]["TotalLabeled"] == 1


def test_boxes_the_worker_leaves_as_they_are_are_unadjusted(gt_env, adjustment):
    tiny = {"left": 3, "top": 4, "width": 6, "height": 5}
    _, (out,) = _run(gt_env, adjustment([_line(gt_env, 1, [tiny])], name="scratch-run-3-adj"))
    assert out[ADJUSTED]["annotations"] == [{"class_id": 0, **tiny}]
    assert out[f"{ADJUSTED}-metadata"]["adjustment-status"] == "unadjusted"


def test_a_template_that_shows_no_previous_boxes_makes_the_worker_draw_from_scratch(gt_env, adjustment):
    box = {"left": 10, "top": 20, "width": 40, "height": 30}
    request = adjustment([_line(gt_env, 2, [box])], name="scratch-run-4-adj", template_key="work/labeling.liquid.html")
    assert "initial-value" not in LABELING_TEMPLATE
    _, (out,) = _run(gt_env, request)
    tightened = {"class_id": 0, "left": 14, "top": 23, "width": 32, "height": 24}
    assert out[ADJUSTED]["annotations"] != [tightened]


def test_an_adjustment_job_must_write_another_label_attribute(gt_env, adjustment):
    request = adjustment([_line(gt_env, 0, [])], name="scratch-run-5-adj", LabelAttributeName=ATTRIBUTE)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        gt_env.sm.create_labeling_job(**request)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "an adjustment job must use a different LabelAttributeName" in caught.value.response["Error"]["Message"]


def test_an_adjustment_job_adjusts_labels_of_its_own_task_type_only(gt_env, adjustment):
    lines = [_line(gt_env, 0, [], kind="groundtruth/semantic-segmentation")]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        gt_env.sm.create_labeling_job(**adjustment(lines, name="scratch-run-6-adj"))
    assert "the adjustment job's task type must be the original job's" in caught.value.response["Error"]["Message"]


def test_a_line_without_the_label_to_adjust_fails_alone(gt_env, adjustment):
    box = {"left": 10, "top": 20, "width": 40, "height": 30}
    bare = {"source-ref": f"s3://{BUCKET}/{gt_env.image_keys[3]}"}
    described, lines = _run(gt_env, adjustment([_line(gt_env, 0, [box]), bare], name="scratch-run-7-adj"))
    assert described["LabelCounters"]["TotalLabeled"] == 1
    assert described["LabelCounters"]["FailedNonRetryableError"] == 1
    failed = lines[1][f"{ADJUSTED}-metadata"]
    assert failed["failure-reason"] == f"ClientError: The data object has no '{ATTRIBUTE}' label to adjust."
    assert ADJUSTED not in lines[1]
