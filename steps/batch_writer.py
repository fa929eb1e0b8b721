"""Write feature records with BatchWriteRecord: 25 per call, bounded concurrency, no silent loss.

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

import random
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from steps import contract
from steps.errors import FeatureStoreWriteFailed

MAX_BATCH = 25  # BatchWriteRecordEntries: max 25 (botocore model)

PERMANENT_ENTRY_CODES = frozenset(
    {"ValidationError", "ValidationException", "ResourceNotFound", "AccessForbidden", "AccessDeniedException"}
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


@dataclass
class _BatchOutcome:
    written: int = 0
    failures: list[str] = field(default_factory=list)  # one message per entry that was not written
    calls: int = 0
    retried_entries: int = 0


def _identifier(entry: dict[str, Any]) -> str:
    for value in entry.get("Record", ()):
        if value.get("FeatureName") == contract.RECORD_IDENTIFIER:
            return value.get("ValueAsString", "?")
    return "?"


def _call_error_is_retryable(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    return code in RETRYABLE_CALL_CODES or status == 429 or status >= 500


def write_batch(
    client: Any,
    entries: list[dict[str, Any]],
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
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
            response = client.batch_write_record(Entries=pending)
        except ClientError as error:
            last_error = f"{error.response.get('Error', {}).get('Code', 'ClientError')}: {error}"
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


def _batches(entries: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
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
    if not isinstance(max_concurrency, int) or isinstance(max_concurrency, bool) or max_concurrency < 1:
        raise ValueError(f"max_concurrency must be an int >= 1, got {max_concurrency!r}")
    entries = ({"FeatureGroupName": feature_group, "Record": record} for record in records)
    outcome = WriteOutcome()

    def collect(done: Future) -> None:
        batch = done.result()
        outcome.written += batch.written
        outcome.calls += batch.calls
        outcome.retried_entries += batch.retried_entries
        outcome.failed += len(batch.failures)
        if batch.failures and outcome.first_error is None:
            outcome.first_error = batch.failures[0]

    with ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="batch-write") as pool:
        in_flight: set[Future] = set()
        for batch in _batches(entries, MAX_BATCH):
            if len(in_flight) >= 2 * max_concurrency:
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    collect(future)
            in_flight.add(pool.submit(write_batch, client, batch, policy, sleep, rng))
        for future in wait(in_flight).done:
            collect(future)
    if outcome.failed:
        error = FeatureStoreWriteFailed(
            f"{outcome.failed} of {outcome.written + outcome.failed} records were not written to feature group "
            f"{feature_group!r}; first error: {outcome.first_error}"
        )
        error.outcome = outcome  # type: ignore[attr-defined]
        raise error
    return outcome
