"""EventBridge rules deliver to Lambda targets: an asynchronous Invoke that the function's policy allows."""
from __future__ import annotations

import copy
import json
import logging
import threading
from typing import Any

from sandbox.patches.base import patch

LOG = logging.getLogger(__name__)
EVENTS_PRINCIPAL = "events.amazonaws.com"


def _allows_rule(policy: dict[str, Any], rule_arn: str) -> bool:
    """Whether the function's resource-based policy lets EventBridge invoke it for ``rule_arn``."""
    for statement in policy.get("Statement", []):
        principal = statement.get("Principal", {})
        service = principal.get("Service") if isinstance(principal, dict) else principal
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        source = statement.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn", rule_arn)
        if (statement.get("Effect") == "Allow" and service == EVENTS_PRINCIPAL
                and {"lambda:InvokeFunction", "lambda:*"} & set(actions) and source == rule_arn):
            return True
    return False


def _deliver(rule: Any, target: dict[str, Any], event: dict[str, Any]) -> None:
    from moto.awslambda.models import lambda_backends
    from moto.utilities.arns import parse_arn

    arn = parse_arn(target["Arn"])
    backend = lambda_backends[arn.account][arn.region]
    name = arn.resource_id.split(":")[0]
    try:
        function = backend.get_function(name)
        policy = function.policy.get_policy()["Policy"]
    except Exception:  # no function, or no resource-based policy at all
        LOG.warning("rule %s: cannot invoke %s (no such function or no permission for EventBridge)",
                    rule.arn, target["Arn"])
        return
    if not _allows_rule(policy, rule.arn):
        LOG.warning("rule %s: %s does not allow %s to invoke it", rule.arn, target["Arn"], EVENTS_PRINCIPAL)
        return
    payload = target["Input"] if "Input" in target else json.dumps(event)

    def invoke() -> None:
        try:
            function.invoke(payload, {"x-amz-invocation-type": "Event"}, {})
        except Exception:
            LOG.exception("rule %s: invocation of %s failed", rule.arn, target["Arn"])

    threading.Thread(target=invoke, name=f"events-{name}", daemon=True).start()


def install() -> None:
    """Why: moto's EventBridge rules deliver to logs, SQS, archives and buses only (a Lambda target
    raises NotImplementedError). On AWS a rule invokes a Lambda target asynchronously
    ("Amazon EventBridge targets"), and only when the function's resource-based policy allows
    ``events.amazonaws.com``, here limited to the rule's ARN ("Using resource-based policies for
    Amazon EventBridge": Lambda permissions); otherwise the invocation fails and nothing runs. The
    function runs through the sandbox's Lambda runtime as its execution role
    (sandbox.patches.lambda_invoke). EventBridge's retries of a failed delivery are not simulated.
    """
    from moto.events.models import Rule
    from moto.utilities.arns import parse_arn

    original = Rule.send_to_targets

    def send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        if not self.event_pattern.matches_event(original_event):
            return
        lambdas = [t for t in self.targets if parse_arn(t["Arn"]).service == "lambda"]
        if len(lambdas) < len(self.targets):
            others = copy.copy(self)
            others.targets = [t for t in self.targets if t not in lambdas]
            original(others, original_event, transform_input)
        for target in lambdas:
            _deliver(self, target, copy.deepcopy(original_event))

    patch(Rule, "send_to_targets", send_to_targets)
