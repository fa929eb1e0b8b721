"""Ground Truth's Liquid renderer (filters, escaping) and SageMaker RenderUiTemplate in the sandbox."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from gt_helpers import BUCKET, CHOICES

from sandbox.ground_truth import render
from sandbox.ground_truth.crowd_form import attribute_value, crowd_elements
from workflow import job_requests
from workflow.config import load_config, replace

REPO = Path(__file__).resolve().parents[2]


def test_filters_and_autoescape_as_the_documentation_shows_them():
    # sms-custom-templates-step2-automate, "Example of the filters" (input and output).
    text = "Have you read 'James & the Giant Peach'?"
    task = {"text": text, "escaped": "Have you read 'James &amp; the Giant Peach'?"}
    out = render.render(
        "auto-escape: {{ task.input.text }}\n"
        "explicit escape: {{ task.input.text | escape }}\n"
        "explicit escape_once: {{ task.input.escaped | escape_once }}\n"
        "skip_autoescape: {{ task.input.text | skip_autoescape }}\n"
        'grant_read_access: {{ "s3://mybucket/myphoto.png" | grant_read_access }}',
        task,
    ).splitlines()
    expected = "Have you read &#39;James &amp; the Giant Peach&#39;?"
    assert out[0] == f"auto-escape: {expected}"
    assert out[1] == f"explicit escape: {expected}"
    assert out[2] == f"explicit escape_once: {expected}"
    assert out[3] == f"skip_autoescape: {text}"
    assert out[4].startswith("grant_read_access: https://s3.amazonaws.com/mybucket/myphoto.png?")


def test_to_json_in_an_attribute_survives_html_parsing():
    html = render.render('<x-el labels="{{ task.input.labels | to_json | escape }}" v="{{ task.input.labels | to_json }}">',
                         {"labels": ["it's", 'a "b"', "c&d"]})
    assert html.count('"') == 4  # only the attribute delimiters
    (element,) = list(_elements(html))
    assert json.loads(element["labels"]) == json.loads(element["v"]) == ["it's", 'a "b"', "c&d"]


def _elements(html):
    from html.parser import HTMLParser

    found = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append(dict(attrs))

    Parser().feed(html)
    return found


@pytest.mark.parametrize(
    ("source", "code", "fault"),
    [
        ("{% if task.input.x %}open", render.SYNTAX_ERROR, True),
        ("{{ task.input.x | skip_encoding }}", render.UNKNOWN_FILTER, True),  # undocumented filter
        ("{{ task.input.x | grant_read_access }}", render.INVALID_PARAMETERS, False),  # x is not an S3 URI
    ],
)
def test_what_does_not_render(source, code, fault):
    with pytest.raises(render.TemplateError) as caught:
        render.render(source, {"x": "not-a-uri"})
    assert caught.value.code == code
    assert caught.value.template_fault is fault
    assert "\n" not in caught.value.message


def test_javascript_literal_attributes_as_aws_examples_write_them():
    # sms-ui-template-crowd-image-classifier's bounding-box overlay example (bare keys, trailing comma).
    overlay = """{ "boundingBox": { labels: ["bird", "cat"], value: [ { height: 284, label: "bird", left: 230,
                   top: 974, width: 223 }, ] }, }"""
    assert attribute_value(overlay)["boundingBox"]["value"][0]["left"] == 230
    assert attribute_value("['Cat', 'Dog']") == ["Cat", "Dog"]


def _shipped_templates():
    cfg = load_config(REPO / "config.yaml")
    return cfg, job_requests.template_text(cfg, "labeling"), job_requests.template_text(cfg, "verification")


def test_render_ui_template_renders_the_shipped_labeling_template(gt_env):
    cfg, labeling, _ = _shipped_templates()
    response = gt_env.sm.render_ui_template(
        UiTemplate={"Content": labeling}, RoleArn=gt_env.role_arn,
        Task={"Input": json.dumps({"taskObject": f"s3://{BUCKET}/raw/a.png", "labels": list(cfg.labels.categories)})},
    )
    assert response["Errors"] == []
    (element,) = crowd_elements(response["RenderedContent"])
    assert (element.tag, element.name) == ("crowd-bounding-box", "boundingBox")
    assert element.attrs["src"].startswith(f"https://s3.amazonaws.com/{BUCKET}/raw/a.png?")
    assert json.loads(element.attrs["labels"]) == list(cfg.labels.categories)


def test_render_ui_template_renders_the_shipped_verification_template(gt_env):
    cfg, _, verification = _shipped_templates()
    attribute = cfg.labeling.label_attribute
    line = {
        "source-ref": f"s3://{BUCKET}/raw/a.png",
        attribute: {"image_size": [{"width": 64, "height": 48, "depth": 3}],
                    "annotations": [{"class_id": 0, "left": 1, "top": 2, "width": 30, "height": 4}]},
        f"{attribute}-metadata": {"class-map": {"0": "scratch"}, "type": "groundtruth/object-detection"},
    }
    labels = [entry["label"] for entry in job_requests.verification_categories(cfg)["labels"]]
    response = gt_env.sm.render_ui_template(
        UiTemplate={"Content": verification}, RoleArn=gt_env.role_arn,
        Task={"Input": json.dumps({"taskObject": line["source-ref"], "labels": labels, "manifestLine": line})},
    )
    assert response["Errors"] == []
    (element,) = crowd_elements(response["RenderedContent"])
    assert element.tag == "crowd-image-classifier"
    assert attribute_value(element.attrs["categories"]) == list(cfg.verification.choices)
    overlay = attribute_value(element.attrs["overlay"])["boundingBox"]
    assert overlay["value"] == [{"label": "scratch", "left": 1, "top": 2, "width": 30, "height": 4}]
    assert "worker-comment" in element.nested


def test_render_ui_template_reports_rendering_errors(gt_env):
    response = gt_env.sm.render_ui_template(
        UiTemplate={"Content": "<crowd-form>{% for x in task.input.labels %}</crowd-form>"},
        RoleArn=gt_env.role_arn, Task={"Input": "{}"},
    )
    assert response["RenderedContent"] == ""
    (error,) = response["Errors"]
    assert error["Code"] == render.SYNTAX_ERROR and error["Message"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"Task": {"Input": "{not json"}}, "Task.Input is not valid JSON"),
        ({"Task": {"Input": "[1, 2]"}}, "must be a JSON object"),
        ({"RoleArn": "arn:aws:iam::123456789012:role/missing"}, "does not exist"),
    ],
)
def test_render_ui_template_request_errors(gt_env, overrides, message):
    request = {"UiTemplate": {"Content": "<p>{{ task.input.x }}</p>"}, "RoleArn": gt_env.role_arn,
               "Task": {"Input": "{}"}, **overrides}
    with pytest.raises(ClientError) as caught:
        gt_env.sm.render_ui_template(**request)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert message in caught.value.response["Error"]["Message"]


def test_shipped_verification_template_offers_only_the_choices(gt_env):
    """The category file also lists the labeling job's categories (sms-data-verify-start-api);
    the page must not offer them as answers."""
    cfg, _, verification = _shipped_templates()
    cfg = replace(cfg, verification=replace(cfg.verification, choices=tuple(CHOICES[:2])))
    labels = [entry["label"] for entry in job_requests.verification_categories(cfg)["labels"]]
    assert labels[len(CHOICES):] == list(cfg.labels.categories)
    html = render.render(verification, {"taskObject": f"s3://{BUCKET}/a.png", "labels": labels, "manifestLine": {}})
    (element,) = crowd_elements(html)
    assert attribute_value(element.attrs["categories"]) == CHOICES[:2]
    assert attribute_value(element.attrs["overlay"])["boundingBox"]["value"] == []
