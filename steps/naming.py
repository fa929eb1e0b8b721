"""Ground Truth job names and run ids, derived from the execution (the S3 layout: steps.layout).

Job names must match ``^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`` and be unique per
account and region for ever, compared case-insensitively. A name is built as
``<prefix>-<readable execution name>-<hash>-<lbl|vfy>``: the readable part is
for humans; the hash (SHA-256 of the execution ARN and start time, lower-case
hex) is what makes names from similar executions never collide. The same
execution always yields the same names, so a retried step is idempotent.
"""
from __future__ import annotations

import hashlib
import re

JOB_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
MAX_JOB_NAME_LENGTH = 63
MAX_PREFIX_LENGTH = 24
HASH_LENGTH = 10
LABELING_SUFFIX = "lbl"
VERIFICATION_SUFFIX = "vfy"
ADJUSTMENT_SUFFIX = "adj"
_READABLE_MAX = 20


def prefix_problem(prefix: str) -> str | None:
    """Return why ``prefix`` cannot start valid job names, or None if it can."""
    if not isinstance(prefix, str) or not prefix:
        return "must be a non-empty string"
    if len(prefix) > MAX_PREFIX_LENGTH:
        return f"is {len(prefix)} characters; at most {MAX_PREFIX_LENGTH} leave room for the execution part of job names"
    if not JOB_NAME_PATTERN.match(prefix):
        return "must start and end with a letter or digit and contain only letters, digits and hyphens"
    return None


def _readable(execution_name: str) -> str:
    cleaned = re.sub(r"[^a-zA-Z0-9]+", "-", execution_name).strip("-")
    return cleaned[:_READABLE_MAX].strip("-").lower()


def run_id(prefix: str, execution_arn: str, start_time: str, execution_name: str) -> str:
    """The unique id of one execution's run: the stem of both job names."""
    problem = prefix_problem(prefix)
    if problem:
        raise ValueError(f"job name prefix {prefix!r} {problem}")
    digest = hashlib.sha256(f"{execution_arn}|{start_time}".encode()).hexdigest()[:HASH_LENGTH]
    readable = _readable(execution_name)
    parts = [prefix.lower(), readable, digest] if readable else [prefix.lower(), digest]
    return "-".join(parts)


def job_names(run: str) -> tuple[str, str]:
    """The labeling and verification job names for a run id."""
    names = (f"{run}-{LABELING_SUFFIX}", f"{run}-{VERIFICATION_SUFFIX}")
    for name in names:
        if len(name) > MAX_JOB_NAME_LENGTH or not JOB_NAME_PATTERN.match(name):
            raise ValueError(f"job name {name!r} breaks Ground Truth's name rule")
    return names


def adjustment_job_name(run: str) -> str:
    """The adjustment job's name for a run id (verification.on_reject: adjust)."""
    name = f"{run}-{ADJUSTMENT_SUFFIX}"
    if len(name) > MAX_JOB_NAME_LENGTH or not JOB_NAME_PATTERN.match(name):
        raise ValueError(f"job name {name!r} breaks Ground Truth's name rule")
    return name
