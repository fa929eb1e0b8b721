"""feature_store.table_format, compaction_schedule and vacuum_schedule (issue 12 point 3)."""
from __future__ import annotations

import pytest
from config_helpers import DELETE

from workflow.config import ConfigError, load_config


def test_the_shipped_config_compacts_an_iceberg_store_daily(write_config):
    store = load_config(write_config()).feature_store
    assert (store.table_format, store.compaction_schedule, store.vacuum_schedule) == (
        "Iceberg", "cron(0 3 * * ? *)", "cron(0 5 * * ? *)")


def test_defaults_are_iceberg_and_daily_maintenance(write_config):
    store = load_config(write_config({"feature_store.table_format": DELETE, "feature_store.compaction_schedule": DELETE,
                                      "feature_store.vacuum_schedule": DELETE})).feature_store
    assert (store.table_format, store.compaction_schedule, store.vacuum_schedule) == (
        "Iceberg", "cron(0 3 * * ? *)", "cron(0 5 * * ? *)")


def test_off_turns_a_maintenance_schedule_off(write_config):
    store = load_config(write_config({"feature_store.compaction_schedule": "off",
                                      "feature_store.vacuum_schedule": None})).feature_store
    assert store.compaction_schedule is None and store.vacuum_schedule is None


@pytest.mark.parametrize(("changes", "expected"), [
    ({"feature_store.table_format": "Delta"},
     "feature_store.table_format: "),
    ({"feature_store.compaction_schedule": "daily"},
     "feature_store.compaction_schedule: 'daily' "),
    ({"feature_store.vacuum_schedule": "cron(0 3 * * ? *)"},
     "feature_store.vacuum_schedule: 'cron(0 3 * * ? *)' equals compaction_schedule; run VACUUM at another time: "
     "two commits at once to one Iceberg table conflict"),
])
def test_a_bad_value_is_one_line_naming_the_key(write_config, changes, expected):
    path = write_config(changes)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(f"{path}: {expected}")
