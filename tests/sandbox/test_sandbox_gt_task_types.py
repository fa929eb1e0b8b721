"""The sandbox's Ground Truth for semantic segmentation and (multi-label) image classification.

Each job renders the shipped worker template (as deployed: workflow.job_requests.template_text),
its simulated worker answers through the rendered crowd element, and the built-in consolidation's
stand-in writes the output in the documented format (sms-data-output).
"""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from gt_helpers import BUCKET, lambda_arn, use_workforce
from PIL import Image
from task_type_configs import load_for

from sandbox.ground_truth import masks
from workflow import job_requests

CATEGORIES = ["scratch", "dent"]
CHOICES = ["Mask is correct", "A defect is missing or painted wrong"]


@pytest.fixture(scope="module")
def configs(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("configs")
    return {t: load_for(folder, t, labels__categories=CATEGORIES, verification__choices=CHOICES)
            for t in ("semantic_segmentation", "image_classification", "multilabel_image_classification")}


@pytest.fixture
def env(gt_env, configs) -> Iterator:
    """The module's images, with the shipped templates and category files of every task type uploaded."""
    for task_type, cfg in configs.items():
        gt_env.put(f"work/{task_type}/labeling.liquid.html", job_requests.template_text(cfg, "labeling"))
        gt_env.put(f"work/{task_type}/labeling-categories.json", json.dumps(job_requests.labeling_categories(cfg)))
        if task_type == "semantic_segmentation":
            gt_env.put(f"work/{task_type}/verification.liquid.html", job_requests.template_text(cfg, "verification"))
            gt_env.put(f"work/{task_type}/verification-categories.json",
                       json.dumps(job_requests.verification_categories(cfg)))
    yield gt_env


BUILTIN = {"semantic_segmentation": "SemanticSegmentation", "image_classification": "ImageMultiClass",
           "multilabel_image_classification": "ImageMultiClassMultiLabel"}


def _request(env, task_type: str, attribute: str, name: str, manifest: str | None = None, workers: int = 1,
             template: str | None = None) -> dict:
    request = env.labeling_request(name=name, manifest=manifest)
    request["LabelAttributeName"] = attribute
    request["LabelCategoryConfigS3Uri"] = f"s3://{BUCKET}/work/{task_type}/labeling-categories.json"
    human = request["HumanTaskConfig"]
    human["UiConfig"] = {"UiTemplateS3Uri": template or f"s3://{BUCKET}/work/{task_type}/labeling.liquid.html"}
    human["PreHumanTaskLambdaArn"] = lambda_arn("PRE", BUILTIN[task_type])
    human["AnnotationConsolidationConfig"] = {"AnnotationConsolidationLambdaArn": lambda_arn("ACS", BUILTIN[task_type])}
    human["NumberOfHumanWorkersPerDataObject"] = workers
    return request


def _run(env, request) -> list[dict]:
    env.sm.create_labeling_job(**request)
    described = env.finish(request["LabelingJobName"])
    assert described["LabelingJobStatus"] == "Completed", described.get("FailureReason")
    return env.read_lines(described["LabelingJobOutput"]["OutputDatasetS3Uri"])


def _read(env, uri: str) -> bytes:
    return env.s3.get_object(Bucket=BUCKET, Key=uri[len(f"s3://{BUCKET}/"):])["Body"].read()


def _segment(env, name: str = "seg-run-1-lbl", manifest: str | None = None) -> list[dict]:
    return _run(env, _request(env, "semantic_segmentation", "scratch-boxes-ref", name, manifest))


def test_semantic_segmentation_writes_a_png_mask_and_its_internal_color_map(env):
    lines = _segment(env)
    assert len(lines) == len(env.image_keys)
    painted = 0
    for line in lines:
        meta = line["scratch-boxes-ref-metadata"]
        assert meta["type"] == "groundtruth/semantic-segmentation" and meta["human-annotated"] == "yes"
        assert meta["job-name"] == "labeling-job/seg-run-1-lbl"
        color_map = meta["internal-color-map"]
        assert color_map["0"] == {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.0}
        assert [color_map[str(i + 1)]["class-name"] for i in range(2)] == CATEGORIES
        assert all(entry["confidence"] == 0.0 for entry in color_map.values())  # one worker: 0.00 (sms-data-output)
        mask = _read(env, line["scratch-boxes-ref"])
        assert line["scratch-boxes-ref"].startswith(f"s3://{BUCKET}/work/labeling/seg-run-1-lbl/annotations/")
        (width, height), colours = masks.colours(mask)
        source = Image.open(__import__("io").BytesIO(_read(env, line["source-ref"])))
        assert (width, height) == source.size
        assert colours <= {entry["hex-color"] for entry in color_map.values()}
        painted += len(colours) > 1
    assert painted  # some images have a defect painted, others are all background


def test_semantic_segmentation_needs_a_ref_attribute_and_others_refuse_one(env):
    with pytest.raises(env.sm.exceptions.ClientError, match="must end with '-ref'"):
        env.sm.create_labeling_job(**_request(env, "semantic_segmentation", "defects", "seg-no-ref"))
    with pytest.raises(env.sm.exceptions.ClientError, match="must not end with '-ref'"):
        env.sm.create_labeling_job(**_request(env, "image_classification", "verdict-ref", "cls-ref"))
    with pytest.raises(env.sm.exceptions.ClientError, match="must not end with '-ref'"):
        env.sm.create_labeling_job(**env.labeling_request(name="box-ref", LabelAttributeName="boxes-ref"))


def test_segmentation_element_under_another_name_labels_nothing(env):
    text = _read(env, f"s3://{BUCKET}/work/semantic_segmentation/labeling.liquid.html").decode()
    renamed = env.put("work/renamed-seg.liquid.html",
                      text.replace('name="crowd-semantic-segmentation"', 'name="annotatedResult"'))
    lines = _run(env, _request(env, "semantic_segmentation", "scratch-boxes-ref", "seg-renamed", template=renamed))
    for line in lines:
        assert "scratch-boxes-ref" not in line
        assert "under 'crowd-semantic-segmentation'" in line["scratch-boxes-ref-metadata"]["failure-reason"]


def test_masks_are_verified_through_the_documented_overlay(env):
    use_workforce(env, seed=3, approval_rate=1.0)
    lines = _segment(env, "seg-run-2-lbl")
    manifest = env.put_manifest("work/seg-verify-input.manifest", lines)
    request = env.verification_request(manifest, name="seg-run-2-vfy")
    request["LabelCategoryConfigS3Uri"] = f"s3://{BUCKET}/work/semantic_segmentation/verification-categories.json"
    human = request["HumanTaskConfig"]
    human["UiConfig"] = {"UiTemplateS3Uri": f"s3://{BUCKET}/work/semantic_segmentation/verification.liquid.html"}
    human["PreHumanTaskLambdaArn"] = lambda_arn("PRE", "VerificationSemanticSegmentation")
    human["AnnotationConsolidationConfig"] = {
        "AnnotationConsolidationLambdaArn": lambda_arn("ACS", "VerificationSemanticSegmentation")}
    verified = _run(env, request)
    assert [line["scratch-verdict"] for line in verified] == [0] * len(lines)  # shown mask == label: approved
    assert all(line["scratch-verdict-metadata"]["type"] == "groundtruth/label-verification" for line in verified)
    assert all(line["scratch-boxes-ref"] == original["scratch-boxes-ref"] for line, original in zip(verified, lines, strict=True))


def test_a_verification_page_that_shows_another_mask_gets_rejections(env):
    use_workforce(env, seed=3, approval_rate=1.0)
    lines = _segment(env, "seg-run-3-lbl")
    manifest = env.put_manifest("work/seg-verify-input-3.manifest", lines)
    text = _read(env, f"s3://{BUCKET}/work/semantic_segmentation/verification.liquid.html").decode()
    wrong = env.put("work/seg-verify-wrong.liquid.html", text.replace(
        'task.input.manifestLine["scratch-boxes-ref"] | grant_read_access', "task.input.taskObject | grant_read_access"))
    request = env.verification_request(manifest, name="seg-run-3-vfy")
    request["LabelCategoryConfigS3Uri"] = f"s3://{BUCKET}/work/semantic_segmentation/verification-categories.json"
    human = request["HumanTaskConfig"]
    human["UiConfig"] = {"UiTemplateS3Uri": wrong}
    human["PreHumanTaskLambdaArn"] = lambda_arn("PRE", "VerificationSemanticSegmentation")
    human["AnnotationConsolidationConfig"] = {
        "AnnotationConsolidationLambdaArn": lambda_arn("ACS", "VerificationSemanticSegmentation")}
    verified = _run(env, request)
    assert all(line["scratch-verdict"] != 0 for line in verified)


def test_a_mask_that_is_gone_cannot_be_verified(env):
    lines = _segment(env, "seg-run-4-lbl")
    env.s3.delete_object(Bucket=BUCKET, Key=lines[0]["scratch-boxes-ref"][len(f"s3://{BUCKET}/"):])
    manifest = env.put_manifest("work/seg-verify-input-4.manifest", lines)
    request = env.verification_request(manifest, name="seg-run-4-vfy")
    request["LabelCategoryConfigS3Uri"] = f"s3://{BUCKET}/work/semantic_segmentation/verification-categories.json"
    human = request["HumanTaskConfig"]
    human["UiConfig"] = {"UiTemplateS3Uri": f"s3://{BUCKET}/work/semantic_segmentation/verification.liquid.html"}
    human["PreHumanTaskLambdaArn"] = lambda_arn("PRE", "VerificationSemanticSegmentation")
    human["AnnotationConsolidationConfig"] = {
        "AnnotationConsolidationLambdaArn": lambda_arn("ACS", "VerificationSemanticSegmentation")}
    verified = _run(env, request)
    assert "mask to verify could not be read" in verified[0]["scratch-verdict-metadata"]["failure-reason"]
    assert all("scratch-verdict" in line for line in verified[1:])


@pytest.mark.parametrize(("workers", "confidence"), [(1, 0.0), (3, None)])
def test_image_classification_output_is_the_class_index_with_its_name(env, workers, confidence):
    lines = _run(env, _request(env, "image_classification", "verdict", f"cls-{workers}", workers=workers))
    answers = [*CATEGORIES, "no defect"]  # the config's categories, then labels.none_category
    for line in lines:
        meta = line["verdict-metadata"]
        assert meta["type"] == "groundtruth/image-classification"
        assert answers[line["verdict"]] == meta["class-name"]
        assert meta["confidence"] == confidence if confidence is not None else 0.5 <= meta["confidence"] < 1.0
    assert len({line["verdict"] for line in lines}) > 1


def test_multilabel_classification_output_has_class_and_confidence_maps(env):
    lines = _run(env, _request(env, "multilabel_image_classification", "defect-types", "multi-1", workers=2))
    sizes = set()
    for line in lines:
        chosen, meta = line["defect-types"], line["defect-types-metadata"]
        assert meta["type"] == "groundtruth/image-classification-multilabel"
        assert set(meta["class-map"]) == set(meta["confidence-map"]) == {str(i) for i in chosen}
        assert all(meta["class-map"][str(i)] == CATEGORIES[i] for i in chosen)
        sizes.add(len(chosen))
    assert len(sizes) > 1  # some parts with one or two defect types, or none


@pytest.mark.parametrize("task_type", ["bounding_box", "semantic_segmentation", "image_classification",
                                       "multilabel_image_classification"])
def test_input_keys_other_than_the_label_pass_through_unchanged(env, task_type):
    # sms-data-output: "Any key-value pair in the input manifest file other than the label attribute is
    # unchanged in the output file" (the pipeline's source-etag travels that way).
    extra = {"source-etag": "0123abcd", "line": {"nested": [1, 2]}}
    manifest = env.put_manifest(f"work/{task_type}-extra.manifest",
                                [{"source-ref": f"s3://{BUCKET}/{key}", **extra} for key in env.image_keys])
    attribute = "scratch-boxes-ref" if task_type == "semantic_segmentation" else "defects"
    name = f"extra-{task_type.replace('_', '-')}"
    request = (env.labeling_request(name=name, manifest=manifest) if task_type == "bounding_box" else
               _request(env, task_type, attribute, name, manifest))
    lines = _run(env, request)
    for line in lines:
        assert {key: line[key] for key in extra} == extra
