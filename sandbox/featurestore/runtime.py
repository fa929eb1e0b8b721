"""The Feature Store runtime's state and rules: online store, offline store, per-entry batch results.

Requests arrive as plain dicts (the API's parameter names) with the account and region they were
sent to; answers are plain dicts or a raised ``FeatureStoreError``. The wire format lives in
``sandbox.featurestore.http``.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sandbox.clock import SandboxClock
from sandbox.faults import UNPROCESSED, FaultPlan, InjectedFault
from sandbox.featurestore.errors import FeatureStoreError, resource_not_found, validation_error
from sandbox.featurestore.offline_store import OfflineStore
from sandbox.featurestore.throughput import ThroughputLimit
from sandbox.featurestore.validation import (
    FeatureGroupSchema,
    check_record,
    check_shape,
    check_target_stores,
    parse_event_time,
)

SERVICE = "sagemaker-featurestore-runtime"
ENTRY_FAULT = "BatchWriteRecord.entry"
THROTTLING = "ThrottlingException"
THROTTLED_MESSAGE = "Rate exceeded"

SchemaLookup = Callable[[str, str, str], "FeatureGroupSchema | None"]  # (account, region, name or ARN)


class FeatureStoreRuntime:
    """PutRecord, BatchWriteRecord, GetRecord, BatchGetRecord and DeleteRecord over one sandbox's stores."""

    def __init__(self, lookup: SchemaLookup, clock: SandboxClock, faults: FaultPlan, offline: OfflineStore,
                 records_per_second: float | None = None) -> None:
        self._lookup = lookup
        self._clock = clock
        self._faults = faults
        self.offline = offline
        # The write capacity (sandbox.featurestore.throughput); None: unlimited.
        self.throughput = ThroughputLimit(records_per_second, clock.now) if records_per_second else None
        self._lock = threading.Lock()
        self._online: dict[str, dict[str, tuple[datetime, list[dict[str, Any]]]]] = {}  # group ARN -> id -> newest

    def put_record(self, account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        """PutRecord: validate and write one record."""
        check_shape("PutRecord", params)
        schema = self._schema(account, region, params["FeatureGroupName"])
        if self.throughput and not self.throughput.take():
            # Over capacity the request is throttled (ThroughputConfig: "Exceeding provisioned throughput
            # will result in your requests being throttled"): the common error ThrottlingException,
            # HTTP 400 (SageMaker API Reference, "Common Errors"). PutRecord's model in botocore does
            # not list it; the code is the one every AWS JSON service throttles with.
            raise FeatureStoreError(THROTTLING, THROTTLED_MESSAGE, 400)
        self._write(schema, params["Record"], params.get("TargetStores"))
        return {}

    def batch_write_record(self, account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        """BatchWriteRecord: each entry succeeds, lands in Errors, or (planned fault) in UnprocessedEntries."""
        check_shape("BatchWriteRecord", params)
        errors: list[dict[str, Any]] = []
        unprocessed: list[dict[str, Any]] = []
        for entry in params["Entries"]:
            try:
                self._faults.check(SERVICE, ENTRY_FAULT)
                schema = self._schema(account, region, entry["FeatureGroupName"])
                if self.throughput and not self.throughput.take():
                    # BatchWriteRecord reports each record that was not written in Errors, a
                    # BatchWriteRecordError of Entry, ErrorCode (a free string) and ErrorMessage
                    # (SageMaker API Reference, BatchWriteRecord "Response Elements" and
                    # BatchWriteRecordError; botocore's model: the same shape). Which code a throttled
                    # entry carries is undocumented: the sandbox uses ThrottlingException.
                    raise FeatureStoreError(THROTTLING, THROTTLED_MESSAGE, 400)
                self._write(schema, entry["Record"], entry.get("TargetStores"))
            except InjectedFault as fault:
                if fault.error_code == UNPROCESSED:
                    unprocessed.append(entry)
                else:
                    errors.append({"Entry": entry, "ErrorCode": fault.error_code, "ErrorMessage": fault.message})
            except FeatureStoreError as error:
                errors.append({"Entry": entry, "ErrorCode": error.error_code, "ErrorMessage": error.message})
        return {"Errors": errors, "UnprocessedEntries": unprocessed}

    def get_record(self, account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        """GetRecord: the newest record from the online store ({} when there is none)."""
        check_shape("GetRecord", params)
        schema = self._schema(account, region, params["FeatureGroupName"])
        record = self._online_record(schema, params["RecordIdentifierValueAsString"], params.get("FeatureNames"))
        return {"Record": record} if record else {}

    def batch_get_record(self, account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        """BatchGetRecord: records found, and Errors for unknown groups."""
        check_shape("BatchGetRecord", params)
        records: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for identifier in params["Identifiers"]:
            name = identifier["FeatureGroupName"]
            try:
                schema = self._schema(account, region, name)
            except FeatureStoreError as error:
                for record_id in identifier["RecordIdentifiersValueAsString"]:
                    errors.append({"FeatureGroupName": name, "RecordIdentifierValueAsString": record_id,
                                   "ErrorCode": error.error_code, "ErrorMessage": error.message})
                continue
            for record_id in identifier["RecordIdentifiersValueAsString"]:
                record = self._online_record(schema, record_id, identifier.get("FeatureNames"))
                if record:
                    records.append({"FeatureGroupName": schema.name, "RecordIdentifierValueAsString": record_id,
                                    "Record": record})
        return {"Records": records, "Errors": errors, "UnprocessedIdentifiers": []}

    def delete_record(self, account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteRecord: drop the online record; append an ``is_deleted`` row to the offline store."""
        check_shape("DeleteRecord", params)
        schema = self._schema(account, region, params["FeatureGroupName"])
        api_time = self._clock.now()
        event_time = parse_event_time(params["EventTime"])
        record_id = params["RecordIdentifierValueAsString"]
        stores = check_target_stores(schema, params.get("TargetStores"))
        if "OnlineStore" in stores:
            with self._lock:
                current = self._online.get(schema.arn, {}).get(record_id)
                if current and current[0] <= event_time:
                    del self._online[schema.arn][record_id]
        if "OfflineStore" in stores:
            values = {schema.record_identifier: record_id, schema.event_time_feature: params["EventTime"]}
            self._append_offline(schema, values, event_time, record_id, api_time, is_deleted=True)
        return {}

    def _schema(self, account: str, region: str, name_or_arn: str) -> FeatureGroupSchema:
        schema = self._lookup(account, region, name_or_arn)
        if schema is None:
            raise resource_not_found(
                f"Resource Not Found: Amazon SageMaker can't find a FeatureGroup with name {name_or_arn} "
                f"in account {account}, region {region}"
            )
        return schema

    def _write(self, schema: FeatureGroupSchema, record: list[dict[str, Any]], target_stores: list[str] | None) -> None:
        api_time = self._clock.now()
        values = check_record(schema, record)
        stores = check_target_stores(schema, target_stores)
        event_time = parse_event_time(str(values[schema.event_time_feature]))
        record_id = str(values[schema.record_identifier])
        if "OnlineStore" in stores:
            with self._lock:
                group = self._online.setdefault(schema.arn, {})
                current = group.get(record_id)
                if current is None or current[0] <= event_time:
                    group[record_id] = (event_time, [dict(item) for item in record])
        if "OfflineStore" in stores:
            self._append_offline(schema, values, event_time, record_id, api_time)

    def _append_offline(self, schema: FeatureGroupSchema, values: dict[str, Any], event_time: datetime,
                        record_id: str, api_time: datetime, is_deleted: bool = False) -> None:
        """Write the offline row as the group's role; a denied write blocks the offline store
        instead (the row never appears; see sandbox.iam.feature_store)."""
        from sandbox.iam.feature_store import offline_write_blocked

        reason = offline_write_blocked(schema, event_time, record_id)
        if reason:
            self.offline.block(schema.name, reason)
            return
        self.offline.append(schema, values, write_time=self._clock.now(), api_invocation_time=api_time,
                            is_deleted=is_deleted)

    def _online_record(self, schema: FeatureGroupSchema, record_id: str, names: list[str] | None) -> list[dict[str, Any]]:
        if not schema.online_store:
            raise validation_error(f"FeatureGroup '{schema.name}' has no OnlineStore: records can only be read with Athena")
        with self._lock:
            current = self._online.get(schema.arn, {}).get(record_id)
        if current is None:
            return []
        record = current[1]
        if names:
            record = [item for item in record if item["FeatureName"] in names]
        return record
