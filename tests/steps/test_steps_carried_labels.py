"""steps.carried_labels: earlier runs' unverified labels go to verification again, never to labeling again."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from steps_fakes import BUCKET, client_error

from steps import carried_labels, layout, naming
from steps.carried_labels import Carried, Source
from steps.check_missing_labels import with_carried
from steps.filter_labeled_objects import filter_labeled_objects
from steps.log import StepSummary
from steps.records import CARRIED_FROM_KEY, RecordContext, record_from_line
from steps.s3_images import ImageObject

WORK = "labeling/"
ATTR = "scratch-boxes"
SETTINGS = {"bucket": BUCKET, "work_prefix": WORK, "label_attribute": ATTR, "task_type": "bounding_box",
            "kms_key_arn": None, "job_name_prefix": "scratch", "carry_labels": True}
EARLIER, OWN, OTHER = "scratch-run-1-aaaa", "scratch-run-3-cccc", "scratch-run-2-bbbb"


def _label(uri: str, etag: str = "e1", attribute: str = ATTR, job: str = "l", failed: bool = False) -> dict[str, Any]:
    line: dict[str, Any] = {"source-ref": uri, "source-etag": etag}
    if failed:
        line[f"{attribute}-metadata"] = {"failure-reason": "ClientError: task expired", "job-name": f"labeling-job/{job}"}
        return line
    line[attribute] = {"image_size": [{"width": 64, "height": 48, "depth": 3}],
                       "annotations": [{"class_id": 0, "left": 1, "top": 2, "width": 3, "height": 4}]}
    line[f"{attribute}-metadata"] = {"class-map": {"0": "scratch"}, "type": "groundtruth/object-detection",
                                     "human-annotated": "yes", "creation-date": "2026-11-28T09:00:00.000001",
                                     "job-name": f"labeling-job/{job}"}
    return line


def _put_lines(s3: Any, key: str, lines: list[dict[str, Any]]) -> str:
    s3.put_object(Bucket=BUCKET, Key=key, Body="".join(json.dumps(line) + "\n" for line in lines).encode())
    return f"s3://{BUCKET}/{key}"


def test_the_label_attribute_is_the_configured_one_or_the_one_attribute_with_metadata():
    assert carried_labels.label_attribute_of(_label("s3://b/a.png"), ATTR) == ATTR
    assert carried_labels.label_attribute_of(_label("s3://b/a.png", attribute="old-boxes"), ATTR) == "old-boxes"
    two = {**_label("s3://b/a.png", attribute="old-boxes"), **_label("s3://b/a.png", attribute="older-boxes")}
    assert carried_labels.label_attribute_of(two, ATTR) is None
    assert carried_labels.label_attribute_of({"source-ref": "s3://b/a.png"}, ATTR) is None


def test_a_carried_line_holds_the_label_under_the_configured_attribute_and_names_the_job_that_drew_it():
    line = carried_labels.carried_line(_label("s3://b/a.png", attribute="old-boxes"), ATTR, "bounding_box", "job-1")
    assert line is not None
    assert "old-boxes" not in line and "old-boxes-metadata" not in line
    assert line[ATTR]["annotations"] and line[f"{ATTR}-metadata"]["type"] == "groundtruth/object-detection"
    assert line[CARRIED_FROM_KEY] == "job-1" and line["source-etag"] == "e1"
    again = carried_labels.carried_line(line, ATTR, "bounding_box", None)  # from a carried-labels manifest
    assert again == line


def test_a_failed_object_or_a_label_of_another_task_type_is_not_carried():
    assert carried_labels.carried_line(_label("s3://b/a.png", failed=True), ATTR, "bounding_box", "job-1") is None
    assert carried_labels.carried_line(_label("s3://b/a.png"), ATTR, "semantic_segmentation", "job-1") is None
    assert carried_labels.carried_line(_label("s3://b/a.png"), ATTR, "bounding_box", None) is None  # no job known


def test_only_pipelines_with_a_verification_job_carry():
    assert carried_labels.applies(SETTINGS)
    assert not carried_labels.applies({**SETTINGS, "carry_labels": False})
    assert not carried_labels.applies({**SETTINGS, "task_type": "image_classification"})
    assert carried_labels.applies({**SETTINGS, "on_reject": "adjust"})


def test_earlier_labels_match_the_current_etag_and_skip_what_other_runs_carried_on(s3):
    a, b, c, d = (f"s3://{BUCKET}/raw/{name}.png" for name in "abcd")
    newer = _put_lines(s3, layout.carried_labels_key(WORK, OTHER),
                       [carried_labels.carried_line(_label(a, job="older"), ATTR, "bounding_box", "older")])
    older = _put_lines(s3, "labeling/runs/x/out.manifest",
                       [_label(a, job="job-1"), _label(b, etag="stale"), _label(c), _label(d), _label("s3://o/x.png")])
    # run OTHER carried d on from EARLIER; our own marker (a retried check step) does not count
    other_carried = _put_lines(s3, "labeling/runs/other/carried.manifest", [_label(d)])
    s3.put_object(Bucket=BUCKET, Key=layout.handed_on_key(WORK, EARLIER, OTHER),
                  Body=json.dumps({"run_id": OTHER, "manifest_uri": other_carried}).encode())
    own_carried = _put_lines(s3, "labeling/runs/own/carried.manifest", [_label(c)])
    s3.put_object(Bucket=BUCKET, Key=layout.handed_on_key(WORK, EARLIER, OWN),
                  Body=json.dumps({"run_id": OWN, "manifest_uri": own_carried}).encode())
    sources = [Source(OTHER, newer, None), Source(EARLIER, older, "job-1")]
    wanted = {a: "e1", b: "e1", c: "e1", d: "e1"}
    found = carried_labels.earlier_labels(s3, sources, wanted, SETTINGS, OWN)
    assert set(found) == {a, c}  # b was replaced since (new ETag), d went to run OTHER
    assert found[a].source_run == OTHER and found[a].line[CARRIED_FROM_KEY] == "older"  # the newest source wins
    assert found[c].source_run == EARLIER and found[c].line[CARRIED_FROM_KEY] == "job-1"


class _SageMaker:
    def __init__(self, jobs: dict[str, dict[str, Any]]) -> None:
        self.jobs = jobs

    def describe_labeling_job(self, LabelingJobName: str) -> dict[str, Any]:
        if LabelingJobName not in self.jobs:
            raise client_error("ResourceNotFound", "DescribeLabelingJob")
        return self.jobs[LabelingJobName]


def test_a_run_is_a_source_only_if_its_labeling_job_completed_and_nothing_was_verified(s3):
    labeling, verification = naming.job_names(EARLIER)
    output_key = layout.output_manifest_key(layout.labeling_output_prefix(WORK, EARLIER), labeling)
    output = _put_lines(s3, output_key, [_label(f"s3://{BUCKET}/raw/a.png")])
    completed = _SageMaker({labeling: {"LabelingJobStatus": "Completed", "LabelingJobOutput": {"OutputDatasetS3Uri": output}}})
    assert carried_labels.run_sources(s3, completed, BUCKET, WORK, EARLIER) == [Source(EARLIER, output, labeling)]
    # A stopped job's partial output is not documented where it lands: never used.
    stopped = _SageMaker({labeling: {"LabelingJobStatus": "Stopped"}})
    assert carried_labels.run_sources(s3, stopped, BUCKET, WORK, EARLIER) == []
    assert carried_labels.run_sources(s3, _SageMaker({}), BUCKET, WORK, EARLIER) == []
    carried = _put_lines(s3, layout.carried_labels_key(WORK, EARLIER), [])
    assert carried_labels.run_sources(s3, stopped, BUCKET, WORK, EARLIER) == [Source(EARLIER, carried, None)]
    _put_lines(s3, layout.output_manifest_key(layout.verification_output_prefix(WORK, EARLIER), verification), [])
    assert carried_labels.run_sources(s3, completed, BUCKET, WORK, EARLIER) == []  # verified: written, not carried


def test_writing_the_carried_labels_hands_them_on_from_their_sources(s3):
    a, b = f"s3://{BUCKET}/raw/a.png", f"s3://{BUCKET}/raw/b.png"
    carried = {a: Carried(carried_labels.carried_line(_label(a), ATTR, "bounding_box", "job-1") or {}, EARLIER)}
    assert carried_labels.write_carried(s3, SETTINGS, OWN, [b], carried).manifest_uri is None
    written = carried_labels.write_carried(s3, SETTINGS, OWN, [a, b], carried)
    assert written.count == 1 and written.sources == [EARLIER]
    body = s3.get_object(Bucket=BUCKET, Key=layout.carried_labels_key(WORK, OWN))["Body"].read().decode()
    assert [json.loads(line)["source-ref"] for line in body.splitlines()] == [a]
    marker = json.loads(s3.get_object(Bucket=BUCKET, Key=layout.handed_on_key(WORK, EARLIER, OWN))["Body"].read())
    assert marker == {"run_id": OWN, "manifest_uri": written.manifest_uri}


def _image(name: str, minute: int) -> ImageObject:
    return ImageObject(datetime(2026, 11, 1, 0, minute, tzinfo=UTC), f"s3://{BUCKET}/raw/{name}.png", "e1")


def test_images_with_a_carried_label_are_selected_first_within_the_cap():
    images = [_image(name, minute) for minute, name in enumerate("abcdef")]
    uris = [image.uri for image in images]
    selection, in_flight = with_carried(images, {uris[0]}, {uris[1]}, {uris[4], uris[5]}, cap=3)
    assert [image.uri for image in selection.selected] == [uris[4], uris[5], uris[2]]
    assert (selection.already_labeled, selection.missing, in_flight, selection.backlog) == (1, 4, 1, 1)
    capped, _ = with_carried(images, set(), set(), {uris[4], uris[5]}, cap=1)
    assert [image.uri for image in capped.selected] == [uris[4]]


def test_the_verification_input_holds_the_new_and_the_carried_labels(s3):
    new = _put_lines(s3, "labeling/runs/own/labeling/out.manifest",
                     [_label(f"s3://{BUCKET}/raw/n.png"), _label(f"s3://{BUCKET}/raw/f.png", failed=True)])
    old = carried_labels.carried_line(_label(f"s3://{BUCKET}/raw/a.png"), ATTR, "bounding_box", "job-1")
    carried = _put_lines(s3, layout.carried_labels_key(WORK, OWN), [old or {}])
    event = {"run_id": OWN, "manifest_uri": new, "carried_manifest_uri": carried,
             "settings": {"bucket": BUCKET, "work_prefix": WORK, "label_attribute": ATTR, "kms_key_arn": None}}
    result = filter_labeled_objects(event, s3, StepSummary("FilterLabeledObjects", None))  # type: ignore[arg-type]
    assert (result["lines_read"], result["kept"], result["left_out"]) == (3, 2, 1)
    only = filter_labeled_objects({**event, "manifest_uri": None}, s3,  # type: ignore[arg-type]
                                  StepSummary("FilterLabeledObjects", None))
    assert only["kept"] == 1 and only["manifest_uri"]


def test_a_record_names_the_labeling_job_that_drew_a_carried_label():
    line = carried_labels.carried_line(_label("s3://b/a.png"), ATTR, "bounding_box", "job-1") or {}
    line.update({"scratch-verdict": 0, "scratch-verdict-metadata": {"class-name": "label correct", "confidence": 0.9,
                                                                   "creation-date": "2026-11-29T10:00:00"}})
    ctx = RecordContext(ATTR, "scratch-verdict", 0, "this-run-lbl", "this-run-vfy")
    record = record_from_line(line, ctx)
    assert record is not None and record["labeling_job"] == "job-1" and record["verification_job"] == "this-run-vfy"
    del line[CARRIED_FROM_KEY]
    assert (record_from_line(line, ctx) or {})["labeling_job"] == "this-run-lbl"


def test_inventory_mode_selects_the_carried_images_of_the_query_result_first(s3, monkeypatch):
    from steps import check_missing_labels

    uris = [f"s3://{BUCKET}/raw/{name}.png" for name in "abcd"]
    rows = "".join(f'"4","4","raw/{name}.png","2026-11-01 00:0{i}:00.000","e1"\n' for i, name in enumerate("abcd"))
    s3.put_object(Bucket=BUCKET, Key="labeling/athena/q.csv",
                  Body=('"images_found","missing_total","key","last_modified_date","etag"\n' + rows).encode())
    source = _put_lines(s3, "labeling/runs/x/out.manifest", [_label(uris[2]), _label(uris[3], etag="stale")])
    monkeypatch.setattr(carried_labels, "find_sources", lambda *args, **kwargs: [Source(EARLIER, source, "job-1")])
    execution = {"id": "arn:aws:states:eu-west-1:123456789012:execution:scratch:run-3", "name": "run-3",
                 "start_time": "2026-11-30T06:00:00.000Z"}
    event = {"settings": {**SETTINGS, "on_reject": "relabel"}, "execution": execution,
             "prepared": {"max_images": 2, "report": "2026-11-30-00-00"}, "result_uri": f"s3://{BUCKET}/labeling/athena/q.csv"}
    result = check_missing_labels.select(event, s3, StepSummary("CheckMissingLabels", None), stepfunctions=None,
                                         sagemaker=object())
    run = result["run_id"]
    assert (result["selected"], result["carried"], result["backlog"]) == (2, 1, 2)
    assert result["manifest_uri"] == f"s3://{BUCKET}/{layout.labeling_input_key(WORK, run)}"
    assert result["carried_manifest_uri"] == f"s3://{BUCKET}/{layout.carried_labels_key(WORK, run)}"

    def refs(key: str) -> list[str]:
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
        return [json.loads(line)["source-ref"] for line in body.splitlines()]

    assert refs(layout.input_manifest_key(WORK, run)) == [uris[2], uris[0]]  # claimed: carried first, then the oldest
    assert refs(layout.labeling_input_key(WORK, run)) == [uris[0]]
    assert refs(layout.carried_labels_key(WORK, run)) == [uris[2]]
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=layout.handed_on_key(WORK, EARLIER, run))["KeyCount"] == 1


def test_an_adjustment_output_carries_its_adjusted_labels_only(s3):
    from steps.records import label_path

    a, b = f"s3://{BUCKET}/raw/a.png", f"s3://{BUCKET}/raw/b.png"
    adjusted = {**_label(a, job="old-lbl"), **_label(a, attribute="scratch-boxes-adjustment", job="run-adj")}
    adjusted["scratch-boxes-adjustment-metadata"]["adjustment-status"] = "adjusted"
    adjusted["scratch-boxes-adjustment"]["annotations"][0]["left"] = 9
    not_adjusted = {**_label(b, job="old-lbl"), **_label(b, attribute="scratch-boxes-adjustment", failed=True)}
    uri = _put_lines(s3, "labeling/runs/x/adj.manifest", [adjusted, not_adjusted])
    source = Source(EARLIER, uri, "run-adj", "scratch-boxes-adjustment")
    found = carried_labels.earlier_labels(s3, [source], {a: "e1", b: "e1"}, SETTINGS, OWN)
    assert set(found) == {a}  # b's adjustment failed: only its rejected label is there
    line = found[a].line
    assert line[ATTR]["annotations"][0]["left"] == 9 and "scratch-boxes-adjustment" not in line
    assert label_path(line[f"{ATTR}-metadata"], "x") == ("adjustment", "run-adj")
