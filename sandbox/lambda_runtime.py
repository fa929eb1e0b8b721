"""Run an uploaded Lambda zip in-process, the way the Python Lambda runtime would.

Each code package (by its SHA-256) is unpacked once into a temporary directory. An invocation
imports the handler named by the function's ``Handler`` setting ("module.func", "pkg/module.func"
or "pkg.module.func") from that directory, with the function's environment variables set and a
context object, and returns the payload and ``FunctionError`` that Lambda's Invoke would return.

Modules are isolated per package: while a zip runs, every module named like one of the zip's
top-level modules or packages is swapped out of ``sys.modules`` (so a zip's ``steps`` package never
shares entries with the project's ``steps`` or another zip's), and the zip's own modules are kept
between invocations like a warm container. Invocations are serialised with a lock because
``os.environ`` and ``sys.modules`` are process-wide.
"""
from __future__ import annotations

import importlib
import io
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from sandbox.faults import LAMBDA_TIMEOUT_ERROR, LambdaFault


@dataclass(frozen=True)
class FunctionSpec:
    """What the runtime needs to know about a function (from moto's LambdaFunction)."""

    function_name: str
    function_arn: str
    handler: str
    code_sha256: str
    code_bytes: bytes
    environment: dict[str, str] = field(default_factory=dict)
    timeout_seconds: int = 3
    memory_mb: int = 128
    region: str = "us-east-1"
    version: str = "$LATEST"


@dataclass(frozen=True)
class InvocationResult:
    """Invoke's answer: the payload bytes and, for a failed invocation, ``FunctionError``."""

    payload: bytes
    function_error: str | None = None
    log_tail: str = ""


class LambdaContext:
    """The subset of the Python runtime's context object that handlers use."""

    def __init__(self, spec: FunctionSpec, request_id: str) -> None:
        self.function_name = spec.function_name
        self.function_version = spec.version
        self.invoked_function_arn = spec.function_arn
        self.memory_limit_in_mb = str(spec.memory_mb)
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{spec.function_name}"
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{request_id.replace('-', '')}"
        self._deadline = time.monotonic() + spec.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's timeout (real time)."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class LambdaRuntime:
    """Executes function code packages in this process, one invocation at a time."""

    def __init__(self, extra_environment: Callable[[], dict[str, str]] | None = None) -> None:
        self._lock = threading.RLock()
        self._root = Path(tempfile.mkdtemp(prefix="sandbox-lambda-"))
        self._code_dirs: dict[str, Path] = {}
        self._top_level: dict[str, set[str]] = {}
        self._warm_modules: dict[str, dict[str, ModuleType]] = {}
        self._extra_environment = extra_environment or (dict)

    def invoke(self, spec: FunctionSpec, event: Any, fault: LambdaFault | None = None) -> InvocationResult:
        """Run the function's handler on ``event`` (already JSON-decoded) and return Invoke's answer."""
        request_id = str(uuid.uuid4())
        if fault is not None:
            return self._faulted(spec, fault, request_id)
        with self._lock:
            code_dir = self._unpack(spec)
            with _environment(self._function_environment(spec)), self._modules_of(spec.code_sha256, code_dir):
                try:
                    handler = _load_handler(spec.handler)
                except _InitError as error:
                    return _error_result(error.error_type, error.message, request_id, [])
                try:
                    result = handler(event, LambdaContext(spec, request_id))
                except Exception as error:  # the handler's own failure: Lambda reports it as Unhandled
                    frames = traceback.format_list(traceback.extract_tb(error.__traceback__)[1:])
                    return _error_result(type(error).__name__, str(error), request_id, frames)
        try:
            body = json.dumps(result)
        except (TypeError, ValueError) as error:
            return _error_result("Runtime.MarshalError", f"Unable to marshal response: {error}", request_id, [])
        return InvocationResult(body.encode("utf-8"))

    def close(self) -> None:
        """Delete the unpacked code and forget the warm modules."""
        with self._lock:
            shutil.rmtree(self._root, ignore_errors=True)
            self._code_dirs.clear()
            self._top_level.clear()
            self._warm_modules.clear()

    def _faulted(self, spec: FunctionSpec, fault: LambdaFault, request_id: str) -> InvocationResult:
        if fault.kind == "timeout":
            message = f"RequestId: {request_id} Error: Task timed out after {spec.timeout_seconds:.2f} seconds"
            return _error_result(LAMBDA_TIMEOUT_ERROR, message, request_id, None)
        return _error_result("Exception", fault.message, request_id, [])

    def _function_environment(self, spec: FunctionSpec) -> dict[str, str]:
        env = {
            "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.function_name}",
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
            "LAMBDA_TASK_ROOT": str(self._code_dirs[spec.code_sha256]),
            "_HANDLER": spec.handler,
        }
        env.update(self._extra_environment())
        env.update({k: str(v) for k, v in spec.environment.items()})
        return env

    def _unpack(self, spec: FunctionSpec) -> Path:
        code_dir = self._code_dirs.get(spec.code_sha256)
        if code_dir is not None:
            return code_dir
        self._root.mkdir(parents=True, exist_ok=True)
        code_dir = self._root / spec.code_sha256.replace("/", "_").replace("+", "-")[:32]
        try:
            with zipfile.ZipFile(io.BytesIO(spec.code_bytes)) as archive:
                archive.extractall(code_dir)
                names = archive.namelist()
        except zipfile.BadZipFile as error:
            raise ValueError(f"function {spec.function_name}: code is not a zip file ({error})") from error
        self._top_level[spec.code_sha256] = {_top_level_name(name) for name in names if _top_level_name(name)}
        self._code_dirs[spec.code_sha256] = code_dir
        return code_dir

    def _modules_of(self, sha: str, code_dir: Path) -> _ModuleSwap:
        return _ModuleSwap(self._top_level[sha], self._warm_modules.setdefault(sha, {}), code_dir)


class _InitError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def _load_handler(handler_setting: str) -> Callable[..., Any]:
    """Import the handler as the Python runtime does, raising its init error types."""
    try:
        module_path, function_name = handler_setting.rsplit(".", 1)
    except ValueError as error:
        raise _InitError("Runtime.MalformedHandlerName", f"Bad handler '{handler_setting}': {error}") from error
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as error:
        raise _InitError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}") from error
    except ImportError as error:
        raise _InitError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}") from error
    except Exception as error:  # module-level code failed during init
        raise _InitError(type(error).__name__, str(error)) from error
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise _InitError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    return handler


def _error_result(error_type: str, message: str, request_id: str, frames: list[str] | None) -> InvocationResult:
    payload: dict[str, Any] = {"errorMessage": message, "errorType": error_type, "requestId": request_id}
    if frames is not None:
        payload["stackTrace"] = frames
    return InvocationResult(json.dumps(payload).encode("utf-8"), function_error="Unhandled")


def _top_level_name(zip_member: str) -> str:
    first = zip_member.split("/", 1)[0]
    if "/" in zip_member:
        return first  # a package directory
    return first[:-3] if first.endswith(".py") else ""


def _owned(module_name: str, top_level: set[str]) -> bool:
    return module_name.split(".", 1)[0] in top_level


class _ModuleSwap:
    """While active: the zip's directory first on sys.path, its modules (and only its) in sys.modules."""

    def __init__(self, top_level: set[str], warm: dict[str, ModuleType], code_dir: Path) -> None:
        self._top_level = top_level
        self._warm = warm
        self._code_dir = str(code_dir)
        self._saved: dict[str, ModuleType] = {}

    def __enter__(self) -> None:
        self._saved = {n: m for n, m in sys.modules.items() if _owned(n, self._top_level)}
        for name in self._saved:
            del sys.modules[name]
        sys.modules.update(self._warm)
        sys.path.insert(0, self._code_dir)
        importlib.invalidate_caches()

    def __exit__(self, *exc: object) -> None:
        self._warm.clear()
        self._warm.update({n: m for n, m in sys.modules.items() if _owned(n, self._top_level)})
        for name in self._warm:
            del sys.modules[name]
        sys.modules.update(self._saved)
        try:
            sys.path.remove(self._code_dir)
        except ValueError:
            pass


class _environment:
    """Set environment variables for the duration of a block, then restore the previous values."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values
        self._previous: dict[str, str | None] = {}

    def __enter__(self) -> None:
        self._previous = {k: os.environ.get(k) for k in self._values}
        os.environ.update(self._values)

    def __exit__(self, *exc: object) -> None:
        for key, value in self._previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
