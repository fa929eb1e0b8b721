"""The case table: what each case puts in S3, which fault it plans, and how it runs.

A case's ``act`` gets a freshly deployed pipeline (clean workforce: every verdict approves, no
task expires), does its damage, runs the pipeline and returns an ``Acted``: the outcome line
and what reconciliation must expect. Reconciliation and the follow-up run are the runner's.
Fault cases on AWS APIs are generated from the (service, operation) pairs a clean run calls.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from publish import feature_group
from publish.changes import DeployError
from reliability.pipeline import A_WEEK, Run, SandboxPipeline, workforce
from sandbox.faults import FaultPlan, client_name
from sandbox.sample_images import generate_sample_images
from steps import layout, naming

BASE_IMAGES = 12


@dataclass
class Acted:
    """What a case did: its one-line outcome and what reconciliation must know."""

    outcome: str
    run: Run | None = None
    written_jobs: set[str] = field(default_factory=set)  # verification jobs whose labels must all be stored
    unlabelable: set[str] = field(default_factory=set)  # images no worker can label: recorded UNLABELABLE
    rows_offset: int = 0  # offline-store rows written before the feature group was deleted: not its records
    extra_minimum: int = 0  # stages of object versions replaced during the case (reliability.cost)


@dataclass(frozen=True)
class Case:
    name: str
    injected: str
    act: Callable[[SandboxPipeline], Acted]
    quick: bool = False  # in the representative subset (`--quick`, the pytest suite)
    before_follow_up: Callable[[SandboxPipeline], str] | None = None  # operator's repair; returns a note
    why_unequal: str = ""  # why the objects sent to Ground Truth cannot equal the minimum (reliability.cost)


# --- outcome lines --------------------------------------------------------------------------------
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_RUN_HASH = re.compile(r"-[0-9a-f]{10}(?=-lbl|-vfy|/|\b)")
_SDK_SUFFIX = re.compile(r"\s*\((?:Service|Request ID)[^)]*\)")
MAX_CAUSE = 170


def _lambda_error_payload(text: str) -> str:
    """A cause embedding a Lambda error payload ({"errorMessage", "errorType", ...}) as ``type: message``."""
    start = text.find('{"errorMessage"')
    if start < 0:
        return text
    try:
        payload, end = json.JSONDecoder().raw_decode(text, start)
    except ValueError:
        return text
    before, kind = text[:start], str(payload.get("errorType", "?"))
    if not before.rstrip().endswith(f"{kind}:"):
        before += f"{kind}: "
    return f"{before}{payload.get('errorMessage', '')}{text[end:]}"


def clean(text: str | None) -> str:
    """An error cause without request ids, run hashes or Python reprs of moto's internals; one line."""
    text = _lambda_error_payload(_SDK_SUFFIX.sub("", text or ""))
    text = _UUID.sub("<id>", text)
    text = _RUN_HASH.sub("-<hash>", text)
    text = " ".join(text.split())
    return text if len(text) <= MAX_CAUSE else text[: MAX_CAUSE - 1] + "…"


def describe_run(run: Run) -> str:
    """``SUCCEEDED`` (with the state machine's retries) or ``FAILED: error: cause``."""
    outcome = run.outcome
    if outcome.status != "SUCCEEDED":
        error, cause = clean(outcome.error), clean(outcome.cause)
        return f"{outcome.status}: {cause}" if error and error in cause else f"{outcome.status}: {error}: {cause}"
    if run.failed_attempts:
        states = sorted(set(run.failed_attempts))
        return f"SUCCEEDED; the state machine retried {', '.join(states)} ({len(run.failed_attempts)} failed attempts)"
    return "SUCCEEDED"


def _succeeded_jobs(run: Run) -> set[str]:
    if run.outcome.status == "SUCCEEDED" and run.run_id and (run.outcome.output or {}).get("selected"):
        return {naming.job_names(run.run_id)[1]}
    return set()


def _plain_run(pipeline: SandboxPipeline, unlabelable: Iterable[str] = (), note: str = "") -> Acted:
    run = pipeline.run()
    outcome = describe_run(run) + (f"; {note}" if note else "")
    return Acted(outcome, run, _succeeded_jobs(run), set(unlabelable))


# --- bad input ------------------------------------------------------------------------------------
def _non_image_files(p: SandboxPipeline) -> Acted:
    p.upload_samples(BASE_IMAGES)
    fake = p.put(p.cfg.storage.raw_prefix + "line-a/notes.png", b"this is a text file, not a PNG\n")
    for key in ("readme.txt", "line-a/data.json", "line-b/part-0099.png.bak", "line-b/"):
        p.put(p.cfg.storage.raw_prefix + key, b"" if key.endswith("/") else b"not an image")
    acted = _plain_run(p, {fake})
    sent = p.input_manifest(acted.run.run_id) if acted.run and acted.run.run_id else set()
    ignored = sorted(u for u in sent or () if not u.endswith(".png") or u.endswith(".bak"))
    acted.outcome += "; other extensions ignored" if not ignored else f"; SENT NON-IMAGE KEYS {ignored}"
    return acted


def _zero_byte_images(p: SandboxPipeline) -> Acted:
    p.upload_samples(BASE_IMAGES)
    empty = {p.put(p.cfg.storage.raw_prefix + name, b"") for name in ("line-a/empty.jpg", "line-b/empty.PNG")}
    return _plain_run(p, empty)


SPECIAL_KEYS = ("with space.png", "plus+sign.png", "100%25 percent%.png", "key=value.png",
                "ünïcødé-画像.png", "semi;colon &amp.png", "nested/dir (1)/x.png")


def _special_keys(p: SandboxPipeline) -> Acted:
    uris = p.upload_samples(BASE_IMAGES)
    body = p.read(uris[0])
    special = {p.put(p.cfg.storage.raw_prefix + "special/" + name, body) for name in SPECIAL_KEYS}
    acted = _plain_run(p)
    stored = {row["image_uri"] for row in p.sandbox.offline_store_rows(p.feature_group)}
    acted.outcome += (f"; all {len(special)} keys stored verbatim" if special <= stored
                      else f"; {len(special - stored)} special keys have no record")
    return acted


def _crash_update_run(p: SandboxPipeline, count: int) -> tuple[Run, str, str]:
    """A run whose UpdateFeatureStore crashes (the verification output exists, nothing is written):
    the run, its run id and the URI of its verification output manifest."""
    p.upload_samples(count)
    p.sandbox.faults.crash_lambda(p.deploy.arns.update_lambda.rsplit(":", 1)[1], message="planned crash")
    run = p.run()
    run_id = run.run_id
    if run_id is None:
        raise RuntimeError(f"the preparing run did not reach the check step: {describe_run(run)}")
    verification = naming.job_names(run_id)[1]
    outputs = layout.verification_output_prefix(p.cfg.storage.work_prefix, run_id)
    return run, run_id, p.uri(layout.output_manifest_key(outputs, verification))


def _invoke_outcome(p: SandboxPipeline, run_id: str, manifest_uri: str) -> tuple[str, set[str]]:
    answer = p.invoke_update(run_id, manifest_uri)
    if "error" in answer:
        return f"invoke FAILED: {answer['error']}: {clean(answer['message'])}", set()
    result = answer["result"]
    return (f"invoke succeeded: {result['lines_read']} lines read, {result['written']} written",
            {naming.job_names(run_id)[1]})


def _manifest_variant(p: SandboxPipeline, count: int, edit: Callable[[list[bytes]], list[bytes]]) -> Acted:
    run, run_id, output_uri = _crash_update_run(p, count)
    lines = p.read(output_uri).split(b"\n")
    copy_key = layout.run_prefix(p.cfg.storage.work_prefix, run_id) + "edited-output.manifest"
    copy_uri = p.put(copy_key, b"\n".join(edit(lines)))
    outcome, written = _invoke_outcome(p, run_id, copy_uri)
    return Acted(outcome, run, written)


MALFORMED_LINE = 28


def _malformed_line(p: SandboxPipeline) -> Acted:
    def corrupt(lines: list[bytes]) -> list[bytes]:
        lines[MALFORMED_LINE - 1] = lines[MALFORMED_LINE - 1][:40]  # a truncated line
        return lines

    return _manifest_variant(p, 30, corrupt)


def _empty_lines(p: SandboxPipeline) -> Acted:
    return _manifest_variant(p, BASE_IMAGES, lambda lines: [*lines[:5], b"", b"   ", *lines[5:]])


def _missing_manifest(p: SandboxPipeline) -> Acted:
    run, run_id, output_uri = _crash_update_run(p, BASE_IMAGES)
    p.s3.delete_object(Bucket=p.bucket, Key=output_uri.split("/", 3)[3])
    outcome, written = _invoke_outcome(p, run_id, output_uri)
    return Acted(outcome, run, written)


def _feature_group_deleted(p: SandboxPipeline) -> Acted:
    p.upload_samples(BASE_IMAGES)
    first = p.run()
    if first.outcome.status != "SUCCEEDED":
        return Acted(f"first run {describe_run(first)}", first, set())
    # AWS keeps a deleted group's offline files and Glue table; the redeploy (the follow-up's setup)
    # refuses to adopt that table and the operator deletes it to start from an empty group.
    p.clients.client("sagemaker").delete_feature_group(FeatureGroupName=p.feature_group)
    # Every image would look unlabeled: the check step fails at once (FeatureGroupMissing), no job started.
    second = p.run()
    out = second.outcome.output or {}
    counts = ", ".join(f"{k} {out.get(k)}" for k in ("images_found", "already_labeled", "missing", "selected"))
    return Acted(f"first run SUCCEEDED; after the deletion: {describe_run(second)}" + (f" ({counts})" if out else ""),
                 second, _succeeded_jobs(second))


LAG_SECONDS = 4 * 3600  # the suite's clock runs 5,000x: AWS's 15 minutes would pass before run B checks


def _offline_store_lag(p: SandboxPipeline) -> Acted:
    """Run B starts as soon as run A succeeded, while A's records are not yet in the offline store:
    B must leave A's images to A (steps.in_flight) and label only the new ones."""
    p.sandbox.offline_store.delay_seconds = LAG_SECONDS
    p.upload_samples(BASE_IMAGES)
    first = p.run()
    new = generate_sample_images(p.s3, p.bucket, f"{p.cfg.storage.raw_prefix}later/", 3, seed=2)
    second = p.run()
    p.sandbox.offline_store.delay_seconds = 0  # the follow-up writes at once
    p.sandbox.clock.advance(LAG_SECONDS)  # and A's and B's rows are visible to it
    out = second.outcome.output or {}
    counts = ", ".join(f"{k} {out.get(k)}" for k in ("images_found", "already_labeled", "missing", "selected"))
    return Acted(f"run A {describe_run(first)}; run B inside the lag: {describe_run(second)} ({counts}; "
                 f"{len(new)} new images)", second, _succeeded_jobs(first) | _succeeded_jobs(second))


def _redeploy(p: SandboxPipeline) -> str:
    """Re-run the deployer; when it refuses the deleted group's table, do what its message says to
    start from an empty group (delete the table), and deploy again."""
    refused = ""
    try:
        deploy = p.redeploy()
    except DeployError as error:
        if "aws glue delete-table" not in str(error):
            raise
        catalog = feature_group.data_catalog_config(p.feature_group)
        p.clients.client("glue").delete_table(DatabaseName=catalog["Database"], Name=catalog["TableName"])
        refused = "redeploy refused the deleted group's table; table deleted; "
        deploy = p.redeploy()
    changes = [c for c in deploy.report.changes if c.kind == "feature group"]
    return f"{refused}redeploy: feature group {changes[0].action}" if changes else f"{refused}redeploy"


def _unlabelable_replaced(p: SandboxPipeline) -> Acted:
    """Issue 11 point 1: a zero-byte and a not-an-image object are recorded UNLABELABLE by run 1, run 2
    sends neither, then the zero-byte one is replaced by a real image (new ETag): the follow-up sends it."""
    uris = p.upload_samples(BASE_IMAGES)
    raw = p.cfg.storage.raw_prefix
    p.put(raw + "line-a/empty.png", b"")
    text = p.put(raw + "line-a/notes.png", b"this is a text file, not a PNG\n")
    acted = _plain_run(p, {text})
    second = p.run()
    sent = p.input_manifest(second.run_id) if second.run_id else None
    p.put(raw + "line-a/empty.png", p.read(uris[0]))  # replaced: a real image, a new ETag
    out = acted.run.outcome.output if acted.run else None
    acted.outcome += (f"; {(out or {}).get('unlabelable', 0)} recorded UNLABELABLE; run 2 {describe_run(second)}, "
                      f"sent {len(sent or ())}; then empty.png replaced by a real image")
    acted.extra_minimum = 1  # the zero-byte version of empty.png, once through labeling
    return acted


def _update_fails_for_good(p: SandboxPipeline) -> Acted:
    """Issue 11 point 3: every BatchWriteRecord call fails, the update step's retries and the state machine's
    run out, the run fails with its verified output in S3; the follow-up (faults cleared) writes it first."""
    p.upload_samples(30)
    p.sandbox.faults.add(FS, "BatchWriteRecord", error_code="InternalFailure", status=500, message="planned",
                         times=100_000)
    return _plain_run(p)


def _rejected(p: SandboxPipeline) -> Acted:
    p.upload_samples(BASE_IMAGES)
    p.sandbox.workforce = workforce(approval_rate=0.0)
    return _plain_run(p)


BAD_INPUT = [
    Case("non-image files", "`line-a/notes.png` holding text; `.txt`, `.json`, `.png.bak` files and a `line-b/` "
         "folder marker under the raw prefix", _non_image_files),
    Case("zero-byte images", "two 0-byte images (`empty.jpg`, `empty.PNG`)", _zero_byte_images),
    Case("unlabelable object replaced", "a 0-byte `empty.png` and a text file `notes.png`; a second run; then "
         "`empty.png` replaced by a real image before the follow-up", _unlabelable_replaced),
    Case("special-character keys", "7 keys with spaces, `+`, `%`, `%25`, `=`, `;`, `&`, unicode, parentheses",
         _special_keys, quick=True),
    Case("malformed manifest line", f"verification output copied with line {MALFORMED_LINE} of 30 truncated; "
         "UpdateFeatureStore invoked with it (the run's own update crashed first)", _malformed_line, quick=True),
    Case("empty manifest lines", "verification output copied with an empty and a blank line inserted; "
         "UpdateFeatureStore invoked with it (the run's own update crashed first)", _empty_lines),
    Case("missing output manifest", "verification output manifest deleted; UpdateFeatureStore invoked with its URI "
         "(the run's own update crashed first)", _missing_manifest,
         why_unequal="the deleted manifest held the only copy of the verdicts: the follow-up verifies the same labels "
         "again (it does not label the images again)"),
    Case("feature group deleted", "DeleteFeatureGroup between two runs; follow-up after re-running the deployer",
         _feature_group_deleted, before_follow_up=_redeploy,
         why_unequal="the verified labels went with the deleted group; the operator chose an empty group, so every "
         "image is labeled again"),
    Case("offline store lag", "offline-store records visible 4 simulated hours after their write; run B starts as "
         "soon as run A succeeded, with 3 new images", _offline_store_lag),
    Case("every label rejected", "verification rejects every label (approval_rate=0)", _rejected),
]


# --- faults on AWS APIs ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FaultKind:
    name: str
    status: int
    code: str
    message: str


# Each service's own codes: Lambda throttles with TooManyRequestsException (429), S3 with SlowDown (503).
THROTTLE = {"lambda": FaultKind("throttle", 429, "TooManyRequestsException", "Rate exceeded"),
            "s3": FaultKind("throttle", 503, "SlowDown", "Please reduce your request rate.")}
DEFAULT_THROTTLE = FaultKind("throttle", 400, "ThrottlingException", "Rate exceeded")
SERVER_ERROR = {"lambda": FaultKind("500", 500, "ServiceException", "internal error"),
                "s3": FaultKind("500", 500, "InternalError", "We encountered an internal error. Please try again.")}
DEFAULT_SERVER_ERROR = FaultKind("500", 500, "InternalFailure", "The request processing has failed because of an "
                                 "unknown error, exception or failure.")
UNAVAILABLE = FaultKind("503", 503, "ServiceUnavailable", "The request has failed due to a temporary failure "
                        "of the server.")
FAULT_TIMES = 2

# Calls the harness makes (starting and following executions), and the per-entry pseudo-operation.
HARNESS_CALLS = {("stepfunctions", "StartExecution"), ("stepfunctions", "DescribeExecution"),
                 ("stepfunctions", "GetExecutionHistory")}


def fault_kinds(service: str) -> list[FaultKind]:
    return [THROTTLE.get(service, DEFAULT_THROTTLE), SERVER_ERROR.get(service, DEFAULT_SERVER_ERROR), UNAVAILABLE]


def pipeline_calls(counts: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    """The (service, operation) pairs the pipeline itself called, from a FaultPlan's counter delta."""
    return sorted(key for key, n in counts.items()
                  if n > 0 and key not in HARNESS_CALLS and not key[1].endswith(".entry"))


def _api_fault(service: str, operation: str, kind: FaultKind) -> Callable[[SandboxPipeline], Acted]:
    def act(p: SandboxPipeline) -> Acted:
        p.upload_samples(BASE_IMAGES)
        before = p.sandbox.faults.calls[(service, operation)]
        p.sandbox.faults.add(service, operation, error_code=kind.code, status=kind.status, message=kind.message,
                             times=FAULT_TIMES)
        acted = _plain_run(p)
        reached = p.sandbox.faults.calls[(service, operation)] - before
        run = acted.run  # _plain_run always sets it
        if run is not None and run.outcome.status == "SUCCEEDED":
            if reached < FAULT_TIMES:
                acted.outcome += f"; only {reached} of {FAULT_TIMES} planned faults reached"
            elif not run.failed_attempts:
                acted.outcome += "; retried inside the step (client or batch writer)"
        return acted

    return act


QUICK_FAULTS = {("sagemaker-featurestore-runtime", "BatchWriteRecord", "throttle"), ("lambda", "Invoke", "500")}


def api_fault_cases(calls: Iterable[tuple[str, str]]) -> list[Case]:
    """One case per (service, operation) and fault kind: the first FAULT_TIMES calls fail."""
    cases = []
    for service, operation in calls:
        service = client_name(service)
        for kind in fault_kinds(service):
            cases.append(Case(
                f"{kind.name} {service} {operation}",
                f"{kind.status} {kind.code} on the first {FAULT_TIMES} {operation} calls",
                _api_fault(service, operation, kind),
                quick=(service, operation, kind.name) in QUICK_FAULTS,
            ))
    return cases


# --- Feature Store writes failing midway -----------------------------------------------------------
def fail_after(plan: FaultPlan, service: str, operation: str, after: int, *, error_code: str, status: int = 500,
               message: str = "planned", times: int = 1) -> None:
    """Plan a fault on ``service``/``operation`` that starts once ``after`` calls have passed.

    Wraps this FaultPlan instance's ``check`` (the sandbox's own code is unchanged): the
    (after+1)-th call and the ``times - 1`` next ones fail.
    """
    original = plan.check
    key = (client_name(service), operation)
    planned = (service, operation)
    armed: list[bool] = []

    def check(service: str, operation: str) -> None:
        if not armed and (client_name(service), operation) == key and plan.calls[key] >= after:
            armed.append(True)
            plan.add(*planned, error_code=error_code, status=status, message=message, times=times)
        original(service, operation)

    plan.check = check  # type: ignore[method-assign]  # this plan only, as the docstring says


FS = "sagemaker-featurestore-runtime"


def _write_fault(count: int, operation: str, after: int, code: str, status: int, times: int,
                 ) -> Callable[[SandboxPipeline], Acted]:
    def act(p: SandboxPipeline) -> Acted:
        p.upload_samples(count)
        fail_after(p.sandbox.faults, FS, operation, after, error_code=code, status=status, times=times)
        acted = _plain_run(p)
        hit = min(times, max(0, p.sandbox.faults.calls[(FS, operation)] - after))
        acted.outcome += f"; {hit} of {times} planned faults hit"
        return acted

    return act


def _update_retry_resumes(p: SandboxPipeline) -> Acted:
    """Point 5 of issue 11: the update fails after 2 of its 3 batches were written (the 3rd batch fails
    all 8 of its attempts); the state machine's retry of the step must skip the 50 lines written."""
    p.upload_samples(60)
    fail_after(p.sandbox.faults, FS, "BatchWriteRecord", 2, error_code="InternalFailure", status=500, times=8)
    acted = _plain_run(p)
    rows = p.sandbox.offline_store.rows(p.cfg.feature_store.feature_group_name)
    per_image: dict[str, int] = {}
    for row in rows:
        per_image[row["image_uri"]] = per_image.get(row["image_uri"], 0) + 1
    twice = sum(1 for count in per_image.values() if count > 1)
    acted.outcome += f"; {len(per_image)} records, written twice: {twice}"
    return acted


WRITE_FAULTS = [
    Case("entries unprocessed midway", "entries 11-15 of 30 returned in UnprocessedEntries",
         _write_fault(30, "BatchWriteRecord.entry", 10, "Unprocessed", 400, 5)),
    Case("entries failing midway", "entries 11-15 of 30 in Errors with InternalFailure",
         _write_fault(30, "BatchWriteRecord.entry", 10, "InternalFailure", 500, 5)),
    Case("entry rejected midway", "entry 11 of 30 in Errors with ValidationError (permanent)",
         _write_fault(30, "BatchWriteRecord.entry", 10, "ValidationError", 400, 1)),
    Case("write call fails after 1 batch, transient", "60 records: after the 1st BatchWriteRecord call, "
         "2 calls fail with 500 InternalFailure", _write_fault(60, "BatchWriteRecord", 1, "InternalFailure", 500, 2)),
    Case("write call fails after 1 batch, persistent", "60 records: after the 1st BatchWriteRecord call, every call "
         "fails with 500 InternalFailure (40 times)", _write_fault(60, "BatchWriteRecord", 1, "InternalFailure", 500, 40)),
    Case("update fails for good, next run writes it", "30 records: every BatchWriteRecord call fails (the update "
         "step and the state machine's retry of it fail; the run fails with its verified output unwritten)",
         _update_fails_for_good),
    Case("update fails midway, retry resumes", "60 records: after 2 BatchWriteRecord calls, 8 calls fail with 500 "
         "InternalFailure (the update step fails; the state machine retries it)", _update_retry_resumes),
]


# --- Lambdas and labeling jobs ---------------------------------------------------------------------
def _lambda_fault(which: str, kind: str) -> Callable[[SandboxPipeline], Acted]:
    def act(p: SandboxPipeline) -> Acted:
        p.upload_samples(BASE_IMAGES)
        arn = p.deploy.arns.check_lambda if which == "check" else p.deploy.arns.update_lambda
        name = arn.rsplit(":", 1)[1]
        if kind == "crash":
            p.sandbox.faults.crash_lambda(name, message="planned crash")
        else:
            p.sandbox.faults.timeout_lambda(name)
        return _plain_run(p)

    return act


def _workforce_case(**changes) -> Callable[[SandboxPipeline], Acted]:
    def act(p: SandboxPipeline) -> Acted:
        p.upload_samples(BASE_IMAGES)
        p.sandbox.workforce = workforce(**changes)
        return _plain_run(p)

    return act


def _stopped_job(p: SandboxPipeline) -> Acted:
    p.upload_samples(BASE_IMAGES)
    run = p.run_stopping_the_labeling_job()
    return Acted(describe_run(run), run, _succeeded_jobs(run))


def _abort_run_while(p: SandboxPipeline, kind: str) -> tuple[Run, str]:
    """Start a run and StopExecution while its ``kind`` job ("labeling" or "verification") runs (its workers take
    a simulated week or day); wait for the execution-ended rule to stop the job. The run, and ``kind job Status, ...``."""
    import time

    from operate.follow import follow

    suffix = "-lbl" if kind == "labeling" else "-vfy"
    # The job is running when aborted. A verification job gets a day, not a week: an adjustment job runs on the
    # verification timing (sandbox.workforce) and must complete before the verification job starts (60 s real).
    p.sandbox.workforce = workforce(**{f"{kind}_seconds": A_WEEK if kind == "labeling" else 86_400})
    p.runs += 1
    arn = p.sfn.start_execution(stateMachineArn=p.deploy.state_machine_arn, name=f"run-{p.runs}",
                                input="{}")["executionArn"]
    sagemaker = p.clients.client("sagemaker")

    def statuses() -> dict[str, str]:
        return {j["LabelingJobName"]: j["LabelingJobStatus"]
                for j in sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]}

    deadline = time.monotonic() + 60
    while (not any(name.endswith(suffix) and status == "InProgress" for name, status in statuses().items())
           and time.monotonic() < deadline):
        time.sleep(0.02)
    if not any(name.endswith(suffix) and status == "InProgress" for name, status in statuses().items()):
        raise AssertionError(f"no {kind} job InProgress within 60 s: the case cannot abort while {kind}")
    p.sfn.stop_execution(executionArn=arn, error="Operator", cause=f"aborted while {kind}")
    outcome = follow(p.sfn, arn, emit=lambda line: None, poll_seconds=0.05, timeout_seconds=60)
    while ({"Initializing", "InProgress"} & set(statuses().values())) and time.monotonic() < deadline + 60:
        time.sleep(0.05)
    p.sandbox.workforce = workforce()
    run = Run(outcome, *p._from_history(arn))
    kinds = {"lbl": "labeling", "vfy": "verification", "adj": "adjustment"}
    jobs = ", ".join(f"{kinds.get(name.rsplit('-', 1)[-1], name)} job {status}" for name, status in sorted(statuses().items())
                     if run.run_id and name.startswith(f"{run.run_id}-"))
    return run, jobs


def _aborted_while(kind: str) -> Callable[[SandboxPipeline], Acted]:
    """StopExecution while the run's ``kind`` job runs: the execution-ended rule must stop the job. Aborted
    while verifying, the labeling job has completed: the follow-up verifies its labels again
    (steps.carried_labels) instead of labeling the images again."""

    def act(p: SandboxPipeline) -> Acted:
        p.upload_samples(BASE_IMAGES)
        run, jobs = _abort_run_while(p, kind)
        return Acted(f"{run.outcome.status}; {jobs} (execution-ended rule)", run, _succeeded_jobs(run))

    return act


TIMEOUT_SECONDS = 20  # real seconds: moto's engine times an execution out on the wall clock, not the simulated one;
# long enough for the first states to create the labeling job on a busy machine


def _timed_out_while_labeling(p: SandboxPipeline) -> Acted:
    """Issue 11 point 2: the execution times out (the definition's TimeoutSeconds) while its labeling job
    runs; the execution cannot act, the execution-ended rule must stop the job. The definition the
    deployer wrote is put back before the follow-up (an operator dropping the too short timeout)."""
    p.upload_samples(BASE_IMAGES)
    p.sandbox.workforce = workforce(labeling_seconds=A_WEEK)  # workers take a week: the job runs when time is up
    arn = p.deploy.state_machine_arn
    definition = p.sfn.describe_state_machine(stateMachineArn=arn)["definition"]
    p.sfn.update_state_machine(stateMachineArn=arn,
                               definition=json.dumps({**json.loads(definition), "TimeoutSeconds": TIMEOUT_SECONDS}))
    try:
        run = p.run()
    finally:
        p.sfn.update_state_machine(stateMachineArn=arn, definition=definition)
    p.sandbox.workforce = workforce()
    jobs = _wait_for_jobs_to_end(p, run)
    return Acted(f"{run.outcome.status}; {jobs} (execution-ended rule)", run, _succeeded_jobs(run))


def _wait_for_jobs_to_end(p: SandboxPipeline, run: Run | None = None, seconds: float = 60.0) -> str:
    """Wait (real seconds) until no job of the sandbox is Initializing or InProgress; ``kind job Status, ...``
    of ``run``'s jobs (every job when None)."""
    import time

    sagemaker = p.clients.client("sagemaker")
    deadline = time.monotonic() + seconds
    while True:
        jobs = {j["LabelingJobName"]: j["LabelingJobStatus"]
                for j in sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]
                if run is None or (run.run_id and j["LabelingJobName"].startswith(f"{run.run_id}-"))}
        running = [j for j in sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]
                   if j["LabelingJobStatus"] in ("Initializing", "InProgress")]
        if not running or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    kinds = {"lbl": "labeling", "vfy": "verification", "adj": "adjustment"}
    return ", ".join(f"{kinds.get(name.rsplit('-', 1)[-1], name)} job {status}" for name, status in sorted(jobs.items()))


DESCRIBE_ATTEMPTS = 1 + 6  # the polling describe's first attempt and its 6 retries (workflow.graph.states._sagemaker_retry)


def _describe_fails_for_good(p: SandboxPipeline) -> Acted:
    """Issue 11 point 2, the Catch path: the labeling job's status cannot be read past the retries; the run
    stops its job on the way to its Fail state (workflow.graph.states._stop_job)."""
    p.upload_samples(BASE_IMAGES)
    p.sandbox.workforce = workforce(labeling_seconds=A_WEEK)  # the job is still running when the retries run out
    p.sandbox.faults.add("sagemaker", "DescribeLabelingJob", error_code="InternalFailure", status=500,
                         message="planned", times=DESCRIBE_ATTEMPTS)
    run = p.run()
    p.sandbox.workforce = workforce()
    return Acted(f"{describe_run(run)}; {_wait_for_jobs_to_end(p, run)}", run, _succeeded_jobs(run))


LAMBDA_AND_JOBS = [
    Case("CheckMissingLabels crash", "the check Lambda raises on its first invocation", _lambda_fault("check", "crash")),
    Case("UpdateFeatureStore crash", "the update Lambda raises on its first invocation",
         _lambda_fault("update", "crash"), quick=True),
    Case("CheckMissingLabels timeout", "the check Lambda times out on its first invocation",
         _lambda_fault("check", "timeout")),
    Case("UpdateFeatureStore timeout", "the update Lambda times out on its first invocation",
         _lambda_fault("update", "timeout")),
    Case("labeling job fails", "the labeling job fails (\"Workteam was deleted\")",
         _workforce_case(fail_labeling_job="Workteam was deleted"),
         why_unequal="the failed job's objects were sent and nothing came back: the follow-up sends them again"),
    Case("verification job fails", "the verification job fails (\"Workteam was deleted\")",
         _workforce_case(fail_verification_job="Workteam was deleted"),
         why_unequal="the failed verification job's objects were sent and nothing came back: the follow-up "
         "verifies the same labels again (it does not label the images again)"),
    Case("execution aborted while verifying", "StopExecution while the verification job is in progress (the "
         "labeling job completed)", _aborted_while("verification"),
         why_unequal="the rule stopped the aborted run's verification job before its labels were verified: the "
         "follow-up verifies the same labels again (it does not label the images again)"),
    Case("labeling job stopped", "StopLabelingJob as soon as the labeling job exists", _stopped_job,
         why_unequal="the stopped job's objects were sent and not labeled: the follow-up sends them again"),
    Case("execution aborted while labeling", "StopExecution while the labeling job is in progress",
         _aborted_while("labeling"),
         why_unequal="the rule stopped the aborted run's job before its objects were labeled: the follow-up sends "
         "them again"),
    Case("nothing labeled", "every labeling task expires (unlabeled_rate=1.0)", _workforce_case(unlabeled_rate=1.0),
         why_unequal="every task expired before a worker took it; an expired task is retried (the object is not "
         "at fault), so the follow-up sends them again"),
    Case("verification tasks expire", "every verification task expires (verification_unlabeled_rate=1.0)",
         _workforce_case(verification_unlabeled_rate=1.0),
         why_unequal="every verification task expired: the follow-up verifies the same labels again (it does not "
         "label the images again)"),
    Case("execution timed out while labeling", f"the definition's TimeoutSeconds set to {TIMEOUT_SECONDS} s while "
         "the labeling job's workers take a day", _timed_out_while_labeling,
         why_unequal="the rule stopped the timed-out run's job before its objects were labeled: the follow-up sends "
         "them again"),
    Case("labeling status unreadable, run stops its job", f"500 InternalFailure on the first {DESCRIBE_ATTEMPTS} "
         "DescribeLabelingJob calls (the polling describe and all its retries) while the labeling job runs",
         _describe_fails_for_good,
         why_unequal="the run stopped its job before its objects were labeled: the follow-up sends them again"),
]


# --- on_reject adjust: rejected labels go to an adjustment job beside the labeling job -------------
NEW_IMAGES = 3


def _adjust_pipeline(p: SandboxPipeline) -> tuple[int, set[str]]:
    """Redeploy with ``verification.on_reject: adjust``; a first run rejects every label (the same table on
    every run: a rate between 0 and 1 draws from job names, which change with each run); then 3 new images.
    Returns how many labels it rejected and its verification job; the follow-up runs with adjust too."""
    from workflow.config import replace

    p.cfg = replace(p.cfg, verification=replace(p.cfg.verification, on_reject="adjust"))
    p.redeploy()
    uris = p.upload_samples(BASE_IMAGES)
    p.sandbox.workforce = workforce(approval_rate=0.0)
    first = p.run()
    if first.outcome.status != "SUCCEEDED":
        raise RuntimeError(f"the run that rejects labels failed: {describe_run(first)}")
    body = p.read(uris[0])
    for i in range(NEW_IMAGES):
        p.put(f"{p.cfg.storage.raw_prefix}line-c/new-{i}.png", body)
    p.sandbox.workforce = workforce()
    return int((first.outcome.output or {}).get("rejected", 0)), _succeeded_jobs(first)


def _adjusted(p: SandboxPipeline) -> Acted:
    """Issue 14 point 3: run 2 sends the rejected images to an adjustment job and the new ones to a labeling
    job, side by side; both outputs are verified together."""
    rejected, first_jobs = _adjust_pipeline(p)
    run = p.run()
    sagemaker = p.clients.client("sagemaker")
    sent = {kind: len(p.read(sagemaker.describe_labeling_job(LabelingJobName=name)["InputConfig"]["DataSource"]
                             ["S3DataSource"]["ManifestS3Uri"]).decode().splitlines())
            for kind, name in (("labeling", naming.job_names(run.run_id)[0]),
                               ("adjustment", naming.adjustment_job_name(run.run_id)))} if run.run_id else {}
    return Acted(f"run 1 rejected {rejected}; run 2 {describe_run(run)} (adjustment job {sent.get('adjustment')} "
                 f"images, labeling job {sent.get('labeling')})", run, first_jobs | _succeeded_jobs(run))


def _fails_beside_adjustment(p: SandboxPipeline) -> Acted:
    """Run 2's labeling job fails while its adjustment job runs (workers take a day): the Parallel state's
    catch stops the adjustment job too (workflow.graph.adjust._stop_parallel_jobs)."""
    rejected, first_jobs = _adjust_pipeline(p)
    p.sandbox.workforce = workforce(fail_labeling_job="Workteam was deleted", verification_seconds=A_WEEK)
    run = p.run()
    p.sandbox.workforce = workforce()
    jobs = _wait_for_jobs_to_end(p, run)
    return Acted(f"run 1 rejected {rejected}; run 2 {describe_run(run)}; {jobs}", run, first_jobs)


def _aborted_verifying_adjusted(p: SandboxPipeline) -> Acted:
    """Run 2 (adjust; 3 new images) is aborted while its verification job runs: the follow-up verifies run 2's
    labels and adjusted labels again (steps.carried_labels), with neither a labeling nor an adjustment job."""
    rejected, first_jobs = _adjust_pipeline(p)
    run, jobs = _abort_run_while(p, "verification")
    return Acted(f"run 1 rejected {rejected}; run 2 {run.outcome.status}; {jobs} (execution-ended rule)", run,
                 first_jobs | _succeeded_jobs(run))


ADJUST = [
    Case("rejected labels adjusted", "on_reject adjust; run 1 rejects every label; run 2 with 3 new images",
         _adjusted),
    Case("labeling job fails beside adjustment", "on_reject adjust; run 1 rejects every label; in run 2 "
         "(3 new images) the labeling job fails while the adjustment job's workers take a day",
         _fails_beside_adjustment,
         why_unequal="the failed labeling job's and the stopped adjustment job's objects were sent and nothing came "
         "back: the follow-up sends them again"),
    Case("execution aborted while verifying adjusted labels", "on_reject adjust; run 1 rejects every label; run 2 "
         "(3 new images) aborted while its verification job runs", _aborted_verifying_adjusted,
         why_unequal="the rule stopped run 2's verification job before its labels were verified: the follow-up "
         "verifies the same labels and adjusted labels again (it neither labels nor adjusts them again)"),
]


def all_cases(calls: Iterable[tuple[str, str]]) -> list[Case]:
    """Every case, the API fault cases generated from ``calls``."""
    return [*BAD_INPUT, *api_fault_cases(calls), *WRITE_FAULTS, *LAMBDA_AND_JOBS, *ADJUST]


def quick_cases(calls: Iterable[tuple[str, str]]) -> list[Case]:
    """The representative subset: one of each family."""
    return [case for case in all_cases(calls) if case.quick]
