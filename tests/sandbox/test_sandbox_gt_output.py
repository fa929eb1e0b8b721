"""Output manifests of the Ground Truth stand-in: bounding boxes, verification, unlabeled objects."""
from __future__ import annotations

import re
from datetime import datetime

from gt_helpers import BUCKET, CHOICES, use_workforce

from sandbox.images import image_size

CREATION_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")


def _label(env, name, **profile):
    if profile:
        use_workforce(env, **profile)
    env.sm.create_labeling_job(**env.labeling_request(name=name))
    described = env.finish(name)
    assert described["LabelingJobStatus"] == "Completed"
    return described


def _image_bytes(env, source_ref):
    key = source_ref[len(f"s3://{BUCKET}/") :]
    return env.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_bounding_box_output_lines(gt_env):
    described = _label(gt_env, "boxes-job", boxes_per_image=(1, 4))
    lines = gt_env.read_lines(described["LabelingJobOutput"]["OutputDatasetS3Uri"])
    assert [line["source-ref"] for line in lines] == [f"s3://{BUCKET}/{key}" for key in gt_env.image_keys]
    for line in lines:
        assert set(line) == {"source-ref", "scratch-boxes", "scratch-boxes-metadata"}
        size = image_size(_image_bytes(gt_env, line["source-ref"]))
        label, meta = line["scratch-boxes"], line["scratch-boxes-metadata"]
        assert label["image_size"] == [{"width": size.width, "height": size.height, "depth": size.depth}]
        assert 1 <= len(label["annotations"]) <= 4
        for box in label["annotations"]:
            assert set(box) == {"class_id", "left", "top", "width", "height"}
            assert box["class_id"] == 0
            assert box["left"] >= 0 and box["top"] >= 0 and box["width"] > 0 and box["height"] > 0
            assert box["left"] + box["width"] <= size.width
            assert box["top"] + box["height"] <= size.height
        assert len(meta["objects"]) == len(label["annotations"])
        assert all(0 <= obj["confidence"] <= 1 for obj in meta["objects"])
        assert meta["class-map"] == {"0": "scratch"}
        assert meta["type"] == "groundtruth/object-detection"
        assert meta["human-annotated"] == "yes"
        assert meta["job-name"] == "labeling-job/boxes-job"
        assert CREATION_DATE.match(meta["creation-date"])
        assert "failure-reason" not in meta


def test_input_line_fields_are_kept_and_odd_keys_round_trip(gt_env):
    odd_key = "raw/line c/ünïcode +plus %25 a=b.png"
    gt_env.put(odd_key, _image_bytes(gt_env, f"s3://{BUCKET}/{gt_env.image_keys[0]}"))
    manifest = gt_env.put_manifest("work/odd.manifest", [{"source-ref": f"s3://{BUCKET}/{odd_key}", "batch": "b-1"}])
    gt_env.sm.create_labeling_job(**gt_env.labeling_request(name="odd-keys", manifest=manifest))
    (line,) = gt_env.read_lines(gt_env.finish("odd-keys")["LabelingJobOutput"]["OutputDatasetS3Uri"])
    assert line["source-ref"] == f"s3://{BUCKET}/{odd_key}"
    assert line["batch"] == "b-1"
    assert "failure-reason" not in line["scratch-boxes-metadata"]


def test_unreadable_objects_fail_without_a_label(gt_env):
    good = f"s3://{BUCKET}/{gt_env.image_keys[0]}"
    empty = gt_env.put("raw/empty.png", b"")
    text = gt_env.put("raw/notes.jpg", "not an image")
    missing = f"s3://{BUCKET}/raw/gone.png"
    manifest = gt_env.put_manifest(
        "work/mixed.manifest",
        [{"source-ref": good}, {"source-ref": empty}, {"source-ref": text}, {"source-ref": missing}, {"source": "txt"}],
    )
    gt_env.sm.create_labeling_job(**gt_env.labeling_request(name="mixed", manifest=manifest))
    described = gt_env.finish("mixed")
    assert described["LabelingJobStatus"] == "Completed"
    assert described["LabelCounters"]["TotalLabeled"] == 1
    assert described["LabelCounters"]["FailedNonRetryableError"] == 4
    assert described["LabelCounters"]["Unlabeled"] == 0
    lines = gt_env.read_lines(described["LabelingJobOutput"]["OutputDatasetS3Uri"])
    assert "scratch-boxes" in lines[0]
    for line in lines[1:]:
        assert "scratch-boxes" not in line
        assert line["scratch-boxes-metadata"]["failure-reason"]
        assert line["scratch-boxes-metadata"]["job-name"] == "labeling-job/mixed"
    assert "0 bytes" in lines[1]["scratch-boxes-metadata"]["failure-reason"]
    assert "does not exist" in lines[3]["scratch-boxes-metadata"]["failure-reason"]


def test_expired_tasks_leave_objects_unlabeled(gt_env):
    described = _label(gt_env, "all-expire", unlabeled_rate=1.0)
    counters = described["LabelCounters"]
    assert counters["TotalLabeled"] == 0
    assert counters["Unlabeled"] == len(gt_env.image_keys)
    lines = gt_env.read_lines(described["LabelingJobOutput"]["OutputDatasetS3Uri"])
    assert all("scratch-boxes" not in line and "failure-reason" in line["scratch-boxes-metadata"] for line in lines)


def _verify(env, labeled_manifest, name, **profile):
    use_workforce(env, **profile)
    env.sm.create_labeling_job(**env.verification_request(labeled_manifest, name=name))
    described = env.finish(name)
    assert described["LabelingJobStatus"] == "Completed"
    return described, env.read_lines(described["LabelingJobOutput"]["OutputDatasetS3Uri"])


def test_verification_output_lines(gt_env):
    labeled = _label(gt_env, "to-verify")["LabelingJobOutput"]["OutputDatasetS3Uri"]
    labeled_lines = gt_env.read_lines(labeled)
    described, lines = _verify(gt_env, labeled, "verify-all", approval_rate=0.5, feedback_rate=1.0)
    assert described["LabelCounters"]["TotalLabeled"] == len(lines) == len(labeled_lines)
    assert described["OutputConfig"]["S3OutputPath"] == f"s3://{BUCKET}/work/verification/"
    for before, line in zip(labeled_lines, lines, strict=True):
        assert {k: line[k] for k in before} == before  # the input line is kept whole
        verdict, meta = line["scratch-verdict"], line["scratch-verdict-metadata"]
        assert isinstance(verdict, int) and 0 <= verdict < len(CHOICES)
        assert meta["class-name"] == CHOICES[verdict]
        assert 0 <= meta["confidence"] <= 1
        assert meta["type"] == "groundtruth/label-verification"
        assert meta["job-name"] == "labeling-job/verify-all"
        assert meta["human-annotated"] == "yes"
        assert CREATION_DATE.match(meta["creation-date"])
        if verdict == 0:
            assert "worker-feedback" not in meta
        else:
            assert meta["worker-feedback"] and all(set(c) == {"comment"} for c in meta["worker-feedback"])


def test_approval_rate_extremes(gt_env):
    labeled = _label(gt_env, "rate-source")["LabelingJobOutput"]["OutputDatasetS3Uri"]
    _, approved = _verify(gt_env, labeled, "all-approved", approval_rate=1.0)
    assert {line["scratch-verdict"] for line in approved} == {0}
    _, rejected = _verify(gt_env, labeled, "all-rejected", approval_rate=0.0, feedback_rate=0.0)
    assert {line["scratch-verdict"] for line in rejected} == {1}
    assert all("worker-feedback" not in line["scratch-verdict-metadata"] for line in rejected)


def test_verification_of_unlabeled_lines_reports_failure(gt_env):
    labeled = _label(gt_env, "nothing-labeled", unlabeled_rate=1.0)["LabelingJobOutput"]["OutputDatasetS3Uri"]
    described, lines = _verify(gt_env, labeled, "nothing-to-verify")
    assert described["LabelCounters"]["FailedNonRetryableError"] == len(lines)
    for line in lines:
        assert "scratch-verdict" not in line
        assert "no 'scratch-boxes' label to verify" in line["scratch-verdict-metadata"]["failure-reason"]


def test_expired_verification_tasks(gt_env):
    labeled = _label(gt_env, "verify-source")["LabelingJobOutput"]["OutputDatasetS3Uri"]
    described, lines = _verify(gt_env, labeled, "verify-expired", verification_unlabeled_rate=1.0)
    assert described["LabelCounters"]["Unlabeled"] == len(lines)
    assert all("failure-reason" in line["scratch-verdict-metadata"] for line in lines)
    # sms-data-output: the input line's keys are copied into the output line, so the label being verified stays
    # (steps.unverified_labels keeps it for the next run's verification)
    assert all("scratch-boxes" in line and "failure-reason" not in line["scratch-boxes-metadata"] for line in lines)


def test_creation_dates_follow_the_job_timeline(gt_env):
    described = _label(gt_env, "dated", initializing_seconds=0, labeling_seconds=600)
    lines = gt_env.read_lines(described["LabelingJobOutput"]["OutputDatasetS3Uri"])
    dates = [datetime.fromisoformat(line["scratch-boxes-metadata"]["creation-date"]) for line in lines]
    assert dates == sorted(dates)
    created = described["CreationTime"].replace(tzinfo=None)
    assert all(0 < (date - created).total_seconds() <= 601 for date in dates)
