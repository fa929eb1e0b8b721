"""workflow.cost: the price table, the tiers, the state transitions walked from the graph, the estimate."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from workflow import cost
from workflow.config import load_config
from workflow.graph import render_definition
from workflow.resources import ResourceArns

ROOT = Path(__file__).resolve().parents[2]
TIERS = cost.load_prices()["ground_truth"]["per_object_tiers"]


@pytest.fixture(scope="module")
def cfg():
    return load_config(ROOT / "config.yaml")


@pytest.fixture(scope="module")
def definition(cfg):
    return render_definition(cfg, ResourceArns.placeholder(cfg))


def test_price_table_names_its_source_date_and_what_is_unverified():
    prices = cost.load_prices()
    assert prices["retrieved"] and prices["currency"] == "USD"
    for name in ("ground_truth", "public_workforce", "step_functions", "lambda", "athena"):
        entry = prices[name]
        assert entry["source"].startswith("https://") and isinstance(entry["verified"], bool)
        assert entry["verified"] or entry["unverified_note"]
    assert prices["ground_truth"]["verified"] is False  # the stored page has no tier amounts: say so
    # Every Ground Truth region has a Step Functions price.
    from workflow import ground_truth as gt

    assert set(gt.SUPPORTED_REGIONS) <= set(prices["step_functions"]["usd_per_1000_transitions"])


def test_ground_truth_fee_follows_the_monthly_tiers():
    assert cost.tiered_fee(1000, TIERS) == pytest.approx(1000 * 0.08)
    assert cost.tiered_fee(2000, TIERS, earlier_this_month=49_000) == pytest.approx(1000 * 0.08 + 1000 * 0.04)
    assert cost.tiered_fee(10, TIERS, earlier_this_month=2_000_000) == pytest.approx(10 * 0.02)
    assert cost.tiered_fee(0, TIERS) == 0


def test_athena_bills_at_least_10_mb_rounded_up_to_the_megabyte():
    assert cost.athena_bytes_billed(1, 10) == 10 * cost.MB
    assert cost.athena_bytes_billed(25 * cost.MB + 1, 10) == 26 * cost.MB


def test_the_run_path_is_the_labeling_and_verification_run(definition):
    path = cost.run_path(definition)
    assert path.states[0] == definition["StartAt"] and path.states[-1] == "Done"
    assert "Check missing labels" in path.states and "Update feature store" in path.states
    assert "Labeling: wait" in path.states and "Verification: wait" in path.states
    assert not any("failed" in state or "retry" in state for state in path.states)
    assert path.jobs == 2 and path.loops == (4, 4)  # Wait, check status, status?, next wait
    assert any(function.endswith("-check-missing-labels") for function in path.lambdas)
    assert any(function.endswith("-update-feature-store") for function in path.lambdas)


def test_transitions_add_the_polling_rounds_to_the_path(definition):
    path = cost.run_path(definition)
    assert cost.transitions(definition, 1) == path.transitions
    assert cost.transitions(definition, 10) == path.transitions + 2 * 4 * 9


def test_parallel_branches_count_their_states():
    definition = {"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Next": "Done", "Branches": [
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "C"},
                                        "C": {"Type": "Choice", "Choices": [{"Next": "X", "Variable": "$.a",
                                                                             "BooleanEquals": True}], "Default": "W"},
                                        "X": {"Type": "Pass", "End": True}}},
            {"StartAt": "Y", "States": {"Y": {"Type": "Pass", "End": True}}}]},
        "Done": {"Type": "Succeed"}}}
    path = cost.run_path(definition)
    assert path.states == ("P", "P/W", "P/C", "P/X", "P/Y", "Done")
    assert path.loops == (2,)
    assert cost.transitions(definition, 3) == 6 + 2 * 2


def test_estimate_of_one_full_run(cfg, definition):
    breakdown = cost.estimate(cfg, definition)
    items = [line.item for line in breakdown.lines]
    assert items == ["Ground Truth labeling", "Ground Truth verification", "Step Functions", "Lambda", "Athena"]
    labeling = breakdown.lines[0]
    assert labeling.quantity == "1,000 objects" and labeling.usd == pytest.approx(80.0)
    assert "unverified" in labeling.note
    assert breakdown.total_usd == pytest.approx(sum(line.usd for line in breakdown.lines))
    document = breakdown.to_json()
    assert document["kind"] == "estimate" and json.dumps(document)
    assert any("state transitions" in text for text in document["assumptions"])
    assert breakdown.text_lines()[-1].split()[0] == "total"


def test_public_workforce_adds_price_times_workers_per_object(cfg, definition):
    workforce = cfg.workforce.model_copy(update={"type": "public", "public_task_price_usd": 0.036})
    labeling = cfg.labeling.model_copy(update={"workers_per_object": 3})
    public = cfg.model_copy(update={"workforce": workforce, "labeling": labeling})
    line = next(line for line in cost.estimate(public, definition).lines if line.item.startswith("public workforce"))
    assert line.quantity == "4,000 tasks x $0.036" and line.usd == pytest.approx((1000 * 3 + 1000 * 1) * 0.036)


def test_region_prices_apply(cfg, definition):
    mumbai = cfg.model_copy(update={"pipeline": cfg.pipeline.model_copy(update={"region": "ap-south-1"})})
    line = next(line for line in cost.estimate(mumbai, definition).lines if line.item == "Step Functions")
    transitions = int(line.quantity.split()[0].replace(",", ""))
    assert line.usd == pytest.approx(transitions / 1000 * 0.0285)


def test_actual_uses_the_runs_counts(cfg):
    summary = {"images_found": 40, "selected": 40, "left_out": 2, "approved": 30, "rejected": 8}
    runs = [cost.LambdaRun("check-missing-labels", 1024, 1, 2.0)]
    breakdown = cost.actual(cfg, summary, 180, runs)
    quantities = {line.item: line.quantity for line in breakdown.lines}
    assert quantities["Ground Truth labeling"] == "38 objects"
    assert quantities["Ground Truth verification"] == "38 objects"
    assert quantities["Step Functions"] == "180 state transitions"
    assert quantities["Lambda"] == "1 invocation, 2.0 GB-s"
    assert breakdown.kind == "actual"
