"""``python deploy.py --dry-run --out DIR``: offline, no credentials, no AWS call."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
from moto import mock_aws
from statelint.config import Config
from statelint.linter import Linter

REPO_ROOT = Path(__file__).resolve().parents[2]
EXPECTED = [
    "state_machine.asl.json",
    "graph.mmd",
    "job_requests/labeling.json",
    "job_requests/verification.json",
    "assets/labeling.liquid.html",
    "assets/verification.liquid.html",
    "assets/labeling-categories.json",
    "assets/verification-categories.json",
    "assets/adjustment.liquid.html",
    "iam/state_machine.json",
    "iam/check_lambda.json",
    "iam/update_lambda.json",
    "iam/filter_lambda.json",
    "iam/stop_lambda.json",
    "iam/ground_truth.json",
    "iam/feature_store.json",
    "iam/scheduler.json",
    "iam/compaction.json",
    "schedules/scratch-labeling-optimize-offline-store.json",  # publish.compaction
    "schedules/scratch-labeling-vacuum-offline-store.json",
]
# Runs deploy.main with every botocore request refused: any AWS call fails the run.
POISONED = """
import sys, botocore.httpsession, botocore.endpoint
def refuse(*args, **kwargs):
    raise SystemExit("dry run tried to call AWS")
botocore.httpsession.URLLib3Session.send = refuse
botocore.endpoint.Endpoint.make_request = refuse
sys.path.insert(0, {root!r})
import deploy
sys.exit(deploy.main(sys.argv[1:]))
"""


def _run(*args: str, cwd: Path = REPO_ROOT, **extra_env: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(extra_env)
    env["HOME"] = "/nonexistent"  # no ~/.aws either
    code = POISONED.format(root=str(REPO_ROOT))
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_dry_run_writes_everything_offline(tmp_path):
    out = tmp_path / "build"
    result = _run("--dry-run", "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    estimate = next(i for i, line in enumerate(lines) if line.startswith("estimated cost of one full run"))
    assert lines[:estimate] == [str(out / name) for name in (*EXPECTED, "cost.json")]  # then the estimate (workflow.cost)
    assert lines[-1] == str(out / "graph.svg") or lines[-1].startswith(f"skipped {out / 'graph.svg'}")
    assert result.stderr == ""
    definition = json.loads((out / "state_machine.asl.json").read_text())
    assert Linter.validate(definition, Config()) == []
    assert "000000000000" in (out / "state_machine.asl.json").read_text()
    assert (out / "graph.mmd").read_text().startswith("flowchart TD")
    labeling = json.loads((out / "job_requests/labeling.json").read_text())
    assert not any(key.endswith(".$") for key in json.dumps(labeling).split('"') if key)
    assert "<crowd-bounding-box" in (out / "assets/labeling.liquid.html").read_text()
    assert json.loads((out / "assets/labeling-categories.json").read_text())["labels"] == [{"label": "scratch"}]
    with mock_aws():
        client = boto3.client("stepfunctions", region_name="eu-west-1")
        client.create_state_machine(
            name="scratch-labeling",
            definition=(out / "state_machine.asl.json").read_text(),
            roleArn="arn:aws:iam::000000000000:role/scratch-labeling-states",
        )


def test_bad_config_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "config.yaml"
    bad.write_text((REPO_ROOT / "config.yaml").read_text().replace("region: eu-west-1", "region: mars-north-1", 1))
    result = _run("--dry-run", "--config", str(bad), "--out", str(tmp_path / "build"))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "pipeline.region" in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "build").exists()


def test_publishing_without_credentials_says_how_to_provide_them():
    # Without a mode, deploy.py publishes to AWS; with no credentials anywhere (and the EC2
    # metadata lookup off, as on any machine that is not in AWS) it stops before any AWS call.
    result = _run(AWS_EC2_METADATA_DISABLED="true")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no AWS credentials found") and "--local" in lines[0]


def test_dry_run_and_local_are_exclusive():
    result = _run("--dry-run", "--local")
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr
