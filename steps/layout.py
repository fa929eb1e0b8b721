"""The S3 layout of the work prefix: every key the pipeline writes under ``storage.work_prefix``.

One module, used by the steps (Lambda), the IAM policies, the resource names, the preflight and
the reliability suite, so that a key and the permission to write it cannot drift apart::

    <work_prefix>assets/<asset>                          Ground Truth UI template and category files
    <work_prefix>athena/<query id>.csv                   Athena query results
    <work_prefix>active/<run id>.json                    one marker per run in flight (steps.in_flight)
    <work_prefix>runs/<run id>/input.manifest            the labeling job's input (with on_reject adjust: every
                                                         image the run claims)
    <work_prefix>runs/<run id>/labeling-input.manifest   on_reject adjust: the labeling job's input (new images)
    <work_prefix>runs/<run id>/adjustment-input.manifest on_reject adjust: the adjustment job's input (rejected
                                                         images with their previous label)
    <work_prefix>runs/<run id>/labeling/<job>/...        the labeling (and adjustment) job's output
    <work_prefix>runs/<run id>/carried-labels.manifest   earlier runs' unverified labels this run verifies again
                                                         (steps.carried_labels), as verification input lines
    <work_prefix>runs/<run id>/handed-on/<run id>.json   an earlier run's labels another run carried on
    <work_prefix>runs/<run id>/unverified-labels.manifest the verification output's labels without a verdict
                                                         (tasks expired; steps.unverified_labels), carried on
    <work_prefix>runs/<run id>/verification-input.manifest
    <work_prefix>runs/<run id>/verification/<job>/...    the verification job's output
    <work_prefix>runs/<run id>/update-progress.json      the manifest lines UpdateFeatureStore wrote
    <work_prefix>runs/<run id>/unlabelable-progress.json the labeling output lines written UNLABELABLE
    <work_prefix>inventory/<bucket>/<config id>/...      S3 Inventory reports of the raw prefix (S3 writes them)

Ground Truth writes a job's output manifest to ``<S3OutputPath><job name>/manifests/output/output.manifest``
("Output Data", https://docs.aws.amazon.com/sagemaker/latest/dg/sms-data-output.html).
Standard library only: this module ships in the Lambda zip.
"""
from __future__ import annotations

ASSETS = "assets/"
ATHENA = "athena/"
ACTIVE = "active/"
RUNS = "runs/"
LABELING = "labeling/"
VERIFICATION = "verification/"
INPUT_MANIFEST = "input.manifest"
VERIFICATION_INPUT_MANIFEST = "verification-input.manifest"
LABELING_INPUT_MANIFEST = "labeling-input.manifest"
ADJUSTMENT_INPUT_MANIFEST = "adjustment-input.manifest"
OUTPUT_MANIFEST = "manifests/output/output.manifest"
INVENTORY = "inventory/"
INVENTORY_HIVE = "hive/"
MARKER_SUFFIX = ".json"
UPDATE_PROGRESS = "update-progress.json"
UNLABELABLE_PROGRESS = "unlabelable-progress.json"
CARRIED_LABELS_MANIFEST = "carried-labels.manifest"
HANDED_ON = "handed-on/"
UNVERIFIED_LABELS_MANIFEST = "unverified-labels.manifest"


def base(work_prefix: str) -> str:
    """The work prefix ending with "/" (or empty)."""
    return work_prefix if not work_prefix or work_prefix.endswith("/") else work_prefix + "/"


def assets_prefix(work_prefix: str) -> str:
    return base(work_prefix) + ASSETS


def asset_key(work_prefix: str, asset: str) -> str:
    return assets_prefix(work_prefix) + asset


def athena_prefix(work_prefix: str) -> str:
    return base(work_prefix) + ATHENA


def active_prefix(work_prefix: str) -> str:
    return base(work_prefix) + ACTIVE


def marker_key(work_prefix: str, run: str) -> str:
    """One run's in-flight marker."""
    return f"{active_prefix(work_prefix)}{run}{MARKER_SUFFIX}"


def runs_prefix(work_prefix: str) -> str:
    return base(work_prefix) + RUNS


def run_prefix(work_prefix: str, run: str) -> str:
    """Where one run keeps its manifests and job outputs."""
    return f"{runs_prefix(work_prefix)}{run}/"


def input_manifest_key(work_prefix: str, run: str) -> str:
    return run_prefix(work_prefix, run) + INPUT_MANIFEST


def labeling_input_key(work_prefix: str, run: str) -> str:
    """on_reject adjust: the labeling job's input (input.manifest then holds every claimed image)."""
    return run_prefix(work_prefix, run) + LABELING_INPUT_MANIFEST


def adjustment_input_key(work_prefix: str, run: str) -> str:
    """on_reject adjust: the adjustment job's input (rejected images with their previous label)."""
    return run_prefix(work_prefix, run) + ADJUSTMENT_INPUT_MANIFEST


def verification_input_key(work_prefix: str, run: str) -> str:
    return run_prefix(work_prefix, run) + VERIFICATION_INPUT_MANIFEST


def carried_labels_key(work_prefix: str, run: str) -> str:
    """Earlier runs' unverified labels ``run`` sends to verification (steps.carried_labels)."""
    return run_prefix(work_prefix, run) + CARRIED_LABELS_MANIFEST


def unverified_labels_key(work_prefix: str, run: str) -> str:
    """The labels ``run``'s verification job left without a verdict (steps.unverified_labels); "*" for IAM."""
    return run_prefix(work_prefix, run) + UNVERIFIED_LABELS_MANIFEST


def handed_on_prefix(work_prefix: str, source_run: str) -> str:
    """Where the runs that carried ``source_run``'s labels on say so (one object per carrying run)."""
    return run_prefix(work_prefix, source_run) + HANDED_ON


def handed_on_key(work_prefix: str, source_run: str, run: str) -> str:
    """``run`` carried (some of) ``source_run``'s labels on: ``{"run_id", "manifest_uri"}``."""
    return f"{handed_on_prefix(work_prefix, source_run)}{run}{MARKER_SUFFIX}"


def labeling_output_prefix(work_prefix: str, run: str) -> str:
    """The labeling job's S3OutputPath."""
    return run_prefix(work_prefix, run) + LABELING


def verification_output_prefix(work_prefix: str, run: str) -> str:
    """The verification job's S3OutputPath."""
    return run_prefix(work_prefix, run) + VERIFICATION


def update_progress_key(work_prefix: str, run: str) -> str:
    """The lines UpdateFeatureStore has written for ``run`` (steps.update_progress); "*" for IAM."""
    return run_prefix(work_prefix, run) + UPDATE_PROGRESS


def unlabelable_progress_key(work_prefix: str, run: str) -> str:
    """The labeling output lines written as UNLABELABLE records for ``run`` (steps.unlabelable); "*" for IAM."""
    return run_prefix(work_prefix, run) + UNLABELABLE_PROGRESS


def output_manifest_key(output_prefix: str, job_name: str) -> str:
    """Where Ground Truth writes the output manifest of ``job_name`` under its S3OutputPath."""
    return f"{output_prefix}{job_name}/{OUTPUT_MANIFEST}"


def inventory_prefix(work_prefix: str) -> str:
    """The S3 Inventory destination prefix: reports land under ``<this><bucket>/<config id>/``."""
    return base(work_prefix) + INVENTORY


def inventory_report_prefix(work_prefix: str, bucket: str, config_id: str) -> str:
    """Where S3 Inventory writes one configuration's reports ("Locating your inventory list",
    storage-inventory-location: ``destination-prefix/source-bucket/config-ID/``)."""
    return f"{inventory_prefix(work_prefix)}{bucket}/{config_id}/"


def inventory_hive_prefix(work_prefix: str, bucket: str, config_id: str) -> str:
    """The Hive layout of the reports: ``hive/dt=YYYY-MM-DD-HH-MM/symlink.txt`` (the Glue table's location)."""
    return inventory_report_prefix(work_prefix, bucket, config_id) + INVENTORY_HIVE
