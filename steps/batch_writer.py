"""Write feature records with BatchWriteRecord: 25 per call, adaptive concurrency, no silent loss.

Calls in flight are bounded by ``max_concurrency`` and, below it, by an AIMD limit (``steps.aimd``):
every throttled call (the call itself, or an entry in ``Errors`` with a throttling code) cuts it,
every call that was not throttled lets it grow back. ``write_keyed_records`` reports the keys of
the records confirmed written, batch by batch, as soon as each batch ends (``on_written``).

Each batch is retried with exponential backoff and full jitter:
- entries the service returns in ``UnprocessedEntries``, or in ``Errors`` with a code
  that is not a permanent one (validation, access, missing feature group);
- the whole batch when the call itself is throttled, fails with a 5xx, or the
  connection breaks.
Whatever still fails is counted; if anything failed, ``write_records`` raises
``FeatureStoreWriteFailed`` naming how many and the first error. Writing the same
records again is safe: a record is a full overwrite keyed by its identifier and event time.
"""
from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from steps import contract
from steps.aimd import Aimd
from steps.errors import FeatureStoreWriteFailed

MAX_BATCH = 25  # BatchWriteRecordEntries: max 25 (botocore model)

PERMANENT_ENTRY_CODES = frozenset(
    {"ValidationError", "ValidationException", "ResourceNotFound", "AccessForbidden", "AccessDeniedException"}
)
THROTTLING_CODES = frozenset(
    {
        "ThrottlingException", "Throttling", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded", "SlowDown",
    }
)
RETRYABLE_CALL_CODES = frozenset(
    {
        "ThrottlingException", "Throttling", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
        "SlowDown", "ServiceUnavailable", "InternalFailure", "InternalServerError", "RequestTimeout",
        "RequestTimeoutException",
    }
)


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts per batch and the backoff between them (seconds, full jitter)."""

    max_attempts: int = 8
    base_delay: float = 0.05
    max_delay: float = 5.0

    def delay(self, attempt: int, rng: Callable[[], float]) -> float:
        """Sleep before retry number ``attempt`` (1-based): uniform in [0, min(max, base * 2^attempt)]."""
        return rng() * min(self.max_delay, self.base_delay * (2 ** attempt))


@dataclass
class WriteOutcome:
    """What happened to the records handed to ``write_records``."""

    written: int = 0
    failed: int = 0
    first_error: str | None = None
    calls: int = 0
    retried_entries: int = 0
    throttled_calls: int = 0
    lowest_concurrency: int = 0  # the AIMD limit's lowest value during the write


@dataclass
class _BatchOutcome:
    written: int = 0
    failures: list[str] = field(default_factory=list)  # one message per entry that was not written
    calls: int = 0
    retried_entries: int = 0
    throttled_calls: int = 0
    written_entries: list[dict[str, Any]] = field(default_factory=list)


class ConcurrencyGate:
    """Thread-safe admission of calls under an AIMD limit (``steps.aimd.Aimd``)."""

    def __init__(self, maximum: int) -> None:
        self._aimd = Aimd(maximum=maximum)
        self._in_flight = 0
        self._changed = threading.Condition()
        self.lowest = self._aimd.limit

    def acquire(self) -> int:
        """Wait for a free slot; return the epoch to hand back to ``release``."""
        with self._changed:
            self._changed.wait_for(lambda: self._in_flight < self._aimd.limit)
            self._in_flight += 1
            return self._aimd.epoch

    def release(self, epoch: int, throttled: bool) -> None:
        with self._changed:
            self._in_flight -= 1
            if throttled:
                self._aimd.on_throttle(epoch)
                self.lowest = min(self.lowest, self._aimd.limit)
            else:
                self._aimd.on_success()
            self._changed.notify_all()

    @property
    def limit(self) -> int:
        return self._aimd.limit


def _content_key(entry: dict[str, Any]) -> str:
    """An entry's identity that survives the service's copies of it (Errors, UnprocessedEntries)."""
    return json.dumps(entry.get("Record"), sort_keys=True)


def _identifier(entry: dict[str, Any]) -> str:
    for value in entry.get("Record", ()):
        if value.get("FeatureName") == contract.RECORD_IDENTIFIER:
            return value.get("ValueAsString", "?")
    return "?"


def _call_error_is_retryable(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    return code in RETRYABLE_CALL_CODES or status == 429 or status >= 500


def _call_is_throttled(error: ClientError) -> bool:
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    return error.response.get("Error", {}).get("Code", "") in THROTTLING_CODES or status == 429


def _call(client: Any, pending: list[dict[str, Any]], gate: ConcurrencyGate | None) -> dict[str, Any]:
    """One BatchWriteRecord call, admitted by ``gate``; tells the gate whether it was throttled."""
    epoch = gate.acquire() if gate else 0
    throttled = False
    try:
        response = client.batch_write_record(Entries=pending)
        throttled = any(item.get("ErrorCode") in THROTTLING_CODES for item in response.get("Errors") or ())
        return response
    except ClientError as error:
        throttled = _call_is_throttled(error)
        raise
    finally:
        if gate:
            gate.release(epoch, throttled)


def _written(pending: list[dict[str, Any]], errors: list[dict[str, Any]],
             unprocessed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries of ``pending`` that are neither in ``errors`` nor in ``unprocessed`` (copies, matched by content)."""
    if not errors and not unprocessed:
        return pending
    not_written = Counter(_content_key(item.get("Entry", {})) for item in errors)
    not_written.update(_content_key(entry) for entry in unprocessed)
    written = []
    for entry in pending:
        key = _content_key(entry)
        if not_written[key] > 0:
            not_written[key] -= 1
        else:
            written.append(entry)
    return written


def write_batch(
    client: Any,
    entries: list[dict[str, Any]],
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
    gate: ConcurrencyGate | None = None,
) -> _BatchOutcome:
    """Write up to 25 entries, retrying what may succeed later; never raises for AWS errors."""
    outcome = _BatchOutcome()
    pending = entries
    last_error = ""
    for attempt in range(policy.max_attempts):
        if attempt:
            outcome.retried_entries += len(pending)
            sleep(policy.delay(attempt, rng))
        outcome.calls += 1
        try:
            response = _call(client, pending, gate)
        except ClientError as error:
            last_error = f"{error.response.get('Error', {}).get('Code', 'ClientError')}: {error}"
            outcome.throttled_calls += _call_is_throttled(error)
            if _call_error_is_retryable(error):
                continue
            outcome.failures.extend(f"{last_error} ({_identifier(e)})" for e in pending)
            return outcome
        except (BotoConnectionError, HTTPClientError) as error:
            last_error = f"{type(error).__name__}: {error}"
            continue
        except Exception as error:  # e.g. ParamValidationError: no retry can fix it
            outcome.failures.extend(f"{type(error).__name__}: {error} ({_identifier(e)})" for e in pending)
            return outcome
        errors = response.get("Errors") or []
        unprocessed = response.get("UnprocessedEntries") or []
        retry: list[dict[str, Any]] = list(unprocessed)
        outcome.throttled_calls += any(item.get("ErrorCode") in THROTTLING_CODES for item in errors)
        outcome.written_entries.extend(_written(pending, errors, unprocessed))
        for item in errors:
            message = f"{item.get('ErrorCode')}: {item.get('ErrorMessage')} ({_identifier(item.get('Entry', {}))})"
            if item.get("ErrorCode") in PERMANENT_ENTRY_CODES:
                outcome.failures.append(message)
            else:
                retry.append(item["Entry"])
                last_error = message
        if unprocessed:
            last_error = last_error or f"UnprocessedEntries ({_identifier(unprocessed[0])})"
        outcome.written += len(pending) - len(errors) - len(unprocessed)
        pending = retry
        if not pending:
            return outcome
    outcome.failures.extend(
        f"still failing after {policy.max_attempts} attempts: {last_error} ({_identifier(e)})" for e in pending
    )
    return outcome


def _batches(entries: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(entries)
    while batch := list(islice(iterator, size)):
        yield batch


def write_records(
    client: Any,
    feature_group: str,
    records: Iterable[list[dict[str, str]]],
    max_concurrency: int,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
) -> WriteOutcome:
    """Write every record (a list of FeatureValues) to ``feature_group``; raise if any is lost.

    ``records`` is consumed lazily: at most ``2 * max_concurrency`` batches are in memory.
    Raises FeatureStoreWriteFailed (with the outcome as ``.outcome``) if any record failed.
    """
    return write_keyed_records(client, feature_group, enumerate(records), max_concurrency, policy, sleep, rng)


def write_keyed_records(
    client: Any,
    feature_group: str,
    records: Iterable[tuple[Any, list[dict[str, str]]]],
    max_concurrency: int,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
    on_written: Callable[[list[Any]], None] | None = None,
) -> WriteOutcome:
    """``write_records`` for (key, record) pairs: ``on_written`` gets the keys of each batch's written
    records as soon as that batch ends, in the thread that wrote it (it must be thread-safe)."""
    if not isinstance(max_concurrency, int) or isinstance(max_concurrency, bool) or max_concurrency < 1:
        raise ValueError(f"max_concurrency must be an int >= 1, got {max_concurrency!r}")
    keyed = ((key, {"FeatureGroupName": feature_group, "Record": record}) for key, record in records)
    outcome = WriteOutcome()
    gate = ConcurrencyGate(max_concurrency)

    def run_batch(batch: list[tuple[Any, dict[str, Any]]]) -> _BatchOutcome:
        result = write_batch(client, [entry for _, entry in batch], policy, sleep, rng, gate)
        if on_written is not None and result.written_entries:
            keys_of: dict[str, list[Any]] = {}
            for key, entry in batch:
                keys_of.setdefault(_content_key(entry), []).append(key)
            on_written([keys_of[_content_key(entry)].pop() for entry in result.written_entries])
        return result

    def collect(done: Future) -> None:
        batch = done.result()
        outcome.written += batch.written
        outcome.calls += batch.calls
        outcome.retried_entries += batch.retried_entries
        outcome.throttled_calls += batch.throttled_calls
        outcome.failed += len(batch.failures)
        if batch.failures and outcome.first_error is None:
            outcome.first_error = batch.failures[0]

    with ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="batch-write") as pool:
        in_flight: set[Future] = set()
        for batch in _batches(keyed, MAX_BATCH):
            if len(in_flight) >= 2 * max_concurrency:
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    collect(future)
            in_flight.add(pool.submit(run_batch, batch))
        for future in wait(in_flight).done:
            collect(future)
    outcome.lowest_concurrency = gate.lowest
    if outcome.failed:
        error = FeatureStoreWriteFailed(
            f"{outcome.failed} of {outcome.written + outcome.failed} records were not written to feature group "
            f"{feature_group!r}; first error: {outcome.first_error}"
        )
        error.outcome = outcome  # type: ignore[attr-defined]
        raise error
    return outcome
