"""Lambda invocations run the uploaded zip in-process, as the Python runtime would."""
from __future__ import annotations

import io
import json
import sys
import zipfile

import boto3
import pytest

from sandbox import Sandbox

ROLE = "arn:aws:iam::123456789012:role/lambda-role"

HANDLER_OK = '''
import os
CALLS = []

def handler(event, context):
    CALLS.append(event)
    return {
        "echo": event,
        "setting": os.environ.get("SETTING"),
        "function_name": context.function_name,
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "warm_calls": len(CALLS),
    }
'''

HANDLER_RAISES = '''
class ManifestError(Exception):
    pass

def handler(event, context):
    raise ManifestError("line 3 is not JSON")
'''


def make_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def create_function(name: str, files: dict[str, str], handler: str, env: dict[str, str] | None = None,
                    timeout: int = 30) -> None:
    boto3.client("lambda").create_function(
        FunctionName=name, Runtime="python3.11", Role=ROLE, Handler=handler, Timeout=timeout,
        Code={"ZipFile": make_zip(files)}, Environment={"Variables": env or {}},
    )


def invoke(name: str, event: object) -> tuple[dict, str | None]:
    response = boto3.client("lambda").invoke(FunctionName=name, Payload=json.dumps(event).encode())
    return json.loads(response["Payload"].read()), response.get("FunctionError")


TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


@pytest.fixture()
def sb():
    with Sandbox(region="eu-west-1", time_scale=0.001) as running:
        boto3.client("iam").create_role(RoleName="lambda-role", AssumeRolePolicyDocument=json.dumps(TRUST))
        yield running


def test_handler_runs_with_environment_context_and_warm_module_state(sb):
    create_function("ok", {"steps/__init__.py": "", "steps/echo.py": HANDLER_OK}, "steps.echo.handler",
                    env={"SETTING": "from-config"}, timeout=30)
    first, error = invoke("ok", {"a": 1})
    second, _ = invoke("ok", {"a": 2})
    assert error is None
    assert first["echo"] == {"a": 1}
    assert first["setting"] == "from-config"
    assert first["function_name"] == "ok"
    assert 0 < first["remaining_ms"] <= 30_000
    assert first["request_id"] != second["request_id"]
    assert second["warm_calls"] == 2  # the module stays imported between invocations, like a warm container
    import os

    assert "SETTING" not in os.environ  # restored after the call


def test_handler_path_with_slash_is_supported(sb):
    create_function("slash", {"steps/__init__.py": "", "steps/echo.py": HANDLER_OK}, "steps/echo.handler")
    payload, error = invoke("slash", {"x": True})
    assert error is None and payload["echo"] == {"x": True}


def test_exception_returns_the_aws_error_payload(sb):
    create_function("bad", {"steps/__init__.py": "", "steps/fails.py": HANDLER_RAISES}, "steps.fails.handler")
    payload, error = invoke("bad", {})
    assert error == "Unhandled"
    assert payload["errorType"] == "ManifestError"
    assert payload["errorMessage"] == "line 3 is not JSON"
    assert isinstance(payload["stackTrace"], list) and payload["stackTrace"]


def test_missing_module_fails_like_the_python_runtime(sb):
    create_function("nomodule", {"steps/__init__.py": ""}, "steps.missing.handler")
    payload, error = invoke("nomodule", {})
    assert error == "Unhandled"
    assert payload["errorType"] == "Runtime.ImportModuleError"
    assert "Unable to import module 'steps.missing'" in payload["errorMessage"]


def test_missing_function_fails_with_handler_not_found(sb):
    create_function("nofunc", {"steps/__init__.py": "", "steps/echo.py": HANDLER_OK}, "steps.echo.main")
    payload, error = invoke("nofunc", {})
    assert error == "Unhandled"
    assert payload["errorType"] == "Runtime.HandlerNotFound"
    assert payload["errorMessage"] == "Handler 'main' missing on module 'steps.echo'"


def test_planned_crash_and_timeout(sb):
    create_function("flaky", {"steps/__init__.py": "", "steps/echo.py": HANDLER_OK}, "steps.echo.handler", timeout=7)
    sb.faults.crash_lambda("flaky", message="disk full")
    sb.faults.timeout_lambda("flaky")
    crash, crash_error = invoke("flaky", {})
    timeout, timeout_error = invoke("flaky", {})
    ok, ok_error = invoke("flaky", {"n": 3})
    assert (crash_error, crash["errorType"], crash["errorMessage"]) == ("Unhandled", "Exception", "disk full")
    assert timeout_error == "Unhandled" and timeout["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 7.00 seconds" in timeout["errorMessage"]
    assert ok_error is None and ok["echo"] == {"n": 3}


def test_two_zips_with_a_steps_package_do_not_share_modules(sb):
    version = "VERSION = {!r}\ndef handler(event, context):\n    return VERSION\n"
    create_function("one", {"steps/__init__.py": "", "steps/which.py": version.format("one")}, "steps.which.handler")
    create_function("two", {"steps/__init__.py": "", "steps/which.py": version.format("two")}, "steps.which.handler")
    project_steps = sys.modules.get("steps")
    assert invoke("one", {})[0] == "one"
    assert invoke("two", {})[0] == "two"
    assert invoke("one", {})[0] == "one"
    assert sys.modules.get("steps") is project_steps  # the project's own package is untouched
    assert "steps.which" not in sys.modules


def test_handler_boto3_calls_reach_the_same_sandbox(sb):
    code = (
        "import boto3\n"
        "def handler(event, context):\n"
        "    s3 = boto3.client('s3')\n"
        "    s3.put_object(Bucket=event['bucket'], Key='from-lambda.txt', Body=b'hi')\n"
        "    return 'ok'\n"
    )
    boto3.client("s3").create_bucket(Bucket="lambda-bucket",
                                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    create_function("writer", {"writer.py": code}, "writer.handler")
    denied, error = invoke("writer", {"bucket": "lambda-bucket"})  # the calls are made as the function's role
    assert error == "Unhandled" and "assumed-role/lambda-role/writer is not authorized" in denied["errorMessage"]
    boto3.client("iam").put_role_policy(RoleName="lambda-role", PolicyName="write", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                                                "Resource": "arn:aws:s3:::lambda-bucket/*"}]}))
    assert invoke("writer", {"bucket": "lambda-bucket"}) == ("ok", None)
    body = boto3.client("s3").get_object(Bucket="lambda-bucket", Key="from-lambda.txt")["Body"].read()
    assert body == b"hi"
