"""runs.py against a pipeline deployed into an in-process sandbox: start, list, show, and every error."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

import runs
from publish.aws import AwsClients
from publish.deployer import Deployer
from sandbox import Sandbox
from sandbox.sample_images import generate_sample_images
from sandbox.workforce import WorkforceProfile
from workflow.config import load_config
from workflow.resources import in_account

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "config.yaml")
QUICK_JOBS = {"initializing_seconds": 60, "labeling_seconds": 600, "verification_seconds": 300}


@pytest.fixture(scope="module")
def deployed():
    """A sandbox with the pipeline published and 6 sample images uploaded."""
    with Sandbox(region="eu-west-1", time_scale=0.0002, workforce=WorkforceProfile(seed=5, approval_rate=1.0, **QUICK_JOBS)) as box:
        cfg, _ = in_account(load_config(CONFIG), box.account_id)
        Deployer(cfg, AwsClients(session=boto3.Session(), region=cfg.pipeline.region)).run()
        generate_sample_images(boto3.client("s3"), cfg.storage.bucket, cfg.storage.raw_prefix, 6)
        yield box


def _config_named(folder: Path, name: str) -> Path:
    """config.yaml with another pipeline name, next to a link to the templates it names."""
    path = folder / "config.yaml"
    path.write_text(Path(CONFIG).read_text().replace("name: scratch-labeling", f"name: {name}"))
    (folder / "workflow").symlink_to(ROOT / "workflow")
    return path


def run(*argv: str) -> tuple[int, list[str]]:
    lines: list[str] = []
    code = runs.main([*argv[:1], "--config", CONFIG, *argv[1:]], out=lines.append)
    return code, lines


def test_start_follows_each_state_and_prints_the_summary(deployed):
    code, lines = run("start", "--name", "first", "--poll-seconds", "0.05")
    text = "\n".join(lines)
    assert code == 0, text
    assert lines[0] == "started first"
    assert "  ok  Check missing labels" in text
    assert "  ..  Labeling: wait 60 s" in text
    assert any(line.startswith("  ok  Labeling: check status") and "labeled" in line for line in lines)
    assert "  ==  Done" in text
    assert "SUCCEEDED after" in text
    assert any(line.split() == ["images", "found", "6"] for line in lines)
    assert any(line.strip().startswith("sent to labeling") and line.endswith(" 6") for line in lines)


def test_list_shows_status_duration_and_counts_newest_first(deployed):
    run("start", "--name", "second", "--poll-seconds", "0.05")
    code, lines = run("list", "--max", "5")
    assert code == 0
    header, *rows = lines
    assert header.split()[:4] == ["NAME", "STATUS", "STARTED", "DURATION"]
    assert [row.split()[0] for row in rows[:2]] == ["second", "first"]
    second = rows[0].split()
    assert second[1] == "SUCCEEDED" and second[-10:] == ["6", "6", "0", "0", "0", "0", "0", "0", "0", "0"]  # all labeled
    first = rows[1].split()
    found, already, sent, backlog, left_out, approved, rejected, unlabeled, unlabelable, written = map(int, first[-10:])
    assert (found, already, sent, backlog, unlabelable) == (6, 0, 6, 0, 0)
    assert left_out + approved + rejected + unlabeled == 6 and written == approved + rejected
    code, lines = run("list", "--max", "1")
    assert code == 0 and len(lines) == 2


def test_show_a_failed_execution_names_the_state_and_the_cause(deployed):
    code, lines = run("start", "--name", "bad-input", "--input", '{"max_images": 0}', "--poll-seconds", "0.05")
    assert code == 1
    assert lines[-1] == "why: python runs.py show bad-input"
    code, lines = run("show", "bad-input")
    assert code == 1
    assert "status     FAILED" in lines
    assert "the execution failed in state 'Invalid execution input'" in lines
    assert "cause: execution input max_images is 0; expected an int from 1 to 1000 (settings.max_images_per_run)" in lines


def test_show_a_succeeded_execution_by_arn(deployed):
    arn = f"arn:aws:states:eu-west-1:{deployed.account_id}:execution:scratch-labeling:first"
    code, lines = run("show", arn)
    assert code == 0
    assert lines[0] == "execution  first" and "status     SUCCEEDED" in lines
    assert "summary:" in lines
    assert any(line.strip().startswith("labeling job") and line.endswith("-lbl") for line in lines)
    assert not any(line.startswith("the execution") for line in lines)


def test_start_without_follow_returns_at_once(deployed):
    code, lines = run("start", "--name", "quick", "--no-follow")
    assert code == 0
    assert lines == ["started quick", f"  arn arn:aws:states:eu-west-1:{deployed.account_id}:execution:scratch-labeling:quick",
                     "follow it with: python runs.py show quick"]


@pytest.mark.parametrize("bad", ["[1, 2]", "{max_images: 3}", "7"])
def test_invalid_input_is_a_one_line_usage_error_before_any_aws_call(deployed, capsys, bad):
    code, lines = run("start", "--input", bad)
    err = capsys.readouterr().err
    assert code == 2 and lines == []
    assert err.startswith("error: --input ") and err.count("\n") == 1
    assert "max_images" in err  # shows what a right input looks like


def test_unknown_execution(deployed, capsys):
    code, _ = run("show", "no-such-run")
    assert code == 2
    assert capsys.readouterr().err == (
        "error: no execution 'no-such-run' of state machine 'scratch-labeling': see the names with python runs.py list\n")


def test_not_deployed_says_to_deploy_first(deployed, capsys, tmp_path):
    other = _config_named(tmp_path, "other-pipeline")
    for command in (["list"], ["show", "first"], ["start"]):
        lines: list[str] = []
        code = runs.main([*command, "--config", str(other)], out=lines.append)
        err = capsys.readouterr().err
        assert code == 1 and lines == []
        assert err == (f"error: state machine 'other-pipeline' does not exist in account {deployed.account_id}, "
                       "region eu-west-1: run python deploy.py first\n")


def test_no_credentials(monkeypatch, capsys):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    code, _ = run("list")
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: no AWS credentials found: ") and err.count("\n") == 1


def test_unknown_profile(capsys):
    code, _ = run("list", "--profile", "nobody")
    assert code == 1
    assert capsys.readouterr().err == "error: AWS profile 'nobody' not found: check ~/.aws/config or drop --profile\n"


def test_bad_config_and_bad_numbers_are_usage_errors(deployed, capsys, tmp_path):
    broken = tmp_path / "config.yaml"
    broken.write_text(Path(CONFIG).read_text().replace("name: scratch-labeling", "name: 9-bad"))
    assert runs.main(["list", "--config", str(broken)]) == 2
    assert "pipeline.name" in capsys.readouterr().err
    assert run("list", "--max", "0")[0] == 2
    assert capsys.readouterr().err == "error: --max must be 1 or more, got 0\n"
    assert run("start", "--poll-seconds", "0")[0] == 2
    assert capsys.readouterr().err == "error: --poll-seconds must be more than 0, got 0.0\n"


def test_a_state_machine_with_no_executions(deployed, tmp_path):
    config = _config_named(tmp_path, "empty-pipeline")
    boto3.client("stepfunctions").create_state_machine(
        name="empty-pipeline", roleArn=f"arn:aws:iam::{deployed.account_id}:role/x",
        definition=json.dumps({"StartAt": "a", "States": {"a": {"Type": "Succeed"}}}))
    lines: list[str] = []
    assert runs.main(["list", "--config", str(config)], out=lines.append) == 0
    assert lines == ["no executions of empty-pipeline yet: start one with python runs.py start"]
