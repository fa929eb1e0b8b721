"""Athena runs the SQL: the sandbox's wire layer (sandbox.athena.responses) on moto's AthenaResponse."""
from __future__ import annotations

from sandbox.patches.base import patch


def install() -> None:
    """Why: moto's Athena returns canned results and never fails a query; the sandbox runs the SQL
    on the offline store and writes the result CSV to S3 (sandbox.athena.engine.AthenaEngine), with
    the caller's permissions when the caller is a role (sandbox.iam.athena)."""
    from moto.athena.responses import AthenaResponse

    from sandbox.athena.responses import ACTIONS

    for name, action in ACTIONS.items():
        patch(AthenaResponse, name, action)
