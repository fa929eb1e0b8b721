"""The reconciliation rules and the README section, on plain data (no sandbox)."""
from __future__ import annotations

import pytest

from reliability.cases import clean, pipeline_calls
from reliability.reconcile import approved, current_records, reconcile, snapshot
from reliability.report import BEGIN, END, render, replace_section, section
from reliability.runner import CaseResult

A, B, C = "s3://b/raw/a.png", "s3://b/raw/b.png", "s3://b/raw/c.png"


def row(uri, status="APPROVED", job="run1-vfy", event="2026-01-01T00:00:00.000Z", write="2026-01-01 00:00:01.000",
        boxes="[]"):
    return {"image_uri": uri, "event_time": event, "status": status, "annotations": boxes, "verification_job": job,
            "write_time": write, "api_invocation_time": write, "is_deleted": False}


def test_the_newest_row_per_image_is_current_and_only_approved_counts_as_labeled():
    rows = [row(A, "REJECTED", event="2026-01-01T00:00:00.000Z"), row(A, "APPROVED", job="run2-vfy",
            event="2026-01-02T00:00:00.000Z"), row(B, "REJECTED")]
    assert current_records(rows)[A]["verification_job"] == "run2-vfy"
    assert approved(rows) == {A}


def test_an_identical_rewrite_is_not_a_duplicate_but_two_different_records_from_one_run_are():
    rewritten = snapshot({A}, [row(A), row(A, write="2026-01-01 00:00:05.000")], [], None)
    assert not rewritten.problems and (rewritten.rows, rewritten.records) == (2, 1)
    duplicated = snapshot({A}, [row(A), row(A, boxes='[{"left": 1}]')], [], None)
    assert "two different records from one run" in duplicated.problems[0]


def test_a_record_without_an_image_is_an_orphan():
    assert "belong to no image" in snapshot({A}, [row(A), row(B)], [], None).problems[0]


def test_a_verified_label_of_a_succeeded_run_must_be_stored_otherwise_the_image_stays_missing():
    stored_missing = snapshot({A, B}, [row(A)], [(A, "run1-vfy"), (B, "run1-vfy")], {"run1-vfy"})
    assert "not in the feature group although the run succeeded" in stored_missing.problems[0]
    failed_run = snapshot({A, B}, [row(A)], [(A, "run1-vfy"), (B, "run1-vfy")], set())
    assert not failed_run.problems and failed_run.missing == {B} and failed_run.unstored == 1


def test_the_follow_up_must_send_exactly_what_was_missing_and_end_complete():
    after = snapshot({A, B, C}, [row(A)], [], set())
    final = snapshot({A, B, C}, [row(A), row(B, job="run2-vfy")], [], set())
    result = reconcile(after, {B}, final, unlabelable={C})
    assert not result.ok
    assert any("did not send 1 missing images" in p for p in result.problems)
    good = reconcile(after, {B, C}, final, unlabelable={C})
    assert good.ok and good.line().startswith("3 / 2 / 1 (after the run: 1 records, 2 missing; follow-up sent 2)")
    assert "1 unlabelable stay missing" in good.line()


def test_causes_lose_request_ids_and_run_hashes():
    cause = ("labeling job scratch-run-1-0123456789-lbl failed (Service: sagemaker, Status Code: 500, Request ID: "
             "1258da81-fc8a-43e8-86bb-a277ee59023a) id 1258da81-fc8a-43e8-86bb-a277ee59023a")
    assert clean(cause) == "labeling job scratch-run-1-<hash>-lbl failed id <id>"


def test_a_lambda_error_payload_in_a_cause_reads_as_type_and_message():
    cause = 'Update failed with Exception: {"errorMessage":"boom","errorType":"Exception","requestId":"x","stackTrace":[]}'
    assert clean(cause) == "Update failed with Exception: boom"
    assert clean('failed: {"errorMessage":"x","errorType":"E"}') == "failed: E: x"


def test_harness_calls_and_entry_pseudo_operations_are_not_pipeline_calls():
    counts = {("stepfunctions", "DescribeExecution"): 9, ("s3", "GetObject"): 2,
              ("sagemaker-featurestore-runtime", "BatchWriteRecord.entry"): 12, ("lambda", "Invoke"): 0}
    assert pipeline_calls(counts) == [("s3", "GetObject")]


def test_only_the_section_between_the_markers_is_replaced():
    results = [CaseResult("c1", "x|y", "SUCCEEDED", "SUCCEEDED", "1 / 1 / 0", True, 1.0),
               CaseResult("c2", "z", "FAILED: e", "SUCCEEDED", "1 / 1 / 0; PROBLEM", False, 2.0)]
    table = render(results)
    assert table.splitlines()[-1] == "2 cases, 1 reconcile"
    assert "x\\|y" in table and "**NO**" in table
    text = f"intro\n{BEGIN}\nold\n{END}\noutro\n"
    replaced = replace_section(text, table)
    assert replaced.startswith("intro\n") and replaced.endswith(f"{END}\noutro\n")
    assert section(replaced) == table
    with pytest.raises(ValueError, match="no <!-- BEGIN GENERATED: reliability -->"):
        replace_section("no markers", table)
