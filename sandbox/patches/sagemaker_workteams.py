"""SageMaker workteams: CreateWorkteam, DescribeWorkteam, ListWorkteams on moto's SageMakerResponse."""
from __future__ import annotations

from typing import Any

from sandbox import registry
from sandbox.patches.base import patch


def install() -> None:
    """Why: moto 5.2.5's SageMaker has no workteams at all (the actions are missing from
    ``SageMakerResponse``), so ``deploy.py --preflight`` could not ask whether the configured
    workteam exists, and the local run could not create one. The workteams live in the running
    sandbox's ``sandbox.workteams.WorkteamStore``."""
    from moto.core.responses import ActionResult
    from moto.sagemaker.responses import SageMakerResponse

    def create_workteam(self: Any) -> ActionResult:
        team = registry.active().workteams.create(self.current_account, self.region, dict(self.params or {}))
        return ActionResult({"WorkteamArn": team["WorkteamArn"]})

    def describe_workteam(self: Any) -> ActionResult:
        store = registry.active().workteams
        return ActionResult({"Workteam": store.describe(self.current_account, self.region, dict(self.params or {}))})

    def list_workteams(self: Any) -> ActionResult:
        store = registry.active().workteams
        return ActionResult(store.list_page(self.current_account, self.region, dict(self.params or {})))

    patch(SageMakerResponse, "create_workteam", create_workteam)
    patch(SageMakerResponse, "describe_workteam", describe_workteam)
    patch(SageMakerResponse, "list_workteams", list_workteams)
