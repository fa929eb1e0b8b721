"""Ground Truth labeling jobs for the sandbox, grafted onto moto's SageMaker.

``install(sandbox)`` adds CreateLabelingJob, DescribeLabelingJob, RenderUiTemplate,
ListLabelingJobs and StopLabelingJob to ``moto.sagemaker.responses.SageMakerResponse``
(reached by boto3, the native ``sagemaker:createLabelingJob`` task and
``aws-sdk:sagemaker:*`` tasks, in-process or in server mode) and returns the
``GroundTruthService`` holding the jobs, which ``sandbox.registry`` holds for the actions.
``sandbox`` needs ``.clock`` and ``.workforce`` (see service.py). A Sandbox installs it through
``sandbox.patches.ground_truth``; the stand-in's own tests call ``install`` on plain moto.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.sagemaker.responses import SageMakerResponse

from sandbox import registry
from sandbox.ground_truth import responses
from sandbox.ground_truth.service import GroundTruthService

__all__ = ["GroundTruthService", "install", "uninstall"]


def install(sandbox: Any, patch: Callable[[Any, str, Any], None] = setattr) -> GroundTruthService:
    """Serve labeling jobs for ``sandbox``; replaces any service installed before. ``patch`` sets
    each action (``sandbox.patches.base.patch`` records it so that the Sandbox restores moto)."""
    service = GroundTruthService(sandbox)
    for name, action in responses.ACTIONS.items():
        patch(SageMakerResponse, name, action)
    registry.set_ground_truth(service)
    return service


def uninstall() -> None:
    """Remove the labeling-job actions from moto's SageMaker."""
    for name in responses.ACTIONS:
        if name in SageMakerResponse.__dict__:
            delattr(SageMakerResponse, name)
    registry.set_ground_truth(None)
