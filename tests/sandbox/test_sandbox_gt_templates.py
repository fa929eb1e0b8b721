"""Labeling jobs render their worker template and are worked through the rendered page.

Each test fails on a sandbox that ignores the template: a wrongly named crowd element,
a template that does not render, a verification page that shows no boxes, an image bucket
without the CORS rule.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from gt_helpers import (
    BUCKET,
    CHOICES,
    DOCUMENTED_CORS_RULE,
    LABELING_TEMPLATE,
    REGION,
    VERIFICATION_TEMPLATE,
    use_workforce,
)

# The verification template this project shipped before it followed the documented UI: a
# crowd-classifier whose boxes come from a crowd-bounding-box initial-value holding the whole line.
OLD_VERIFICATION_TEMPLATE = """<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <crowd-classifier name="verification" categories="[&quot;Boxes are correct&quot;, &quot;A scratch is missing or a box is wrong&quot;]"
    header="Do the boxes mark every scratch?">
    <classification-target>
      <crowd-bounding-box name="existingBoxes" src="{{ task.input.taskObject | grant_read_access }}"
        header="Boxes to check" labels="{{ task.input.classMap | to_json | escape }}"
        initial-value="{{ task.input.manifestLine | to_json | escape }}"></crowd-bounding-box>
    </classification-target>
    <short-instructions>Check the boxes.</short-instructions>
  </crowd-classifier>
  <crowd-text-area name="comment" label="What is missing or wrong? (optional)" max-rows="3"></crowd-text-area>
</crowd-form>
"""


@pytest.fixture
def template(gt_env):
    """Upload a worker template for one test; the module's templates are put back afterwards."""
    uploaded: list[str] = []

    def put(kind: str, text: str) -> None:
        gt_env.put(f"work/{kind}.liquid.html", text)
        uploaded.append(kind)

    yield put
    for kind in uploaded:
        gt_env.put(f"work/{kind}.liquid.html", LABELING_TEMPLATE if kind == "labeling" else VERIFICATION_TEMPLATE)


def _run(env, request):
    env.sm.create_labeling_job(**request)
    described = env.finish(request["LabelingJobName"])
    lines = env.read_lines(described["LabelingJobOutput"]["OutputDatasetS3Uri"]) if "LabelingJobOutput" in described else []
    return described, lines


def _labeled_manifest(env, name, **profile):
    use_workforce(env, **profile)
    described, _ = _run(env, env.labeling_request(name=name))
    assert described["LabelingJobStatus"] == "Completed"
    return described["LabelingJobOutput"]["OutputDatasetS3Uri"]


def test_documented_template_labels_every_image(gt_env):
    use_workforce(gt_env, boxes_per_image=(1, 3))
    described, lines = _run(gt_env, gt_env.labeling_request(name="documented-names"))
    assert described["LabelCounters"]["TotalLabeled"] == len(gt_env.image_keys)
    assert all(line["scratch-boxes"]["annotations"] for line in lines)


def test_crowd_bounding_box_not_named_boundingBox_labels_nothing(gt_env, template):
    # sms-bounding-box: the built-in consolidation reads the worker answer under "boundingBox".
    template("labeling", LABELING_TEMPLATE.replace('name="boundingBox"', 'name="annotatedResult"'))
    described, lines = _run(gt_env, gt_env.labeling_request(name="renamed-element"))
    assert described["LabelingJobStatus"] == "Completed"
    assert described["LabelCounters"]["TotalLabeled"] == 0
    assert described["LabelCounters"]["FailedNonRetryableError"] == len(gt_env.image_keys)
    for line in lines:
        assert "scratch-boxes" not in line
        reason = line["scratch-boxes-metadata"]["failure-reason"]
        assert "'boundingBox'" in reason and "annotatedResult" in reason


def test_image_not_passed_through_grant_read_access_cannot_be_shown(gt_env, template):
    template("labeling", LABELING_TEMPLATE.replace("{{ task.input.taskObject | grant_read_access }}",
                                                   "{{ task.input.taskObject }}"))
    described, lines = _run(gt_env, gt_env.labeling_request(name="raw-s3-src"))
    assert described["LabelCounters"]["FailedNonRetryableError"] == len(gt_env.image_keys)
    assert all("grant_read_access" in line["scratch-boxes-metadata"]["failure-reason"] for line in lines)


@pytest.mark.parametrize(
    ("broken", "code"),
    [
        ("{% for label in task.input.labels %}{{ label }}", "TemplateSyntaxError"),  # no endfor
        ("{{ task.input.labels | to_json | skip_encoding }}", "UnknownFilter"),  # not a Ground Truth filter
    ],
)
def test_template_that_does_not_render_fails_the_job(gt_env, template, broken, code):
    template("labeling", LABELING_TEMPLATE.replace("<crowd-form>", f"<crowd-form>\n{broken}"))
    name = f"broken-{code.lower()}"
    gt_env.sm.create_labeling_job(**gt_env.labeling_request(name=name))  # accepted: rendering happens per task
    described = gt_env.finish(name)
    assert described["LabelingJobStatus"] == "Failed"
    assert "cannot be rendered" in described["FailureReason"] and code in described["FailureReason"]
    assert "\n" not in described["FailureReason"]
    assert described["LabelCounters"]["TotalLabeled"] == 0
    assert "LabelingJobOutput" not in described


def test_render_failure_of_one_object_fails_that_object(gt_env, template):
    # grant_read_access refuses a value that is not an S3 URI: that task does not render.
    template("labeling", LABELING_TEMPLATE.replace("<crowd-form>", "<crowd-form>{{ task.input.taskObject | "
                                                   "remove: 's3://' | grant_read_access }}"))
    described, lines = _run(gt_env, gt_env.labeling_request(name="bad-filter-input"))
    assert described["LabelingJobStatus"] == "Completed"
    assert described["LabelCounters"]["FailedNonRetryableError"] == len(gt_env.image_keys)
    assert all("InvalidParameters" in line["scratch-boxes-metadata"]["failure-reason"] for line in lines)


def test_verifiers_reject_boxes_the_page_does_not_show(gt_env, template):
    manifest = _labeled_manifest(gt_env, "boxes-to-verify", boxes_per_image=(1, 3))
    template("verification", OLD_VERIFICATION_TEMPLATE)
    use_workforce(gt_env, approval_rate=1.0)  # would approve everything they can see
    described, lines = _run(gt_env, gt_env.verification_request(manifest, name="verify-old-template"))
    assert described["LabelCounters"]["TotalLabeled"] == len(lines) == len(gt_env.image_keys)
    assert {line["scratch-verdict"] for line in lines} == {1}
    assert {line["scratch-verdict-metadata"]["class-name"] for line in lines} == {CHOICES[1]}


def test_verifiers_judge_the_documented_overlay(gt_env):
    manifest = _labeled_manifest(gt_env, "boxes-shown", boxes_per_image=(1, 3))
    use_workforce(gt_env, approval_rate=1.0)
    _, approved = _run(gt_env, gt_env.verification_request(manifest, name="verify-documented"))
    assert {line["scratch-verdict"] for line in approved} == {0}
    use_workforce(gt_env, approval_rate=0.0, feedback_rate=1.0)
    _, rejected = _run(gt_env, gt_env.verification_request(manifest, name="verify-documented-no"))
    assert {line["scratch-verdict"] for line in rejected} == {1}
    # The worker-comment region's comments end up in worker-feedback (sms-data-verify-manifest).
    assert all(line["scratch-verdict-metadata"]["worker-feedback"] for line in rejected)


def test_verification_answers_are_the_choices_the_page_offers(gt_env, template):
    manifest = _labeled_manifest(gt_env, "one-choice-source", boxes_per_image=(0, 0))
    template("verification", VERIFICATION_TEMPLATE.replace("limit: 2", "limit: 1"))
    use_workforce(gt_env, approval_rate=0.0)  # would reject, but the page offers no other answer
    _, lines = _run(gt_env, gt_env.verification_request(manifest, name="verify-one-choice"))
    assert {line["scratch-verdict"] for line in lines} == {0}


def _set_cors(env, rules):
    if rules:
        env.s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": rules})
    else:
        env.s3.delete_bucket_cors(Bucket=BUCKET)


@pytest.mark.parametrize(
    ("case", "rules"),
    [
        ("none", []),  # no CORS configuration
        ("no-get", [{**DOCUMENTED_CORS_RULE, "AllowedMethods": ["PUT"]}]),
        ("other-origin", [{**DOCUMENTED_CORS_RULE, "AllowedOrigins": ["https://example.com"]}]),
    ],
)
def test_images_in_a_bucket_without_the_cors_rule_cannot_be_worked(gt_env, case, rules):
    # sms-cors-update: "labeling tasks for those input data objects will fail".
    _set_cors(gt_env, rules)
    try:
        described, lines = _run(gt_env, gt_env.labeling_request(name=f"cors-{case}"))
    finally:
        _set_cors(gt_env, [DOCUMENTED_CORS_RULE])
    assert described["LabelingJobStatus"] == "Completed"
    assert described["LabelCounters"]["FailedNonRetryableError"] == len(gt_env.image_keys)
    assert all("CORS" in line["scratch-boxes-metadata"]["failure-reason"] for line in lines)


def test_a_cors_rule_for_the_labeling_portal_origin_is_enough(gt_env):
    _set_cors(gt_env, [{"AllowedMethods": ["GET", "HEAD"], "AllowedOrigins": [f"https://*.labeling.{REGION}.sagemaker.aws"]}])
    try:
        described, _ = _run(gt_env, gt_env.labeling_request(name="portal-origin-cors"))
    finally:
        _set_cors(gt_env, [DOCUMENTED_CORS_RULE])
    assert described["LabelCounters"]["TotalLabeled"] == len(gt_env.image_keys)


def test_the_image_bucket_needs_the_rule_not_the_manifest_bucket(gt_env):
    other = "gt-images-elsewhere"
    gt_env.s3.create_bucket(Bucket=other, CreateBucketConfiguration={"LocationConstraint": REGION})
    body = gt_env.s3.get_object(Bucket=BUCKET, Key=gt_env.image_keys[0])["Body"].read()
    gt_env.s3.put_object(Bucket=other, Key="raw/a.png", Body=body)
    manifest = gt_env.put_manifest("work/elsewhere.manifest", [
        {"source-ref": f"s3://{BUCKET}/{gt_env.image_keys[0]}"}, {"source-ref": f"s3://{other}/raw/a.png"}])
    described, lines = _run(gt_env, gt_env.labeling_request(name="two-buckets", manifest=manifest))
    assert described["LabelCounters"]["TotalLabeled"] == 1
    assert "scratch-boxes" in lines[0]
    assert other in lines[1]["scratch-boxes-metadata"]["failure-reason"]


def test_shipped_templates_label_and_verify(gt_env, template):
    """The project's own templates, as the deployer uploads them, work in the sandbox."""
    from workflow import job_requests
    from workflow.config import load_config, replace

    cfg = load_config(Path(__file__).resolve().parents[2] / "config.yaml")
    cfg = replace(cfg, labeling=replace(cfg.labeling, label_attribute="scratch-boxes"))
    template("labeling", job_requests.template_text(cfg, "labeling"))
    template("verification", job_requests.template_text(cfg, "verification"))
    manifest = _labeled_manifest(gt_env, "shipped-labeling", boxes_per_image=(1, 2))
    use_workforce(gt_env, approval_rate=1.0)
    _, lines = _run(gt_env, gt_env.verification_request(manifest, name="shipped-verification"))
    assert {line["scratch-verdict"] for line in lines} == {0}
