"""BatchWriteRecord writing: batching, concurrency bound, retries, and no silent loss."""
from __future__ import annotations

import pytest
from botocore.exceptions import EndpointConnectionError
from steps_fakes import FEATURE_GROUP, FakeFeatureStore

from steps.batch_writer import RetryPolicy, write_batch, write_keyed_records, write_records
from steps.errors import FeatureStoreWriteFailed

FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.002)


def record(i: int) -> list[dict[str, str]]:
    return [
        {"FeatureName": "image_uri", "ValueAsString": f"s3://b/raw/{i}.jpg"},
        {"FeatureName": "event_time", "ValueAsString": "2026-11-29T10:00:00.123Z"},
        {"FeatureName": "status", "ValueAsString": "APPROVED"},
    ]


def write(store: FakeFeatureStore, n: int, concurrency: int = 4, policy: RetryPolicy = FAST, sleeps=None):
    return write_records(store, FEATURE_GROUP, (record(i) for i in range(n)), concurrency, policy,
                         sleep=(sleeps.append if sleeps is not None else lambda s: None))


def test_writes_everything_in_batches_of_25_within_the_concurrency_bound():
    store = FakeFeatureStore(FEATURE_GROUP, latency=0.005)
    outcome = write(store, 1001, concurrency=3)
    assert outcome.written == 1001 and outcome.failed == 0
    assert store.calls == 41 and len(store.records) == 1001
    assert 1 < store.max_in_flight <= 3


def test_throttled_call_succeeds_on_retry_with_growing_jittered_backoff():
    store = FakeFeatureStore(FEATURE_GROUP)
    store.throttle_next_calls = 2
    sleeps: list[float] = []
    outcome = write_records(store, FEATURE_GROUP, (record(i) for i in range(10)), 1,
                            RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=1.0),
                            sleep=sleeps.append, rng=lambda: 1.0)
    assert outcome.written == 10 and len(store.records) == 10
    assert sleeps == [0.02, 0.04]  # base * 2^attempt, full jitter at its maximum


def test_5xx_and_connection_errors_on_the_call_are_retried():
    store = FakeFeatureStore(FEATURE_GROUP)
    store.server_error_next_calls = 1
    assert write(store, 5).written == 5

    class Flaky(FakeFeatureStore):
        broken = 1

        def batch_write_record(self, **params):
            if self.broken:
                self.broken -= 1
                raise EndpointConnectionError(endpoint_url="https://featurestore-runtime.sagemaker.eu-west-1.amazonaws.com")
            return super().batch_write_record(**params)

    flaky = Flaky(FEATURE_GROUP)
    assert write(flaky, 5).written == 5 and len(flaky.records) == 5


def test_entries_in_errors_and_unprocessed_entries_are_retried():
    store = FakeFeatureStore(FEATURE_GROUP)
    store.entry_errors["s3://b/raw/3.jpg"].extend(["ThrottlingException", "InternalFailure"])
    store.unprocessed["s3://b/raw/7.jpg"] = 2
    outcome = write(store, 30)
    assert outcome.written == 30 and outcome.failed == 0 and len(store.records) == 30
    assert store.write_count["s3://b/raw/3.jpg"] == 1 and outcome.retried_entries >= 3


def test_a_write_that_never_succeeds_fails_with_count_and_first_error():
    store = FakeFeatureStore(FEATURE_GROUP)
    store.unprocessed["s3://b/raw/1.jpg"] = 99
    store.entry_errors["s3://b/raw/2.jpg"].extend(["ThrottlingException"] * 99)
    with pytest.raises(FeatureStoreWriteFailed) as raised:
        write(store, 50)
    message = str(raised.value)
    assert message.startswith("2 of 50 records were not written to feature group 'scratch-labels'; first error:")
    assert "still failing after 4 attempts" in message and "s3://b/raw/" in message
    assert raised.value.outcome.written == 48 and len(store.records) == 48


def test_permanent_entry_errors_are_not_retried():
    store = FakeFeatureStore(FEATURE_GROUP)
    store.entry_errors["s3://b/raw/0.jpg"].append("ValidationError")
    with pytest.raises(FeatureStoreWriteFailed, match=r"1 of 3 .*ValidationError: ValidationError for this record \(s3://b/raw/0.jpg\)"):
        write(store, 3)
    assert store.calls == 1


def test_a_non_retryable_call_error_fails_the_batch_at_once():
    outcome = write_batch(FakeFeatureStore("another-group"), [{"FeatureGroupName": "x", "Record": record(1)}], FAST,
                          sleep=lambda s: None)
    assert outcome.written == 0 and "ResourceNotFound" in outcome.failures[0]

    class Forbidden(FakeFeatureStore):
        def batch_write_record(self, **params):
            self.calls += 1
            from steps_fakes import client_error
            raise client_error("AccessForbidden", "BatchWriteRecord", 403)

    store = Forbidden(FEATURE_GROUP)
    with pytest.raises(FeatureStoreWriteFailed, match="AccessForbidden"):
        write(store, 3)
    assert store.calls == 1


def test_rewriting_the_same_records_is_idempotent():
    store = FakeFeatureStore(FEATURE_GROUP)
    write(store, 40)
    first = dict(store.records)
    write(store, 40)
    assert store.records == first and set(store.write_count.values()) == {2}


def test_concurrency_must_be_a_positive_int():
    with pytest.raises(ValueError, match="max_concurrency must be an int >= 1"):
        write(FakeFeatureStore(), 1, concurrency=0)


def test_nothing_to_write_makes_no_call():
    store = FakeFeatureStore(FEATURE_GROUP)
    assert write(store, 0).written == 0 and store.calls == 0


def test_concurrency_drops_under_throttling_and_nothing_is_lost_or_written_twice():
    """A store that throttles every entry while more than 2 calls are in flight: AIMD brings the writer down."""

    class Crowded(FakeFeatureStore):
        def _write(self, entries):
            with self._lock:
                crowded = self._in_flight > 2
            if crowded:
                return {"Errors": [self._error(e, "ThrottlingException", "Rate exceeded") for e in entries],
                        "UnprocessedEntries": []}
            return super()._write(entries)

    store = Crowded(FEATURE_GROUP, latency=0.002)
    outcome = write(store, 2000, concurrency=10, policy=RetryPolicy(max_attempts=30, base_delay=0.0005, max_delay=0.002))
    assert outcome.failed == 0 and len(store.records) == 2000
    assert max(store.write_count.values()) == 1
    assert outcome.throttled_calls > 0 and outcome.lowest_concurrency <= 2


def test_on_written_gets_the_keys_of_each_written_record_once():
    store = FakeFeatureStore(FEATURE_GROUP)
    store.unprocessed["s3://b/raw/3.jpg"] = 1
    store.entry_errors["s3://b/raw/4.jpg"].append("ValidationError")
    seen: list[int] = []
    with pytest.raises(FeatureStoreWriteFailed):
        write_keyed_records(store, FEATURE_GROUP, ((i * 10, record(i)) for i in range(60)), 3, FAST,
                            sleep=lambda s: None, on_written=seen.extend)
    assert sorted(seen) == [i * 10 for i in range(60) if i != 4]
