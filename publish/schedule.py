"""The EventBridge Scheduler schedule that starts the pipeline; removed when turned off."""
from __future__ import annotations

from botocore.exceptions import ClientError

from publish.changes import Change


def _current(scheduler, name: str) -> dict | None:
    try:
        return scheduler.get_schedule(Name=name)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


def schedule_request(name: str, expression: str, timezone: str, state_machine_arn: str, role_arn: str) -> dict:
    return {
        "Name": name,
        "ScheduleExpression": expression,
        "ScheduleExpressionTimezone": timezone,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {
            "Arn": state_machine_arn,
            "RoleArn": role_arn,
            "Input": "{}",
            "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
        },
        "State": "ENABLED",
        "Description": "Runs the labeling pipeline (managed by deploy.py)",
    }


def ensure_schedule(scheduler, name: str, request: dict | None) -> Change:
    """Create or update the schedule; with ``request`` None, delete it if it exists."""
    current = _current(scheduler, name)
    if request is None:
        if current is None:
            return Change("schedule", name, "absent", "schedule is off")
        scheduler.delete_schedule(Name=name)
        return Change("schedule", name, "deleted", "schedule turned off")
    if current is None:
        scheduler.create_schedule(**request)
        return Change("schedule", name, "created", request["ScheduleExpression"])
    compared = ("ScheduleExpression", "ScheduleExpressionTimezone", "State", "FlexibleTimeWindow")
    stale = [key for key in compared if current.get(key) != request[key]]
    target = current.get("Target", {})
    stale += [f"Target.{key}" for key in ("Arn", "RoleArn", "Input") if target.get(key) != request["Target"][key]]
    if not stale:
        return Change("schedule", name, "unchanged", request["ScheduleExpression"])
    scheduler.update_schedule(**request)
    return Change("schedule", name, "updated", ", ".join(stale))
