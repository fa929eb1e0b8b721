"""What one run costs: pure functions of the config, the rendered graph, the price table and counts.

Two uses, one breakdown (``CostBreakdown``):

- before a run (``estimate``, ``deploy.py --dry-run`` -> ``cost.json``): one full run of
  ``labeling.max_images_per_run`` images, every one labeled and verified, each job running until
  its tasks expire (``task_availability_lifetime_seconds`` + ``task_time_limit_seconds``): an
  upper bound for Step Functions, the expected amount for the per-object fees;
- after a run (``actual``, ``runs.py show``): the same lines from the run's real counts.

Lines: Ground Truth's per-object fee (labeling and verification objects, by the monthly tiers),
the public crowd (price x workers per object x objects, only for ``workforce.type: public``),
Step Functions state transitions, Lambda (requests + GB-seconds) and Athena (bytes scanned).
Not included: S3 requests and storage, CloudWatch Logs, X-Ray, KMS, Feature Store writes and
storage, free tiers (each listed in ``NOT_INCLUDED``).

State transitions of one run (``transitions``): Step Functions counts one each time a state is
executed (https://aws.amazon.com/step-functions/pricing/). We walk the rendered definition from
``StartAt`` along ``Next``, ``Choice`` targets and ``Default`` (no ``Catch``: no error) and take
the LONGEST path without a repeated state to a ``Succeed`` state: the run that labels and
verifies. Each polling loop on it (a ``Wait`` state that a path leads back to) is counted once
in that path, so its further rounds are added: (rounds - 1) x the states of its longest round, with the
rounds from the polling schedule for the job's duration (``workflow.polling.rounds_for``).
A ``Parallel`` state counts itself plus the path of each branch.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workflow import polling

PRICES_FILE = Path(__file__).with_name("prices.json")
MB = 1024 * 1024
TB = 1024 ** 4
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
CREATE_JOB = "arn:aws:states:::sagemaker:createLabelingJob"
ATHENA_TASK = "arn:aws:states:::athena:startQueryExecution"

# Memory the deployer gives each function (publish/deployer.py, Deployer._lambdas), by function suffix.
LAMBDA_MEMORY_MB = {"check-missing-labels": 1024, "filter-labeled-objects": 512, "update-feature-store": 512,
                    "stop-execution-jobs": 256}
# Estimated seconds of one invocation: fixed part + per image. The check lists the bucket and waits for
# Athena (a few seconds); the filter streams one manifest; the update writes ~500 records/s at least
# (bench/run.py measures 10,000+/s without throttling; 500/s is a throttled Feature Store).
LAMBDA_SECONDS = {"check-missing-labels": (10.0, 0.0005), "filter-labeled-objects": (2.0, 0.0002),
                  "update-feature-store": (2.0, 0.002), "stop-execution-jobs": (1.0, 0.0)}
DEFAULT_LAMBDA_SECONDS = (5.0, 0.0)
# Bytes one offline-store row adds to the check's Athena scan (Parquet columns image_uri, status,
# image_etag, event_time, api_invocation_time, write_time, is_deleted: ~150 bytes compressed).
ATHENA_BYTES_PER_ROW = 150
NOT_INCLUDED = ("S3 requests and storage", "CloudWatch Logs and X-Ray", "KMS requests",
                "Feature Store writes and storage", "free tiers (Step Functions 4,000 transitions, Lambda, "
                "Ground Truth's first 500 objects a month for two months)")


def load_prices(path: Path = PRICES_FILE) -> dict[str, Any]:
    """The price table (``workflow/prices.json``)."""
    return json.loads(path.read_text(encoding="utf-8"))


# --- the graph: how many states one run executes ---------------------------------------------------

def _edges(state: Mapping[str, Any]) -> list[str]:
    targets = [state["Next"]] if "Next" in state else []
    if state.get("Type") == "Choice":
        targets += [choice["Next"] for choice in state.get("Choices", [])]
        if "Default" in state:
            targets.append(state["Default"])
    return targets


@dataclass(frozen=True)
class RunPath:
    """The states one successful run executes once, and its polling loops and Lambda/job states."""

    states: tuple[str, ...]
    loops: tuple[int, ...]  # states per round of each polling loop on the path
    lambdas: tuple[str, ...]  # FunctionName of each Lambda task executed
    jobs: int  # createLabelingJob tasks executed
    athena_tasks: int = 0  # Athena queries the state machine runs itself (besides the check Lambda's)

    @property
    def transitions(self) -> int:
        return len(self.states)


def _loop_size(states: Mapping[str, Any], wait: str) -> int | None:
    """States of the longest cycle from a Wait state back to itself (one polling round, upper bound), if any.

    Our loop's Choice goes back to the Wait through a Pass that advances the backoff (4 states) until the
    schedule's last wait, then straight back (3 states): counting every round as 4 keeps an upper bound.
    """
    longest = 0

    def walk(name: str, depth: int, seen: set[str]) -> None:
        nonlocal longest
        for target in _edges(states[name]):
            if target == wait:
                longest = max(longest, depth)
            elif target in states and target not in seen and states[target].get("Type") != "Wait":
                walk(target, depth + 1, seen | {target})

    walk(wait, 1, {wait})
    return longest or None


def run_path(definition: Mapping[str, Any]) -> RunPath:
    """The longest simple path from ``StartAt`` to a ``Succeed`` state, with its loops (see the module doc)."""
    states: Mapping[str, Any] = definition["States"]
    best: list[str] = []

    def walk(name: str, path: list[str], on_path: set[str]) -> None:
        nonlocal best
        state = states[name]
        path.append(name)
        on_path.add(name)
        if state.get("Type") == "Succeed" or (state.get("End") and state.get("Type") != "Fail"):
            if len(path) > len(best) or (len(path) == len(best) and path < best):
                best = list(path)
        for target in _edges(state):
            if target in states and target not in on_path:
                walk(target, path, on_path)
        path.pop()
        on_path.discard(name)

    walk(definition["StartAt"], [], set())
    states_run: list[str] = []
    loops: list[int] = []
    lambdas: list[str] = []
    jobs = athena = 0
    for name in best:
        state = states[name]
        states_run.append(name)
        if state.get("Type") == "Wait":
            size = _loop_size(states, name)
            if size:
                loops.append(size)
        if state.get("Type") == "Task" and state.get("Resource") == LAMBDA_INVOKE:
            lambdas.append(str(state.get("Parameters", {}).get("FunctionName", name)))
        if state.get("Type") == "Task" and str(state.get("Resource", "")).startswith(CREATE_JOB):
            jobs += 1
        if state.get("Type") == "Task" and str(state.get("Resource", "")).startswith(ATHENA_TASK):
            athena += 1
        if state.get("Type") == "Parallel":
            for branch in state.get("Branches", []):
                inner = run_path(branch)
                states_run.extend(f"{name}/{inner_name}" for inner_name in inner.states)
                loops.extend(inner.loops)
                lambdas.extend(inner.lambdas)
                jobs += inner.jobs
                athena += inner.athena_tasks
    return RunPath(tuple(states_run), tuple(loops), tuple(lambdas), jobs, athena)


def transitions(definition: Mapping[str, Any], rounds_per_loop: int) -> int:
    """State transitions of one successful run whose every polling loop runs ``rounds_per_loop`` rounds."""
    path = run_path(definition)
    return path.transitions + sum(size * (max(rounds_per_loop, 1) - 1) for size in path.loops)


# --- prices ---------------------------------------------------------------------------------------

def tiered_fee(objects: int, tiers: Sequence[Mapping[str, Any]], earlier_this_month: int = 0) -> float:
    """Per-object fee of ``objects`` objects by monthly tiers, after ``earlier_this_month`` objects."""
    fee, position, left = 0.0, earlier_this_month, objects
    for tier in tiers:
        limit = tier["objects_per_month_up_to"]
        room = left if limit is None else max(0, min(left, limit - position))
        fee += room * tier["usd_per_object"]
        position += room
        left -= room
        if not left:
            break
    return fee


def athena_bytes_billed(scanned: int, minimum_mb: int) -> int:
    """Bytes Athena bills for one query: rounded up to the megabyte, at least ``minimum_mb``."""
    return max(math.ceil(scanned / MB), minimum_mb) * MB


@dataclass(frozen=True)
class LambdaRun:
    """One function's invocations in a run."""

    function: str
    memory_mb: int
    invocations: int
    seconds: float  # total duration of its invocations

    @property
    def gb_seconds(self) -> float:
        return self.memory_mb / 1024 * self.seconds


@dataclass(frozen=True)
class RunCounts:
    """What a run consumed (estimated before, counted after)."""

    labeled_objects: int  # objects the labeling job labeled (charged per object)
    verified_objects: int  # objects the verification job labeled
    state_transitions: int
    lambdas: tuple[LambdaRun, ...]
    athena_queries: int
    athena_bytes_scanned: int  # per query


@dataclass(frozen=True)
class CostLine:
    item: str
    quantity: str
    usd: float
    note: str = ""


@dataclass(frozen=True)
class CostBreakdown:
    kind: str  # "estimate" | "actual"
    region: str
    lines: tuple[CostLine, ...]
    assumptions: tuple[str, ...] = ()
    not_included: tuple[str, ...] = NOT_INCLUDED
    prices: Mapping[str, Any] = field(default_factory=dict)  # source, date and verified flag of each price

    @property
    def total_usd(self) -> float:
        return sum(line.usd for line in self.lines)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "region": self.region, "currency": "USD", "total_usd": round(self.total_usd, 6),
                "lines": [{**asdict(line), "usd": round(line.usd, 6)} for line in self.lines], "assumptions": list(self.assumptions),
                "not_included": list(self.not_included), "prices": dict(self.prices)}

    def text_lines(self) -> list[str]:
        """Aligned lines: item, quantity, USD, note; then the total."""
        width = max(len(line.item) for line in self.lines)
        qty = max(len(line.quantity) for line in self.lines)
        rows = [f"{line.item.ljust(width)}  {line.quantity.ljust(qty)}  {_usd(line.usd):>10}"
                + (f"  {line.note}" if line.note else "") for line in self.lines]
        rows.append(f"{'total'.ljust(width)}  {''.ljust(qty)}  {_usd(self.total_usd):>10}")
        return rows


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def _usd(value: float) -> str:
    return f"${value:,.2f}" if value >= 1 else f"${value:.4f}"


def breakdown(kind: str, cfg: Any, counts: RunCounts, prices: Mapping[str, Any], assumptions: Iterable[str] = (),
              earlier_this_month: int = 0) -> CostBreakdown:
    """The cost lines of ``counts`` at ``prices`` for this config's region and workforce."""
    region = cfg.pipeline.region
    gt = prices["ground_truth"]
    gt_note = "" if gt.get("verified") else "tier prices unverified: see workflow/prices.json"
    lines = [
        CostLine("Ground Truth labeling", f"{counts.labeled_objects:,} objects",
                 tiered_fee(counts.labeled_objects, gt["per_object_tiers"], earlier_this_month), gt_note),
        CostLine("Ground Truth verification", f"{counts.verified_objects:,} objects",
                 tiered_fee(counts.verified_objects, gt["per_object_tiers"],
                            earlier_this_month + counts.labeled_objects), gt_note),
    ]
    workforce = cfg.workforce
    if workforce.type == "public":
        price = float(workforce.public_task_price_usd or 0)
        tasks = (counts.labeled_objects * cfg.labeling.workers_per_object
                 + counts.verified_objects * cfg.verification.workers_per_object)
        lines.append(CostLine("public workforce (Mechanical Turk)", f"{tasks:,} tasks x ${price:.3f}", tasks * price))
    elif workforce.type == "vendor":
        lines.append(CostLine("vendor workforce", "-", 0.0, "set by the vendor (AWS Marketplace): not included"))
    per_1000 = prices["step_functions"]["usd_per_1000_transitions"]
    sfn_price = per_1000.get(region, per_1000.get("us-east-1", 0.025))
    lines.append(CostLine("Step Functions", f"{counts.state_transitions:,} state transitions",
                          counts.state_transitions / 1000 * sfn_price))
    lam = prices["lambda"]
    requests = sum(run.invocations for run in counts.lambdas)
    gb_seconds = sum(run.gb_seconds for run in counts.lambdas)
    lines.append(CostLine("Lambda", f"{_plural(requests, 'invocation')}, {gb_seconds:,.1f} GB-s",
                          requests * lam["usd_per_request"] + gb_seconds * lam["usd_per_gb_second"]))
    athena = prices["athena"]
    billed = athena_bytes_billed(counts.athena_bytes_scanned, athena["minimum_mb_per_query"]) * counts.athena_queries
    lines.append(CostLine("Athena", f"{_plural(counts.athena_queries, 'query', 'queries')}, {billed / MB:,.0f} MB billed",
                          billed / TB * athena["usd_per_tb_scanned"]))
    sources = {name: {"source": entry.get("source"), "verified": entry.get("verified", False)}
               for name, entry in prices.items() if isinstance(entry, dict)}
    sources["retrieved"] = prices.get("retrieved")  # type: ignore[assignment]
    return CostBreakdown(kind, region, tuple(lines), tuple(assumptions), prices=sources)


# --- before a run ----------------------------------------------------------------------------------

def _suffix(function: str) -> str:
    name = function.rsplit(":", 1)[-1]
    return next((suffix for suffix in LAMBDA_MEMORY_MB if name.endswith(suffix)), name)


def lambda_estimate(function: str, images: int) -> LambdaRun:
    suffix = _suffix(function)
    fixed, per_image = LAMBDA_SECONDS.get(suffix, DEFAULT_LAMBDA_SECONDS)
    return LambdaRun(suffix, LAMBDA_MEMORY_MB.get(suffix, 1024), 1, fixed + per_image * images)


def job_seconds(job: Any) -> int:
    """The longest a job's tasks stay open: availability lifetime + one task's time limit."""
    return int(job.task_availability_lifetime_seconds + job.task_time_limit_seconds)


def estimate(cfg: Any, definition: Mapping[str, Any], prices: Mapping[str, Any] | None = None,
             offline_rows: int | None = None, earlier_this_month: int = 0) -> CostBreakdown:
    """One full run of ``labeling.max_images_per_run`` images (see the module doc for what is assumed)."""
    prices = prices or load_prices()
    images = cfg.labeling.max_images_per_run
    path = run_path(definition)
    longest = max(job_seconds(cfg.labeling), job_seconds(cfg.verification))
    rounds = polling.rounds_for(longest, cfg.polling)
    rows = images if offline_rows is None else offline_rows
    counts = RunCounts(
        labeled_objects=images, verified_objects=images,
        state_transitions=transitions(definition, rounds),
        lambdas=tuple(lambda_estimate(function, images) for function in path.lambdas),
        athena_queries=1 + path.athena_tasks, athena_bytes_scanned=rows * ATHENA_BYTES_PER_ROW,
    )
    assumptions = (
        f"{images:,} images (labeling.max_images_per_run), each labeled and verified once",
        f"state transitions: {path.transitions} states on the run's path through the graph + {len(path.loops)} "
        f"polling loops x {rounds - 1} more rounds (jobs open {longest / 86400:.1f} days: task availability + "
        "time limit; an upper bound, most jobs end sooner)",
        "Lambda: one invocation of each function on the path; seconds per invocation estimated "
        "(workflow/cost.py LAMBDA_SECONDS) at the memory the deployer sets",
        f"Athena: {1 + path.athena_tasks} queries (the check's, and the graph's Athena tasks), each over {rows:,} "
        f"rows x {ATHENA_BYTES_PER_ROW} bytes (at least 10 MB billed each)",
        f"Ground Truth tiers start at {earlier_this_month:,} objects already labeled this month",
    )
    return breakdown("estimate", cfg, counts, prices, assumptions, earlier_this_month)


# --- after a run -----------------------------------------------------------------------------------

def actual(cfg: Any, summary: Mapping[str, Any], state_transitions: int, lambdas: Sequence[LambdaRun],
           prices: Mapping[str, Any] | None = None, athena_tasks: int = 0) -> CostBreakdown:
    """A finished run from its real counts: the summary (objects), the history (transitions, Lambda)."""
    prices = prices or load_prices()
    selected = int(summary.get("selected") or 0)
    # carried: earlier labels only verified again this run (steps.carried_labels), never labeled again
    labeled = max(0, selected - int(summary.get("carried") or 0) - int(summary.get("left_out") or 0))
    verified = int(summary.get("approved") or 0) + int(summary.get("rejected") or 0)
    rows = int(summary.get("images_found") or 0)
    queries = (1 if "images_found" in summary else 0) + athena_tasks  # the check Lambda's query, the graph's
    counts = RunCounts(labeled, verified, state_transitions, tuple(lambdas), queries, rows * ATHENA_BYTES_PER_ROW)
    assumptions = (
        "objects: labeled = sent - carried - left out (Ground Truth charges labeled objects); "
        "verified = approved + rejected",
        "state transitions and Lambda seconds counted from the execution history",
        f"Athena bytes estimated: {rows:,} images found x {ATHENA_BYTES_PER_ROW} bytes (at least 10 MB billed)",
    )
    return breakdown("actual", cfg, counts, prices, assumptions)
