"""Ground Truth acting as a labeling job's RoleArn: assuming it, and what a denial does.

What AWS documents, and what the sandbox does where it does not:

- Assuming the role: SageMaker assumes the RoleArn as ``sagemaker.amazonaws.com`` (the trust
  statement of "Create a SageMaker AI Execution Role for a Ground Truth Labeling Job",
  sms-security-permission-execution-role). A CreateLabelingJob whose role cannot be assumed is
  refused synchronously with ValidationException. The wording is not documented for
  CreateLabelingJob; the sandbox uses the message SageMaker's other Create APIs give ("Could not
  assume role <arn>. Please ensure that the role exists and allows principal
  'sagemaker.amazonaws.com' to assume the role.", as reported for CreateTransformJob in
  awslabs/predictive-maintenance-using-machine-learning#3).
- The job's own files (input manifest, UI template, label category file) are read while the
  request is validated: a denied read is CreateLabelingJob's ValidationException naming the field
  (sandbox.ground_truth.validation reads them; S3AccessDenied is an S3ObjectMissing). AWS does not
  document whether these reads are synchronous; the sandbox keeps the documented synchronous
  validation of the request's files and treats a 403 like a missing file.
- An image the role may not read cannot be shown to a worker: the object fails with a
  ``failure-reason`` in its output metadata, as objects that cannot be loaded do (sms-data-output:
  failed objects carry failure-reason). The exact reason text is not documented.
- The output manifest the role may not write: the job fails with a FailureReason (Ground Truth's
  documented job failure path, DescribeLabelingJob FailureReason). The text is not documented.
"""
from __future__ import annotations

from typing import Any

from sandbox.iam import trust


def assume_job_role(account_id: str, role_arn: str | None) -> None:
    """Raise Ground Truth's ValidationException unless sagemaker.amazonaws.com may assume the role.

    An unknown role is left to CreateLabelingJob's own RoleArn validation."""
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    from sandbox.ground_truth.errors import ValidationError

    if not role_arn:
        return
    try:
        iam_backends[account_id]["global"].get_role_by_arn(role_arn)
    except NotFoundException:
        return
    # SageMaker sends no documented confused-deputy keys: none in the context (see sandbox.iam.trust).
    if not trust.may_assume(account_id, role_arn, trust.SAGEMAKER).allowed:
        raise ValidationError(f"Could not assume role {role_arn}. Please ensure that the role exists and allows "
                              f"principal '{trust.SAGEMAKER}' to assume the role.")


def session_name(request: dict[str, Any]) -> str:
    """The role session Ground Truth's calls show in access-denied messages (not documented)."""
    return f"SageMaker-{request.get('LabelingJobName', 'labeling-job')}"[:64]


def output_failure_reason(error: Exception) -> str:
    """The FailureReason of a job whose output the role may not write (text not documented)."""
    return f"ClientError: Ground Truth could not write the job's output with the job's RoleArn: {error}"
