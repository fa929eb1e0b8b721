"""Athena runs a query with its caller's permissions: the Glue catalog and the result location.

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
3. ``s3:PutObject`` on ``<OutputLocation>/<QueryExecutionId>.csv``.

The wording of the Glue and result-write reasons is Athena's as commonly reported, not documented.
Not modelled: reads of the table's data files (the sandbox's offline store keeps rows in SQLite,
not at the table's S3 location), multipart uploads of large results, KMS for encrypted results.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sandbox.iam import evaluation, identity

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

    def refused(action: str, resource: str) -> str | None:
        decision = evaluation.evaluate(account, role_arn, action, resource)
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
        denied = refused("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}")
        if denied:
            return (f"Access denied when writing output to url: {execution.output_location} . Please ensure you "
                    f"are allowed to access the S3 bucket. {denied}")
        return None

    return check
