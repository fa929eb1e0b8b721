"""One way to run a command: the flags and the error policy of every entry point.

Used by ``deploy.py``, ``runs.py``, ``docs/generate.py``, ``python -m reliability`` and
``python -m sandbox.server``:

- ``ArgumentParser``: argparse whose usage errors are one line too;
- ``add_config_flag`` / ``add_aws_flags`` / ``add_sandbox_flags``: the same flags, spelled and
  explained the same way, wherever they mean the same thing;
- ``run``: the error policy. A config or argument error exits 2, an AWS, setup or deploy error
  exits 1; each is ONE line on stderr starting with ``error:``, never a traceback.

The SDK's warnings are silenced where the SDK is imported (``workflow.sdk``), not here.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

EXIT_FAILED = 1  # AWS, setup, deploy errors; a failed execution or check
EXIT_CONFIG = 2  # a bad config file or a bad argument
EXIT_INTERRUPTED = 130
DEBUG_VARIABLE = "LABELING_DEBUG"  # set: an unexpected exception shows its traceback


class CommandError(Exception):
    """An error the user can fix, printed as one line (``<what is wrong>; <what would be right>``)."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(CommandError):
    """A bad argument: exit 2, like argparse's own usage errors."""

    exit_code = EXIT_CONFIG


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is raised as ``UsageError`` (one line, exit 2), not printed with the usage."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}; see {self.prog} --help")


def add_config_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default="config.yaml", help="pipeline config file (default: config.yaml)")


def add_aws_flags(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """--region, --profile, --endpoint-url: where the AWS calls go."""
    parser.add_argument("--region", help="override pipeline.region from the config")
    parser.add_argument("--profile", help="AWS named profile to use")
    parser.add_argument("--endpoint-url",
                        help="send every AWS call to this endpoint (e.g. the sandbox of deploy.py --local --serve)")


def add_sandbox_flags(parser: argparse.ArgumentParser | argparse._ArgumentGroup, port_help: str) -> None:
    """--port, --time-scale: how the offline sandbox is served and how fast its clock runs."""
    parser.add_argument("--port", type=int, default=5000, help=f"{port_help} (default: 5000)")
    parser.add_argument("--time-scale", type=float, default=0.001,
                        help="real seconds per simulated second in the sandbox (default: 0.001)")


def one_line(text: object) -> str:
    return " ".join(str(text).split())


def describe_aws_error(error: BaseException) -> str:
    """One line for an AWS or setup error: what is wrong; what would be right."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        ProfileNotFound,
    )

    if isinstance(error, EndpointConnectionError):
        return (f"cannot reach {error.kwargs.get('endpoint_url', 'the AWS endpoint')}: check --endpoint-url, "
                "the region and your network (for the offline sandbox, start `python deploy.py --local --serve`)")
    if isinstance(error, NoRegionError):
        return "no AWS region: set pipeline.region in config.yaml, pass --region, or set AWS_REGION"
    if isinstance(error, NoCredentialsError):
        return ("no AWS credentials found: run 'aws configure', set AWS_PROFILE or AWS_ACCESS_KEY_ID/"
                "AWS_SECRET_ACCESS_KEY, pass --profile, or use --local for the offline sandbox")
    if isinstance(error, ProfileNotFound):
        return f"AWS profile {error.kwargs.get('profile', '')!r} not found: check ~/.aws/config or drop --profile"
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        return f"AWS refused {error.operation_name}: {info.get('Code', 'error')}: {one_line(info.get('Message', ''))}"
    return one_line(error)


def classify(error: BaseException) -> tuple[str, int] | None:
    """(the one line, the exit code) for an error of the policy; None for anything else (a bug)."""
    from botocore.exceptions import BotoCoreError, ClientError

    config_error = _config_error_class()
    if config_error is not None and isinstance(error, config_error):
        return one_line(error), EXIT_CONFIG
    if isinstance(error, CommandError):
        return one_line(error), error.exit_code
    if isinstance(error, (BotoCoreError, ClientError)):
        return describe_aws_error(error), EXIT_FAILED
    return None


def _config_error_class() -> type[BaseException] | None:
    module = sys.modules.get("workflow.config")  # only a command that loaded a config can have a config error
    return getattr(module, "ConfigError", None)


def fail(message: str) -> int:
    """Print ``error: <message>`` as one line on stderr; return 1."""
    print(f"error: {one_line(message)}", file=sys.stderr)
    return EXIT_FAILED


def run(main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None = None) -> int:
    """``main(argv)`` under the error policy; returns the exit code.

    Errors of the policy become one ``error:`` line. An unexpected exception (a bug) is one line too,
    naming the exception and how to see its traceback (``LABELING_DEBUG=1``), exit 1; never the rich
    traceback the SageMaker SDK installs.
    """
    try:
        return main(argv)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        known = classify(error)
        if known is None:
            if os.environ.get(DEBUG_VARIABLE):
                raise
            known = (f"unexpected {type(error).__name__}: {' '.join(str(error).split())[:300]}; this is a bug: "
                     f"run again with {DEBUG_VARIABLE}=1 for the traceback and report it", EXIT_FAILED)
        line, code = known
        print(f"error: {line}", file=sys.stderr)
        return code
    finally:
        sys.excepthook = sys.__excepthook__
