"""Which failure-reason texts mean UNLABELABLE (steps.unlabelable): each built-in marker, the retry markers
(including the one real Ground Truth wording found), the conservative default for unknown wording, and the
extra markers from labeling.unlabelable_reasons (config -> update settings -> the update step)."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from steps_fakes import BUCKET, FakeFeatureStore
from test_steps_unlabelable import LABELING_KEY, failed_line
from test_steps_update_feature_store import FAST, event, upload

from sandbox.ground_truth.simulation import EXPIRED_REASON
from steps import update_feature_store as step
from steps.log import StepSummary
from steps.unlabelable import OBJECT_FAILURE_MARKERS, RETRY_MARKERS, is_object_failure, markers, object_failure
from workflow.config import load_config
from workflow.graph import update_settings

ROOT = Path(__file__).resolve().parents[2]

# The sandbox's wordings for the objects it cannot label (sandbox/ground_truth/workers.py), one per cause.
SANDBOX_OBJECT_FAILURES = {
    "zero bytes": "ClientError: The data object s3://b/raw/e.png is not a supported image: the object is empty "
                  "(0 bytes), not an image.",
    "not an image": "ClientError: The data object s3://b/raw/n.png is not a supported image: not a PNG, JPEG, GIF, "
                    "BMP or WebP image (unknown file signature).",
    "unsupported format": "ClientError: The data object s3://b/raw/g.gif is not a supported image: GIF (image tasks "
                          "take JPEG and PNG).",
}
# Real Ground Truth wording for an expired task (aws-samples/amazon-comprehend-semi-structured-documents-
# annotation-tools, src/utils/output_manifest_utils.py).
REAL_EXPIRED = "ClientError: Annotation tasks expired."
# Plausible wordings real Ground Truth might use; none is documented, so none is UNLABELABLE by default.
UNKNOWN = ("ClientError: Unsupported image format", "ClientError: Image could not be decoded",
           "ClientError: Image file size exceeds 40 MB", "InternalServerError", "")


@pytest.mark.parametrize("cause", sorted(SANDBOX_OBJECT_FAILURES))
def test_each_sandbox_object_failure_is_unlabelable(cause):
    assert is_object_failure(SANDBOX_OBJECT_FAILURES[cause])


def test_every_built_in_marker_matches_on_its_own_in_any_case():
    for marker in OBJECT_FAILURE_MARKERS:
        assert is_object_failure(f"ClientError: X {marker.upper()} Y")


@pytest.mark.parametrize("reason", [REAL_EXPIRED, EXPIRED_REASON])
def test_expired_tasks_are_retried(reason):
    assert not is_object_failure(reason)


@pytest.mark.parametrize("marker", RETRY_MARKERS)
def test_each_retry_marker_wins_over_an_object_marker(marker):
    reason = f"ClientError: The data object is not a supported image: {marker}"
    assert not is_object_failure(reason)
    assert not is_object_failure(reason, markers([reason]))  # not even when configured


@pytest.mark.parametrize("reason", UNKNOWN)
def test_unknown_wording_is_retried_by_default(reason):
    assert not is_object_failure(reason)


def test_configured_fragments_add_to_the_built_in_markers_case_insensitively():
    found = markers(["Unsupported Image Format ", "  ", "image could not be decoded", None, 7])
    assert found == (*OBJECT_FAILURE_MARKERS, "unsupported image format", "image could not be decoded")
    assert markers(None) == markers([]) == OBJECT_FAILURE_MARKERS
    assert is_object_failure("ClientError: Unsupported image format", found)
    assert is_object_failure("ClientError: IMAGE COULD NOT BE DECODED (truncated)", found)
    assert is_object_failure(SANDBOX_OBJECT_FAILURES["zero bytes"], found)  # the built-in ones stay
    assert not is_object_failure("ClientError: Image file size exceeds 40 MB", found)


def test_a_labeled_line_is_never_an_object_failure_whatever_the_markers():
    line = {"source-ref": "s3://b/raw/a.png", "scratch-boxes": {"annotations": []},
            "scratch-boxes-metadata": {"failure-reason": "ClientError: Unsupported image format"}}
    assert object_failure(line, "scratch-boxes", markers(["unsupported image format"])) is None


def _labeling(s3, reasons: list[str]) -> str:
    lines = [failed_line(f"s3://b/raw/{n}.png", reason) for n, reason in enumerate(reasons)]
    s3.put_object(Bucket=BUCKET, Key=LABELING_KEY, Body="".join(json.dumps(line) + "\n" for line in lines).encode())
    return f"s3://{BUCKET}/{LABELING_KEY}"


@pytest.mark.parametrize(("configured", "unlabelable"), [(None, 0), ([], 0), (["unsupported image format"], 1)])
def test_the_update_step_honours_unlabelable_reasons_from_its_settings(s3, configured, unlabelable):
    upload(s3, [])
    evt = event() if configured is None else event(unlabelable_reasons=configured)
    evt["labeling_manifest_uri"] = _labeling(s3, ["ClientError: Unsupported image format", REAL_EXPIRED])
    store = FakeFeatureStore()
    result = step.update_feature_store(evt, s3, store, StepSummary("x", stream=io.StringIO()), FAST)
    assert result["unlabelable"] == result["written"] == unlabelable
    assert [r["status"] for r in store.records.values()] == ["UNLABELABLE"] * unlabelable


def test_labeling_unlabelable_reasons_reaches_the_update_settings(tmp_path):
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    assert "\n  unlabelable_reasons: []\n" in text  # shipped: built-in markers only
    cfg = load_config(ROOT / "config.yaml")
    assert cfg.labeling.unlabelable_reasons == () and update_settings(cfg)["unlabelable_reasons"] == []
    changed = tmp_path / "config.yaml"
    for value, expected in (("[Unsupported image format]", ["Unsupported image format"]), ("null", [])):
        changed.write_text(text.replace("\n  unlabelable_reasons: []\n", f"\n  unlabelable_reasons: {value}\n"),
                           encoding="utf-8")
        assert update_settings(load_config(changed))["unlabelable_reasons"] == expected
