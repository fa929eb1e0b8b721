"""The write-unwritten function (steps.unwritten_output) runs as the update function's role, and needs each
permission that role got for it: ListExecutions on the state machine, listing earlier runs' outputs and
markers, HeadObject of raw images (the ETag of an UNLABELABLE record whose line has no source-etag)."""
from __future__ import annotations

import json

import pytest
from helpers_wait import execution_end
from test_sandbox_iam_lambdas import _invoke, _without

from reliability.pipeline import SandboxPipeline
from sandbox import Sandbox
from steps import layout, naming, unwritten_output
from workflow.graph import write_unwritten_settings

NOT_IMAGE = "ClientError: The data object is not a supported image: the object is empty (0 bytes), not an image."


@pytest.fixture()
def pipeline():
    with Sandbox(region="eu-west-1") as box:
        deployed = SandboxPipeline(box)
        deployed.upload_samples(2)
        yield deployed


def _failed_run(pipeline: SandboxPipeline) -> str:
    """An execution that failed (invalid input) and left outputs in S3 as if its update had failed; its run id."""
    sfn = pipeline.sfn
    arn = sfn.start_execution(stateMachineArn=pipeline.deploy.state_machine_arn, name="failed-1",
                              input=json.dumps({"max_images": "x"}))["executionArn"]
    described = execution_end(sfn, arn)
    assert described["status"] == "FAILED"
    run = unwritten_output.run_ids(pipeline.cfg.pipeline.job_name_prefix, described)[0]
    work, raw = pipeline.cfg.storage.work_prefix, pipeline.cfg.storage.raw_prefix
    labeling_job, verification_job = naming.job_names(run)
    empty = pipeline.put(raw + "empty.png", b"")
    line = {"source-ref": empty, f"{pipeline.cfg.labeling.label_attribute}-metadata": {
        "failure-reason": NOT_IMAGE, "creation-date": "2026-11-29T10:00:00.000000", "job-name": f"labeling-job/{labeling_job}"}}
    pipeline.put(layout.output_manifest_key(layout.labeling_output_prefix(work, run), labeling_job),
                 (json.dumps(line) + "\n").encode())  # no source-etag: an older manifest, so HeadObject
    pipeline.put(layout.output_manifest_key(layout.verification_output_prefix(work, run), verification_job), b"\n")
    return run


def _write_unwritten(pipeline: SandboxPipeline) -> tuple[str | None, dict]:
    arns = pipeline.deploy.arns
    execution = {"id": f"arn:aws:states:{arns.region}:{arns.account_id}:execution:{pipeline.cfg.pipeline.name}:now",
                 "name": "now", "start_time": "2026-11-30T00:00:00.000Z"}
    event = {"action": "write_unwritten", "execution": execution, "settings": write_unwritten_settings(pipeline.cfg)}
    return _invoke(pipeline, arns.unwritten_lambda, event)


def test_the_write_unwritten_function_runs_with_the_update_role(pipeline):
    run = _failed_run(pipeline)
    error, payload = _write_unwritten(pipeline)
    assert error is None, payload
    assert payload["runs_written"] == [run] and payload["unlabelable"] == 1


@pytest.mark.parametrize("sid, denied", [
    ("ListEndedExecutions", "states:ListExecutions"),
    ("ListUpdateProgress", "s3:ListBucket"),
])
def test_each_permission_it_needs_is_needed(pipeline, sid, denied):
    _failed_run(pipeline)
    _without(pipeline, pipeline.deploy.arns.update_lambda_role, sid)
    error, payload = _write_unwritten(pipeline)
    assert error == "Unhandled", payload
    assert denied in payload["errorMessage"], payload["errorMessage"]


def test_without_head_object_no_unlabelable_record_is_guessed(pipeline):
    _failed_run(pipeline)
    _without(pipeline, pipeline.deploy.arns.update_lambda_role, "ReadRawImageEtags")
    error, payload = _write_unwritten(pipeline)
    assert error is None, payload
    assert payload["unlabelable"] == 0  # no ETag, no record: the object is sent again (safe), never hidden
