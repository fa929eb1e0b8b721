"""labels.task_type drives the job requests, the templates, the graph and the update step's settings."""
from __future__ import annotations

import re

import botocore.session
import pytest
from botocore.validate import validate_parameters
from task_type_configs import TASK_TYPES, load_for

from sandbox.ground_truth import render
from sandbox.ground_truth.crowd_form import attribute_value, crowd_elements
from workflow import artifacts, graph, job_requests
from workflow.resources import ResourceArns

OPERATION = botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateLabelingJob")
BUILTIN = {"bounding_box": ("BoundingBox", "VerificationBoundingBox"),
           "semantic_segmentation": ("SemanticSegmentation", "VerificationSemanticSegmentation"),
           "image_classification": ("ImageMultiClass", None),
           "multilabel_image_classification": ("ImageMultiClassMultiLabel", None)}


@pytest.fixture(scope="module")
def configs(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("configs")
    return {task_type: load_for(folder, task_type) for task_type in TASK_TYPES}


def _pattern(*path: str) -> re.Pattern[str]:
    shape = OPERATION.input_shape
    for name in path:
        shape = shape.member if shape.type_name == "list" else shape.members[name]
    return re.compile(f"^(?:{shape.metadata['pattern']})$")


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_requests_use_the_task_types_builtin_lambdas_and_pass_botocore_validation(configs, task_type):
    cfg = configs[task_type]
    arns = ResourceArns.placeholder(cfg)
    values = job_requests.example_values(cfg, arns)
    labeling, verification = BUILTIN[task_type]
    kinds = {"labeling": (job_requests.labeling_request, labeling)}
    if verification:
        kinds["verification"] = (job_requests.verification_request, verification)
    else:
        with pytest.raises(ValueError, match=f"labels.task_type {task_type} has no verification job"):
            job_requests.verification_request(cfg, arns)
    for build, builtin in kinds.values():
        request = job_requests.example_request(build(cfg, arns), values)
        validate_parameters(request, OPERATION.input_shape)
        human = request["HumanTaskConfig"]
        assert human["PreHumanTaskLambdaArn"] == f"arn:aws:lambda:eu-west-1:568282634449:function:PRE-{builtin}"
        assert human["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"] == (
            f"arn:aws:lambda:eu-west-1:568282634449:function:ACS-{builtin}")
        assert _pattern("HumanTaskConfig", "PreHumanTaskLambdaArn").match(human["PreHumanTaskLambdaArn"])
        assert _pattern("LabelAttributeName").match(request["LabelAttributeName"])
    # sms-data-output: only semantic segmentation's label attribute ends with -ref.
    assert cfg.labeling.label_attribute.endswith("-ref") == (task_type == "semantic_segmentation")


def test_single_label_classification_offers_the_none_category_last(configs):
    cfg = configs["image_classification"]
    labels = [entry["label"] for entry in job_requests.labeling_categories(cfg)["labels"]]
    assert labels == [*cfg.labels.categories, cfg.labels.none_category]
    multi = configs["multilabel_image_classification"]
    assert [e["label"] for e in job_requests.labeling_categories(multi)["labels"]] == list(multi.labels.categories)


ELEMENTS = {"bounding_box": ("crowd-bounding-box", "boundingBox", "labels"),
            "semantic_segmentation": ("crowd-semantic-segmentation", "crowd-semantic-segmentation", "labels"),
            "image_classification": ("crowd-image-classifier", "crowd-image-classifier", "categories"),
            "multilabel_image_classification": ("crowd-image-classifier-multi-select",
                                                "crowd-image-classifier-multi-select", "categories")}


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_each_shipped_template_renders_with_the_documented_element_and_name(configs, task_type):
    cfg = configs[task_type]
    labels = [entry["label"] for entry in job_requests.labeling_categories(cfg)["labels"]]
    html = render.render(job_requests.template_text(cfg, "labeling"),
                         {"taskObject": "s3://bucket/raw/part.png", "labels": labels})
    (element,) = crowd_elements(html)
    tag, name, options = ELEMENTS[task_type]
    assert (element.tag, element.name) == (tag, name)
    assert attribute_value(element.attrs[options]) == labels
    assert "scratch" in html.lower()
    assert ("dent" in html.lower()) == (task_type != "bounding_box")  # the new types: scratches and dents
    if task_type == "multilabel_image_classification":
        assert attribute_value(element.attrs["exclusion-category"]) == {"text": cfg.labels.none_category}


def test_the_segmentation_verification_template_overlays_the_mask_and_its_colours(configs):
    cfg = configs["semantic_segmentation"]
    attribute = cfg.labeling.label_attribute
    line = {"source-ref": "s3://bucket/raw/part.png", attribute: "s3://bucket/out/0.png",
            f"{attribute}-metadata": {"internal-color-map": {
                "0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.0},
                "1": {"class-name": "scratch", "hex-color": "#1f77b4", "confidence": 0.0}}}}
    labels = [entry["label"] for entry in job_requests.verification_categories(cfg)["labels"]]
    html = render.render(job_requests.template_text(cfg, "verification"),
                         {"taskObject": line["source-ref"], "labels": labels, "manifestLine": line})
    (element,) = crowd_elements(html)
    assert element.tag == "crowd-image-classifier" and "worker-comment" in element.nested
    assert attribute_value(element.attrs["categories"]) == list(cfg.verification.choices)
    overlay = attribute_value(element.attrs["overlay"])["semanticSegmentation"]
    assert overlay["labels"] == list(cfg.labels.categories)
    assert overlay["labelMappings"] == {"scratch": {"color": "#1f77b4"}}
    assert render.s3_uri_of_granted_url(overlay["src"]) == "s3://bucket/out/0.png"


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_classification_graphs_have_no_verification_stage(configs, task_type):
    cfg = configs[task_type]
    definition = graph.render_definition(cfg, ResourceArns.placeholder(cfg))
    states = definition["States"]
    verified = task_type in ("bounding_box", "semantic_segmentation")
    assert ("Start verification job" in states) == verified
    assert ("Filter labeled objects" in states) == verified
    payload = states["Update feature store"]["Parameters"]["Payload"]
    assert payload["manifest_uri.$"] == ("$.verification_output.manifest_uri" if verified else "$.labeling_output.manifest_uri")
    assert payload["settings"]["task_type"] == task_type
    assert payload["settings"]["min_confidence"] == cfg.labels.min_confidence
    summary = states["Summarize"]["Parameters"]
    assert ("left_out" in summary) != verified and ("verification_job_name" in summary) != verified
    files = artifacts.render_files(cfg, ResourceArns.placeholder(cfg))
    assert ("job_requests/verification.json" in files) == verified
