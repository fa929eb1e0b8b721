"""The wire layer: StartQueryExecution, GetQueryExecution, GetQueryResults, ListQueryExecutions and
StopQueryExecution as methods of ``moto.athena.responses.AthenaResponse`` (see ``ACTIONS``).

Each reads the request, hands it to the running sandbox's ``AthenaEngine`` and writes the answer;
request errors are raised as ``InvalidRequestException``, which moto renders.
"""
from __future__ import annotations

import json
from typing import Any

from sandbox import registry
from sandbox.athena import maintenance
from sandbox.athena.errors import InvalidRequestException
from sandbox.iam import athena as iam_athena


def start_query_execution(self: Any) -> str:
    workgroup_name = self._get_param("WorkGroup") or "primary"
    workgroup = self.athena_backend.get_work_group(workgroup_name)
    if not workgroup:
        raise InvalidRequestException(f"WorkGroup {workgroup_name} is not found.")
    configured = workgroup["Configuration"].get("ResultConfiguration", {}).get("OutputLocation")
    requested = (self._get_param("ResultConfiguration") or {}).get("OutputLocation")
    enforce = workgroup["Configuration"].get("EnforceWorkGroupConfiguration", True)
    output = configured if (enforce and configured) else (requested or configured)
    context = self._get_param("QueryExecutionContext") or {}
    engine, query = registry.active().athena, self._get_param("QueryString") or ""
    query_id = engine.start_query_execution(
        self.current_account, query, database=context.get("Database"),
        workgroup=workgroup_name, output_location=output,
        authorize=iam_athena.authorizer(self.current_account, self.region),  # run as its caller
        runner=maintenance.runner(query, account=self.current_account, region=self.region,  # OPTIMIZE, VACUUM
                                  log=maintenance.log_of(engine)))
    return json.dumps({"QueryExecutionId": query_id})


def get_query_execution(self: Any) -> str:
    execution = registry.active().athena.get_query_execution(self._get_param("QueryExecutionId"))
    return json.dumps({"QueryExecution": execution})


def get_query_results(self: Any) -> str:
    result = registry.active().athena.get_query_results(
        self._get_param("QueryExecutionId"), self._get_param("NextToken"), self._get_param("MaxResults"))
    return json.dumps(result)


def list_query_executions(self: Any) -> str:
    workgroup = self._get_param("WorkGroup") or "primary"
    return json.dumps({"QueryExecutionIds": registry.active().athena.list_query_executions(workgroup)})


def stop_query_execution(self: Any) -> str:
    registry.active().athena.stop_query_execution(self._get_param("QueryExecutionId"))
    return json.dumps({})


ACTIONS = {
    "list_query_executions": list_query_executions,
    "stop_query_execution": stop_query_execution,
    "start_query_execution": start_query_execution,
    "get_query_execution": get_query_execution,
    "get_query_results": get_query_results,
}
