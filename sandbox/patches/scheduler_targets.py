"""EventBridge Scheduler universal targets (``arn:aws:scheduler:::aws-sdk:<service>:<apiAction>``): checked
at CreateSchedule/UpdateSchedule; fired by ``sandbox.iam.schedules.fire_schedule``."""
from __future__ import annotations

import re
from typing import Any

from sandbox.patches.base import patch

UNIVERSAL_TARGET = re.compile(r"^arn:aws(?:-[a-z]+)?:scheduler:::aws-sdk:([a-z0-9-]+):([a-zA-Z0-9]+)$")
# "EventBridge Scheduler does not support read-only API actions, such as common GET operations, that begin
# with the following list of prefixes" ("Using universal targets", managing-targets-universal).
READ_ONLY_PREFIXES = (
    "get", "describe", "list", "poll", "receive", "search", "scan", "query", "select", "read", "lookup",
    "discover", "validate", "batchGet", "batchDescribe", "batchRead", "transactGet", "adminGet", "adminList",
    "testMigration", "retrieve", "testConnection", "translateDocument", "isAuthorized", "invokeModel",
)


def universal_target_problem(arn: str) -> str | None:
    """Why Scheduler refuses this universal target ARN; None when it is not one, or one it accepts.

    The format is ``arn:aws:scheduler:::aws-sdk:service:apiAction`` and read-only actions are not supported
    (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html). The
    ValidationException's wording is not documented: the sandbox's names the rule.
    """
    if ":aws-sdk:" not in arn:
        return None
    match = UNIVERSAL_TARGET.match(arn)
    if not match:
        return (f"Invalid universal target ARN {arn}: expected arn:aws:scheduler:::aws-sdk:<service>:<apiAction> "
                "(the service's AWS SDK identifier, the action in camelCase)")
    action = match.group(2)
    prefix = next((p for p in READ_ONLY_PREFIXES if action.startswith(p)), None)
    if prefix:
        return (f"Universal target {arn} is not supported: EventBridge Scheduler does not invoke read-only "
                f"API actions (those starting with '{prefix}')")
    return None


def install() -> None:
    """Why: moto 5.2.5 stores any target ARN; EventBridge Scheduler refuses a malformed universal target
    and every read-only API action (universal_target_problem)."""
    from moto.scheduler.exceptions import ValidationException
    from moto.scheduler.responses import EventBridgeSchedulerResponse

    def checked(original: Any) -> Any:
        def action(self: Any) -> Any:
            target = self._get_param("Target") or {}
            problem = universal_target_problem(str(target.get("Arn", "")))
            if problem:
                raise ValidationException(problem)
            return original(self)

        return action

    for name in ("create_schedule", "update_schedule"):
        patch(EventBridgeSchedulerResponse, name, checked(getattr(EventBridgeSchedulerResponse, name)))
