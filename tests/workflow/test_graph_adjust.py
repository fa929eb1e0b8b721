"""on_reject adjust: the adjustment job's request, and the graph running it beside the labeling job."""
from __future__ import annotations

import botocore.session
import pytest
from botocore.validate import validate_parameters

from workflow import artifacts, job_requests
from workflow.config import replace
from workflow.graph import NAME_JOBS, render_definition
from workflow.mermaid import to_mermaid
from workflow.resources import ResourceArns

OPERATION = botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateLabelingJob")


@pytest.fixture(scope="module")
def adjust(cfg):
    return replace(cfg, verification=replace(cfg.verification, on_reject="adjust"))


def test_the_adjustment_request_is_the_documented_one_and_passes_botocore(adjust):
    arns = ResourceArns.placeholder(adjust)
    request = job_requests.example_request(job_requests.adjustment_request(adjust, arns),
                                           job_requests.example_values(adjust, arns))
    validate_parameters(request, OPERATION.input_shape)
    human = request["HumanTaskConfig"]
    assert human["PreHumanTaskLambdaArn"] == "arn:aws:lambda:eu-west-1:568282634449:function:PRE-AdjustmentBoundingBox"
    assert human["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"].endswith(
        ":function:ACS-AdjustmentBoundingBox")
    # sms-data-verify-start-api: another LabelAttributeName, the original job's labels.
    assert request["LabelAttributeName"] == "scratch-boxes-adjusted"
    assert request["LabelCategoryConfigS3Uri"].endswith("/assets/labeling-categories.json")
    assert human["UiConfig"]["UiTemplateS3Uri"].endswith("/assets/adjustment.liquid.html")
    assert request["LabelingJobName"].endswith("-adj")
    assert request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"].endswith("/adjustment-input.manifest")
    assert request["OutputConfig"]["S3OutputPath"].endswith("/labeling/")


def test_the_adjustment_template_shows_the_previous_boxes_as_initial_value(adjust):
    text = artifacts.render_assets(adjust)["adjustment.liquid.html"].body.decode()
    assert job_requests.ADJUSTED_ATTRIBUTE_MARKER not in text
    assert 'task.input.manifestLine["scratch-boxes"]' in text
    assert 'name="boundingBox"' in text and "initial-value=" in text


def test_relabel_keeps_one_labeling_job(cfg):
    definition = render_definition(cfg, ResourceArns.placeholder(cfg))
    assert NAME_JOBS not in definition["States"]
    first = definition["States"]["Anything to label?"]["Default"]  # may skip to carried labels (steps.carried_labels)
    assert definition["States"][first]["Default"] == "Start labeling job"


def test_adjust_runs_the_two_jobs_in_parallel_and_skips_one_with_nothing_to_do(adjust):
    definition = render_definition(adjust, ResourceArns.placeholder(adjust))
    states = definition["States"]
    assert states["Anything to label?"]["Default"] == NAME_JOBS
    jobs = states[NAME_JOBS]
    assert jobs["Type"] == "Parallel" and jobs["ResultPath"] == "$.jobs"
    assert jobs["ResultSelector"] == {"labeling.$": "$[0]", "adjustment.$": "$[1]"}
    gather = states[jobs["Next"]]
    assert gather["Parameters"] == {"check.$": "$.check", "labeling_output.$": "$.jobs.labeling",
                                    "adjustment_output.$": "$.jobs.adjustment"}
    assert gather["ResultPath"] == "$" and gather["Next"] == "Filter labeled objects"
    for branch, title, manifest in zip(jobs["Branches"], ("Labeling", "Adjustment"),
                                       ("$.check.manifest_uri", "$.check.adjustment_manifest_uri"), strict=True):
        choice = branch["States"][branch["StartAt"]]
        assert choice["Choices"] == [{"Variable": manifest, "IsNull": True, "Next": f"{title}: nothing to do"}]
        assert choice["Default"] == f"Start {title.lower()} job"
        skip = branch["States"][f"{title}: nothing to do"]
        assert skip["Result"] == {"manifest_uri": None}
        assert branch["States"][f"{title}: done"]["OutputPath"] == f"$.{title.lower()}_output"
        # Beside another job, a job that labeled nothing does not fail the run.
        assert f"{title}: nothing labeled" not in branch["States"]
    checks = [state["ResultSelector"]["check"] for state in states.values() if "check" in state.get("ResultSelector", {})]
    assert checks and all(check["adjustment_manifest_uri.$"] == "$.Payload.adjustment_manifest_uri" for check in checks)
    payload = states["Filter labeled objects"]["Parameters"]["Payload"]
    assert payload["adjustment_manifest_uri.$"] == "$.adjustment_output.manifest_uri"
    assert payload["settings"]["adjustment_attribute"] == "scratch-boxes-adjusted"


def test_the_mermaid_graph_draws_both_branches(adjust):
    text = to_mermaid(render_definition(adjust, ResourceArns.placeholder(adjust)))
    assert '"Start adjustment job"' in text and '"Start labeling job"' in text
    assert text.count('-->|"in parallel"|') == 2


def test_the_dry_run_writes_the_adjustment_request_only_with_adjust(cfg, adjust):
    assert "job_requests/adjustment.json" not in artifacts.render_files(cfg, ResourceArns.placeholder(cfg))
    assert "job_requests/adjustment.json" in artifacts.render_files(adjust, ResourceArns.placeholder(adjust))


def test_statelint_accepts_the_adjust_definition(adjust):
    import json

    from statelint.config import Config
    from statelint.linter import Linter

    assert Linter.validate(json.dumps(render_definition(adjust, ResourceArns.placeholder(adjust))), Config()) == []
