"""on_reject adjust for semantic segmentation: the AdjustmentSemanticSegmentation request and its template.

sms-data-verify-start-api: the task type's Adjustment PRE-/ACS- Lambdas, another LabelAttributeName (ending
with -ref: CreateLabelingJob, LabelAttributeName), the labeling job's labels; the template shows the previous
mask through the crowd-semantic-segmentation's initial-value (sms-ui-template-crowd-semantic-segmentation).
"""
from __future__ import annotations

import botocore.session
import pytest
from botocore.validate import validate_parameters
from task_type_configs import load_for

from workflow import artifacts, job_requests
from workflow.graph import check_settings, filter_settings
from workflow.resources import ResourceArns

OPERATION = botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateLabelingJob")


@pytest.fixture(scope="module")
def masks(tmp_path_factory):
    return load_for(tmp_path_factory.mktemp("masks"), "semantic_segmentation", verification__on_reject="adjust")


def test_the_adjustment_request_adjusts_masks_and_passes_botocore(masks):
    arns = ResourceArns.placeholder(masks)
    request = job_requests.example_request(job_requests.adjustment_request(masks, arns),
                                           job_requests.example_values(masks, arns))
    validate_parameters(request, OPERATION.input_shape)
    human = request["HumanTaskConfig"]
    assert human["PreHumanTaskLambdaArn"] == \
        "arn:aws:lambda:eu-west-1:568282634449:function:PRE-AdjustmentSemanticSegmentation"
    assert human["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"] == \
        "arn:aws:lambda:eu-west-1:568282634449:function:ACS-AdjustmentSemanticSegmentation"
    assert request["LabelAttributeName"] == "scratch-boxes-adjusted-ref"
    assert request["LabelCategoryConfigS3Uri"].endswith("/assets/labeling-categories.json")
    assert human["UiConfig"]["UiTemplateS3Uri"].endswith("/assets/adjustment.liquid.html")


def test_the_uploaded_adjustment_template_shows_the_previous_mask_as_initial_value(masks):
    text = artifacts.render_assets(masks)["adjustment.liquid.html"].body.decode()
    assert job_requests.ADJUSTED_ATTRIBUTE_MARKER not in text
    assert 'name="crowd-semantic-segmentation"' in text and "initial-value=" in text
    assert 'task.input.manifestLine["scratch-boxes-ref"] | grant_read_access' in text
    assert 'task.input.manifestLine["scratch-boxes-ref-metadata"]' in text
    assert "crowd-bounding-box" not in text


def test_the_steps_know_the_task_type_and_the_adjustment_attribute(masks):
    assert check_settings(masks)["task_type"] == "semantic_segmentation"
    assert filter_settings(masks)["adjustment_attribute"] == "scratch-boxes-adjusted-ref"
