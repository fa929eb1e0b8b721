"""Athena runs a query with its caller's permissions: the Glue catalog, the table data, the result location.

"Identity and access management in Athena" (https://docs.aws.amazon.com/athena/latest/ug/security-iam-athena.html):
running a query needs the Athena API actions, the AWS Glue Data Catalog resources it reads
(databases, tables) and the Amazon S3 locations involved. So a query started as a role
(``sandbox.iam.identity``) is judged for that role, in this order, and fails (state FAILED,
``StateChangeReason``) at the first refusal:

1. ``s3:GetBucketLocation`` on the result bucket: without it Athena answers "Unable to verify/create
   output bucket <bucket>" (AWS re:Post Knowledge Center, "athena-output-bucket-error", which lists
   s3:GetBucketLocation among the permissions the caller needs);
2. ``glue:GetDatabase`` (catalog, database) and ``glue:GetTable`` (catalog, database, table) for each
   ``"database"."table"`` the SQL reads (Service Authorization Reference, AWS Glue: both actions
   need the catalog and the database, GetTable also the table);
3. the reads of each such table's data in S3 (``sandbox.iam.athena_data``, "Control access to Amazon S3
   from Athena", https://docs.aws.amazon.com/athena/latest/ug/s3-permissions.html): ``s3:ListBucket``
   on the location's bucket with ``s3:prefix`` the location, ``s3:GetObject`` on the data files (for
   the offline store, where Feature Store writes them; for the S3 Inventory table, each partition's
   ``symlink.txt`` and the report files it names), ``kms:Decrypt`` for SSE-KMS files; refused as
   "Permission denied on S3 path: <uri>";
4. ``s3:PutObject`` on ``<OutputLocation>/<QueryExecutionId>.csv``.

The wording of the Glue, data and result-write reasons is Athena's as commonly reported, not documented.
Not modelled: resource-based policies (bucket and key policies), which prefix and delimiter Athena lists
with (the sandbox: the location's folder, no delimiter), reads of an Iceberg table's manifest files,
multipart uploads of large results, KMS for encrypted results. OPTIMIZE and VACUUM are judged by
``sandbox.athena.maintenance``.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sandbox import registry
from sandbox.iam import athena_data, evaluation, identity

_TABLE = re.compile(r'\b(?:FROM|JOIN)\s+"?([A-Za-z0-9_]+)"?\s*\.\s*"?([A-Za-z0-9_]+)"?', re.IGNORECASE)
_S3_URI = re.compile(r"^s3://([^/]+)/?(.*)$")


def tables(sql: str) -> list[tuple[str, str]]:
    """The ``(database, table)`` pairs a query reads by qualified name."""
    return sorted({(db.lower(), table.lower()) for db, table in _TABLE.findall(sql)})


def authorizer(account: str, region: str) -> Callable[[Any], str | None] | None:
    """A check of a query (sandbox.athena.QueryExecution) for the current identity; None without one."""
    who = identity.current()
    if who is None or not evaluation.enabled():
        return None
    role_arn, session = who

    def refused(action: str, resource: str, context: Mapping[str, str] | None = None) -> str | None:
        decision = evaluation.evaluate(account, role_arn, action, resource, context)
        return None if decision.allowed else evaluation.access_denied_message(role_arn, action, resource, decision, session)

    def check(execution: Any) -> str | None:
        match = _S3_URI.match(execution.output_location or "")
        if not match:
            return None  # the engine rejects a malformed location itself
        bucket, key = match.groups()
        if refused("s3:GetBucketLocation", f"arn:aws:s3:::{bucket}"):
            return f"Unable to verify/create output bucket {bucket}"
        catalog = f"arn:aws:glue:{region}:{account}:catalog"
        for database, table in tables(execution.query):
            database_arn = f"arn:aws:glue:{region}:{account}:database/{database}"
            table_arn = f"arn:aws:glue:{region}:{account}:table/{database}/{table}"
            for action, resources in (("glue:GetDatabase", (catalog, database_arn)),
                                      ("glue:GetTable", (catalog, database_arn, table_arn))):
                for resource in resources:
                    denied = refused(action, resource)
                    if denied:
                        return f"Insufficient permissions to execute the query. {denied}"
        unreadable = athena_data.refusal(account, region, execution.query, tables(execution.query), refused, _now())
        if unreadable:
            return unreadable
        denied = refused("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}")
        if denied:
            return (f"Access denied when writing output to url: {execution.output_location} . Please ensure you "
                    f"are allowed to access the S3 bucket. {denied}")
        return None

    return check


def _now() -> datetime:
    """The sandbox's clock (the inventory table's projected partitions end at NOW)."""
    sandbox = registry.current()
    return sandbox.clock.now() if sandbox is not None else datetime.now(UTC)
