"""Export the feature group's labels for training: ``runs.py export`` and the notebook call this.

    result = export_labels(cfg, clients, "coco", "exports/coco", as_of="2026-11-29T18:00:00Z")
    print("\\n".join(result.summary_lines()))

Steps: check the arguments (format of this task type, as-of, output location: all before any
AWS call but the output's emptiness), read the newest record per image as of the as-of through
Athena (``operate.export_query``), hand them to the task type's format
(``operate.export_registry``), then write ``export.json`` last: the format, the as-of to
reproduce the export, the counts and the files. Every user-fixable problem is an
``ExportError`` / ``UsageError``: one line (``cli.run``), exit 1 or 2.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from cli import CommandError, UsageError
from operate import export_registry
from operate.export_bbox import RecordError
from operate.export_output import LocalOutput, Progress, S3Output, parse_out
from operate.export_query import EXPORTABLE, athena_time, read_records
from operate.export_registry import ExportContext, ExportCounts
from steps import contract
from steps.errors import AthenaQueryFailed
from steps.labeled_images import offline_table
from steps.s3_images import split_s3_uri
from workflow.resources import athena_output_uri

SUMMARY_FILE = "export.json"


class ExportError(CommandError):
    """The export cannot be made (nothing to export, a malformed record, Athena failed): exit 1."""


def iso_utc(moment: datetime) -> str:
    """``2026-11-29T15:05:45.123Z``: UTC, millisecond precision (the offline store's)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_as_of(text: str) -> datetime:
    """``--as-of``: an ISO 8601 date or time (no zone: UTC; a date alone: its 00:00 UTC)."""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value)
    except ValueError:
        raise UsageError(f"--as-of {text!r} is not a date or time; give ISO 8601 such as 2026-11-29 or "
                         "2026-11-29T18:00:00Z (no zone: UTC)") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_not_future(moment: datetime, now: datetime, newest_written: datetime | None) -> None:
    """UsageError when the as-of lies after both the clock and the newest record written.

    Records could still be written before such a time, so the export would not be reproducible.
    The newest write counts too because the offline sandbox's clock runs ahead of real time.
    """
    if moment > now and (newest_written is None or moment > newest_written):
        raise UsageError(f"--as-of {iso_utc(moment)} is in the future (now {iso_utc(now)}); an export can only "
                         "show labels already written: give a past time, or leave --as-of out for the newest labels")


def _from_athena(athena_text: str | None) -> datetime | None:
    """Athena's ``2026-11-29 15:05:45.123`` (UTC) as a datetime; None for None or ''."""
    if not athena_text:
        return None
    return datetime.fromisoformat(athena_text.strip().replace(" ", "T")).replace(tzinfo=UTC)


@dataclass(frozen=True)
class ExportResult:
    format: str
    task_type: str
    feature_group: str
    output: str
    as_of: str  # the as-of that reproduces this export (--as-of, or the newest write_time read)
    as_of_given: bool
    include_rejected: bool
    counts: ExportCounts
    seconds: float

    def summary_lines(self) -> list[str]:
        c = self.counts
        verdicts = f"{c.approved:,} approved" + (f", {c.rejected:,} rejected" if self.include_rejected else "")
        per_category = ", ".join(f"{name} {count:,}" for name, count in c.per_category.items()) or "none"
        shown = ", ".join(c.files[:3]) + (f", ... ({len(c.files):,} files)" if len(c.files) > 3 else "")
        source = "--as-of" if self.as_of_given else "the newest record written"
        return [
            f"exported   {c.images:,} images ({verdicts}) as {self.format} to {self.output}",
            f"boxes      {c.boxes:,} ({per_category}); {c.empty_images:,} images with no box",
            f"as of      {self.as_of} ({source}; the same --as-of gives the same export)",
            f"files      {shown}, {SUMMARY_FILE}",
            f"time       {self.seconds:.1f} s",
        ]

    def document(self) -> dict[str, Any]:
        """``export.json``: what was exported, how to reproduce it, and every file."""
        return {
            "format": self.format, "task_type": self.task_type, "feature_group": self.feature_group,
            "as_of": self.as_of, "include_rejected": self.include_rejected,
            "counts": {k: v for k, v in asdict(self.counts).items() if k != "files"},
            "files": self.counts.files,
        }


def _format(task_type: str, name: str) -> export_registry.ExportFormat:
    fmt = export_registry.lookup(task_type, name)
    if fmt is None:
        available = export_registry.formats_for(task_type)
        if available:
            raise UsageError(f"--format {name!r} is not available for task type {task_type}; use one of: "
                             f"{', '.join(available)}")
        raise UsageError(f"labels of task type {task_type} cannot be exported yet: no format is registered for it "
                         "(operate.export_registry)")
    return fmt


def export_labels(
    cfg: Any,
    clients: Any,
    format_name: str,
    out: str,
    *,
    as_of: str | datetime | None = None,
    include_rejected: bool = False,
    progress: bool = False,
    progress_stream: TextIO | None = None,
    now: datetime | None = None,
    clock: Callable[[], float] = time.perf_counter,
    reader: Callable[..., Any] = read_records,
) -> ExportResult:
    """Export the newest approved (and with ``include_rejected`` rejected) record of every image.

    ``clients``: anything with ``client(service)`` (``publish.aws.AwsClients``). ``as_of``: an ISO 8601
    string or a datetime; None reads every record written so far and reports the newest write time
    as the as-of. ``progress``: draw the progress bar on ``progress_stream`` (default stderr).
    """
    started = clock()
    task_type = getattr(cfg.labels, "task_type", export_registry.DEFAULT_TASK_TYPE)
    fmt = _format(task_type, format_name)
    moment = parse_as_of(as_of if isinstance(as_of, str) else as_of.isoformat()) if as_of is not None else None
    s3 = clients.client("s3")
    output = parse_out(out, s3)
    if isinstance(output, S3Output) and output.bucket == cfg.storage.bucket and cfg.storage.kms_key_arn:
        output = S3Output(s3, output.bucket, output.prefix, cfg.storage.kms_key_arn)
    output.check_empty()

    group = cfg.feature_store.feature_group_name
    table, why = offline_table(clients.client("sagemaker"), group)
    if table is None:
        raise ExportError(f"{why}, so there are no labels to export; deploy the pipeline (python deploy.py) and run it")
    statuses = EXPORTABLE if include_rejected else (contract.STATUS_APPROVED,)
    as_of_text = iso_utc(moment) if moment else None
    try:
        result = reader(clients.client("athena"), s3, table, fmt.columns, statuses,
                        athena_time(as_of_text) if as_of_text else None, cfg.feature_store.athena_workgroup,
                        athena_output_uri(cfg), cfg.storage.kms_key_arn)
    except AthenaQueryFailed as error:
        raise ExportError(f"reading the offline store failed: {error}") from None
    current = now or datetime.now(UTC)
    if moment is not None:
        check_not_future(moment, current, _from_athena(result.newest))
    which = "approved or rejected" if include_rejected else "approved"
    if not result.records:
        when = f"as of {as_of_text}" if as_of_text else "yet"
        raise ExportError(f"feature group {group} has no {which} records {when}; nothing exported "
                          "(run the pipeline first, or give a later --as-of)")
    newest_read = _from_athena(result.snapshot)
    if newest_read is not None and newest_read.microsecond % 1000:  # an Iceberg table's microseconds: round
        newest_read += timedelta(microseconds=1000 - newest_read.microsecond % 1000)  # up, so --as-of includes it
    snapshot = as_of_text or iso_utc(newest_read or current)
    ctx = ExportContext(task_type=task_type, label_attribute=cfg.labeling.label_attribute,
                        categories=tuple(cfg.labels.categories), as_of=snapshot, feature_group=group,
                        read_object=lambda uri: s3.get_object(**dict(zip(("Bucket", "Key"), split_s3_uri(uri),
                                                                          strict=True)))["Body"].read())
    bar = Progress(len(result.records), enabled=progress, stream=progress_stream)
    try:
        counts = fmt.write(result.records, output, ctx, bar)
    except RecordError as error:
        raise ExportError(f"{error}; nothing of this export is complete (no {SUMMARY_FILE} written)") from None
    finally:
        bar.close()
    exported = ExportResult(format=fmt.name, task_type=task_type, feature_group=group, output=output.describe(),
                            as_of=snapshot, as_of_given=as_of_text is not None, include_rejected=include_rejected,
                            counts=counts, seconds=0.0)
    with output.open(SUMMARY_FILE) as stream:  # last: an output without it is an unfinished export
        stream.write((json.dumps(exported.document(), indent=2) + "\n").encode("utf-8"))
    return ExportResult(**{**exported.__dict__, "seconds": clock() - started})


__all__ = ["ExportError", "ExportResult", "LocalOutput", "S3Output", "export_labels", "parse_as_of"]
