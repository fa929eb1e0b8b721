"""Lambda step FilterLabeledObjects: the verification job's input, without the objects labeling failed.

Event and result: ``steps.contract.FilterLabeledObjectsEvent`` / ``FilterLabeledObjectsResult``.
A verification job's input lines must contain the label attribute being verified
(sms-data-verify-adjust-prereq: "The input manifest file you use must contain the label
attribute name (LabelAttributeName) of the labels that you want adjusted"). The labeling job's
output manifest also holds the objects it could not label: those lines carry only
``<attr>-metadata`` with ``failure-reason`` (sms-data-output). This step streams the output
manifest, copies every labeled line unchanged to ``runs/<run_id>/verification-input.manifest``
and returns counts and that URI only: the state stays small whatever the number of objects.
A line that is not a JSON object fails the step (ManifestError), as in UpdateFeatureStore.

With ``verification.on_reject: adjust`` the run may also have an adjustment job (steps.adjustment), whose
output lines carry the previous label under the labeling attribute and the adjusted one under the
adjustment job's attribute (sms-data-verify-manifest: the adjusted values, with ``adjustment-status``).
Its labeled lines join the verification input with the adjusted label moved to the labeling attribute,
metadata included: the one verification job verifies one attribute, and ``adjustment-status`` tells
UpdateFeatureStore the label's path. Either job may be absent (its manifest URI is None).

Labels an earlier run drew but never verified (``carried_manifest_uri``, written by the check step:
steps.carried_labels) join the verification input too; their lines are already in the verification
input's shape (the label under the labeling attribute) and are copied unchanged. The labeling job may
then be absent (every selected image carried).
"""
from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from steps import aws, layout
from steps.contract import FilterLabeledObjectsEvent, FilterLabeledObjectsResult
from steps.errors import ManifestError
from steps.log import StepSummary
from steps.manifests import encryption_args, read_manifest_lines

SPOOL_BYTES = 16 * 1024 * 1024  # kept lines stay in memory up to this size, then in /tmp


@dataclass
class FilterCounts:
    lines_read: int = 0
    kept: int = 0

    @property
    def left_out(self) -> int:
        return self.lines_read - self.kept


def is_labeled(line: dict[str, Any], label_attribute: str) -> bool:
    """True when the line carries the label and metadata without ``failure-reason``."""
    metadata = line.get(f"{label_attribute}-metadata")
    return label_attribute in line and isinstance(metadata, dict) and "failure-reason" not in metadata


def _json_objects(lines: Iterable[tuple[int, bytes]], job: str, counts: FilterCounts
                  ) -> Iterator[tuple[bytes, dict[str, Any]]]:
    """Each ``(number, raw line)`` of the ``job`` output manifest as (raw, parsed object), counted as read;
    a line that is not a JSON object raises ManifestError naming it."""
    for number, raw in lines:
        counts.lines_read += 1
        try:
            line = json.loads(raw)
        except ValueError as error:
            raise ManifestError(f"line {number} of the {job} output manifest is not JSON ({error})") from None
        if not isinstance(line, dict):
            raise ManifestError(f"line {number} of the {job} output manifest is a {type(line).__name__}, "
                                "not a JSON object")
        yield raw, line


def filter_lines(lines: Iterable[tuple[int, bytes]], label_attribute: str, out: IO[bytes]) -> FilterCounts:
    """Write each labeled ``(number, raw line)`` to ``out`` (newline-terminated, bytes unchanged)."""
    counts = FilterCounts()
    for raw, line in _json_objects(lines, "labeling", counts):
        if is_labeled(line, label_attribute):
            out.write(raw.rstrip(b"\r\n") + b"\n")
            counts.kept += 1
    return counts


def as_verified_line(line: dict[str, Any], label_attribute: str, adjustment_attribute: str) -> dict[str, Any]:
    """An adjustment output line with the adjusted label (and its metadata) under ``label_attribute``."""
    out = {key: value for key, value in line.items()
           if key not in (adjustment_attribute, f"{adjustment_attribute}-metadata")}
    out[label_attribute] = line[adjustment_attribute]
    out[f"{label_attribute}-metadata"] = line[f"{adjustment_attribute}-metadata"]
    return out


def filter_adjusted_lines(lines: Iterable[tuple[int, bytes]], label_attribute: str, adjustment_attribute: str,
                          out: IO[bytes]) -> FilterCounts:
    """Write each adjusted ``(number, raw line)`` to ``out``, its label moved to ``label_attribute``."""
    counts = FilterCounts()
    for _raw, line in _json_objects(lines, "adjustment", counts):
        if is_labeled(line, adjustment_attribute):
            verified = as_verified_line(line, label_attribute, adjustment_attribute)
            out.write(json.dumps(verified, ensure_ascii=False).encode() + b"\n")
            counts.kept += 1
    return counts


def filter_labeled_objects(event: FilterLabeledObjectsEvent, s3: Any, summary: StepSummary) -> FilterLabeledObjectsResult:
    """Stream the labeling output manifest into the verification input manifest; return the counts."""
    settings = event["settings"]
    bucket = settings["bucket"]
    key = layout.verification_input_key(settings["work_prefix"], event["run_id"])
    summary.add(run_id=event["run_id"], labeling_output_uri=event["manifest_uri"])
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as kept_lines:
        counts = FilterCounts()
        if event["manifest_uri"]:
            counts = filter_lines(read_manifest_lines(s3, event["manifest_uri"]), settings["label_attribute"],
                                  kept_lines)
        carried_uri = event.get("carried_manifest_uri")
        if carried_uri:
            carried = filter_lines(read_manifest_lines(s3, carried_uri), settings["label_attribute"], kept_lines)
            counts.lines_read += carried.lines_read
            counts.kept += carried.kept
            summary.add(carried_manifest_uri=carried_uri, carried_kept=carried.kept)
        adjusted_uri = event.get("adjustment_manifest_uri")
        if adjusted_uri:
            adjusted = filter_adjusted_lines(read_manifest_lines(s3, adjusted_uri), settings["label_attribute"],
                                             settings.get("adjustment_attribute") or "", kept_lines)
            counts.lines_read += adjusted.lines_read
            counts.kept += adjusted.kept
            summary.add(adjustment_output_uri=adjusted_uri, adjusted_kept=adjusted.kept)
        uri = None
        if counts.kept:
            kept_lines.seek(0)
            s3.put_object(Bucket=bucket, Key=key, Body=kept_lines, ContentType="application/jsonlines",
                          **encryption_args(settings.get("kms_key_arn")))
            uri = f"s3://{bucket}/{key}"
    result: FilterLabeledObjectsResult = {
        "lines_read": counts.lines_read, "kept": counts.kept, "left_out": counts.left_out, "manifest_uri": uri,
    }
    summary.add(**result)
    return result


def handler(event: FilterLabeledObjectsEvent, context: Any) -> FilterLabeledObjectsResult:
    """AWS Lambda entry point."""
    summary = StepSummary("FilterLabeledObjects", getattr(context, "aws_request_id", None))
    try:
        result = filter_labeled_objects(event, aws.client("s3"), summary)
    except Exception as error:
        summary.emit(error)
        raise
    summary.emit()
    return result
