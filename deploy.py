#!/usr/bin/env python
"""Publish the labeling pipeline to AWS, render it offline, or run it on the offline sandbox.

  python deploy.py                        publish to the AWS account of your credentials
  python deploy.py --execute              ... then start an execution and follow it to the end
  python deploy.py --dry-run --out build  render everything offline (no AWS call, no credentials)
  python deploy.py --local                run the whole pipeline on the offline sandbox
  python deploy.py --preflight            check the deployed pipeline on its account; starts no job

Exit codes: 0 ok, 1 an AWS, setup or deploy error (or a failed execution or check), 2 a bad
config or argument. Every error is one line on stderr starting with "error:".
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import cli


def build_parser() -> argparse.ArgumentParser:
    """The command line: a mode (default: publish to AWS) plus shared options."""
    doc = __doc__ or ""
    parser = cli.ArgumentParser(prog="deploy.py", description=doc.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(doc.splitlines()[2:]))
    cli.add_config_flag(parser)
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--dry-run", action="store_true", help="render everything offline into --out; no AWS call")
    modes.add_argument("--local", action="store_true", help="run the pipeline end to end on the offline sandbox")
    modes.add_argument("--preflight", action="store_true",
                       help="check the deployed pipeline (roles, templates, workteam, bucket, Ground Truth) without starting a job")
    parser.add_argument("--out", default="build", help="output folder of --dry-run (default: build)")
    aws = parser.add_argument_group("AWS (publishing)")
    cli.add_aws_flags(aws)
    aws.add_argument("--execute", action="store_true", help="after publishing, start an execution and follow it")
    aws.add_argument("--input", default="{}", help='execution input for --execute/--local as JSON (default: {}), e.g. \'{"max_images": 10}\'')
    local = parser.add_argument_group("offline sandbox (--local)")
    local.add_argument("--images", type=int, default=40, help="sample images to generate (default: 40)")
    local.add_argument("--serve", action="store_true", help="keep the sandbox listening on a local port after the run")
    cli.add_sandbox_flags(local, port_help="port for --serve")
    return parser


def _load(args: argparse.Namespace):
    """The validated config, with --region applied before validation."""
    from workflow.config import load_config

    return load_config(args.config, region=args.region)


def _execution_input(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise cli.UsageError(f"--input: not valid JSON ({error}); give an object such as '{{\"max_images\": 10}}'") from None
    if not isinstance(value, dict):
        raise cli.UsageError("--input: must be a JSON object such as '{\"max_images\": 10}'")
    return value


def dry_run(cfg, out_dir: Path) -> int:
    """Render the deployable files with placeholder ARNs into ``out_dir``."""
    # Importing the stepfunctions SDK imports the sagemaker SDK, which builds a
    # boto3 session at import time and so looks for credentials, up to the EC2
    # instance metadata endpoint. A dry run needs none: don't let it ask.
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    from publish.iam_policies import render_iam_files
    from workflow.artifacts import render_files, write_files  # imports the SDKs: after validation
    from workflow.resources import ResourceArns

    arns = ResourceArns.placeholder(cfg)
    files = {**render_files(cfg, arns), **render_iam_files(cfg, arns)}
    for path in write_files(files, out_dir):
        print(path)
    from workflow.diagram import write_svg  # graph.svg when Graphviz is installed, else one line why not

    print(write_svg(json.loads(files["state_machine.asl.json"]), out_dir / "graph.svg"))
    return 0


def publish(cfg, args: argparse.Namespace) -> int:
    """Publish to AWS (or --endpoint-url); with --execute, run and follow one execution."""
    from operate.follow import follow
    from publish.aws import connect
    from publish.deployer import Deployer

    execution_input = _execution_input(args.input)
    clients = connect(cfg.pipeline.region, args.profile, args.endpoint_url)
    _warn_public_workforce(cfg)
    result = Deployer(cfg, clients, emit=lambda change: print(change.line())).run()
    print(f"state machine: {result.state_machine_arn}")
    print(f"console:       {result.console_url()}")
    if not args.execute:
        return 0
    sfn = clients.client("stepfunctions")
    started = sfn.start_execution(stateMachineArn=result.state_machine_arn, input=json.dumps(execution_input))
    print(f"execution {started['executionArn']}:")
    outcome = follow(sfn, started["executionArn"], poll_seconds=5.0, timeout_seconds=60 * 86400)
    print(f"{outcome.status}: {json.dumps(outcome.output) if outcome.output else f'{outcome.error}: {outcome.cause}'}")
    return 0 if outcome.status == "SUCCEEDED" else 1


def local(cfg, args: argparse.Namespace) -> int:
    """Run the whole pipeline on the offline sandbox and print what happened."""
    from operate.local import run_local
    from sandbox import Sandbox

    if args.images < 0:
        raise cli.UsageError(f"--images must be 0 or more, got {args.images}")
    execution_input = _execution_input(args.input)
    _warn_public_workforce(cfg)
    sandbox = Sandbox(region=cfg.pipeline.region, time_scale=args.time_scale)
    sandbox.start()
    try:
        if args.serve:
            sandbox.serve(port=args.port)
        print(f"offline sandbox: account {sandbox.account_id}, region {sandbox.region}, "
              f"1 simulated hour = {3600 * args.time_scale:.1f} s")
        run = run_local(cfg, sandbox, args.images, execution_input=execution_input)
        print("summary:")
        for line in run.summary_lines():
            print(f"  {line}")
        if args.serve:
            _serve_forever(sandbox)
        return 0 if run.outcome.status == "SUCCEEDED" else 1
    finally:
        sandbox.stop()


def preflight(cfg, args: argparse.Namespace) -> int:
    """Check the deployed pipeline without starting a job: one line per check; 1 if any failed."""
    from publish.aws import connect
    from publish.preflight import local_sandbox_view, run_preflight

    clients = connect(cfg.pipeline.region, args.profile, args.endpoint_url)
    cfg = local_sandbox_view(cfg, clients, note=lambda line: print(f"note: {line}", file=sys.stderr))
    checks = run_preflight(cfg, clients, emit=lambda check: print(check.line(), flush=True))
    return 0 if all(check.ok for check in checks) else 1


def _serve_forever(sandbox) -> None:
    import time

    print(f"sandbox listening on {sandbox.endpoint} (Ctrl-C to stop). Try:")
    print(f"  aws --endpoint-url {sandbox.endpoint} --region {sandbox.region} stepfunctions list-executions "
          f"--state-machine-arn arn:aws:states:{sandbox.region}:{sandbox.account_id}:stateMachine:<name>")
    print(f"  AWS_ENDPOINT_URL={sandbox.endpoint} python deploy.py --endpoint-url {sandbox.endpoint} --execute")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopping the sandbox")


def _warn_public_workforce(cfg) -> None:
    if cfg.workforce.type == "public":
        print("WARNING: workforce.type is public: your images will be shown to Amazon Mechanical Turk workers "
              "outside your company, at the configured price per task.", file=sys.stderr)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    cfg = _load(args)
    if args.dry_run:
        return dry_run(cfg, Path(args.out))
    if args.local:
        return local(cfg, args)
    if args.preflight:
        return preflight(cfg, args)
    return publish(cfg, args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code (errors: one line on stderr, see cli.run)."""
    return cli.run(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
