"""Labels whose verification tasks expired: kept by the update, carried by the next run (never labeled again).

steps.unverified_labels keeps the verification output lines that hold the labeling job's label but no verdict;
steps.carried_labels takes them from succeeded runs (and from failed runs whose verification output exists).
"""
from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

from steps_fakes import BUCKET, FEATURE_GROUP, FakeFeatureStore, verified_line
from test_steps_carried_labels import ATTR, EARLIER, OTHER, OWN, SETTINGS, _put_lines, _SageMaker

from steps import carried_labels, layout, naming, unverified_labels
from steps import update_feature_store as update
from steps.carried_labels import Source
from steps.log import StepSummary
from steps.records import CARRIED_FROM_KEY
from steps.update_progress import is_complete

WORK = "labeling/"
VERDICT = "scratch-verdict"
MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:scratch-labeling"


def _uri(name: str) -> str:
    return f"s3://{BUCKET}/raw/{name}.png"


def _line(uri: str, **kwargs: Any) -> dict[str, Any]:
    line = json.loads(verified_line(uri, **kwargs))
    line["source-etag"] = "e1"
    return line


def test_a_label_without_a_verdict_is_kept_in_the_carried_labels_form():
    expired = _line(_uri("a"), verify_failure=True)
    kept = unverified_labels.unverified_line(expired, ATTR, VERDICT, "run-1-lbl")
    assert kept is not None and VERDICT + "-metadata" not in kept and VERDICT not in kept
    assert kept[ATTR] == expired[ATTR] and kept[CARRIED_FROM_KEY] == "run-1-lbl" and kept["source-etag"] == "e1"
    no_verdict_at_all = {key: value for key, value in expired.items() if not key.startswith(VERDICT)}
    assert unverified_labels.unverified_line(no_verdict_at_all, ATTR, VERDICT, "run-1-lbl") == kept
    # a label carried before keeps the job that drew it
    again = unverified_labels.unverified_line({**expired, CARRIED_FROM_KEY: "run-0-lbl"}, ATTR, VERDICT, "run-1-lbl")
    assert again is not None and again[CARRIED_FROM_KEY] == "run-0-lbl"
    # verified, or never labeled: nothing to keep
    assert unverified_labels.unverified_line(_line(_uri("b")), ATTR, VERDICT, "run-1-lbl") is None
    assert unverified_labels.unverified_line(_line(_uri("c"), label_failure=True), ATTR, VERDICT, "j") is None
    assert unverified_labels.unverified_line(["not", "a", "line"], ATTR, VERDICT, "j") is None


def _update_event(run: str, manifest_uri: str) -> dict[str, Any]:
    labeling, verification = naming.job_names(run)
    return {"execution": {"id": "arn:aws:states:eu-west-1:123456789012:execution:m:e", "name": "e", "start_time": "t"},
            "manifest_uri": manifest_uri, "labeling_job_name": labeling, "verification_job_name": verification,
            "run_id": run,
            "settings": {"feature_group_name": FEATURE_GROUP, "label_attribute": ATTR, "verification_attribute": VERDICT,
                         "approved_index": 0, "max_concurrency": 4, "bucket": BUCKET, "work_prefix": WORK,
                         "kms_key_arn": None}}


def _verification_output(s3: Any, run: str, lines: list[dict[str, Any]]) -> str:
    _, verification = naming.job_names(run)
    return _put_lines(s3, layout.output_manifest_key(layout.verification_output_prefix(WORK, run), verification), lines)


def _kept(s3: Any, run: str) -> list[dict[str, Any]]:
    body = s3.get_object(Bucket=BUCKET, Key=layout.unverified_labels_key(WORK, run))["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines()]


def test_the_update_keeps_the_unverified_labels_before_it_marks_its_progress_complete(s3):
    lines = [_line(_uri("a")), _line(_uri("b"), verify_failure=True), _line(_uri("c"), label_failure=True),
             _line(_uri("d"), verdict=1), _line(_uri("e"), verify_failure=True)]
    uri = _verification_output(s3, EARLIER, lines)
    store, summary = FakeFeatureStore(), StepSummary("x", stream=io.StringIO())
    result = update.update_feature_store(_update_event(EARLIER, uri), s3, store, summary)  # type: ignore[arg-type]
    assert (result["approved"], result["rejected"], result["unlabeled"]) == (1, 1, 3)
    kept = _kept(s3, EARLIER)
    assert [line["source-ref"] for line in kept] == [_uri("b"), _uri("e")]
    assert {line[CARRIED_FROM_KEY] for line in kept} == {naming.job_names(EARLIER)[0]}
    assert summary.fields["unverified_kept"] == 2
    marker = s3.get_object(Bucket=BUCKET, Key=layout.update_progress_key(WORK, EARLIER))["Body"].read()
    assert is_complete(marker, uri)
    # a retried update (every line already written) keeps the same labels again
    update.update_feature_store(_update_event(EARLIER, uri), s3, store, StepSummary("x", stream=io.StringIO()))  # type: ignore[arg-type]
    assert _kept(s3, EARLIER) == kept


def test_a_capped_pass_or_an_output_without_expired_tasks_keeps_nothing(s3):
    uri = _verification_output(s3, EARLIER, [_line(_uri("a")), _line(_uri("b")), _line(_uri("c"), verify_failure=True)])
    summary = StepSummary("x", stream=io.StringIO())
    capped = update.write_run_outputs(_update_event(EARLIER, uri), s3, FakeFeatureStore(), summary,  # type: ignore[arg-type]
                                      limit=1)
    assert not capped.complete
    key = layout.unverified_labels_key(WORK, EARLIER)
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=key)["KeyCount"] == 0  # not every line was read yet
    verified = _verification_output(s3, OTHER, [_line(_uri("a"))])
    update.update_feature_store(_update_event(OTHER, verified), s3, FakeFeatureStore(),  # type: ignore[arg-type]
                                StepSummary("x", stream=io.StringIO()))
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=layout.unverified_labels_key(WORK, OTHER))["KeyCount"] == 0


def test_a_run_whose_verification_output_exists_is_a_source_of_its_unverified_labels_only(s3):
    labeling, _ = naming.job_names(EARLIER)
    completed_labeling = _SageMaker({labeling: {"LabelingJobStatus": "Completed", "LabelingJobOutput": {
        "OutputDatasetS3Uri": _put_lines(s3, layout.output_manifest_key(layout.labeling_output_prefix(WORK, EARLIER),
                                                                        labeling), [_line(_uri("a"))])}}})
    _verification_output(s3, EARLIER, [_line(_uri("a"), verify_failure=True)])
    assert carried_labels.run_sources(s3, completed_labeling, BUCKET, WORK, EARLIER) == []  # none kept (yet)
    kept = _put_lines(s3, layout.unverified_labels_key(WORK, EARLIER), [])
    assert carried_labels.run_sources(s3, completed_labeling, BUCKET, WORK, EARLIER) == [Source(EARLIER, kept, None)]


class _Paginator:
    def __init__(self, by_status: dict[str, list[dict[str, Any]]]) -> None:
        self.by_status = by_status

    def paginate(self, stateMachineArn: str, statusFilter: str, PaginationConfig: dict[str, int]) -> list[dict]:
        assert stateMachineArn == MACHINE
        return [{"executions": self.by_status.get(statusFilter, [])[:PaginationConfig["MaxItems"]]}]


class _StepFunctions:
    def __init__(self, by_status: dict[str, list[dict[str, Any]]]) -> None:
        self.by_status = by_status

    def get_paginator(self, name: str) -> _Paginator:
        assert name == "list_executions"
        return _Paginator(self.by_status)


def _execution(name: str, minute: int) -> dict[str, Any]:
    when = datetime(2026, 11, 30, 6, minute, tzinfo=UTC)
    return {"executionArn": MACHINE.replace(":stateMachine:", ":execution:") + f":{name}", "name": name,
            "startDate": when, "stopDate": when}


def _run_id(execution: dict[str, Any]) -> str:
    return carried_labels.run_ids("scratch", execution)[0]


def test_succeeded_executions_are_sources_of_their_unverified_labels_newest_first(s3):
    older, newer, failed = _execution("run-1", 1), _execution("run-2", 3), _execution("run-3", 2)
    sfn = _StepFunctions({"SUCCEEDED": [newer, older], "FAILED": [failed]})
    kept = {execution["name"]: _put_lines(s3, layout.unverified_labels_key(WORK, _run_id(execution)), [])
            for execution in (older, newer, failed)}
    _verification_output(s3, _run_id(failed), [])  # the failed run's update failed: its output exists
    own = MACHINE.replace(":stateMachine:", ":execution:") + ":run-4"
    sources = carried_labels.find_sources(s3, _SageMaker({}), sfn, SETTINGS, own)
    assert [source.manifest_uri for source in sources] == [kept["run-2"], kept["run-3"], kept["run-1"]]
    assert all(source.labeling_job is None for source in sources)
    # a succeeded run without expired tasks is no source (and its labeling output is never read)
    assert carried_labels.find_sources(s3, _SageMaker({}), _StepFunctions({"SUCCEEDED": [_execution("run-9", 9)]}),
                                       SETTINGS, own) == []


def test_kept_labels_are_carried_like_the_others_current_etag_and_handed_on_markers(s3):
    a, b, c = _uri("a"), _uri("b"), _uri("c")
    lines = [unverified_labels.unverified_line(_line(uri, verify_failure=True, label_attr=ATTR), ATTR, VERDICT, "job-1")
             for uri in (a, b, c)]
    source = Source(EARLIER, _put_lines(s3, layout.unverified_labels_key(WORK, EARLIER), lines), None)
    found = carried_labels.earlier_labels(s3, [source], {a: "e1", b: "new", c: "e1"}, SETTINGS, OWN)
    assert set(found) == {a, c}  # b was replaced since: labeled again
    assert found[a].line[CARRIED_FROM_KEY] == "job-1" and found[a].line[ATTR] == lines[0][ATTR]  # type: ignore[index]
    written = carried_labels.write_carried(s3, SETTINGS, OWN, [a], found)
    assert written.sources == [EARLIER]
    # a later run no longer takes a from that source: OWN carried it on
    later = carried_labels.earlier_labels(s3, [source], {a: "e1", c: "e1"}, SETTINGS, "scratch-run-5-eeee")
    assert set(later) == {c}
