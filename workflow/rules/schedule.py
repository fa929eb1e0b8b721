"""EventBridge Scheduler expressions and time zones.

cron(...), rate(...) and at(...) as documented in "Schedule types in EventBridge
Scheduler": https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
(six cron fields with '?' in exactly one of day-of-month and day-of-week; rate
with a positive whole value and minute(s), hour(s) or day(s); at with
yyyy-mm-ddThh:mm:ss). The time zone is an IANA name, checked against the
local tz database.
"""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SCHEDULE_FORMS = ("use cron(minutes hours day-of-month month day-of-week year) with '?' in exactly one of "
                  "day-of-month/day-of-week, rate(N minute|minutes|hour|hours|day|days), "
                  "at(yyyy-mm-ddThh:mm:ss), or null/off")
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
# (name, low, high, names) in cron field order
_CRON_FIELDS: tuple[tuple[str, int, int, list[str] | None], ...] = (
    ("minutes", 0, 59, None),
    ("hours", 0, 23, None),
    ("day-of-month", 1, 31, None),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _DAYS),
    ("year", 1970, 2199, None),
)


def is_off(value: object) -> bool:
    """null, 'off' in any case, or YAML 1.1's bare off (read as false): no schedule."""
    return value is None or value is False or (isinstance(value, str) and value.strip().lower() == "off")


def timezone_problem(name: str) -> str | None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return f"{name!r} is not a known time zone"
    return None


def _cron_value(text: str, low: int, high: int, names: list[str] | None) -> int | None:
    if names and text.upper() in names:
        return names.index(text.upper()) + 1
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    return None


def _cron_field_problem(text: str, index: int) -> str | None:
    name, low, high, names = _CRON_FIELDS[index]
    span = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
    bad = f"has {name} field {text!r}; allowed values {span} with , - * /"
    if text == "?":
        return None if name in ("day-of-month", "day-of-week") else f"uses '?' in the {name} field"
    for item in text.split(","):
        if name == "day-of-month" and (item in ("L", "LW") or re.fullmatch(r"\d{1,2}W", item)):
            if item.endswith("W") and item != "LW" and _cron_value(item[:-1], low, high, None) is None:
                return bad
            continue
        if name == "day-of-week" and (item == "L" or re.fullmatch(r"\w{1,3}(L|#[1-5])", item)):
            base = re.sub(r"(L|#[1-5])$", "", item)
            if _cron_value(base, low, high, names) is None:
                return bad
            continue
        base, _, step = item.partition("/")
        if step and (not step.isdigit() or int(step) < 1):
            return bad
        if base == "*":
            continue
        start, dash, end = base.partition("-")
        if _cron_value(start, low, high, names) is None:
            return bad
        if dash and _cron_value(end, low, high, names) is None:
            return bad
    return None


def schedule_expression_problem(expression: str) -> str | None:
    """Why ``expression`` is not a valid EventBridge Scheduler expression, or None."""
    match = re.fullmatch(r"(cron|rate|at)\((.*)\)", expression.strip())
    if not match:
        return "is not a cron(...), rate(...) or at(...) expression"
    kind, body = match.groups()
    if kind == "rate":
        rate = re.fullmatch(r"(\d+) (minute|minutes|hour|hours|day|days)", body.strip())
        if not rate or int(rate[1]) < 1:
            return "is not 'rate(N unit)' with a positive whole N and unit minute(s), hour(s) or day(s)"
        number, unit = int(rate[1]), rate[2]
        if (number == 1) != (not unit.endswith("s")):
            return f"must use the {'singular' if number == 1 else 'plural'} unit for {number}"
        return None
    if kind == "at":
        try:
            datetime.strptime(body, "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            return "is not at(yyyy-mm-ddThh:mm:ss)"
        return None
    fields = body.split()
    if len(fields) != 6:
        return f"has {len(fields)} cron fields, not 6"
    for index, text in enumerate(fields):
        problem = _cron_field_problem(text, index)
        if problem:
            return problem
    if (fields[2] == "?") == (fields[4] == "?"):
        return "must have '?' in exactly one of day-of-month and day-of-week"
    return None
