"""CreateLabelingJob request validation in the Ground Truth stand-in, rule by rule."""
from __future__ import annotations

import json
import re

import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from gt_helpers import BUCKET, PUBLIC_TEAM, REGION, lambda_arn

from sandbox.ground_truth.builtin import BUILTIN_LAMBDA_ACCOUNTS


def _error(env, request) -> ClientError:
    with pytest.raises(ClientError) as caught:
        env.sm.create_labeling_job(**request)
    return caught.value


def _unvalidated_client():
    """A client that sends requests without botocore's checks, as the Step Functions engine does."""
    import boto3

    return boto3.client("sagemaker", region_name=REGION, config=Config(parameter_validation=False))


def test_valid_request_is_accepted(gt_env):
    arn = gt_env.sm.create_labeling_job(**gt_env.labeling_request())["LabelingJobArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:123456789012:labeling-job/scratch-run-1-lbl"


@pytest.mark.parametrize("name", ["-starts-with-hyphen", "ends-", "has space", "under_score", "x" * 64])
def test_name_rule(gt_env, name):
    with pytest.raises(ClientError) as caught:
        _unvalidated_client().create_labeling_job(**gt_env.labeling_request(name=name))
    error = caught.value
    assert error.response["Error"]["Code"] == "ValidationException"
    assert "labelingJobName" in error.response["Error"]["Message"]


def test_name_is_unique_for_ever_case_insensitively(gt_env):
    gt_env.sm.create_labeling_job(**gt_env.labeling_request(name="Job-A"))
    error = _error(gt_env, gt_env.labeling_request(name="job-a"))
    assert error.response["Error"]["Code"] == "ResourceInUse"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    gt_env.finish("job-a")  # completed
    assert _error(gt_env, gt_env.labeling_request(name="JOB-A")).response["Error"]["Code"] == "ResourceInUse"


def test_stopped_job_name_stays_taken(gt_env):
    gt_env.sm.create_labeling_job(**gt_env.labeling_request(name="stopped-one"))
    gt_env.sm.stop_labeling_job(LabelingJobName="stopped-one")
    gt_env.finish("stopped-one")
    assert _error(gt_env, gt_env.labeling_request(name="stopped-one")).response["Error"]["Code"] == "ResourceInUse"


def test_rejected_request_does_not_take_the_name(gt_env):
    bad = gt_env.labeling_request(name="retry-me", RoleArn="arn:aws:iam::123456789012:role/missing")
    assert _error(gt_env, bad).response["Error"]["Code"] == "ValidationException"
    gt_env.sm.create_labeling_job(**gt_env.labeling_request(name="retry-me"))


def _assert_validation(env, request, *fragments):
    error = _error(env, request)
    assert error.response["Error"]["Code"] == "ValidationException", error.response["Error"]
    message = error.response["Error"]["Message"]
    for fragment in fragments:
        assert fragment in message, message


def test_missing_manifest(gt_env):
    request = gt_env.labeling_request(manifest=f"s3://{BUCKET}/work/nope.manifest")
    _assert_validation(gt_env, request, "ManifestS3Uri", "does not exist")


def test_manifest_in_missing_bucket(gt_env):
    _assert_validation(gt_env, gt_env.labeling_request(manifest="s3://no-such-bucket/m.manifest"), "ManifestS3Uri", "no-such-bucket")


@pytest.mark.parametrize(
    "body, fragment",
    [
        ('{"source-ref": "s3://b/a.png"}\nnot json\n', "line 2 is not valid JSON"),
        ('["s3://b/a.png"]\n', "line 1 must be a JSON object with a 'source-ref'"),
        ('{"image": "s3://b/a.png"}\n', "line 1 must be a JSON object with a 'source-ref'"),
        ("\n\n", "contains no data objects"),
    ],
)
def test_bad_manifest_lines(gt_env, body, fragment):
    manifest = gt_env.put("work/bad.manifest", body)
    _assert_validation(gt_env, gt_env.labeling_request(manifest=manifest), fragment)


def test_source_lines_are_accepted(gt_env):
    manifest = gt_env.put_manifest("work/text.manifest", [{"source": "some text"}])
    gt_env.sm.create_labeling_job(**gt_env.labeling_request(manifest=manifest))


def test_missing_and_empty_template(gt_env):
    request = gt_env.labeling_request()
    request["HumanTaskConfig"]["UiConfig"] = {"UiTemplateS3Uri": f"s3://{BUCKET}/work/none.html"}
    _assert_validation(gt_env, request, "UiTemplateS3Uri", "does not exist")
    request["HumanTaskConfig"]["UiConfig"] = {"UiTemplateS3Uri": gt_env.put("work/empty.html", "  \n")}
    _assert_validation(gt_env, request, "UiTemplateS3Uri", "is empty")


@pytest.mark.parametrize(
    "document, fragment",
    [
        ("not json", "is not valid JSON"),
        ({"labels": [{"label": "scratch"}]}, "'document-version'"),
        ({"document-version": "2018-11-28", "labels": []}, "1 to 50"),
        ({"document-version": "2018-11-28", "labels": [{"label": f"c{i}"} for i in range(51)]}, "1 to 50"),
        ({"document-version": "2018-11-28", "labels": [{"name": "scratch"}]}, "labels[0]"),
        ({"document-version": "2018-11-28", "labels": [{"label": "a"}, {"label": "a"}]}, "unique"),
    ],
)
def test_bad_category_file(gt_env, document, fragment):
    body = document if isinstance(document, str) else json.dumps(document)
    uri = gt_env.put("work/bad-categories.json", body)
    _assert_validation(gt_env, gt_env.labeling_request(LabelCategoryConfigS3Uri=uri), "LabelCategoryConfigS3Uri", fragment)


def test_missing_category_file(gt_env):
    _assert_validation(
        gt_env, gt_env.labeling_request(LabelCategoryConfigS3Uri=f"s3://{BUCKET}/none.json"), "does not exist"
    )
    _assert_validation(gt_env, gt_env.labeling_request(LabelCategoryConfigS3Uri=None), "LabelCategoryConfigS3Uri is required")


def test_role_must_exist(gt_env):
    request = gt_env.labeling_request(RoleArn="arn:aws:iam::123456789012:role/not-there")
    _assert_validation(gt_env, request, "RoleArn", "does not exist")


@pytest.mark.parametrize(
    "pre, acs, fragment",
    [
        (lambda_arn("PRE", "BoundingBox", region="us-east-1", account="432418664414"), None, "does not belong to region eu-west-1"),
        (lambda_arn("PRE", "BoundingBox", account="111111111111"), None, "does not belong to region eu-west-1"),
        (lambda_arn("PRE", "ImageMultiClass"), None, "PreHumanTaskLambdaArn"),
        ("arn:aws:lambda:eu-west-1:123456789012:function:my-pre", None, "PreHumanTaskLambdaArn"),
        (None, lambda_arn("ACS", "VerificationBoundingBox"), "is for task type VerificationBoundingBox"),
        (None, lambda_arn("PRE", "BoundingBox"), "AnnotationConsolidationLambdaArn"),
    ],
)
def test_builtin_lambdas_must_match_task_type_and_region(gt_env, pre, acs, fragment):
    request = gt_env.labeling_request()
    human = request["HumanTaskConfig"]
    if pre:
        human["PreHumanTaskLambdaArn"] = pre
    if acs:
        human["AnnotationConsolidationConfig"] = {"AnnotationConsolidationLambdaArn": acs}
    _assert_validation(gt_env, request, fragment)


def test_lambdas_are_required(gt_env):
    request = gt_env.labeling_request()
    del request["HumanTaskConfig"]["PreHumanTaskLambdaArn"]
    _assert_validation(gt_env, request, "PreHumanTaskLambdaArn is required", lambda_arn("PRE", "BoundingBox"))


def test_public_workforce_needs_a_price(gt_env):
    request = gt_env.labeling_request()
    request["HumanTaskConfig"]["WorkteamArn"] = PUBLIC_TEAM
    _assert_validation(gt_env, request, "PublicWorkforceTaskPrice")
    request["HumanTaskConfig"]["PublicWorkforceTaskPrice"] = {"AmountInUsd": {"Dollars": 0, "Cents": 3, "TenthFractionsOfACent": 6}}
    gt_env.sm.create_labeling_job(**request)


@pytest.mark.parametrize(
    "team, fragment",
    [
        ("arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/t", "not the job's region"),
        ("arn:aws:sagemaker:eu-west-1:999999999999:workteam/private-crowd/t", "not of the job's account"),
        ("arn:aws:sagemaker:eu-west-1:123456789012:workteam/public-crowd/default", "is not the public workforce"),
        ("arn:aws:sagemaker:eu-west-1:123456789012:workteam/odd/t", "must name workteam/private-crowd"),
    ],
)
def test_workteam_shape(gt_env, team, fragment):
    request = gt_env.labeling_request()
    request["HumanTaskConfig"]["WorkteamArn"] = team
    _assert_validation(gt_env, request, fragment)


def test_label_attribute_must_not_end_with_metadata(gt_env):
    _assert_validation(gt_env, gt_env.labeling_request(LabelAttributeName="boxes-metadata"), "must not end with '-metadata'")


def test_numbers_are_checked_against_model_ranges_without_client_validation(gt_env):
    request = gt_env.labeling_request()
    request["HumanTaskConfig"]["NumberOfHumanWorkersPerDataObject"] = 10
    request["HumanTaskConfig"]["PublicWorkforceTaskPrice"] = {"AmountInUsd": {"Dollars": 3}}
    with pytest.raises(ClientError) as caught:
        _unvalidated_client().create_labeling_job(**request)
    message = caught.value.response["Error"]["Message"]
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "2 validation errors detected" in message
    assert "humanTaskConfig.numberOfHumanWorkersPerDataObject" in message
    assert "humanTaskConfig.publicWorkforceTaskPrice.amountInUsd.dollars" in message


def test_missing_required_member_without_client_validation(gt_env):
    request = gt_env.labeling_request(RoleArn=None)
    with pytest.raises(ClientError) as caught:
        _unvalidated_client().create_labeling_job(**request)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "RoleArn" in caught.value.response["Error"]["Message"]


def test_streaming_jobs_are_refused(gt_env):
    request = gt_env.labeling_request()
    request["InputConfig"] = {"DataSource": {"SnsDataSource": {"SnsTopicArn": "arn:aws:sns:eu-west-1:123456789012:t"}}}
    _assert_validation(gt_env, request, "S3DataSource")


def test_output_bucket_must_exist(gt_env):
    request = gt_env.labeling_request(OutputConfig={"S3OutputPath": "s3://missing-out-bucket/x/"})
    _assert_validation(gt_env, request, "S3OutputPath", "missing-out-bucket")


def test_region_without_ground_truth(gt_env):
    import boto3

    sm = boto3.client("sagemaker", region_name="eu-north-1")
    request = gt_env.labeling_request()
    with pytest.raises(ClientError) as caught:
        sm.create_labeling_job(**request)
    assert "not available in region eu-north-1" in caught.value.response["Error"]["Message"]


def _labeled_manifest(env, attribute="scratch-boxes"):
    env.sm.create_labeling_job(**env.labeling_request(name="source-job"))
    return env.finish("source-job")["LabelingJobOutput"]["OutputDatasetS3Uri"]


def test_verification_attribute_must_differ_from_the_verified_one(gt_env):
    manifest = _labeled_manifest(gt_env)
    request = gt_env.verification_request(manifest, LabelAttributeName="scratch-boxes")
    _assert_validation(gt_env, request, "is the label attribute being verified")


def test_verification_needs_labels_in_its_manifest(gt_env):
    manifest = gt_env.put_manifest("work/plain.manifest", [{"source-ref": f"s3://{BUCKET}/{gt_env.image_keys[0]}"}])
    _assert_validation(gt_env, gt_env.verification_request(manifest), "no labels to verify")


def test_verification_with_two_label_attributes_needs_audit_attribute(gt_env):
    line = {"source-ref": "s3://x/y.png", "a": {}, "a-metadata": {"type": "groundtruth/object-detection"},
            "b": {}, "b-metadata": {"type": "groundtruth/object-detection"}}
    manifest = gt_env.put_manifest("work/two.manifest", [line])
    _assert_validation(gt_env, gt_env.verification_request(manifest), "auditLabelAttributeName")
    categories = gt_env.put("work/audit-categories.json", json.dumps(
        {"document-version": "2018-11-28", "auditLabelAttributeName": "a", "labels": [{"label": "ok"}, {"label": "bad"}]}))
    gt_env.sm.create_labeling_job(**gt_env.verification_request(manifest, LabelCategoryConfigS3Uri=categories))
    _assert_validation(
        gt_env,
        gt_env.verification_request(manifest, name="vfy-2", LabelCategoryConfigS3Uri=categories, LabelAttributeName="a"),
        "is the label attribute being verified",
    )


def test_builtin_account_table_matches_botocore_documentation():
    model = botocore.session.get_session().get_service_model("sagemaker")
    doc = model.shape_for("HumanTaskConfig").members["PreHumanTaskLambdaArn"].documentation
    documented = dict(re.findall(r"arn:aws:lambda:([a-z0-9-]+):(\d{12}):function:PRE-VerificationBoundingBox", doc))
    assert documented == BUILTIN_LAMBDA_ACCOUNTS


def test_verification_categories_must_keep_the_original_labels(gt_env):
    # sms-data-verify-start-api: the category file "must contain the same labels used in the
    # original labeling job. You can add new labels."
    manifest = _labeled_manifest(gt_env)
    lines = gt_env.read_lines(manifest)
    used = {v for line in lines for v in line.get("scratch-boxes-metadata", {}).get("class-map", {}).values()}
    assert used == {"scratch"}
    only_choices = gt_env.put("work/choices-only.json", json.dumps(
        {"document-version": "2018-11-28", "labels": [{"label": "ok"}, {"label": "bad"}]}))
    _assert_validation(gt_env, gt_env.verification_request(manifest, LabelCategoryConfigS3Uri=only_choices),
                       "must contain the labels used in the original labeling job; missing ['scratch']")
    with_originals = gt_env.put("work/choices-and-labels.json", json.dumps(
        {"document-version": "2018-11-28", "labels": [{"label": "ok"}, {"label": "bad"}, {"label": "scratch"}]}))
    gt_env.sm.create_labeling_job(**gt_env.verification_request(manifest, LabelCategoryConfigS3Uri=with_originals))
