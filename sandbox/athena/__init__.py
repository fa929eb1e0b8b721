"""Athena for the sandbox: the engine (SQL on the offline store, result CSVs in S3) and its wire layer.

- ``engine``: StartQueryExecution and friends over one sandbox's offline store;
- ``responses``: moto's AthenaResponse methods, installed by ``sandbox.patches.athena``;
- ``errors``: the request errors, moto-style.
"""
from sandbox.athena.engine import AthenaEngine, QueryExecution, to_csv
from sandbox.athena.errors import InvalidRequestException

__all__ = ["AthenaEngine", "InvalidRequestException", "QueryExecution", "to_csv"]
