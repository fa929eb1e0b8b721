"""``reliability/results.json``: the last full run's rows and the AWS calls its fault cases covered."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from reliability.runner import CaseResult

RESULTS_PATH = Path(__file__).resolve().parent / "results.json"


def save(results: list[CaseResult], calls: list[tuple[str, str]], seconds: float, path: Path = RESULTS_PATH) -> None:
    """Write the results (stable order, one case per entry) as indented JSON."""
    document = {"calls": [list(call) for call in calls], "seconds": round(seconds, 1),
                "cases": [asdict(result) for result in results]}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load(path: Path = RESULTS_PATH) -> dict[str, Any]:
    """The stored document: ``calls`` as tuples, ``cases`` as CaseResult objects."""
    document = json.loads(path.read_text(encoding="utf-8"))
    document["calls"] = [tuple(call) for call in document["calls"]]
    document["cases"] = [CaseResult(**case) for case in document["cases"]]
    return document


def merged(stored: list[CaseResult], fresh: list[CaseResult], order: list[str]) -> list[CaseResult]:
    """The rows of ``order``: a fresh row where there is one, else the stored row (rows of removed cases drop)."""
    by_name = {row.case: row for row in stored}
    by_name.update({row.case: row for row in fresh})
    return [by_name[name] for name in order if name in by_name]
