"""The config reference: every key of ``PipelineConfig`` as a row of the README's table."""
from __future__ import annotations

import yaml
from pydantic_core import PydanticUndefined

from workflow.config.fields import description_of, keys_of, section_of, yaml_type
from workflow.config.model import PipelineConfig


def describe_keys() -> list[tuple[str, str, str, str]]:
    """Every key as (key path, YAML type, default, one-line description), in file order."""
    rows = []
    for section_name in keys_of(PipelineConfig):
        section = section_of(PipelineConfig.model_fields[section_name])
        assert section is not None, section_name
        for name in keys_of(section):
            field = section.model_fields[name]
            default = field.get_default(call_default_factory=True)
            shown_default = "required" if default is PydanticUndefined else yaml.safe_dump(
                default, default_flow_style=True).strip().removesuffix("...").strip()
            rows.append((f"{section_name}.{name}", yaml_type(field.annotation), shown_default, description_of(field)))
    return rows
