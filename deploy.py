#!/usr/bin/env python
"""Publish the labeling pipeline to AWS, render it offline, or run it on the offline sandbox.

  python deploy.py                        publish to the AWS account of your credentials
  python deploy.py --execute              ... then start an execution and follow it to the end
  python deploy.py --dry-run --out build  render everything offline (no AWS call, no credentials)
  python deploy.py --local                run the whole pipeline on the offline sandbox
  python deploy.py --preflight            check the deployed pipeline on its account; starts no job
  python deploy.py --destroy              remove what deploy.py created (asks first; --yes, --force, --delete-labels)

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
    modes.add_argument("--destroy", action="store_true",
                       help="remove what deploy.py created for this config; the bucket, the raw images and roles given "
                            "in iam: are never deleted")
    parser.add_argument("--out", default="build", help="output folder of --dry-run (default: build)")
    parser.add_argument("--listing", choices=("auto", "inventory", "list"),
                        help="override storage.listing: where the image list comes from (S3 Inventory or listing)")
    aws = parser.add_argument_group("AWS (publishing)")
    cli.add_aws_flags(aws)
    aws.add_argument("--execute", action="store_true", help="after publishing, start an execution and follow it")
    aws.add_argument("--input", default="{}", help='execution input for --execute/--local as JSON (default: {}), e.g. \'{"max_images": 10}\'')
    teardown = parser.add_argument_group("tearing down (--destroy)")
    teardown.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    teardown.add_argument("--force", action="store_true",
                          help="stop running executions and their labeling jobs first (else --destroy refuses)")
    teardown.add_argument("--delete-labels", action="store_true",
                          help="also delete the feature group, its offline store (files and Glue table) and the runs' "
                               "manifests and job outputs: the paid labels")
    local = parser.add_argument_group("offline sandbox (--local)")
    local.add_argument("--images", type=int, default=40, help="sample images to generate (default: 40)")
    local.add_argument("--serve", action="store_true", help="keep the sandbox listening on a local port after the run")
    cli.add_sandbox_flags(local, port_help="port for --serve")
    return parser


def _load(args: argparse.Namespace):
    """The validated config, with --region applied before validation."""
    from workflow.config import load_config, replace

    cfg = load_config(args.config, region=args.region)
    if getattr(args, "listing", None):  # --listing: storage.listing for this command
        cfg = replace(cfg, storage=replace(cfg.storage, listing=args.listing))
    return cfg


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
    from publish.codebuild import render_ci_files
    from publish.compaction import render_compaction_files

    files = {**render_files(cfg, arns), **render_iam_files(cfg, arns), **render_compaction_files(cfg, arns),
             **render_ci_files(cfg, arns)}
    for path in write_files(files, out_dir):
        print(path)
    from workflow.diagram import write_svg  # graph.svg when Graphviz is installed, else one line why not

    _write_cost(cfg, json.loads(files["state_machine.asl.json"]), out_dir)
    print(write_svg(json.loads(files["state_machine.asl.json"]), out_dir / "graph.svg"))
    return 0


def _write_cost(cfg, definition: dict, out_dir: Path) -> None:
    """cost.json and the printed estimate of one full run (workflow.cost)."""
    from workflow.cost import estimate

    breakdown = estimate(cfg, definition)
    (out_dir / "cost.json").write_text(json.dumps(breakdown.to_json(), indent=2) + "\n", encoding="utf-8")
    print(out_dir / "cost.json")
    print(f"estimated cost of one full run ({cfg.labeling.max_images_per_run:,} images, "
          f"{cfg.workforce.type} workforce, {cfg.pipeline.region}; details and assumptions in cost.json):")
    for line in breakdown.text_lines():
        print(f"  {line}")


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


def destroy(cfg, args: argparse.Namespace) -> int:
    """Remove what deploy.py created for this config: one line per resource (deleted, kept or absent)."""
    from publish.aws import connect
    from publish.destroy import destroy as run_destroy

    clients = connect(cfg.pipeline.region, args.profile, args.endpoint_url)
    run_destroy(cfg, clients, delete_labels=args.delete_labels, yes=args.yes, force=args.force,
                emit=lambda change: print(change.line(), flush=True))
    return 0


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
    from workflow.task_types import deploy_note

    note = deploy_note(cfg)  # a verification section that labels.task_type ignores
    if note:
        print(f"note: {note}", file=sys.stderr)
    if cfg.workforce.type == "public":
        print("WARNING: workforce.type is public: your images will be shown to Amazon Mechanical Turk workers "
              "outside your company, at the configured price per task.", file=sys.stderr)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if not args.destroy:
        given = [flag for flag, on in (("--yes", args.yes), ("--force", args.force), ("--delete-labels", args.delete_labels)) if on]
        if given:
            raise cli.UsageError(f"{', '.join(given)} only go with --destroy; add --destroy or drop them")
    cfg = _load(args)
    if args.dry_run:
        return dry_run(cfg, Path(args.out))
    if args.local:
        return local(cfg, args)
    if args.preflight:
        return preflight(cfg, args)
    if args.destroy:
        return destroy(cfg, args)
    return publish(cfg, args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code (errors: one line on stderr, see cli.run)."""
    return cli.run(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
