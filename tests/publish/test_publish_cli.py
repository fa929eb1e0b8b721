"""deploy.py's own checks: the public-workforce warning, and the state machine's logging settings."""
from __future__ import annotations

from pathlib import Path

import boto3

import deploy
from workflow.config import load_config, replace
from workflow.graph import build_workflow
from workflow.resources import ResourceArns

ROOT = Path(__file__).resolve().parents[2]


def test_public_workforce_prints_a_warning(capsys):
    cfg = load_config(ROOT / "config.yaml")
    deploy._warn_public_workforce(cfg)
    assert capsys.readouterr().err == ""
    public = replace(cfg, workforce=replace(cfg.workforce, type="public"))
    deploy._warn_public_workforce(public)
    warning = capsys.readouterr().err
    assert warning.startswith("WARNING: workforce.type is public") and "Mechanical Turk" in warning


def test_logging_level_and_tracing_come_from_the_config():
    cfg = load_config(ROOT / "config.yaml")
    verbose = replace(cfg, observability=replace(cfg.observability, log_level="ALL", tracing=False))
    arn = "arn:aws:logs:eu-west-1:000000000000:log-group:/aws/vendedlogs/states/scratch-labeling:*"
    client = boto3.client("stepfunctions", region_name="eu-west-1")  # creating a client makes no call
    workflow = build_workflow(verbose, ResourceArns.placeholder(cfg), client=client, log_group_arn=arn,
                              tracing=verbose.observability.tracing, log_level=verbose.observability.log_level)
    parameters = workflow._observability_parameters()
    assert parameters["loggingConfiguration"]["level"] == "ALL"
    assert parameters["loggingConfiguration"]["includeExecutionData"] is False
    assert parameters["tracingConfiguration"] == {"enabled": False}
