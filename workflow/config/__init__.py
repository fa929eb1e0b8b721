"""The typed model of config.yaml: every key declared once.

Each key is one pydantic field carrying its type, default, bounds (``Field``)
and description. That one declaration drives validation, the README's config
reference (``describe_keys``) and the check that config.yaml sets every key.
Rules beyond type and bounds are validators next to their field; the AWS
naming rules they apply live in ``workflow.rules``. ``load_config`` turns the
YAML file into a ``PipelineConfig`` or raises ``ConfigError`` with one line:
``<file>: <key.path>: <what is wrong>; <what is accepted>``.

The modules, one job each:

- ``base``: the section base model (strict, no unknown keys, frozen), YAML lists as tuples, null as empty,
  and the rules many keys share (a name's pattern, an optional ARN);
- ``pipeline``, ``storage``, ``labels``, ``jobs``, ``workforce``, ``timing``, ``ci``: the sections,
  each with the rules on its own values;
- ``model``: ``PipelineConfig``, the sections together and the rules that span them, with
  ``task_type_rules`` (what labels.task_type implies) and ``adjustment`` (verification.on_reject: adjust);
- ``loader`` (``load_config``), ``yaml_file`` (reading the YAML), ``errors`` (pydantic's errors as one line),
  ``overrides`` (--region, ``replace``), ``fields`` and ``reference`` (what a key declares; the README table).

This package is for the deploy side only: pydantic never enters the Lambda zip,
and nothing in ``steps/`` imports it. Nothing here talks to AWS.
"""
from __future__ import annotations

from workflow.config.adjustment import adjustment_attribute
from workflow.config.errors import ConfigError
from workflow.config.jobs import JobSection
from workflow.config.loader import config_to_dict, load_config
from workflow.config.model import PipelineConfig
from workflow.config.overrides import replace
from workflow.config.pipeline import PIPELINE_NAME_MAX
from workflow.config.reference import describe_keys
from workflow.config.timing import PollingSection
from workflow.rules.schedule import schedule_expression_problem

__all__ = [
    "PIPELINE_NAME_MAX",
    "ConfigError",
    "JobSection",
    "PipelineConfig",
    "PollingSection",
    "adjustment_attribute",
    "config_to_dict",
    "describe_keys",
    "load_config",
    "replace",
    "schedule_expression_problem",
]
