"""Ground Truth labeling jobs on moto's SageMaker (the stand-in is sandbox.ground_truth)."""
from __future__ import annotations

from sandbox import registry
from sandbox.patches.base import patch


def install() -> None:
    """Why: moto 5.2.5's SageMaker has no labeling jobs (CreateLabelingJob, DescribeLabelingJob,
    ListLabelingJobs, StopLabelingJob, RenderUiTemplate); the state machine's createLabelingJob
    task needs them. The running sandbox's ``ground_truth`` serves them."""
    from sandbox import ground_truth

    sandbox = registry.active()
    sandbox.ground_truth = ground_truth.install(sandbox, patch)


def uninstall() -> None:
    """Forget the Ground Truth service (its actions are restored with every other patch)."""
    sandbox = registry.current()
    if sandbox is not None:
        sandbox.ground_truth = None
    registry.set_ground_truth(None)
