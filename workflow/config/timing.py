"""When things run: the polling section (waits between checks of a job, within the history budget) and the
schedule section, with the schedule-expression type the feature store's maintenance schedules share."""
from __future__ import annotations

import math
from typing import Annotated, Any, NamedTuple

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from workflow import ground_truth as gt
from workflow import polling as poll
from workflow.config.base import Section
from workflow.config.errors import problem, shown
from workflow.rules.schedule import SCHEDULE_FORMS, is_off, schedule_expression_problem, timezone_problem

# Limits that are ours (the AWS ones live in workflow.ground_truth and workflow.polling)
POLL_MAX_INTERVAL_MAX = 86_400
# Two Ground Truth jobs running their 30-day maximum may use this share of the history.
HISTORY_BUDGET_SHARE = 0.6
HISTORY_BUDGET_JOBS = 2
HISTORY_BUDGET = math.floor(HISTORY_BUDGET_SHARE * poll.EXECUTION_HISTORY_LIMIT)
HISTORY_BUDGET_TEXT = f"{HISTORY_BUDGET} ({HISTORY_BUDGET_SHARE:.0%} of the {poll.EXECUTION_HISTORY_LIMIT} limit)"


class HistoryOverrun(NamedTuple):
    """What polling ``jobs`` 30-day Ground Truth jobs costs when it is over the history budget."""

    events: int  # history events of the jobs with this polling
    minimum: int | None  # the smallest polling.max_interval_seconds that fits; None if none up to the maximum


def history_overrun(polling: PollingSection, jobs: int) -> HistoryOverrun | None:
    """How ``jobs`` Ground Truth jobs polled for their 30 days overrun ``HISTORY_BUDGET``; None if they fit."""
    events = jobs * poll.events_for(gt.JOB_MAX_DURATION_SECONDS, polling)
    if events <= HISTORY_BUDGET:
        return None
    minimum = poll.min_max_interval(polling, gt.JOB_MAX_DURATION_SECONDS, jobs, HISTORY_BUDGET)
    return HistoryOverrun(events, minimum if minimum is not None and minimum <= POLL_MAX_INTERVAL_MAX else None)


def _off_is_null(value: Any) -> Any:
    return None if is_off(value) else value


def _expression(expression: str | None) -> str | None:
    wrong = None if expression is None else schedule_expression_problem(expression)
    if wrong:
        raise problem(f"{shown(expression)} {wrong}", SCHEDULE_FORMS)
    return expression


def _timezone(name: str) -> str:
    wrong = timezone_problem(name)
    if wrong:
        raise problem(wrong, "use an IANA name such as UTC or Europe/Berlin")
    return name


# An EventBridge Scheduler expression; 'off' (or null) for none.
ScheduleExpression = Annotated[str | None, BeforeValidator(_off_is_null), AfterValidator(_expression)]


class PollingSection(Section):
    first_interval_seconds: Annotated[int, Field(
        ge=1, le=POLL_MAX_INTERVAL_MAX, description="First wait before checking a running job ({range}).")]
    growth: Annotated[float, Field(
        ge=1.0, le=10.0, description="Factor applied to the wait after each check ({range}).")]
    max_interval_seconds: Annotated[int, Field(
        description=f"Largest wait (first_interval_seconds-{POLL_MAX_INTERVAL_MAX}); must keep two 30-day jobs within "
                    f"{HISTORY_BUDGET_SHARE:.0%} of the {poll.EXECUTION_HISTORY_LIMIT:,}-event history.")]

    @model_validator(mode="after")
    def _fits_the_history(self) -> PollingSection:
        first, growth, cap = self.first_interval_seconds, self.growth, self.max_interval_seconds
        if not first <= cap <= POLL_MAX_INTERVAL_MAX:
            raise problem(f"is {cap}", f"use polling.first_interval_seconds ({first}) to {POLL_MAX_INTERVAL_MAX}",
                          "max_interval_seconds")
        try:
            poll.wait_schedule(self)
        except ValueError:
            raise problem(f"{growth} needs more than {poll.MAX_WAIT_STEPS} waits to grow from {first}s to {cap}s",
                          "use a larger growth, a larger first interval or a smaller max interval", "growth") from None
        overrun = history_overrun(self, HISTORY_BUDGET_JOBS)
        if overrun is not None:
            fix = (f"raise it to at least {overrun.minimum}" if overrun.minimum is not None
                   else "raise first_interval_seconds or growth")
            raise problem(f"{cap} makes two 30-day Ground Truth jobs cost {overrun.events} history events, "
                          f"over {HISTORY_BUDGET_TEXT}", fix, "max_interval_seconds")
        return self


class ScheduleSection(Section):
    expression: Annotated[ScheduleExpression, Field(
        description="EventBridge Scheduler cron(...), rate(...) or at(...); null or 'off' to run only on demand.")] = None
    timezone: Annotated[str, Field(description="IANA time zone of the schedule expression."),
                        AfterValidator(_timezone)] = "UTC"
