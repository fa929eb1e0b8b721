"""The check region with storage.listing auto/inventory: prepare (Lambda) -> the Athena query (.sync) ->
select (Lambda), the list-mode result passed straight on before the first report, retries and catches."""
from __future__ import annotations

import json

from statelint.config import Config
from statelint.linter import Linter

from steps import contract
from workflow import graph
from workflow.config import replace
from workflow.graph import render_definition
from workflow.inventory import inventory_names


def _definition(cfg, arns, listing):
    return render_definition(replace(cfg, storage=replace(cfg.storage, listing=listing)), arns)


def test_list_mode_has_no_query_and_inventory_modes_do(cfg, arns):
    assert graph.NAME_QUERY not in _definition(cfg, arns, "list")["States"]
    for listing in ("auto", "inventory"):
        definition = _definition(cfg, arns, listing)
        assert Linter.validate(json.dumps(definition), Config()) == []
        assert graph.NAME_QUERY in definition["States"] and graph.NAME_SELECT in definition["States"]


def test_prepare_query_select_wiring(cfg, arns):
    states = _definition(cfg, arns, "auto")["States"]
    prepare = states[graph.NAME_CHECK]
    payload = prepare["Parameters"]["Payload"]
    assert payload["phase"] == "prepare" and payload["input.$"] == "$"
    names = inventory_names(cfg)
    assert {k: payload["settings"][k] for k in ("listing", "inventory_config_id", "inventory_database",
                                                "inventory_table")} == {
        "listing": "auto", "inventory_config_id": names.config_id, "inventory_database": names.database,
        "inventory_table": names.table}
    assert [c["ErrorEquals"] for c in prepare["Catch"]] == [[contract.INVALID_INPUT_ERROR],
                                                             [contract.FEATURE_GROUP_MISSING_ERROR], ["States.ALL"]]
    source = states[prepare["Next"]]
    assert source["Type"] == "Choice" and {c["Next"] for c in source["Choices"]} == {"Anything to label?"}
    query = states[source["Default"]]
    assert query["Resource"] == "arn:aws:states:::athena:startQueryExecution.sync"
    assert query["Parameters"]["QueryString.$"] == "$.prepare.query"
    assert query["Parameters"]["WorkGroup"] == cfg.feature_store.athena_workgroup
    assert query["Parameters"]["ResultConfiguration"]["OutputLocation"].endswith(f"{cfg.storage.work_prefix}athena/")
    assert {e for r in query["Retry"] for e in r["ErrorEquals"]} == set(graph.ATHENA_TRANSIENT_ERRORS)
    assert query["Catch"][-1]["ErrorEquals"] == ["States.ALL"]
    select = states[query["Next"]]
    assert select["Parameters"]["Payload"]["phase"] == "select"
    assert select["Parameters"]["Payload"]["result_uri.$"] == "$.query.result_uri"
    assert set(select["ResultSelector"]["check"]) >= {f"{name}.$" for name in graph.CHECK_RESULT_FIELDS}
    assert select["Next"] == "Anything to label?" and select["ResultPath"] == "$"
    assert select["Catch"][-1]["ErrorEquals"] == ["States.ALL"]
