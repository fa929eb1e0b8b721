"""The ``settings`` each Lambda step of the state machine receives (steps/contract.py), from the config."""
from __future__ import annotations

from typing import Any

from steps import contract, task_types
from workflow.config import PipelineConfig, adjustment_attribute
from workflow.graph.states import APPROVED_INDEX, LAMBDA_MAX_CONCURRENCY
from workflow.inventory import inventory_names
from workflow.resources import athena_output_uri


def _adjust(cfg: PipelineConfig) -> bool:
    """verification.on_reject: adjust: REJECTED images go to an adjustment job beside the labeling job."""
    return cfg.verification.on_reject == "adjust"


def check_settings(cfg: PipelineConfig) -> dict[str, Any]:
    """``settings`` of the CheckMissingLabels event (steps/contract.py)."""
    settings: contract.CheckMissingLabelsSettings = {
        "bucket": cfg.storage.bucket,
        "raw_prefix": cfg.storage.raw_prefix,
        "image_extensions": list(cfg.storage.image_extensions),
        "work_prefix": cfg.storage.work_prefix,
        "feature_group_name": cfg.feature_store.feature_group_name,
        "athena_workgroup": cfg.feature_store.athena_workgroup,
        "athena_output_uri": athena_output_uri(cfg),
        "max_images_per_run": cfg.labeling.max_images_per_run,
        "job_name_prefix": cfg.pipeline.job_name_prefix,
        "kms_key_arn": cfg.storage.kms_key_arn,
    }
    # steps.adjustment: with on_reject adjust, rejected images go to the adjustment job with their previous label
    settings["on_reject"] = cfg.verification.on_reject
    settings["label_attribute"] = cfg.labeling.label_attribute
    settings["task_type"] = cfg.labels.task_type  # which previous label steps.adjustment reads (boxes or a mask)
    # steps.carried_labels: earlier runs' unverified labels go to verification, not to labeling again (a task
    # type with a verification job); with on_reject adjust, the adjustment job's adjusted labels too
    settings["carry_labels"] = task_types.has_verification(cfg.labels.task_type)
    settings["adjustment_attribute"] = adjustment_attribute(cfg.labeling.label_attribute)
    return {**settings, **inventory_settings(cfg)}  # storage.listing and the inventory's names (steps.inventory)


def filter_settings(cfg: PipelineConfig) -> dict[str, Any]:
    """``settings`` of the FilterLabeledObjects event (steps/contract.py)."""
    settings: contract.FilterLabeledObjectsSettings = {
        "bucket": cfg.storage.bucket,
        "work_prefix": cfg.storage.work_prefix,
        "label_attribute": cfg.labeling.label_attribute,
        "kms_key_arn": cfg.storage.kms_key_arn,
    }
    settings["adjustment_attribute"] = adjustment_attribute(cfg.labeling.label_attribute)  # used with on_reject adjust
    return dict(settings)


def update_settings(cfg: PipelineConfig) -> dict[str, Any]:
    """``settings`` of the UpdateFeatureStore event (steps/contract.py)."""
    settings: contract.UpdateFeatureStoreSettings = {
        "feature_group_name": cfg.feature_store.feature_group_name,
        "label_attribute": cfg.labeling.label_attribute,
        "verification_attribute": cfg.verification.label_attribute,
        "approved_index": APPROVED_INDEX,
        "task_type": cfg.labels.task_type,
        "min_confidence": cfg.labels.min_confidence,
        "unlabelable_reasons": list(cfg.labeling.unlabelable_reasons),  # steps.unlabelable.markers
        "max_concurrency": LAMBDA_MAX_CONCURRENCY,
        "bucket": cfg.storage.bucket,
        "work_prefix": cfg.storage.work_prefix,
        "kms_key_arn": cfg.storage.kms_key_arn,
    }
    return dict(settings)


def inventory_settings(cfg: PipelineConfig) -> dict[str, Any]:
    """The check settings' listing keys (steps/contract.py): where the inventory reports and table are."""
    names = inventory_names(cfg)
    return {"listing": cfg.storage.listing, "inventory_config_id": names.config_id,
            "inventory_database": names.database, "inventory_table": names.table}
