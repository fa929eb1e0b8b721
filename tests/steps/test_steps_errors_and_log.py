"""Error class names match the contract; the summary is one JSON line."""
from __future__ import annotations

import io
import json

from steps import contract, errors
from steps.log import StepSummary


def test_error_class_names_are_the_contract_error_names():
    assert errors.InvalidExecutionInput.__name__ == contract.INVALID_INPUT_ERROR
    assert errors.FeatureStoreWriteFailed.__name__ == contract.WRITE_FAILED_ERROR
    assert errors.ManifestError.__name__ == contract.MANIFEST_ERROR


def test_summary_is_a_single_json_line_with_notes_and_error():
    stream = io.StringIO()
    summary = StepSummary("UpdateFeatureStore", "req-1", stream)
    summary.add(written=3)
    summary.note("multi\nline note")
    line = summary.emit(errors.ManifestError("manifest line 2 is not valid JSON"))
    text = stream.getvalue()
    assert text.count("\n") == 1 and json.loads(text) == line
    assert line["level"] == "ERROR" and line["error"] == "ManifestError" and line["written"] == 3
    assert line["notes"] == ["multi\nline note"] and line["request_id"] == "req-1"
