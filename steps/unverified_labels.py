"""Labels a verification job left unverified: kept for the next run, so they are verified, not labeled again.

A verification task can expire (no verifier took it within the task availability lifetime) or fail alone
while the job completes and the run succeeds: the update step counts that line ``unlabeled`` and the image
stays missing. Ground Truth copies every key of an input line into the output line ("Output Data",
https://docs.aws.amazon.com/sagemaker/latest/dg/sms-data-output.html), so that output line still holds the
labeling job's label (the label attribute and its metadata) with the verification attribute's metadata
carrying ``failure-reason`` (or no verification attribute at all). The update step (and the first state,
steps.unwritten_output, which writes an earlier run's output with the same code) keeps such lines in
``runs/<run>/unverified-labels.manifest`` (steps.layout), in the form of a carried-labels manifest: the
verification attribute and its metadata removed, ``carried-label-job`` naming the job that drew the label.
The next run's check step reads it like the other sources of unverified labels (steps.carried_labels):
same source-etag rule, same handed-on markers, same claims. That Ground Truth keeps the labeling
attribute in the line of an *expired* verification task is documented only as "copies input keys";
the shape of an expired line (``failure-reason`` in the verification metadata) is not documented.

The file is written once the whole verification output was read (a capped or failed pass writes nothing:
the next pass reads every line again), before the update marks its progress complete, so a complete
marker implies the file. Its content is a function of the output manifest: writing it again is harmless.
Standard library and boto3 only: this module ships in the Lambda zip.
"""
from __future__ import annotations

import json
import tempfile
from typing import Any

from steps import layout
from steps.manifests import encryption_args
from steps.records import CARRIED_FROM_KEY

METADATA = "-metadata"
SPOOL_BYTES = 16 * 1024 * 1024


def _labeled(line: dict[str, Any], attribute: str) -> bool:
    """The attribute and its metadata, without ``failure-reason`` (FilterLabeledObjects' rule)."""
    metadata = line.get(attribute + METADATA)
    return attribute in line and isinstance(metadata, dict) and "failure-reason" not in metadata


def unverified_line(line: Any, label_attribute: str, verification_attribute: str, labeling_job: str
                    ) -> dict[str, Any] | None:
    """The line as a carried-labels line when it holds the label but no verdict, else None."""
    if not isinstance(line, dict) or not isinstance(line.get("source-ref"), str):
        return None
    if not _labeled(line, label_attribute) or _labeled(line, verification_attribute):
        return None
    out = {key: value for key, value in line.items()
           if key not in (verification_attribute, verification_attribute + METADATA)}
    drawn = line.get(CARRIED_FROM_KEY)
    out[CARRIED_FROM_KEY] = drawn if isinstance(drawn, str) and drawn else labeling_job
    return out


class Keeper:
    """Collects one verification output's unverified lines and writes them to the run's manifest."""

    def __init__(self, label_attribute: str, verification_attribute: str, labeling_job: str) -> None:
        self.label_attribute = label_attribute
        self.verification_attribute = verification_attribute
        self.labeling_job = labeling_job
        self.count = 0
        self._body = tempfile.SpooledTemporaryFile(SPOOL_BYTES)

    def offer(self, raw: bytes) -> None:
        """Keep the raw output line when it holds a label without a verdict (anything else is ignored)."""
        try:
            line = json.loads(raw)
        except (UnicodeDecodeError, ValueError):
            return
        kept = unverified_line(line, self.label_attribute, self.verification_attribute, self.labeling_job)
        if kept is not None:
            self._body.write(json.dumps(kept, ensure_ascii=True).encode("ascii") + b"\n")
            self.count += 1

    def write(self, s3: Any, bucket: str, work_prefix: str, run: str, kms_key_arn: str | None) -> str | None:
        """PutObject the kept lines (none kept: nothing written); returns the manifest URI or None."""
        try:
            if not self.count:
                return None
            key = layout.unverified_labels_key(work_prefix, run)
            self._body.seek(0)
            s3.put_object(Bucket=bucket, Key=key, Body=self._body, ContentType="application/jsonlines",
                          **encryption_args(kms_key_arn))
            return f"s3://{bucket}/{key}"
        finally:
            self.close()

    def close(self) -> None:
        self._body.close()
