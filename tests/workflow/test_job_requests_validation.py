"""The CreateLabelingJob requests pass botocore's own validation, for every config variant."""
from __future__ import annotations

import re

import botocore.session
import pytest
from botocore.validate import validate_parameters

from workflow import ground_truth, job_requests
from workflow.resources import ResourceArns, asset_uri

OPERATION = botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateLabelingJob")


def _pattern(*path: str) -> re.Pattern[str]:
    shape = OPERATION.input_shape
    for name in path:
        shape = shape.member if shape.type_name == "list" else shape.members[name]
    return re.compile(f"^(?:{shape.metadata['pattern']})$")


def _requests(cfg):
    arns = ResourceArns.placeholder(cfg)
    values = job_requests.example_values(cfg, arns)
    return {
        "labeling": job_requests.example_request(job_requests.labeling_request(cfg, arns), values),
        "verification": job_requests.example_request(job_requests.verification_request(cfg, arns), values),
    }


def test_both_requests_pass_botocore_validation(variant):
    for kind, request in _requests(variant).items():
        validate_parameters(request, OPERATION.input_shape)  # raises ParamValidationError
        # botocore checks types, required members and minimums; check the patterns it skips.
        assert _pattern("LabelingJobName").match(request["LabelingJobName"]), kind
        assert _pattern("RoleArn").match(request["RoleArn"]), kind
        assert _pattern("HumanTaskConfig", "WorkteamArn").match(request["HumanTaskConfig"]["WorkteamArn"]), kind
        assert _pattern("HumanTaskConfig", "PreHumanTaskLambdaArn").match(request["HumanTaskConfig"]["PreHumanTaskLambdaArn"])
        assert _pattern("InputConfig", "DataSource", "S3DataSource", "ManifestS3Uri").match(
            request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"]
        )
        if "KmsKeyId" in request["OutputConfig"]:
            assert _pattern("OutputConfig", "KmsKeyId").match(request["OutputConfig"]["KmsKeyId"])


def test_public_price_only_for_the_public_workforce(variant):
    for request in _requests(variant).values():
        has_price = "PublicWorkforceTaskPrice" in request["HumanTaskConfig"]
        assert has_price == (variant.workforce.type == "public")
        if has_price:
            assert request["HumanTaskConfig"]["PublicWorkforceTaskPrice"] == {
                "AmountInUsd": {"Dollars": 0, "Cents": 3, "TenthFractionsOfACent": 6}
            }


def test_kms_key_only_when_configured(variant):
    for request in _requests(variant).values():
        assert request["OutputConfig"].get("KmsKeyId") == variant.storage.kms_key_arn


def test_builtin_lambdas_match_the_task_type(cfg):
    requests = _requests(cfg)
    region = cfg.pipeline.region
    for kind, task in (("labeling", "BoundingBox"), ("verification", "VerificationBoundingBox")):
        human = requests[kind]["HumanTaskConfig"]
        assert human["PreHumanTaskLambdaArn"] == ground_truth.builtin_lambda_arn(region, "pre", task)
        assert human["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"] == (
            ground_truth.builtin_lambda_arn(region, "acs", task)
        )


def test_requests_point_at_the_shipped_assets_and_the_config(cfg):
    requests = _requests(cfg)
    label = requests["labeling"]
    verify = requests["verification"]
    assert label["HumanTaskConfig"]["UiConfig"]["UiTemplateS3Uri"] == asset_uri(cfg, "labeling.liquid.html")
    assert verify["HumanTaskConfig"]["UiConfig"]["UiTemplateS3Uri"] == asset_uri(cfg, "verification.liquid.html")
    assert label["LabelCategoryConfigS3Uri"] == asset_uri(cfg, "labeling-categories.json")
    assert verify["LabelCategoryConfigS3Uri"] == asset_uri(cfg, "verification-categories.json")
    assert label["LabelAttributeName"] == cfg.labeling.label_attribute
    assert verify["LabelAttributeName"] == cfg.verification.label_attribute != label["LabelAttributeName"]
    assert label["HumanTaskConfig"]["TaskTitle"] == cfg.labeling.title
    assert verify["HumanTaskConfig"]["NumberOfHumanWorkersPerDataObject"] == cfg.verification.workers_per_object
    assert label["InputConfig"]["DataAttributes"]["ContentClassifiers"] == [
        "FreeOfPersonallyIdentifiableInformation",
        "FreeOfAdultContent",
    ]
    assert label["StoppingConditions"] == {"MaxHumanLabeledObjectCount": cfg.labeling.max_images_per_run}
    assert {tag["Key"]: tag["Value"] for tag in label["Tags"]} == cfg.pipeline.tags
    # The verification job reads the labeled objects of the labeling job's output manifest.
    run = label["LabelingJobName"].removesuffix("-lbl")
    assert verify["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"] == (
        f"s3://{cfg.storage.bucket}/{cfg.storage.work_prefix}runs/{run}/verification-input.manifest"
    )


def test_per_run_values_are_paths_into_the_state(cfg):
    arns = ResourceArns.placeholder(cfg)
    label = job_requests.labeling_request(cfg, arns)
    verify = job_requests.verification_request(cfg, arns)
    assert label["LabelingJobName.$"] == "$.check.labeling_job_name"
    assert label["InputConfig"]["DataSource"]["S3DataSource"] == {"ManifestS3Uri.$": "$.check.manifest_uri"}
    assert label["OutputConfig"]["S3OutputPath.$"] == "$.check.labeling_output_uri"
    assert verify["LabelingJobName.$"] == "$.check.verification_job_name"
    assert verify["InputConfig"]["DataSource"]["S3DataSource"] == {"ManifestS3Uri.$": "$.verification_input.manifest_uri"}
    assert verify["OutputConfig"]["S3OutputPath.$"] == "$.check.verification_output_uri"


def test_example_request_substitutes_every_path_and_refuses_unknown_ones():
    request = {"A.$": "$.a", "B": {"C.$": "$.c", "D": [{"E.$": "$.a"}]}, "F": 1}
    assert job_requests.example_request(request, {"$.a": "x", "$.c": 2}) == {"A": "x", "B": {"C": 2, "D": [{"E": "x"}]}, "F": 1}
    with pytest.raises(KeyError, match=r"\$\.c"):
        job_requests.example_request(request, {"$.a": "x"})


def test_category_files(cfg):
    labeling = job_requests.labeling_categories(cfg)
    assert labeling == {"document-version": "2018-11-28", "labels": [{"label": "scratch"}]}
    verification = job_requests.verification_categories(cfg)
    assert verification["document-version"] == "2018-11-28"
    # The choices first (index 0 = label correct), then the labeling job's categories, which
    # Ground Truth requires a verification job's category file to keep.
    assert [entry["label"] for entry in verification["labels"]] == [*cfg.verification.choices, *cfg.labels.categories]
    template = job_requests.template_text(cfg, "verification")
    assert job_requests.CHOICES_MARKER not in template and job_requests.AUDITED_ATTRIBUTE_MARKER not in template
    # The answers are the first len(choices) labels; the boxes come from the labeling job's attribute.
    assert f"task.input.labels limit: {len(cfg.verification.choices)} " in template
    assert f'task.input.manifestLine["{cfg.labeling.label_attribute}"]' in template
    assert 'name="boundingBox"' in job_requests.template_text(cfg, "labeling")
    assert verification["auditLabelAttributeName"] == cfg.labeling.label_attribute
