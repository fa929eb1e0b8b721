"""Names of the S3 Inventory pieces (storage.listing auto | inventory): pure functions of the config.

Shared by the state machine's settings (workflow.graph) and the deployer (publish.inventory).
"""
from __future__ import annotations

from dataclasses import dataclass

from steps import layout
from workflow.config import PipelineConfig

DATABASE = "labeling_inventory"


@dataclass(frozen=True)
class InventoryNames:
    config_id: str  # the inventory configuration's Id (also a folder of the reports' keys)
    database: str
    table: str
    hive_location: str  # s3://bucket/<work_prefix>inventory/<bucket>/<config id>/hive/


def inventory_names(cfg: PipelineConfig) -> InventoryNames:
    """The configuration Id, Glue database and table, and the table's location, for ``cfg``."""
    config_id = f"{cfg.pipeline.name}-raw-images"
    storage = cfg.storage
    hive = layout.inventory_hive_prefix(storage.work_prefix, storage.bucket, config_id)
    return InventoryNames(config_id, DATABASE, cfg.pipeline.name.replace("-", "_").lower() + "_raw_images",
                          f"s3://{storage.bucket}/{hive}")
