#!/usr/bin/env python
"""Publish the labeling pipeline: ``python deploy.py --dry-run --out build``.

``--dry-run`` renders the state machine definition, its Mermaid graph, example
Ground Truth job requests and the UI assets into a folder, with placeholder
ARNs (account 000000000000): no AWS call, no credentials needed.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

# The stepfunctions SDK imports the sagemaker SDK, which otherwise prints a
# deprecation warning and INFO lines about its own config files on stdout.
os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
logging.getLogger("sagemaker.config").setLevel(logging.WARNING)


def build_parser() -> argparse.ArgumentParser:
    """The command line: one mode flag per way of publishing, plus shared options."""
    parser = argparse.ArgumentParser(prog="deploy.py", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config.yaml", help="pipeline config file (default: config.yaml)")
    modes = parser.add_mutually_exclusive_group(required=True)
    modes.add_argument("--dry-run", action="store_true", help="render everything offline into --out; no AWS call")
    parser.add_argument("--out", default="build", help="output folder of --dry-run (default: build)")
    return parser


def dry_run(config_path: str, out_dir: Path) -> int:
    """Render the deployable files with placeholder ARNs into ``out_dir``."""
    from workflow.config import ConfigError, load_config

    try:
        cfg = load_config(config_path)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    # Importing the stepfunctions SDK imports the sagemaker SDK, which builds a
    # boto3 session at import time and so looks for credentials, up to the EC2
    # instance metadata endpoint. A dry run needs none: don't let it ask.
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    from workflow.artifacts import render_files, write_files  # imports the SDKs: after validation
    from workflow.resources import ResourceArns

    files = render_files(cfg, ResourceArns.placeholder(cfg))
    for path in write_files(files, out_dir):
        print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = build_parser().parse_args(argv)
    if args.dry_run:
        return dry_run(args.config, Path(args.out))
    return 2  # unreachable while --dry-run is the only mode (argparse requires one)


if __name__ == "__main__":
    sys.exit(main())
