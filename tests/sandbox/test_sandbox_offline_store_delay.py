"""The offline store's lag: rows become visible to queries a set delay after their write (sandbox clock)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox import Sandbox
from sandbox.featurestore.offline_store import OfflineStore
from sandbox.featurestore.validation import FeatureGroupSchema

SCHEMA = FeatureGroupSchema(name="g", arn="arn:aws:sagemaker:eu-west-1:123456789012:feature-group/g",
                            record_identifier="id", event_time_feature="t",
                            feature_types={"id": "String", "t": "String"}, online_store=False,
                            database="sagemaker_featurestore", table="g_1")
SQL = 'SELECT "id" FROM "sagemaker_featurestore"."g_1" ORDER BY rowid'


class Clock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment


def _write(store: OfflineStore, clock: Clock, record: str) -> None:
    store.append(SCHEMA, {"id": record, "t": "x"}, write_time=clock(), api_invocation_time=clock())


def test_rows_are_visible_only_after_the_delay():
    clock = Clock()
    store = OfflineStore(clock, delay_seconds=900)
    _write(store, clock, "a")
    clock.moment += timedelta(seconds=600)
    _write(store, clock, "b")
    assert store.query(SQL, read_only=True)[1] == [] and store.pending_count() == 2
    clock.moment += timedelta(seconds=300)  # a's 15 minutes are up, b's are not
    assert store.query(SQL, read_only=True)[1] == [("a",)]
    clock.moment += timedelta(seconds=600)
    assert store.query(SQL, read_only=True)[1] == [("a",), ("b",)] and store.pending_count() == 0
    assert [row["id"] for row in store.rows("g")] == ["a", "b"]


def test_no_delay_means_visible_at_once():
    clock = Clock()
    store = OfflineStore(clock)
    _write(store, clock, "a")
    assert store.query(SQL)[1] == [("a",)]


def test_rows_of_a_deleted_group_do_not_land_in_the_new_groups_table():
    clock = Clock()
    store = OfflineStore(clock, delay_seconds=900)
    _write(store, clock, "old")
    store.forget("g")
    store.ensure_table(SCHEMA)  # created again under the same table name
    clock.moment += timedelta(seconds=901)
    assert store.query(SQL)[1] == []


def test_a_delay_needs_a_clock_and_must_not_be_negative():
    with pytest.raises(ValueError, match="needs a clock"):
        OfflineStore(None, delay_seconds=1)
    with pytest.raises(ValueError, match=">= 0"):
        OfflineStore(Clock(), delay_seconds=-1)


def test_the_sandbox_passes_its_clock_and_delay():
    box = Sandbox(offline_store_delay_seconds=900)
    assert box.offline_store.delay_seconds == 900 and Sandbox().offline_store.delay_seconds == 0
