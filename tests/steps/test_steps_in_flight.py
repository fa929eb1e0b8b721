"""Images in flight: a run never selects what another run is labeling (moto S3, fake Step Functions)."""
from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.validate import validate_parameters
from steps_fakes import BUCKET, FEATURE_GROUP

from steps import check_missing_labels as step
from steps import in_flight
from steps.log import StepSummary

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:scratch-labeling"
WORK = "labeling/"
_SFN_MODEL = botocore.session.get_session().get_service_model("stepfunctions")


def execution_arn(name: str) -> str:
    return f"arn:aws:states:eu-west-1:123456789012:execution:scratch-labeling:{name}"


OWN = {"id": execution_arn("nightly-2026-11-29"), "name": "nightly-2026-11-29", "start_time": "2026-11-29T06:00:00.000Z"}


class FakeStepFunctions:
    """DescribeExecution over a table of executions; requests validated against botocore's model."""

    def __init__(self) -> None:
        self.executions: dict[str, dict[str, Any]] = {}
        self.described: list[str] = []

    def add(self, name: str, status: str, stopped_ago: float | None = None, output: dict | None = None) -> str:
        arn = execution_arn(name)
        description: dict[str, Any] = {"executionArn": arn, "stateMachineArn": MACHINE, "name": name,
                                       "status": status, "startDate": NOW - timedelta(days=2)}
        if stopped_ago is not None:
            description["stopDate"] = NOW - timedelta(seconds=stopped_ago)
        if output is not None:
            description["output"] = json.dumps(output)
        self.executions[arn] = description
        return arn

    def describe_execution(self, **params: Any) -> dict[str, Any]:
        validate_parameters(params, _SFN_MODEL.operation_model("DescribeExecution").input_shape)
        arn = params["executionArn"]
        self.described.append(arn)
        if arn not in self.executions:
            raise ClientError({"Error": {"Code": "ExecutionDoesNotExist", "Message": f"Execution Does Not Exist: '{arn}'"}},
                              "DescribeExecution")
        return dict(self.executions[arn])


def uri(name: str) -> str:
    return f"s3://{BUCKET}/raw/{name}"


def put_images(s3: Any, *names: str) -> None:
    for name in names:
        s3.put_object(Bucket=BUCKET, Key=f"raw/{name}", Body=b"\xff\xd8")


def other_run(s3: Any, sfn: FakeStepFunctions, name: str, status: str, images: list[str],
              stopped_ago: float | None = None, output: dict | None = None) -> str:
    """Another execution's manifest and marker, as its CheckMissingLabels writes them; returns the marker key."""
    arn = sfn.add(name, status, stopped_ago, output)
    run = f"scratch-{name}-0123456789"
    key = f"{WORK}runs/{run}/input.manifest"
    s3.put_object(Bucket=BUCKET, Key=key, Body="".join(json.dumps({"source-ref": u}) + "\n" for u in images).encode())
    return in_flight.claim(s3, BUCKET, WORK, run, arn, f"s3://{BUCKET}/{key}", None, NOW)


def event(**settings: Any) -> dict[str, Any]:
    base = {
        "bucket": BUCKET, "raw_prefix": "raw/", "image_extensions": [".jpg"], "work_prefix": WORK,
        "feature_group_name": FEATURE_GROUP, "athena_workgroup": "primary",
        "athena_output_uri": f"s3://{BUCKET}/{WORK}athena/", "max_images_per_run": 1000,
        "job_name_prefix": "scratch", "kms_key_arn": None,
    }
    base.update(settings)
    return {"execution": OWN, "input": {}, "settings": base}


def check(s3: Any, sagemaker: Any, athena: Any, sfn: Any, evt: dict | None = None) -> tuple[dict, dict]:
    summary = StepSummary("CheckMissingLabels", "req-1", io.StringIO())
    result = step.check_missing_labels(evt or event(), s3, sagemaker, athena, summary, sfn, clock=lambda: NOW)
    return result, summary.emit()


def manifest(s3: Any, manifest_uri: str) -> set[str]:
    return set(in_flight.manifest_source_refs(s3, manifest_uri))


def markers(s3: Any) -> set[str]:
    return set(in_flight.list_markers(s3, BUCKET, WORK))


@pytest.fixture
def sfn() -> FakeStepFunctions:
    return FakeStepFunctions()


def test_a_running_run_keeps_its_images_and_this_run_claims_the_rest(s3, sagemaker, athena, sfn, offline):
    put_images(s3, "a.jpg", "b.jpg", "c.jpg", "d.jpg")
    offline.add_row(uri("d.jpg"), "APPROVED", "2026-11-01T00:00:00.000Z")
    rival = other_run(s3, sfn, "monday", "RUNNING", [uri("a.jpg"), uri("b.jpg")])
    result, summary = check(s3, sagemaker, athena, sfn)
    assert manifest(s3, result["manifest_uri"]) == {uri("c.jpg")}
    assert (result["images_found"], result["already_labeled"], result["in_flight"], result["missing"],
            result["selected"], result["backlog"]) == (4, 1, 2, 1, 1, 0)
    assert summary["in_flight_runs"] == 1 and summary["in_flight"] == 2
    own = in_flight.marker_key(WORK, result["run_id"])
    assert markers(s3) == {rival, own}
    body = json.loads(s3.get_object(Bucket=BUCKET, Key=own)["Body"].read())
    assert body == {"execution_arn": OWN["id"], "run_id": result["run_id"], "manifest_uri": result["manifest_uri"],
                    "created": "2026-11-29T12:00:00.000+00:00"}
    assert s3.head_object(Bucket=BUCKET, Key=own)["ServerSideEncryption"] == "AES256"


def test_a_recent_success_whose_approvals_are_not_visible_yet_still_holds_its_images(s3, sagemaker, athena, sfn, offline):
    put_images(s3, "a.jpg", "b.jpg", "c.jpg")
    offline.add_row(uri("a.jpg"), "APPROVED", "2026-11-29T11:50:00.000Z")  # 1 of its 2 approvals is visible
    rival = other_run(s3, sfn, "monday", "SUCCEEDED", [uri("a.jpg"), uri("b.jpg")], stopped_ago=300,
                      output={"approved": 2, "rejected": 0})
    result, _ = check(s3, sagemaker, athena, sfn)
    assert manifest(s3, result["manifest_uri"]) == {uri("c.jpg")}
    assert (result["already_labeled"], result["in_flight"], result["missing"]) == (1, 1, 1)
    assert rival in markers(s3)


def test_a_recent_success_whose_approvals_are_all_visible_is_released(s3, sagemaker, athena, sfn, offline):
    put_images(s3, "a.jpg", "b.jpg")
    offline.add_row(uri("a.jpg"), "APPROVED", "2026-11-29T11:50:00.000Z")
    offline.add_row(uri("b.jpg"), "REJECTED", "2026-11-29T11:50:00.000Z")
    rival = other_run(s3, sfn, "monday", "SUCCEEDED", [uri("a.jpg"), uri("b.jpg")], stopped_ago=60,
                      output={"approved": 1, "rejected": 1})
    result, summary = check(s3, sagemaker, athena, sfn)
    assert manifest(s3, result["manifest_uri"]) == {uri("b.jpg")}  # the rejected image is labeled again at once
    assert result["in_flight"] == 0 and summary["released_markers"] == 1
    assert rival not in markers(s3)


def test_a_recent_success_without_a_readable_approved_count_waits_for_the_lag(s3, sagemaker, athena, sfn):
    put_images(s3, "a.jpg")
    other_run(s3, sfn, "monday", "SUCCEEDED", [uri("a.jpg")], stopped_ago=in_flight.OFFLINE_STORE_LAG_SECONDS - 1)
    result, _ = check(s3, sagemaker, athena, sfn)
    assert (result["in_flight"], result["selected"], result["manifest_uri"]) == (1, 0, None)


@pytest.mark.parametrize("status, stopped_ago", [
    ("SUCCEEDED", in_flight.OFFLINE_STORE_LAG_SECONDS), ("SUCCEEDED", 86400), ("FAILED", 10),
    ("ABORTED", 10), ("TIMED_OUT", 10),
])
def test_an_ended_run_is_stale_its_marker_is_deleted_and_its_images_are_missing_again(
        s3, sagemaker, athena, sfn, status, stopped_ago):
    put_images(s3, "a.jpg", "b.jpg")
    rival = other_run(s3, sfn, "monday", status, [uri("a.jpg"), uri("b.jpg")], stopped_ago=stopped_ago,
                      output={"approved": 2} if status == "SUCCEEDED" else None)
    result, summary = check(s3, sagemaker, athena, sfn)
    assert manifest(s3, result["manifest_uri"]) == {uri("a.jpg"), uri("b.jpg")}
    assert result["in_flight"] == 0 and summary["released_markers"] == 1
    assert rival not in markers(s3)


def test_a_marker_of_an_execution_that_does_not_exist_is_deleted(s3, sagemaker, athena, sfn):
    put_images(s3, "a.jpg")
    rival = other_run(s3, sfn, "gone", "RUNNING", [uri("a.jpg")])
    sfn.executions.clear()
    result, summary = check(s3, sagemaker, athena, sfn)
    assert result["selected"] == 1 and summary["released_markers"] == 1
    assert rival not in markers(s3)


def test_its_own_marker_is_not_another_run_so_a_retried_step_selects_the_same_images(s3, sagemaker, athena, sfn):
    put_images(s3, "a.jpg", "b.jpg")
    sfn.add(OWN["name"], "RUNNING")
    first, _ = check(s3, sagemaker, athena, sfn)
    again, summary = check(s3, sagemaker, athena, sfn)
    assert again == first and again["selected"] == 2 and again["in_flight"] == 0
    assert sfn.described == []  # its own marker needs no question
    assert markers(s3) == {in_flight.marker_key(WORK, first["run_id"])} and summary["released_markers"] == 0


def test_many_markers_one_question_each_stale_ones_deleted(s3, sagemaker, athena, sfn):
    names = [f"img-{i:03d}.jpg" for i in range(200)]
    put_images(s3, *names)
    statuses = ["RUNNING", "FAILED", "ABORTED", "SUCCEEDED"]
    live = set()
    for i in range(40):
        status = statuses[i % 4]
        chunk = [uri(n) for n in names[i * 4:i * 4 + 4]]
        other_run(s3, sfn, f"run-{i:02d}", status, chunk, stopped_ago=None if status == "RUNNING" else 3600)
        if status == "RUNNING":
            live |= set(chunk)
    result, summary = check(s3, sagemaker, athena, sfn)
    assert len(sfn.described) == 40 and len(set(sfn.described)) == 40
    assert manifest(s3, result["manifest_uri"]) == {uri(n) for n in names} - live
    assert (result["in_flight"], result["selected"], summary["in_flight_runs"], summary["released_markers"]) == (40, 160, 10, 30)
    assert len(markers(s3)) == 10 + 1


def test_an_unreadable_marker_is_deleted_with_a_note(s3, sagemaker, athena, sfn):
    put_images(s3, "a.jpg")
    s3.put_object(Bucket=BUCKET, Key=f"{WORK}active/junk.json", Body=b"{not json")
    result, summary = check(s3, sagemaker, athena, sfn)
    assert result["selected"] == 1 and f"{WORK}active/junk.json" not in markers(s3)
    assert any("must be a JSON object" in note for note in summary["notes"])


def test_a_running_run_whose_manifest_is_gone_stops_the_step_instead_of_guessing(s3, sagemaker, athena, sfn):
    put_images(s3, "a.jpg")
    other_run(s3, sfn, "monday", "RUNNING", [uri("a.jpg")])
    s3.delete_object(Bucket=BUCKET, Key=f"{WORK}runs/scratch-monday-0123456789/input.manifest")
    with pytest.raises(in_flight.InFlightUnknown, match=r"scratch-monday-0123456789 is RUNNING .* cannot be read"):
        check(s3, sagemaker, athena, sfn)


class RivalClaimsDuringOurWrite:
    """An S3 client on which a rival run writes its manifest and marker just after our manifest:
    our first read of the markers missed it; the re-read after our claim must see it."""

    def __init__(self, s3: Any, sfn: FakeStepFunctions, images: list[str]) -> None:
        self._s3, self._sfn, self._images, self.done = s3, sfn, images, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s3, name)

    def put_object(self, **params: Any) -> Any:
        response = self._s3.put_object(**params)
        if params["Key"].endswith("input.manifest") and not self.done:
            self.done = True
            other_run(self._s3, self._sfn, "racer", "RUNNING", self._images)
        return response


def test_a_claim_written_in_the_same_moment_is_seen_on_the_re_read_and_the_overlap_given_up(s3, sagemaker, athena, sfn):
    put_images(s3, "a.jpg", "b.jpg", "c.jpg")
    racing = RivalClaimsDuringOurWrite(s3, sfn, [uri("a.jpg"), uri("b.jpg")])
    result, summary = check(racing, sagemaker, athena, sfn)
    assert racing.done
    assert manifest(s3, result["manifest_uri"]) == {uri("c.jpg")}
    assert (result["in_flight"], result["missing"], result["selected"], result["backlog"]) == (2, 1, 1, 0)
    assert summary["in_flight_runs"] == 1


def test_when_the_rival_holds_everything_the_claim_and_manifest_are_withdrawn(s3, sagemaker, athena, sfn):
    put_images(s3, "a.jpg", "b.jpg")
    racing = RivalClaimsDuringOurWrite(s3, sfn, [uri("a.jpg"), uri("b.jpg")])
    result, _ = check(racing, sagemaker, athena, sfn)
    assert (result["selected"], result["in_flight"], result["manifest_uri"]) == (0, 2, None)
    assert markers(s3) == {in_flight.marker_key(WORK, "scratch-racer-0123456789")}
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{WORK}runs/{result['run_id']}/")


def test_a_claim_stamped_after_ours_is_left_to_yield_to_us(s3, sagemaker, athena, sfn, monkeypatch):
    put_images(s3, "a.jpg", "b.jpg")
    racing = RivalClaimsDuringOurWrite(s3, sfn, [uri("a.jpg")])
    listed = in_flight.list_markers

    def later_rival(*args: Any) -> dict[str, datetime]:  # S3 stamps are whole seconds: make the rival's later
        return {key: stamp + timedelta(seconds=1) if "racer" in key else stamp for key, stamp in listed(*args).items()}

    monkeypatch.setattr(in_flight, "list_markers", later_rival)
    result, _ = check(racing, sagemaker, athena, sfn)
    assert manifest(s3, result["manifest_uri"]) == {uri("a.jpg"), uri("b.jpg")}
    assert result["in_flight"] == 0


def test_a_withdrawn_claim_read_midway_counts_for_nothing(s3, sfn):
    key = other_run(s3, sfn, "monday", "RUNNING", [uri("a.jpg")])
    marker = in_flight.parse_marker(key, NOW, s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    in_flight.release(s3, BUCKET, key)  # withdrawn: marker first, then manifest
    s3.delete_object(Bucket=BUCKET, Key=marker.manifest_uri.split("/", 3)[3])
    found = in_flight.InFlight()
    in_flight.judge_markers(s3, sfn, BUCKET, {key: NOW}, OWN["id"], set(), NOW, found)
    assert (found.uris, found.runs, found.released) == (set(), [], 0)


def test_a_manifest_of_100000_lines_is_streamed_into_a_set(s3):
    uris = [f"s3://{BUCKET}/raw/line-7/camera-3/img-{i:06d}.jpg" for i in range(100_000)]
    s3.put_object(Bucket=BUCKET, Key="big.manifest", Body="".join(json.dumps({"source-ref": u}) + "\n" for u in uris).encode())
    refs = set(in_flight.manifest_source_refs(s3, f"s3://{BUCKET}/big.manifest"))
    assert len(refs) == 100_000 and uris[-1] in refs


@pytest.mark.parametrize("body, words", [
    (b"{not json", "must be a JSON object"),
    (b'{"run_id": "r", "manifest_uri": "s3://b/k", "created": "t"}', "execution_arn"),
    (b'{"execution_arn": "a", "run_id": "r", "manifest_uri": "b/k", "created": "t"}', "not an s3://bucket/key URI"),
])
def test_bad_markers_are_named_in_one_line(body, words):
    with pytest.raises(ValueError) as raised:
        in_flight.parse_marker("labeling/active/x.json", NOW, body)
    assert words in str(raised.value) and "labeling/active/x.json" in str(raised.value) and "\n" not in str(raised.value)


def test_the_approved_count_read_from_the_execution_output_is_a_summary_key():
    import ast
    from pathlib import Path

    # Read workflow/graph/__init__.py's literal instead of importing it (the stepfunctions SDK takes seconds to import).
    source = (Path(__file__).resolve().parents[2] / "workflow" / "graph" / "__init__.py").read_text()
    fields = next(ast.literal_eval(node.value) for node in ast.parse(source).body
                  if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SUMMARY_UPDATE_FIELDS")
    assert in_flight.APPROVED_OUTPUT_KEY in fields


def test_a_recent_success_releases_its_images_when_there_is_no_offline_store_to_wait_for(s3, sfn):
    # The feature group was deleted (or is not Created): the run's records cannot appear in it,
    # so waiting out the offline-store lag would only keep its images from being labeled again.
    rival = other_run(s3, sfn, "monday", "SUCCEEDED", [uri("a.jpg"), uri("b.jpg")], stopped_ago=60,
                      output={"approved": 2, "rejected": 0})
    held = in_flight.read_in_flight(s3, sfn, BUCKET, WORK, OWN["id"], set(), NOW, store_readable=True)
    assert held.uris == {uri("a.jpg"), uri("b.jpg")} and rival in markers(s3)
    released = in_flight.read_in_flight(s3, sfn, BUCKET, WORK, OWN["id"], set(), NOW, store_readable=False)
    assert released.uris == set() and released.released == 1
    assert rival not in markers(s3)
