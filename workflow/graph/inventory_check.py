"""``storage.listing`` auto/inventory: the missing images found by one Athena query over the S3 Inventory."""
from __future__ import annotations

from steps import contract
from workflow.config import PipelineConfig
from workflow.graph.settings import check_settings
from workflow.graph.states import EXECUTION_CONTEXT, NAME_CHECK, _catch_all, _lambda_retry, check_result_fields
from workflow.resources import ResourceArns, athena_output_uri
from workflow.sdk import Catch, Choice, ChoiceRule, Retry, State
from workflow.sdk_ext import LambdaStep, Task

ATHENA_QUERY_SYNC_RESOURCE = "arn:aws:states:::athena:startQueryExecution.sync"
# Athena's throttling and service errors as the optimized integration names them (sandbox.patches.stepfunctions_athena);
# a query that fails is States.TaskFailed and is not retried: the same SQL would fail again.
ATHENA_TRANSIENT_ERRORS = ["Athena.TooManyRequestsException", "Athena.InternalServerException",
                           "Athena.AmazonAthenaException"]
NAME_QUERY = "Check missing labels: query the inventory"
NAME_SELECT = "Check missing labels: select"


def _inventory_check(cfg: PipelineConfig, arns: ResourceArns, anything: State, read_input_error: State,
                     read_group_error: State) -> State:
    """storage.listing auto/inventory: prepare (Lambda) -> the one query (Athena, .sync) -> select (Lambda).

    The same check function runs both phases (steps/check_missing_labels.py); the first state keeps the
    list mode's name and ``$.check``. Before the first inventory report exists, ``auto``'s prepare phase
    does the whole list-mode check (``$.check`` set, ``$.prepare`` null) and the Choice skips the query;
    a Lambda decides, not a Choice on a listing by Step Functions, because finding the newest report
    and the images other runs hold takes several S3 and Step Functions calls. Returns the first state.
    """
    settings = check_settings(cfg)
    prepare = LambdaStep(
        NAME_CHECK,
        parameters={"FunctionName": arns.check_lambda,
                    "Payload": {"execution": EXECUTION_CONTEXT, "input.$": "$", "phase": "prepare",
                                "settings": settings}},
        result_selector={"check.$": "$.Payload.check", "prepare.$": "$.Payload.prepare"},
        result_path="$",
    )
    prepare.add_retry(_lambda_retry())
    prepare.add_catch(Catch(error_equals=[contract.INVALID_INPUT_ERROR], next_step=read_input_error,
                            result_path="$.error"))
    prepare.add_catch(Catch(error_equals=[contract.FEATURE_GROUP_MISSING_ERROR], next_step=read_group_error,
                            result_path="$.error"))
    _catch_all(prepare, NAME_CHECK)
    source = Choice("Image list from the inventory?")
    kms = cfg.storage.kms_key_arn
    encryption = {"EncryptionOption": "SSE_KMS", "KmsKey": kms} if kms else {"EncryptionOption": "SSE_S3"}
    query = Task(
        NAME_QUERY,
        resource=ATHENA_QUERY_SYNC_RESOURCE,
        parameters={"QueryString.$": "$.prepare.query", "WorkGroup": cfg.feature_store.athena_workgroup,
                    "ResultConfiguration": {"OutputLocation": athena_output_uri(cfg),
                                            "EncryptionConfiguration": encryption}},
        result_selector={"result_uri.$": "$.QueryExecution.ResultConfiguration.OutputLocation"},
        result_path="$.query",
    )
    query.add_retry(Retry(error_equals=ATHENA_TRANSIENT_ERRORS, interval_seconds=5, max_attempts=4, backoff_rate=2.0))
    _catch_all(query, NAME_QUERY)
    select = LambdaStep(
        NAME_SELECT,
        parameters={"FunctionName": arns.check_lambda,
                    "Payload": {"execution": EXECUTION_CONTEXT, "phase": "select", "prepared.$": "$.prepare",
                                "result_uri.$": "$.query.result_uri", "settings": settings}},
        result_selector={"check": {f"{name}.$": f"$.Payload.{name}" for name in check_result_fields(cfg)}},
        result_path="$",
    )
    select.add_retry(_lambda_retry())
    _catch_all(select, NAME_SELECT)
    prepare.next(source)
    source.add_choice(ChoiceRule.IsPresent("$.prepare", False), anything)
    source.add_choice(ChoiceRule.IsNull("$.prepare", True), anything)  # listed: $.check is the result
    source.default_choice(query)
    query.next(select)
    select.next(anything)
    return prepare
