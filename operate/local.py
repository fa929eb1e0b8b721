"""``deploy.py --local``: the whole pipeline on the offline sandbox, end to end.

Starts the sandbox in this process, publishes exactly as to AWS, uploads sample
images, runs one execution while printing each state, and ends with a summary.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from operate.follow import ExecutionOutcome, follow
from publish.aws import AwsClients
from publish.deployer import Deployer, DeployResult
from workflow.config import PipelineConfig
from workflow.resources import in_account


@dataclass
class LocalRun:
    deploy: DeployResult
    images: int
    outcome: ExecutionOutcome
    records: int
    wall_seconds: float

    @staticmethod
    def _selected_lines(out: dict) -> list[str]:
        """Images sent to labeling; and, when the run carried earlier runs' unverified labels straight
        to verification (steps.carried_labels), those apart (``selected`` counts both)."""
        selected, carried, backlog = out.get("selected", "-"), out.get("carried"), out.get("backlog", "-")
        if not (isinstance(carried, int) and carried > 0 and isinstance(selected, int)):
            return [f"sent to labeling {selected} (backlog left: {backlog})"]
        return [f"sent to labeling {selected - carried} (backlog left: {backlog})",
                f"earlier labels verified again {carried} (not labeled again)"]

    def summary_lines(self) -> list[str]:
        out = self.outcome.output or {}
        lines = [
            f"execution      {self.outcome.status} in {self.outcome.seconds:.1f} s ({self.outcome.events} history events, "
            f"largest state payload {self.outcome.max_state_payload_bytes} bytes)",
            f"images found   {out.get('images_found', '-')}",
            f"already labeled {out.get('already_labeled', '-')}",
            *self._selected_lines(out),
            f"left out       {out.get('left_out', '-')} (labeling failed them: not verified, retried next run)",
            f"approved       {out.get('approved', '-')}",
            f"rejected       {out.get('rejected', '-')}",
            f"unlabeled      {out.get('unlabeled', '-')}",
            f"unlabelable    {out.get('unlabelable', '-')} (Ground Truth cannot label them: not sent again unless replaced)",
            f"feature group  {self.records} records",
            f"wall time      {self.wall_seconds:.1f} s",
        ]
        if self.outcome.status != "SUCCEEDED":
            lines.insert(1, f"error          {self.outcome.error}: {self.outcome.cause}")
        return lines


def run_local(cfg: PipelineConfig, sandbox, images: int, emit: Callable[[str], None] = print,
              execution_input: dict | None = None) -> LocalRun:
    """Publish to the running ``sandbox``, upload ``images`` samples, run one execution and follow it."""
    from sandbox.sample_images import generate_sample_images
    from sandbox.workteams import ensure_private_workteam

    t0 = time.monotonic()
    clients = AwsClients(session=_session(), region=cfg.pipeline.region, endpoint_url=sandbox.endpoint)
    cfg, notes = in_account(cfg, sandbox.account_id)
    for note in notes:
        emit(f"sandbox account {sandbox.account_id}: {note}")
    ensure_private_workteam(clients.client("sagemaker"), cfg.workforce.workteam_arn)  # the sandbox account's workteam
    emit("publishing:")
    deploy = Deployer(cfg, clients, emit=lambda change: emit("  " + change.line())).run()
    s3 = clients.client("s3")
    keys = generate_sample_images(s3, cfg.storage.bucket, cfg.storage.raw_prefix, images)
    emit(f"uploaded {len(keys)} sample images to s3://{cfg.storage.bucket}/{cfg.storage.raw_prefix}")
    if cfg.storage.listing != "list":  # what S3 does daily (on AWS the first report takes up to 48 hours)
        for report in sandbox.deliver_inventory_reports(cfg.storage.bucket):
            emit(f"delivered an S3 Inventory report ({report.rows} objects): s3://{cfg.storage.bucket}/{report.manifest_key}")
    sfn = clients.client("stepfunctions")
    name = time.strftime("local-%Y%m%d-%H%M%S")
    started = sfn.start_execution(stateMachineArn=deploy.state_machine_arn, name=name, input=json.dumps(execution_input or {}))
    emit(f"execution {started['executionArn']}:")
    outcome = follow(sfn, started["executionArn"], emit=emit)
    records = len({row["image_uri"] for row in sandbox.offline_store_rows(cfg.feature_store.feature_group_name)})
    return LocalRun(deploy, len(keys), outcome, records, time.monotonic() - t0)


def _session():
    import boto3

    return boto3.Session()
