"""deploy.py --dry-run writes cost.json and prints the estimate of one full run."""
from __future__ import annotations

import json
from pathlib import Path

import deploy

ROOT = Path(__file__).resolve().parents[2]


def test_dry_run_writes_cost_json_and_prints_the_estimate(tmp_path, capsys):
    assert deploy.main(["--config", str(ROOT / "config.yaml"), "--dry-run", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.splitlines()
    document = json.loads((tmp_path / "cost.json").read_text())
    assert document["kind"] == "estimate" and document["currency"] == "USD"
    items = [line["item"] for line in document["lines"]]
    assert items[:2] == ["Ground Truth labeling", "Ground Truth verification"]
    assert {"Step Functions", "Lambda", "Athena"} <= set(items)
    assert document["lines"][0]["quantity"] == "1,000 objects"  # labeling.max_images_per_run
    assert document["prices"]["ground_truth"]["source"].startswith("https://aws.amazon.com/")
    assert document["total_usd"] > 0
    heading = next(i for i, line in enumerate(printed) if line.startswith("estimated cost of one full run (1,000 images"))
    assert printed[heading + 1].split()[:3] == ["Ground", "Truth", "labeling"]
    total = next(line for line in printed[heading:] if line.split()[0] == "total")
    assert total.endswith(f"${document['total_usd']:,.2f}")
