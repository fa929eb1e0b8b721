"""Compaction of an Iceberg offline store: two EventBridge Scheduler schedules that start Athena queries.

Feature Store writes small Parquet files as records arrive; "with Iceberg you can compact the small data
files into fewer large files", with Athena ``OPTIMIZE <table> REWRITE DATA USING BIN_PACK``, and ``VACUUM``
expires old snapshots and removes orphan files ("Offline store",
https://docs.aws.amazon.com/sagemaker/latest/dg/feature-store-storage-configurations-offline-store.html;
"Optimize Iceberg tables", https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-data-optimization.html).
Both statements are "supported only for Apache Iceberg tables", so a Glue-format group gets no schedule.

Why two schedules, not a state machine: a Scheduler universal target
(``arn:aws:scheduler:::aws-sdk:athena:startQueryExecution``) makes exactly one API call, and
StartQueryExecution runs one statement. Both calls return as soon as the query is queued, so Scheduler
could not sequence them anyway. They need no order: VACUUM only expires snapshots older than
``vacuum_max_snapshot_age_seconds`` (5 days by default, vacuum-statement), so it never touches what
today's OPTIMIZE wrote. They must only not overlap, since each commits to the table through Glue's
optimistic lock: the config puts them hours apart (defaults 03:00 and 05:00; a DML query times out after
30 minutes by default, service-limits) and refuses equal expressions. A failed run is simply retried
by the next day's, compaction being idempotent; a state machine would add a resource, a role and an
Athena integration for no gain.
"""
from __future__ import annotations

import json

from botocore.exceptions import ClientError

from publish.changes import Change
from publish.feature_group import DATABASE
from publish.schedule import ensure_schedule
from steps import layout
from workflow import resources
from workflow.config import PipelineConfig

TARGET_ARN = "arn:aws:scheduler:::aws-sdk:athena:startQueryExecution"  # managing-targets-universal


def statements(table: str) -> dict[str, str]:
    """The two maintenance statements on ``sagemaker_featurestore.<table>``, by statement name."""
    qualified = f"{DATABASE}.{table}"
    return {"OPTIMIZE": f"OPTIMIZE {qualified} REWRITE DATA USING BIN_PACK", "VACUUM": f"VACUUM {qualified}"}


def query_request(cfg: PipelineConfig, sql: str) -> dict:
    """StartQueryExecution's request: the Scheduler target's ``Input`` (API_StartQueryExecution's fields)."""
    return {
        "QueryString": sql,
        "WorkGroup": cfg.feature_store.athena_workgroup,
        "QueryExecutionContext": {"Catalog": "AwsDataCatalog", "Database": DATABASE},
        "ResultConfiguration": {"OutputLocation": compaction_output_uri(cfg)},
    }


def compaction_output_uri(cfg: PipelineConfig) -> str:
    """Where the maintenance queries' (empty) results go: ``<work_prefix>athena/compaction/``."""
    return f"s3://{cfg.storage.bucket}/{layout.athena_prefix(cfg.storage.work_prefix)}compaction/"


def schedule_requests(cfg: PipelineConfig, role_arn: str, table: str, table_format: str) -> dict[str, dict | None]:
    """Schedule name -> its CreateSchedule request, or None where there must be none (an 'off'
    expression, or a group whose offline store is not Iceberg)."""
    names = resources.compaction_schedule_names(cfg)
    expressions = {"OPTIMIZE": cfg.feature_store.compaction_schedule, "VACUUM": cfg.feature_store.vacuum_schedule}
    requests: dict[str, dict | None] = {}
    for statement, sql in statements(table).items():
        expression = expressions[statement]
        if table_format != "Iceberg" or expression is None:
            requests[names[statement]] = None
            continue
        requests[names[statement]] = {
            "Name": names[statement],
            "ScheduleExpression": expression,
            "ScheduleExpressionTimezone": cfg.schedule.timezone,
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {
                "Arn": TARGET_ARN,
                "RoleArn": role_arn,
                "Input": json.dumps(query_request(cfg, sql), sort_keys=True),
                "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
            },
            "State": "ENABLED",
            "Description": f"Athena {statement} of the feature group's Iceberg offline store (managed by deploy.py)",
        }
    return requests


def wanted(cfg: PipelineConfig, table_format: str) -> bool:
    """Whether any compaction schedule (and so its role) is needed."""
    return table_format == "Iceberg" and bool(cfg.feature_store.compaction_schedule or cfg.feature_store.vacuum_schedule)


def ensure_compaction(scheduler, requests: dict[str, dict | None], table_format: str) -> list[Change]:
    """Create, update or delete each schedule (publish.schedule.ensure_schedule); a Glue group's note says why
    it has none."""
    changes = []
    for name, request in requests.items():
        try:
            change = ensure_schedule(scheduler, name, request)
        except ClientError as error:
            raise RuntimeError(f"schedule {name}: {error.response['Error']['Message']}") from error
        if request is None and table_format != "Iceberg" and change.action == "absent":
            change = Change(change.kind, name, "absent", f"offline store is {table_format}: OPTIMIZE and VACUUM need Iceberg")
        changes.append(change)
    return changes


def render_compaction_files(cfg: PipelineConfig, arns) -> dict[str, str]:
    """The dry run's ``schedules/<name>.json``: each compaction schedule request as the deployer would send it
    for a new group (the configured table format; an existing group keeps its own)."""
    from publish.feature_group import offline_table_name

    table = offline_table_name(cfg.feature_store.feature_group_name)
    requests = schedule_requests(cfg, arns.compaction_role, table, cfg.feature_store.table_format)
    return {f"schedules/{name}.json": json.dumps(request, indent=2) + "\n"
            for name, request in requests.items() if request is not None}
