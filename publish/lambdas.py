"""The Lambda functions, from one reproducible zip of steps/."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from publish.changes import Action, Change
from publish.iam_propagation import RolePropagation
from publish.packaging import LambdaPackage

RUNTIME = "python3.12"


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    handler: str  # "steps.check_missing_labels.handler"
    role_arn: str
    timeout: int  # seconds
    memory_mb: int
    environment: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    tracing: bool = True

    def configuration(self) -> dict:
        """The UpdateFunctionConfiguration arguments this spec asks for."""
        return {
            "Role": self.role_arn,
            "Handler": self.handler,
            "Runtime": RUNTIME,
            "Timeout": self.timeout,
            "MemorySize": self.memory_mb,
            "Environment": {"Variables": dict(self.environment)},
            "LoggingConfig": {"LogFormat": "JSON"},
            "TracingConfig": {"Mode": "Active" if self.tracing else "PassThrough"},
        }


def _differs(current: dict, desired: dict) -> list[str]:
    differences = []
    for key, want in desired.items():
        if key not in current:  # not reported by this endpoint (e.g. LoggingConfig on moto): cannot compare
            continue
        have = current[key]
        if key == "Environment":
            have = {"Variables": (have or {}).get("Variables", {})}
        elif isinstance(want, dict) and isinstance(have, dict):
            have = {k: have.get(k) for k in want}
        if have != want:
            differences.append(key)
    return differences


def _wait_until_ready(lam, name: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        config = lam.get_function_configuration(FunctionName=name)
        if config.get("State", "Active") != "Pending" and config.get("LastUpdateStatus", "Successful") != "InProgress":
            return
        time.sleep(1.0)
    raise TimeoutError(f"Lambda function {name} did not become ready within {timeout:.0f} s")


def ensure_function(lam, spec: FunctionSpec, package: LambdaPackage,
                    propagation: RolePropagation | None = None) -> tuple[Change, str]:
    """Create the function, or update its code and configuration where they differ; while IAM
    propagates a new role, ``propagation`` waits (publish.iam_propagation)."""
    propagation = propagation or RolePropagation()
    try:
        current = lam.get_function(FunctionName=spec.name)["Configuration"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        created = propagation.call(lambda: lam.create_function(
            FunctionName=spec.name, Code={"ZipFile": package.data}, Publish=False,
            Tags=dict(spec.tags), **spec.configuration(),
        ), spec.role_arn, "Lambda")
        _wait_until_ready(lam, spec.name)
        return Change("lambda function", spec.name, "created", f"{package.size / 1024:.0f} KiB zip"), created["FunctionArn"]
    updated = []
    if current["CodeSha256"] != package.code_sha256:
        lam.update_function_code(FunctionName=spec.name, ZipFile=package.data)
        _wait_until_ready(lam, spec.name)
        updated.append("code")
    stale = _differs(current, spec.configuration())
    if stale:
        propagation.call(lambda: lam.update_function_configuration(FunctionName=spec.name, **spec.configuration()),
                         spec.role_arn, "Lambda")
        _wait_until_ready(lam, spec.name)
        updated.append("configuration: " + ", ".join(stale))
    action: Action = "updated" if updated else "unchanged"
    return Change("lambda function", spec.name, action, "; ".join(updated)), current["FunctionArn"]
