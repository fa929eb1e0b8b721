"""Run one case in a fresh sandbox, then a clean follow-up run, and reconcile."""
from __future__ import annotations

import collections
import json
import time
from dataclasses import asdict, dataclass
from typing import Any

from operate.executions import unwritten_result
from reliability import cost
from reliability.cases import Acted, Case, describe_run, pipeline_calls
from reliability.pipeline import CLEAN_WORKFORCE, TIME_SCALE, Run, SandboxPipeline
from reliability.reconcile import Snapshot, current_records, reconcile, snapshot
from sandbox import Sandbox
from steps import layout, naming
from steps.records import RecordContext, record_from_line
from steps.s3_images import is_image_key

# Every case runs with IAM evaluated for the calls the services make as the pipeline's roles
# (sandbox.iam): a run that only works with unchecked permissions does not reconcile.
IAM_EVALUATION = True


@dataclass
class CaseResult:
    """One row of the table (``seconds`` is the only field that varies between identical runs)."""

    case: str
    injected: str
    outcome: str
    follow_up: str
    reconciliation: str
    ok: bool
    seconds: float
    sent: int | None = None  # objects sent to Ground Truth by the case and its follow-up run (reliability.cost)
    minimum: int | None = None  # the least the case needed to send
    why_unequal: str = ""  # the case's reason when sent and minimum cannot be equal

    def cost_cell(self) -> str:
        """``sent / minimum``, with the reason when they differ; "-" when not measured."""
        if self.sent is None or self.minimum is None:
            return "-"
        return cost.Cost(self.sent, self.minimum).cell(self.why_unequal)

    def comparable(self) -> dict[str, Any]:
        """Everything but the timing."""
        return {k: v for k, v in asdict(self).items() if k != "seconds"}


def images_in_s3(p: SandboxPipeline) -> dict[str, str]:
    """The images the pipeline should see (keys under the raw prefix with an image extension), with their ETags."""
    extensions = [ext.lower() for ext in p.cfg.storage.image_extensions]
    pages = p.s3.get_paginator("list_objects_v2").paginate(Bucket=p.bucket, Prefix=p.cfg.storage.raw_prefix)
    return {p.uri(obj["Key"]): obj["ETag"].strip('"') for page in pages for obj in page.get("Contents", ())
            if is_image_key(obj["Key"], extensions)}


def verified_labels(p: SandboxPipeline) -> list[tuple[str, str]]:
    """(image URI, verification job) for every verdict in every verification output manifest in S3."""
    found = []
    folder = layout.VERIFICATION.rstrip("/")
    for key in p.keys(layout.runs_prefix(p.cfg.storage.work_prefix)):
        parts = key.split("/")
        if not key.endswith(layout.OUTPUT_MANIFEST) or folder not in parts:
            continue
        job = parts[parts.index(folder) + 1]
        ctx = RecordContext(p.cfg.labeling.label_attribute, p.cfg.verification.label_attribute, 0, "", job)
        for raw in p.read(p.uri(key)).splitlines():
            if not raw.strip():
                continue
            line = json.loads(raw)
            if record_from_line(line, ctx) is not None:
                found.append((line["source-ref"], job))
    return found


def take_snapshot(p: SandboxPipeline, written_jobs: set[str], rows_offset: int = 0) -> Snapshot:
    """The state now; the first ``rows_offset`` offline-store rows belonged to a deleted feature group."""
    rows = p.sandbox.offline_store_rows(p.feature_group)[rows_offset:]
    return snapshot(images_in_s3(p), rows, verified_labels(p), written_jobs)


def run_case(case: Case) -> CaseResult:
    """The case in a fresh sandbox, a clean follow-up run, and the reconciliation of both."""
    started = time.monotonic()
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE, workforce=CLEAN_WORKFORCE, iam_evaluation=IAM_EVALUATION) as sandbox:
        p = SandboxPipeline(sandbox)
        try:
            acted = case.act(p)
        except Exception as error:  # the harness could not run the case: a row that says so
            acted = Acted(f"HARNESS ERROR {type(error).__name__}: {error}")
        sandbox.faults.clear()
        sandbox.workforce = CLEAN_WORKFORCE
        after = take_snapshot(p, acted.written_jobs, acted.rows_offset)
        note = case.before_follow_up(p) if case.before_follow_up else ""
        follow = p.run()
        sent = p.input_manifest(follow.run_id) if follow.run_id else None
        written = set(acted.written_jobs)
        if follow.outcome.status == "SUCCEEDED" and follow.run_id and sent:
            written.add(naming.job_names(follow.run_id)[1])
        final = take_snapshot(p, written, acted.rows_offset)
        result = reconcile(after, sent, final, acted.unlabelable, written_first(p, follow, acted.rows_offset))
        paid = cost.measure(sandbox, images_in_s3(p), acted.unlabelable, acted.extra_minimum)
        earlier = unwritten_result(p.sfn, follow.outcome.arn) or {}
    follow_up = (f"{note}; " if note else "") + describe_run(follow)
    if earlier.get("written"):
        follow_up += f"; first wrote {earlier['written']} records an earlier run verified but never wrote"
    problems_free = result.ok and not acted.outcome.startswith("HARNESS ERROR")
    return CaseResult(case.name, case.injected, acted.outcome, follow_up, result.line(), problems_free,
                      round(time.monotonic() - started, 1), paid.sent, paid.minimum,
                      case.why_unequal if paid.sent != paid.minimum else "")


def written_first(p: SandboxPipeline, follow: Run, rows_offset: int = 0) -> set[str]:
    """Images whose current record came from a job the follow-up run did not create: its first state
    wrote them (steps.unwritten_output) or the case did."""
    own = set(naming.job_names(follow.run_id)) if follow.run_id else set()
    rows = p.sandbox.offline_store_rows(p.feature_group)[rows_offset:]
    return {uri for uri, row in current_records(rows).items()
            if (row.get("verification_job") or row.get("labeling_job") or "") not in own}


def discover_calls(images: int = 12) -> list[tuple[str, str]]:
    """The (service, operation) pairs one clean execution makes, from the sandbox's call counter."""
    with Sandbox(region="eu-west-1", time_scale=TIME_SCALE, workforce=CLEAN_WORKFORCE, iam_evaluation=IAM_EVALUATION) as sandbox:
        p = SandboxPipeline(sandbox)
        p.upload_samples(images)
        before = collections.Counter(sandbox.faults.calls)
        run = p.run()
        if run.outcome.status != "SUCCEEDED":
            raise RuntimeError(f"the clean run that lists the pipeline's AWS calls failed: {describe_run(run)}")
        return pipeline_calls(sandbox.faults.calls - before)
