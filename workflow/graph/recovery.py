"""The run's first states: write what earlier runs verified but never wrote (issue: never pay twice)."""
from __future__ import annotations

from typing import Any

from steps import contract
from workflow.config import PipelineConfig
from workflow.graph.settings import update_settings
from workflow.graph.states import EXECUTION_CONTEXT, UPDATE_RETRYABLE_ERRORS, _catch_all, _lambda_retry
from workflow.resources import ResourceArns
from workflow.sdk import Choice, ChoiceRule, Pass, Retry, State, Wait
from workflow.sdk_ext import LambdaStep

WRITE_UNWRITTEN_RESULT_FIELDS = ("runs_examined", "runs_written", "written", "unlabelable", "left", "not_written")
NAME_WRITE_UNWRITTEN = "Write unwritten earlier output"
UNWRITTEN_MAX_RUNS = 50  # failed, aborted or timed-out executions examined per run
# Records written per run: 100,000 take under a minute at the benchmarked ~2,000 records/s and about
# 200 s at a group throttled to 500/s, well inside Lambda's 15 minutes; the rest waits for the next run.
UNWRITTEN_MAX_RECORDS = 100_000


def write_unwritten_settings(cfg: PipelineConfig) -> dict[str, Any]:
    """``settings`` of the update function's write-unwritten event (steps/contract.py WriteUnwrittenSettings)."""
    return {**update_settings(cfg), "job_name_prefix": cfg.pipeline.job_name_prefix,
            "max_runs": UNWRITTEN_MAX_RUNS, "max_records": UNWRITTEN_MAX_RECORDS}


def _write_unwritten_start(cfg: PipelineConfig, arns: ResourceArns, check: State) -> State:
    """The first states: write what earlier runs verified but never wrote, then ``check``.

    The write-unwritten function (the update's code and role, steps.unwritten_output) writes the outputs of failed,
    aborted and timed-out executions that never reached the feature group. Records reach the
    offline store (what the check reads) only some minutes after the write ("within 15 minutes",
    feature-store-offline), so when it wrote any, the run waits as long as steps.in_flight waits
    for a succeeded run's records before it selects: else it would pay to label them again. The
    state then becomes the execution input again for the check. A failure here fails the run
    before any job: the writes it could not do would fail the update step too.
    """
    from steps import in_flight

    step = LambdaStep(
        NAME_WRITE_UNWRITTEN,
        parameters={
            "FunctionName": arns.unwritten_lambda or arns.update_lambda,
            "Payload": {"action": contract.WRITE_UNWRITTEN_ACTION, "execution": EXECUTION_CONTEXT,
                        "settings": write_unwritten_settings(cfg)},
        },
        result_selector={f"{name}.$": f"$.Payload.{name}" for name in WRITE_UNWRITTEN_RESULT_FIELDS},
        result_path="$.unwritten",
    )
    step.add_retry(_lambda_retry())
    step.add_retry(Retry(error_equals=UPDATE_RETRYABLE_ERRORS, interval_seconds=30, max_attempts=2, backoff_rate=2.0))
    _catch_all(step, NAME_WRITE_UNWRITTEN)
    wrote = Choice("Wrote earlier output?")
    wait = Wait("Wait for the offline store", seconds=in_flight.OFFLINE_STORE_LAG_SECONDS)
    restore = Pass("Restore execution input", parameters={"input.$": "$$.Execution.Input"}, output_path="$.input")
    step.next(wrote)
    wrote.add_choice(ChoiceRule.NumericGreaterThan("$.unwritten.written", 0), wait)
    wrote.default_choice(restore)
    wait.next(restore)
    restore.next(check)
    return step
