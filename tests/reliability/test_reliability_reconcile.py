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
    etags = {A: "ea", B: "eb", C: "ec"}
    unlabelable_c = row(C, "UNLABELABLE", job="")
    unlabelable_c["image_etag"] = "ec"
    after = snapshot(etags, [row(A), unlabelable_c], [], set())
    assert after.missing == {B} and after.unlabelable == {C}  # UNLABELABLE at the current ETag: done (contract 1)
    final = snapshot(etags, [row(A), unlabelable_c, row(B, job="run2-vfy")], [], set())
    assert not reconcile(after, {B, C}, final, unlabelable={C}).ok  # an unchanged unlabelable object re-sent
    good = reconcile(after, {B}, final, unlabelable={C})
    assert good.ok and good.line().startswith("3 / 3 / 0 (after the run: 2 records, 1 missing; follow-up sent 1)")
    assert "1 unlabelable recorded UNLABELABLE, not sent again" in good.line()
    replaced = snapshot({**etags, C: "new"}, [row(A), unlabelable_c], [], set())
    assert replaced.missing == {B, C}  # a replaced object (new ETag) is missing again
    unrecorded = reconcile(after, {B}, snapshot(etags, [row(A), row(B, job="run2-vfy")], [], set()), unlabelable={C})
    assert any("no UNLABELABLE record" in p for p in unrecorded.problems)


def test_what_the_follow_ups_first_state_wrote_is_not_expected_to_be_sent():
    after = snapshot({A, B}, [], [(A, "run1-vfy"), (B, "run1-vfy")], set())
    final = snapshot({A, B}, [row(A), row(B)], [(A, "run1-vfy"), (B, "run1-vfy")], set())
    result = reconcile(after, None, final, unlabelable=set(), written_first={A, B})
    assert result.ok and "2 verified earlier, written by the follow-up before it selected" in result.line()
    assert not reconcile(after, None, final, unlabelable=set()).ok


def test_the_minimum_is_each_image_once_per_stage_plus_both_stages_per_rejection():
    from collections import Counter

    from reliability.cost import Cost, minimum

    assert minimum([A, B, C], unlabelable={C}, rejected=Counter({B: 1})) == 2 + 4 + 1
    assert minimum([A], set(), Counter(), extra=1) == 3
    assert Cost(24, 24).cell("ignored when equal") == "24 / 24"
    assert Cost(36, 24).cell("every task expired") == "36 / 24: every task expired"
    assert Cost(36, 24).cell() == "36 / 24: UNEXPLAINED"


def test_storing_single_cases_keeps_the_other_rows_in_table_order():
    from reliability.results import merged

    old = [CaseResult(n, "", "", "", "", True, 1.0) for n in ("a", "b", "gone")]
    fresh = [CaseResult("b", "", "new", "", "", True, 2.0), CaseResult("c", "", "", "", "", True, 3.0)]
    rows = merged(old, fresh, ["a", "b", "c"])
    assert [(r.case, r.outcome) for r in rows] == [("a", ""), ("b", "new"), ("c", "")]


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
    results = [CaseResult("c1", "x|y", "SUCCEEDED", "SUCCEEDED", "1 / 1 / 0", True, 1.0, 2, 2),
               CaseResult("c2", "z", "FAILED: e", "SUCCEEDED", "1 / 1 / 0; PROBLEM", False, 2.0, 3, 2, "a reason")]
    table = render(results)
    assert "| 2 / 2 |" in table and "| 3 / 2: a reason |" in table
    assert table.splitlines()[-1] == "2 cases, 1 reconcile"
    assert "x\\|y" in table and "**NO**" in table
    text = f"intro\n{BEGIN}\nold\n{END}\noutro\n"
    replaced = replace_section(text, table)
    assert replaced.startswith("intro\n") and replaced.endswith(f"{END}\noutro\n")
    assert section(replaced) == table
    with pytest.raises(ValueError, match="no <!-- BEGIN GENERATED: reliability -->"):
        replace_section("no markers", table)
