"""Ground Truth labeling jobs for the sandbox, grafted onto moto's SageMaker.

``install(sandbox)`` adds CreateLabelingJob, DescribeLabelingJob, RenderUiTemplate,
ListLabelingJobs and StopLabelingJob to ``moto.sagemaker.responses.SageMakerResponse``
(reached by boto3, the native ``sagemaker:createLabelingJob`` task and
``aws-sdk:sagemaker:*`` tasks, in-process or in server mode) and returns the
``GroundTruthService`` holding the jobs. ``sandbox`` needs ``.clock`` and
``.workforce`` (see service.py).
"""
from __future__ import annotations

from typing import Any

from moto.sagemaker.responses import SageMakerResponse

from sandbox.ground_truth import responses
from sandbox.ground_truth.service import GroundTruthService

__all__ = ["GroundTruthService", "install", "uninstall"]


def install(sandbox: Any) -> GroundTruthService:
    """Serve labeling jobs for ``sandbox``; replaces any service installed before."""
    service = GroundTruthService(sandbox)
    for name, action in responses.ACTIONS.items():
        setattr(SageMakerResponse, name, action)
    responses.set_service(service)
    return service


def uninstall() -> None:
    """Remove the labeling-job actions from moto's SageMaker."""
    for name in responses.ACTIONS:
        if name in SageMakerResponse.__dict__:
            delattr(SageMakerResponse, name)
    responses.set_service(None)
