"""Labeling job lifecycle on the sandbox clock: status, counters, failure, stop, describe."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from gt_helpers import BUCKET, use_workforce

OUTPUT_KEY = "work/labeling/{name}/manifests/output/output.manifest"


def _describe(env, name):
    return env.sm.describe_labeling_job(LabelingJobName=name)


def _output_exists(env, name) -> bool:
    listed = env.s3.list_objects_v2(Bucket=BUCKET, Prefix=OUTPUT_KEY.format(name=name))
    return listed.get("KeyCount", 0) > 0


def test_status_progresses_with_the_clock(gt_env):
    use_workforce(gt_env, initializing_seconds=300, labeling_seconds=3600)
    request = gt_env.labeling_request(name="timeline")
    gt_env.sm.create_labeling_job(**request)
    total = len(gt_env.image_keys)

    first = _describe(gt_env, "timeline")
    assert first["LabelingJobStatus"] == "Initializing"
    assert first["LabelCounters"] == {"TotalLabeled": 0, "HumanLabeled": 0, "MachineLabeled": 0,
                                      "FailedNonRetryableError": 0, "Unlabeled": total}
    assert "LabelingJobOutput" not in first

    gt_env.sandbox.clock.advance(300 + 1800 + 1)  # half way through the labeling
    middle = _describe(gt_env, "timeline")
    assert middle["LabelingJobStatus"] == "InProgress"
    assert 0 < middle["LabelCounters"]["TotalLabeled"] < total
    assert middle["LastModifiedTime"] > first["LastModifiedTime"]
    assert not _output_exists(gt_env, "timeline")

    gt_env.sandbox.clock.advance(1800)
    done = _describe(gt_env, "timeline")
    assert done["LabelingJobStatus"] == "Completed"
    assert done["LabelCounters"]["TotalLabeled"] == done["LabelCounters"]["HumanLabeled"] == total
    assert done["LabelCounters"]["Unlabeled"] == 0
    assert done["LabelingJobOutput"] == {
        "OutputDatasetS3Uri": f"s3://{BUCKET}/" + OUTPUT_KEY.format(name="timeline")
    }
    assert "FinalActiveLearningModelArn" not in done["LabelingJobOutput"]
    assert _output_exists(gt_env, "timeline")
    assert done["CreationTime"] == first["CreationTime"]
    assert (done["LastModifiedTime"] - done["CreationTime"]).total_seconds() == pytest.approx(3900, abs=1)


def test_describe_echoes_the_request(gt_env):
    request = gt_env.labeling_request(name="echo")
    arn = gt_env.sm.create_labeling_job(**request)["LabelingJobArn"]
    described = _describe(gt_env, "echo")
    for key in ("LabelingJobName", "LabelAttributeName", "InputConfig", "OutputConfig", "RoleArn",
                "LabelCategoryConfigS3Uri", "HumanTaskConfig", "Tags"):
        assert described[key] == request[key], key
    assert described["LabelingJobArn"] == arn
    assert described["JobReferenceCode"]
    assert "FailureReason" not in described


def test_describe_is_case_insensitive_and_unknown_is_not_found(gt_env):
    gt_env.sm.create_labeling_job(**gt_env.labeling_request(name="Mixed-Case"))
    assert _describe(gt_env, "mixed-case")["LabelingJobName"] == "Mixed-Case"
    with pytest.raises(ClientError) as caught:
        _describe(gt_env, "never-created")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFound"


def test_whole_job_failure(gt_env):
    use_workforce(gt_env, fail_labeling_job="Insufficient workers available in the workteam.")
    gt_env.sm.create_labeling_job(**gt_env.labeling_request(name="doomed"))
    failed = gt_env.finish("doomed")
    assert failed["LabelingJobStatus"] == "Failed"
    assert failed["FailureReason"] == "Insufficient workers available in the workteam."
    assert "LabelingJobOutput" not in failed
    assert failed["LabelCounters"]["TotalLabeled"] < len(gt_env.image_keys)  # failed half way
    assert not _output_exists(gt_env, "doomed")


def test_verification_failure_setting_spares_labeling_jobs(gt_env):
    use_workforce(gt_env, fail_verification_job="Verification failed.")
    gt_env.sm.create_labeling_job(**gt_env.labeling_request(name="labels-fine"))
    labeled = gt_env.finish("labels-fine")
    assert labeled["LabelingJobStatus"] == "Completed"
    manifest = labeled["LabelingJobOutput"]["OutputDatasetS3Uri"]
    gt_env.sm.create_labeling_job(**gt_env.verification_request(manifest, name="verify-fails"))
    verified = gt_env.finish("verify-fails")
    assert verified["LabelingJobStatus"] == "Failed"
    assert verified["FailureReason"] == "Verification failed."


def test_stop_goes_through_stopping_to_stopped(gt_env):
    use_workforce(gt_env, initializing_seconds=100, labeling_seconds=1000, stopping_seconds=60)
    gt_env.sm.create_labeling_job(**gt_env.labeling_request(name="halted"))
    gt_env.sandbox.clock.advance(100 + 500 + 1)
    before = _describe(gt_env, "halted")["LabelCounters"]
    gt_env.sm.stop_labeling_job(LabelingJobName="halted")
    assert _describe(gt_env, "halted")["LabelingJobStatus"] == "Stopping"
    gt_env.sm.stop_labeling_job(LabelingJobName="HALTED")  # again while stopping: no error
    gt_env.sandbox.clock.advance(61)
    stopped = _describe(gt_env, "halted")
    assert stopped["LabelingJobStatus"] == "Stopped"
    assert stopped["LabelCounters"] == before  # frozen at the stop
    assert "LabelingJobOutput" not in stopped
    gt_env.sandbox.clock.advance(10_000)
    assert _describe(gt_env, "halted")["LabelingJobStatus"] == "Stopped"
    assert not _output_exists(gt_env, "halted")


def test_stop_while_initializing(gt_env):
    gt_env.sm.create_labeling_job(**gt_env.labeling_request(name="early-stop"))
    gt_env.sm.stop_labeling_job(LabelingJobName="early-stop")
    assert gt_env.finish("early-stop")["LabelingJobStatus"] == "Stopped"


def test_stop_errors(gt_env):
    with pytest.raises(ClientError) as caught:
        gt_env.sm.stop_labeling_job(LabelingJobName="nothing-here")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFound"
    gt_env.sm.create_labeling_job(**gt_env.labeling_request(name="all-done"))
    gt_env.finish("all-done")
    with pytest.raises(ClientError) as caught:
        gt_env.sm.stop_labeling_job(LabelingJobName="all-done")
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "Completed" in caught.value.response["Error"]["Message"]


def test_job_keeps_the_workforce_it_started_with(gt_env):
    use_workforce(gt_env, labeling_seconds=100, initializing_seconds=0)
    gt_env.sm.create_labeling_job(**gt_env.labeling_request(name="quick"))
    use_workforce(gt_env, labeling_seconds=100_000, fail_labeling_job="late change")
    gt_env.sandbox.clock.advance(101)
    assert _describe(gt_env, "quick")["LabelingJobStatus"] == "Completed"
