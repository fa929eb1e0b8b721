"""Two runs in the offline store's lag: the second must not send the first run's images to labeling again.

Feature Store writes the offline store "within 15 minutes" (feature-store-offline), so for a while
after a run succeeds its approvals are not visible to Athena. steps.in_flight keeps that run's claim
for OFFLINE_STORE_LAG_SECONDS after it succeeded; this test runs B inside that window, on a sandbox
whose offline store shows records a simulated day after their write: far longer than AWS's 15 minutes, so
that B certainly runs inside it however slow the machine (15 simulated minutes were 3.6 real seconds, less than
B's check can take on a loaded machine). steps.in_flight holds the claim for OFFLINE_STORE_LAG_SECONDS of real
time here (the check step's clock and Step Functions' stop dates are real), so the sandbox's longer lag does not
change what the run does; the test ends the lag by moving the sandbox clock past it.
"""
from __future__ import annotations

import pytest

from reliability.pipeline import SandboxPipeline, workforce
from sandbox import Sandbox
from sandbox.sample_images import generate_sample_images

LAG_SECONDS = 86_400  # a simulated day: 6 real minutes at TIME_SCALE
TIME_SCALE = 0.004
FIRST, NEW = 5, 2
SHORT_JOBS = workforce(initializing_seconds=30, labeling_seconds=120, verification_seconds=60)  # ~1 s each


@pytest.fixture()
def pipeline():
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE, workforce=SHORT_JOBS,
                 offline_store_delay_seconds=LAG_SECONDS) as sandbox:
        yield SandboxPipeline(sandbox)


def test_a_run_inside_the_lag_leaves_the_previous_runs_images_alone(pipeline):
    first = pipeline.upload_samples(FIRST, seed=1)
    a = pipeline.run()
    assert a.outcome.status == "SUCCEEDED", (a.outcome.error, a.outcome.cause)
    assert a.outcome.output["approved"] == FIRST
    assert pipeline.sandbox.offline_store.pending_count() == FIRST, "A's approvals must not be visible yet"

    keys = generate_sample_images(pipeline.s3, pipeline.bucket, f"{pipeline.cfg.storage.raw_prefix}later/", NEW, seed=2)
    later = [pipeline.uri(key) for key in keys]
    b = pipeline.run()
    out = b.outcome.output
    assert b.outcome.status == "SUCCEEDED", (b.outcome.error, b.outcome.cause)
    # None of A's approvals was visible to B's check (already_labeled 0: it ran inside the lag), yet B
    # left A's images to A (in flight: found - labeled - missing) and sent only the new ones.
    assert (out["images_found"], out["already_labeled"], out["missing"], out["selected"]) == (FIRST + NEW, 0, NEW, NEW)
    assert pipeline.input_manifest(b.run_id) == set(later)
    assert pipeline.input_manifest(a.run_id) == set(first)

    pipeline.sandbox.clock.advance(LAG_SECONDS)  # past the lag: every approval is visible
    c = pipeline.run().outcome
    assert c.status == "SUCCEEDED", (c.error, c.cause)
    assert (c.output["already_labeled"], c.output["selected"]) == (FIRST + NEW, 0)
    assert pipeline.keys(f"{pipeline.cfg.storage.work_prefix}active/") == []  # both claims released
