"""Lambda Invoke runs the uploaded zip."""
from __future__ import annotations

import base64
import json
from typing import Any

from sandbox import registry
from sandbox.iam.identity import acting_as
from sandbox.lambda_runtime import FunctionSpec
from sandbox.patches.base import patch


def install() -> None:
    """Why: moto's invoke needs Docker (or returns canned answers); the sandbox runs the real zip
    in-process (sandbox.lambda_runtime) and applies planned crash/timeout faults. The handler runs
    as the function's execution role: its AWS calls (and its threads') are evaluated against that
    role (sandbox.iam.identity, sandbox.iam.guard), as on AWS where the role's credentials are in
    the function's environment ("Defining Lambda function permissions with an execution role")."""
    from moto.awslambda.models import LambdaFunction

    def invoke(self: LambdaFunction, body: str, request_headers: Any, response_headers: Any) -> bytes:
        sandbox = registry.active()
        try:
            event = json.loads(body) if body else {}
        except ValueError:
            event = body
        spec = FunctionSpec(
            function_name=self.function_name,
            function_arn=self.function_arn,
            handler=self.handler or "",
            code_sha256=self.code_sha_256,
            code_bytes=self.code_bytes,
            environment=dict(self.environment_vars or {}),
            timeout_seconds=int(self.timeout or 3),
            memory_mb=int(self.memory_size or 128),
            region=self.region,
            version=str(self.version),
        )
        if request_headers.get("x-amz-invocation-type") == "DryRun":
            return b""  # AWS validates the request and runs nothing
        # The handler's AWS calls are made as the execution role, session = function name (sandbox.iam).
        from sandbox.iam.lambda_role import assume_function_role

        assume_function_role(sandbox.account_id, self.role)  # lambda.amazonaws.com's trust: sandbox/iam/lambda_role.py
        with acting_as(self.role, self.function_name, threads=True):
            result = sandbox.lambda_runtime.invoke(spec, event, sandbox.faults.take_lambda_fault(self.function_name))
        if result.function_error:
            response_headers["x-amz-function-error"] = result.function_error
        if request_headers.get("x-amz-invocation-type", "RequestResponse") == "RequestResponse":
            response_headers["x-amz-log-result"] = base64.b64encode(result.log_tail.encode()).decode()
        return result.payload

    patch(LambdaFunction, "invoke", invoke)
