"""One way to run a command: the five entry points share flags and one error policy (cli.py).

A config or argument error exits 2, an AWS, setup or deploy error exits 1; each prints exactly one
line, on stderr, starting with "error:", never a traceback. Subprocesses, as a user runs them:
importing the SDK installs rich's traceback printer, so only a real process shows what a user sees.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

import cli

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens there
COMMANDS = {
    "deploy.py": ["deploy.py"],
    "runs.py": ["runs.py", "list"],
    "docs/generate.py": ["docs/generate.py"],
    "python -m reliability": ["-m", "reliability"],
    "python -m sandbox.server": ["-m", "sandbox.server"],
}
WITH_CONFIG = ["deploy.py", "runs.py"]  # the commands that take --config


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SAGEMAKER_SUPPRESS_V2_WARNING"}  # no help from outside
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)


def _one_error_line(result: subprocess.CompletedProcess, exit_code: int) -> str:
    printed = (result.stdout + result.stderr).strip().splitlines()
    assert len(printed) == 1 and result.stdout == "", result.stdout[-1500:] + result.stderr[-1500:]
    assert printed[0].startswith("error: "), printed[0]
    assert result.returncode == exit_code, (result.returncode, printed[0])
    return printed[0]


@pytest.mark.parametrize("name", WITH_CONFIG)
def test_an_unreachable_endpoint_is_one_line_exit_1(name):
    line = _one_error_line(_run(*COMMANDS[name], "--endpoint-url", UNREACHABLE), 1)
    assert line.startswith(f"error: cannot reach {UNREACHABLE}"), line


@pytest.mark.parametrize("name", WITH_CONFIG)
def test_a_missing_config_is_one_line_exit_2(name, tmp_path):
    missing = tmp_path / "no-such-config.yaml"
    line = _one_error_line(_run(*COMMANDS[name], "--config", str(missing)), 2)
    assert "no-such-config.yaml" in line, line


@pytest.mark.parametrize("name", WITH_CONFIG)
@pytest.mark.parametrize("text", ["pipeline: [unclosed\n", (ROOT / "config.yaml").read_text(encoding="utf-8")
                                  .replace("name: scratch-labeling", "name: 9-bad", 1)], ids=["yaml", "value"])
def test_an_invalid_config_is_one_line_exit_2(name, text, tmp_path):
    bad = tmp_path / "config.yaml"
    bad.write_text(text, encoding="utf-8")
    line = _one_error_line(_run(*COMMANDS[name], "--config", str(bad)), 2)
    assert str(bad) in line or "config.yaml" in line, line


@pytest.mark.parametrize("name", list(COMMANDS))
def test_an_unknown_flag_is_one_line_exit_2(name):
    line = _one_error_line(_run(*COMMANDS[name], "--no-such-flag"), 2)
    assert "--no-such-flag" in line and "--help" in line, line


def test_importing_the_sdk_prints_nothing_and_keeps_the_excepthook():
    """workflow.sdk is the one place that silences the SDK: no warning, no INFO line, no rich hook."""
    code = "import sys; hook = sys.excepthook; import workflow.graph; print(sys.excepthook is hook)"
    result = _run("-c", code)
    assert (result.stdout, result.stderr) == ("True\n", ""), result.stdout[-1500:] + result.stderr[-1500:]


# --- cli.run, in process --------------------------------------------------------------------------
def _raising(error: BaseException):
    def main(argv):
        raise error
    return main


@pytest.mark.parametrize("error, code, text", [
    (cli.CommandError("deploy failed at roles: x"), 1, "error: deploy failed at roles: x"),
    (cli.UsageError("--max must be 1 or more"), 2, "error: --max must be 1 or more"),
    (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), 1, "error: cannot reach http://127.0.0.1:9"),
    (ClientError({"Error": {"Code": "AccessDenied", "Message": "not\nallowed"}}, "GetCallerIdentity"), 1,
     "error: AWS refused GetCallerIdentity: AccessDenied: not allowed"),
])
def test_run_turns_each_error_of_the_policy_into_one_line(error, code, text, capsys):
    assert cli.run(_raising(error)) == code
    err = capsys.readouterr().err
    assert err.startswith(text) and err.count("\n") == 1, err


def test_a_config_error_exits_2(capsys):
    from workflow.config import ConfigError

    assert cli.run(_raising(ConfigError("config.yaml: pipeline.name: bad; give a name"))) == 2
    assert capsys.readouterr().err == "error: config.yaml: pipeline.name: bad; give a name\n"


def test_a_bug_is_one_line_naming_how_to_see_its_traceback(monkeypatch, capsys):
    monkeypatch.delenv(cli.DEBUG_VARIABLE, raising=False)
    sys.excepthook = lambda *args: None  # as sagemaker_core's rich printer would
    assert cli.run(_raising(ZeroDivisionError("bug"))) == 1
    assert capsys.readouterr().err == (
        "error: unexpected ZeroDivisionError: bug; this is a bug: run again with LABELING_DEBUG=1 "
        "for the traceback and report it\n")
    assert sys.excepthook is sys.__excepthook__


def test_with_labeling_debug_a_bug_keeps_its_traceback(monkeypatch):
    monkeypatch.setenv(cli.DEBUG_VARIABLE, "1")
    with pytest.raises(ZeroDivisionError):
        cli.run(_raising(ZeroDivisionError("bug")))
    assert sys.excepthook is sys.__excepthook__
