"""EVERY change the sandbox makes to moto (5.2.5): one module per patched service, each ``install()``
with a "Why:" docstring.

``install()`` applies them in ``PATCHES`` order for the running sandbox (``sandbox.registry``);
``uninstall()`` restores moto's originals. Each patch reads the sandbox from the registry when it
runs, never at install time (except Ground Truth, whose service belongs to the sandbox).
"""
from __future__ import annotations

from importlib import import_module

from sandbox.patches import base

# Module names under sandbox.patches, in the order they are applied.
PATCHES = (
    "request_entry",  # every in-process request: faults, IAM, the Feature Store runtime
    "s3_bucket_policy",  # aws:SecureTransport in bucket policies
    "s3_inventory",  # inventory configurations read back as written (sandbox.inventory)
    "s3_inventory_delete",  # DeleteBucketInventoryConfiguration deletes the configuration, not the bucket
    "stepfunctions_time",  # Wait states and Retry intervals on the sandbox clock
    "stepfunctions_names",  # unnamed executions get a UUID
    "lambda_invoke",  # Invoke runs the uploaded zip
    "sagemaker_feature_groups",  # feature groups: Glue table, Describe/Delete/List
    "sagemaker_feature_group_update",  # UpdateFeatureGroup(FeatureAdditions) (after the one above)
    "athena",  # Athena runs the SQL (sandbox.athena)
    "scheduler_targets",  # universal targets (aws-sdk:<service>:<action>) checked like Scheduler
    "stepfunctions_errors",  # SageMaker task errors named as AWS names them
    "stepfunctions_athena",  # athena:startQueryExecution(.sync) task states
    "sagemaker_workteams",  # workteams (moto has none)
    "iam_propagation",  # roles not assumable right after a change
    "iam",  # SimulatePrincipalPolicy, identities in Lambda threads
    "stepfunctions_role",  # Task states run as the state machine's role
    "ground_truth",  # labeling jobs (sandbox.ground_truth)
    "stepfunctions_context",  # $$.Execution.StartTime as AWS renders it
    "stepfunctions_stop",  # a stopped execution ends ABORTED
    "stepfunctions_uncatchable",  # States.Runtime/DataLimitExceeded not retried or caught; payload quota
    "stepfunctions_events",  # execution status change events to EventBridge
    "events_lambda_targets",  # EventBridge rules invoke Lambda targets
    "codebuild",  # webhooks, source credentials, UpdateProject (deploy.py's CI step)
)


def install() -> None:
    """Apply every patch (once) for the running sandbox."""
    with base.lock:
        if not base.applied():
            for name in PATCHES:
                import_module(f"sandbox.patches.{name}").install()


def uninstall() -> None:
    """Restore moto's original code."""
    with base.lock:
        base.restore()
        from sandbox.patches import ground_truth

        ground_truth.uninstall()
