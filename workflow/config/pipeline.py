"""The deployment's own sections: pipeline (name, region, job name prefix, tags), observability (logs,
tracing) and iam (existing roles to use instead of creating them)."""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from steps.naming import prefix_problem
from workflow import ground_truth as gt
from workflow.config.base import Section, matching, null_is, optional_arn
from workflow.config.errors import problem, shown
from workflow.config.fields import note
from workflow.rules import arn, tags

PIPELINE_NAME_MAX = 40  # ours: + the longest resource suffix stays within IAM/Lambda's 64
PIPELINE_NAME_PATTERN = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*$")
_pipeline_name = matching(
    PIPELINE_NAME_PATTERN, "cannot name the state machine and prefix IAM role and Lambda function names",
    "use letters, digits and single hyphens, starting with a letter and ending with a letter or digit")


def _region(region: str) -> str:
    if region not in gt.SUPPORTED_REGIONS:
        raise problem(f"{region!r} has no Ground Truth built-in task Lambdas",
                      f"use one of: {', '.join(sorted(gt.SUPPORTED_REGIONS))}")
    return region


def _job_name_prefix(prefix: str) -> str:
    wrong = prefix_problem(prefix)
    if wrong:
        raise problem(f"{prefix!r} {wrong}", "use 1-24 letters, digits and hyphens, starting and ending with a letter or digit")
    return prefix


def _tags(values: dict[str, str]) -> dict[str, str]:
    for key, value in values.items():
        found = tags.tag_problem(key, value, shown)
        if found:
            raise problem(*found, key)
    return values


RoleArn = Annotated[str | None, optional_arn(
    arn.is_role_arn, "an IAM role ARN", f"use {arn.ROLE_ARN_FORM}, or null to create the role")]


class PipelineSection(Section):
    name: Annotated[str, Field(
        min_length=1, max_length=PIPELINE_NAME_MAX,
        json_schema_extra=note(": it prefixes IAM role and Lambda function names, "
                               "which allow 64 characters including the pipeline's suffixes"),
        description="State machine name and prefix of every resource the deployer creates "
                    "({range} letters, digits, hyphens; starts with a letter)."), _pipeline_name]
    region: Annotated[str, Field(
        description="AWS region; one of the 12 regions with Ground Truth's built-in task Lambdas."), AfterValidator(_region)]
    job_name_prefix: Annotated[str, Field(
        description="Start of every Ground Truth job name (1-24 letters, digits, hyphens)."), AfterValidator(_job_name_prefix)]
    tags: Annotated[dict[str, str], null_is(dict), Field(
        max_length=gt.MAX_TAGS, title="tag",
        description="Tags on every resource and labeling job (keys 1-128, values 0-256 characters, no aws: prefix, "
                    "at most {max})."), AfterValidator(_tags)] = {}  # noqa: RUF012 (pydantic copies it; ruff sees no BaseModel)


class ObservabilitySection(Section):
    log_level: Annotated[Literal["ALL", "ERROR", "FATAL", "OFF"], Field(
        title="log level",
        description="Step Functions execution log level in CloudWatch Logs: {choices} "
                    "(execution data is never logged).")] = "ERROR"
    tracing: Annotated[bool, Field(
        description="X-Ray tracing of the state machine and its three Lambda functions.")] = True


class IamSection(Section):
    state_machine_role_arn: Annotated[RoleArn, Field(description="Existing role for the state machine (null: create).")] = None
    lambda_role_arn: Annotated[RoleArn, Field(
        description="Existing role for every Lambda function (check, filter, update and write-unwritten, stop-execution-jobs); it needs what the generated roles grant (build/iam/ after a dry run). Null: create one least-privilege role per function.")] = None
    ground_truth_role_arn: Annotated[RoleArn, Field(description="Existing role for the labeling jobs (null: create).")] = None
    feature_store_role_arn: Annotated[RoleArn, Field(
        description="Existing role Feature Store uses to write the offline store (null: create).")] = None
    scheduler_role_arn: Annotated[RoleArn, Field(description="Existing role for the schedule (null: create).")] = None
