"""Who labels: the workforce section (private, vendor or public; its workteam; the public task price)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from workflow import ground_truth as gt
from workflow.config.base import Section, optional_arn
from workflow.config.errors import problem
from workflow.rules import arn

_WORKFORCE_KINDS = {"private": "private-crowd", "vendor": "vendor-crowd", "public": "public-crowd"}


_workteam_arn = optional_arn(arn.workteam, "a workteam ARN", f"use {arn.WORKTEAM_ARN_FORM}")


class WorkforceSection(Section):
    type: Annotated[Literal["private", "vendor", "public"], Field(
        title="workforce type",
        description="private (your workteam), vendor (Marketplace vendor) or public "
                    "(Mechanical Turk: strangers see the images).")]
    workteam_arn: Annotated[str | None, Field(
        description="Workteam ARN in pipeline.region; may be null only for type public (the region's public crowd)."),
        _workteam_arn] = None
    public_task_price_usd: Annotated[float | None, Field(
        description="Price per task in USD, only and required for type public; one of Ground Truth's allowed prices.")] = None

    @model_validator(mode="after")
    def _type_price_and_team_agree(self) -> WorkforceSection:
        kind, price = self.type, self.public_task_price_usd
        if kind != "public" and price is not None:
            raise problem(f"is {price} but workforce.type is {kind}",
                          "set it to null; a price applies only to the public workforce", "public_task_price_usd")
        if kind == "public":
            allowed = ", ".join(f"{p:.3f}" for p in gt.ALLOWED_PUBLIC_PRICES_USD)
            if price is None:
                raise problem("is missing; the public workforce needs a price per task", f"use one of (USD): {allowed}",
                              "public_task_price_usd")
            if not gt.is_allowed_public_price(price):
                near = " or ".join(f"{p:.3f}" for p in gt.nearest_public_prices(price))
                raise problem(f"{price} USD is not an allowed price", f"nearest allowed: {near}; all allowed (USD): {allowed}",
                              "public_task_price_usd")
        if self.workteam_arn is None:
            if kind != "public":
                raise problem(f"is missing; a {kind} workforce needs its workteam", f"use {arn.WORKTEAM_ARN_FORM}",
                              "workteam_arn")
            return self
        team = arn.workteam(self.workteam_arn)
        if team and team["kind"] != _WORKFORCE_KINDS[kind]:
            raise problem(f"is a {team['kind']} workteam but workforce.type is {kind}",
                          f"use a workteam/{_WORKFORCE_KINDS[kind]}/... ARN or change workforce.type", "workteam_arn")
        return self
