"""The EventBridge rule that stops the jobs of executions that ended without running their Catch path.

An ABORTED or TIMED_OUT execution cannot run its own Catch path (workflow/graph/), and neither can
one that FAILED with an error no Catch handles: States.Runtime "will always cause the execution to
fail" and States.ALL "can't catch" it or States.DataLimitExceeded ("Handling errors in Step
Functions workflows", https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html,
which suggests EventBridge events to "handle the failed execution"). So Step Functions' "Step
Functions Execution Status Change" events of this state machine with one of those statuses go to
the StopExecutionJobs function (steps/stop_execution_jobs.py); after a FAILED execution that did
run its Catch path, the jobs it stopped are no longer running and are left alone. Event shape:
"EventBridge (CloudWatch Events) for Step Functions execution status changes" (source
``aws.states``, ``detail.status``, ``detail.stateMachineArn``). EventBridge may invoke the
function only with a resource-based permission for ``events.amazonaws.com`` limited to the rule's
ARN ("Using resource-based policies for Amazon EventBridge", Lambda permissions).
"""
from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from publish.changes import Action, Change

DETAIL_TYPE = "Step Functions Execution Status Change"
ENDED_UNCAUGHT = ("ABORTED", "TIMED_OUT", "FAILED")  # the statuses where the execution may not have acted itself
TARGET_ID = "stop-execution-jobs"
PERMISSION_ID = "execution-ended-rule"


def event_pattern(state_machine_arn: str) -> dict[str, Any]:
    """The rule's pattern: this state machine's aborted, timed-out and failed executions."""
    return {
        "source": ["aws.states"],
        "detail-type": [DETAIL_TYPE],
        "detail": {"status": list(ENDED_UNCAUGHT), "stateMachineArn": [state_machine_arn]},
    }


def _rule(events: Any, name: str) -> dict | None:
    try:
        return events.describe_rule(Name=name)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


def _permission_statement(lam: Any, function_name: str) -> dict | None:
    try:
        policy = json.loads(lam.get_policy(FunctionName=function_name)["Policy"])
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise
    return next((s for s in policy.get("Statement", []) if s.get("Sid") == PERMISSION_ID), None)


def _permission_matches(statement: dict, rule_arn: str) -> bool:
    principal = statement.get("Principal", {})
    service = principal.get("Service") if isinstance(principal, dict) else principal
    source = statement.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn")
    return service == "events.amazonaws.com" and source == rule_arn


def ensure_execution_rule(events: Any, lam: Any, name: str, state_machine_arn: str, function_arn: str,
                          tags: dict[str, str]) -> Change:
    """Create or update the rule, its target and the function's permission; compares before it changes."""
    pattern = event_pattern(state_machine_arn)
    current = _rule(events, name)
    changed: list[str] = []
    if current is None or json.loads(current.get("EventPattern") or "{}") != pattern or current.get("State") != "ENABLED":
        request: dict[str, Any] = {"Name": name, "EventPattern": json.dumps(pattern), "State": "ENABLED",
                                   "Description": "Stops the labeling jobs of aborted, timed-out or failed executions (managed by deploy.py)"}
        if current is None:
            request["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
        rule_arn = events.put_rule(**request)["RuleArn"]
        changed.append("rule")
    else:
        rule_arn = current["Arn"]
    targets = events.list_targets_by_rule(Rule=name).get("Targets", [])
    if not any(t["Id"] == TARGET_ID and t["Arn"] == function_arn for t in targets):
        events.put_targets(Rule=name, Targets=[{"Id": TARGET_ID, "Arn": function_arn}])
        changed.append("target")
    statement = _permission_statement(lam, function_arn)
    if statement is None or not _permission_matches(statement, rule_arn):
        if statement is not None:
            lam.remove_permission(FunctionName=function_arn, StatementId=PERMISSION_ID)
        lam.add_permission(FunctionName=function_arn, StatementId=PERMISSION_ID, Action="lambda:InvokeFunction",
                           Principal="events.amazonaws.com", SourceArn=rule_arn)
        changed.append("permission")
    action: Action = "created" if current is None else ("updated" if changed else "unchanged")
    return Change("eventbridge rule", name, action, "; ".join(changed) if action == "updated" else "ABORTED, TIMED_OUT")
