"""Retry the calls that hand a just-created or just-changed IAM role to a service.

IAM is eventually consistent: a role created seconds ago may not be assumable yet, and the
service says so ("Changes that I make are not always immediately visible", IAM User Guide,
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
Only those refusals are retried, with exponential backoff, for a bounded time (about two
minutes), printing one line per wait; anything else fails at once.

The messages are undocumented; each is the one AWS's own tooling or Terraform retries on:
Lambda "The role defined for the function cannot be assumed by Lambda." and, for a traced
function whose new policy has not propagated, "The provided execution role does not have
permissions to call PutTraceSegments on XRAY" (InvalidParameterValueException); Step Functions
"Neither the global service principal states.amazonaws.com, nor the regional one is authorized to
assume the provided role." (AccessDeniedException; AWS's CloudFormation provider for
AWS::StepFunctions::StateMachine retries on it); SageMaker "The execution role ARN is invalid."
and "Could not assume role" (ValidationException; Terraform's aws_sagemaker_feature_group
retries on the first).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from botocore.exceptions import ClientError

T = TypeVar("T")

# (error code, part of the message) of each "role not usable yet" refusal.
REFUSALS: tuple[tuple[str, str], ...] = (
    ("InvalidParameterValueException", "cannot be assumed by Lambda"),
    ("InvalidParameterValueException", "The provided execution role does not have permissions to call"),
    ("AccessDeniedException", "is authorized to assume the provided role"),
    ("ValidationException", "The execution role ARN is invalid"),
    ("ValidationException", "Could not assume role"),
    # CodeBuild: "CodeBuild is not authorized to perform: sts:AssumeRole on <role>" (undocumented; the message
    # Terraform's aws_codebuild_project retries on).
    ("InvalidInputException", "CodeBuild is not authorized to perform: sts:AssumeRole"),
)


class RoleNotUsable(RuntimeError):
    """A role still refused after the whole wait: the message says which role, by whom, and why."""


def is_propagation_refusal(error: ClientError) -> bool:
    """True when ``error`` is a service refusing a role IAM may still be propagating."""
    info = error.response.get("Error", {})
    code, message = info.get("Code", ""), info.get("Message", "")
    return any(code == want_code and part in message for want_code, part in REFUSALS)


def _role_name(role_arn: str) -> str:
    return role_arn.rsplit("/", 1)[-1]


@dataclass
class RolePropagation:
    """How long and how to wait for IAM: injectable clock, sleep and output for tests."""

    max_wait: float = 120.0  # seconds of waiting in all, per call
    first_delay: float = 2.0
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    say: Callable[[str], None] = field(default=lambda line: print(line, flush=True))

    def call(self, operation: Callable[[], T], role_arn: str, service: str) -> T:
        """Run ``operation``; while ``service`` refuses the role as not usable yet, wait and retry."""
        started, delay, retry = self.clock(), self.first_delay, 0
        while True:
            try:
                return operation()
            except ClientError as error:
                if not is_propagation_refusal(error):
                    raise
                waited = self.clock() - started
                if waited + delay > self.max_wait:
                    info = error.response.get("Error", {})
                    raise RoleNotUsable(
                        f"IAM role {_role_name(role_arn)} is still not usable by {service} after {waited:.0f} s "
                        f"({info.get('Code')}: {info.get('Message')}); check that its trust policy names "
                        f"{service}'s service principal, then deploy again"
                    ) from error
                retry += 1
                self.say(f"waiting for IAM role {_role_name(role_arn)} to be usable by {service} "
                         f"(retry {retry}, {delay:g} s)")
                self.sleep(delay)
                delay = min(delay * 2, self.max_delay)
