"""The adjust path (``verification.on_reject: adjust``): rejected images go to an adjustment job.

An image whose newest record is REJECTED still has the label the verifier rejected in that
record: bounding boxes (``annotations``, ``class_map``, the image size) or, for semantic
segmentation (``settings.task_type``), the mask (``mask_uri``, the PNG the labeling or adjustment
job wrote, and ``color_map``, its ``internal-color-map``). With ``on_reject: adjust`` the check step
sends such images to a built-in adjustment job with that label, and only the others (never
labeled, or with no readable previous label) to the labeling job:

- ``rejected_labels`` reads the previous label of the wanted images from the offline store
  (newest row per image, as ``steps.labeled_images`` orders them; ``is_deleted`` false);
- ``split_input`` reads the run's input manifest (every image the run claimed: ``steps.in_flight``
  keeps pointing to it), writes ``labeling-input.manifest`` (new images) and
  ``adjustment-input.manifest`` (rejected images), and says which went where.

An adjustment job's input line must carry the label being adjusted under its label attribute,
with ``<attribute>-metadata`` (sms-data-verify-adjust-prereq: "The input manifest file you use
must contain the label attribute name (LabelAttributeName) of the labels that you want
adjusted"), in the labeling job's output format (sms-data-output: for bounding boxes the boxes and
``class-map``; for semantic segmentation the mask's S3 URI with ``internal-color-map``, which the
adjustment template turns into the crowd-semantic-segmentation's ``initial-value``). Other keys of
the input line (``source-etag``) are kept. Standard library and boto3 only: this ships in the
Lambda zip.
"""
from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from steps import contract, layout, naming
from steps.errors import ManifestError
from steps.labeled_images import OfflineTable, PollPolicy, offline_table, read_result_rows, run_query
from steps.manifests import encryption_args, read_manifest_lines
from steps.task_types import SEMANTIC_SEGMENTATION

ON_REJECT_ADJUST = "adjust"
OBJECT_DETECTION_TYPE = "groundtruth/object-detection"
SEGMENTATION_TYPE = "groundtruth/semantic-segmentation"
LABELING_JOB_PREFIX = "labeling-job/"  # the metadata's job-name form (sms-data-output)
PREVIOUS_LABEL_COLUMNS = (
    contract.RECORD_IDENTIFIER, "annotations", "class_map", "width", "height", "depth", "labeling_job",
    contract.EVENT_TIME,
)
# semantic_segmentation: the mask and its colours (steps.label_records.segmentation wrote them).
PREVIOUS_MASK_COLUMNS = (
    contract.RECORD_IDENTIFIER, "mask_uri", "color_map", "labeling_job", contract.EVENT_TIME,
)
SPOOL_BYTES = 16 * 1024 * 1024
DEFAULT_POLL = PollPolicy()


@dataclass(frozen=True)
class PreviousLabel:
    """The rejected label of one image, as its newest record holds it."""

    annotations: list[dict[str, Any]]
    class_map: dict[str, str]
    width: int
    height: int
    depth: int
    job: str
    event_time: str


@dataclass(frozen=True)
class PreviousMask:
    """The rejected mask of one image (semantic segmentation), as its newest record holds it."""

    mask_uri: str
    color_map: dict[str, dict[str, Any]]
    job: str
    event_time: str


Previous = PreviousLabel | PreviousMask


@dataclass(frozen=True)
class Split:
    """Where the run's images went: the two job inputs (None when empty) and their counts."""

    labeling_manifest_uri: str | None
    adjustment_manifest_uri: str | None
    labeling: int
    adjustment: int


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def rejected_labels_query(table: OfflineTable, wanted_columns: tuple[str, ...] = PREVIOUS_LABEL_COLUMNS) -> str:
    """SQL: the previous label of every image whose newest offline-store row is REJECTED and not deleted."""
    uri = _quote(contract.RECORD_IDENTIFIER)
    columns = ", ".join(_quote(name) for name in wanted_columns)
    return (
        f"SELECT {columns} FROM ("
        f"SELECT {columns}, \"status\", \"is_deleted\", row_number() OVER ("
        f"PARTITION BY {uri} ORDER BY {_quote(contract.EVENT_TIME)} DESC, "
        f"\"api_invocation_time\" DESC, \"write_time\" DESC) AS \"row_rank\" "
        f"FROM {_quote(table.database)}.{_quote(table.table)}"
        f") AS \"newest\" WHERE \"row_rank\" = 1 AND \"is_deleted\" = false "
        f"AND \"status\" = '{contract.STATUS_REJECTED}'"
    )


def previous_label(row: dict[str, str]) -> PreviousLabel | None:
    """The label of one result row, or None when the record does not hold a usable bounding-box label."""
    try:
        annotations = json.loads(row["annotations"])
        class_map = json.loads(row["class_map"]) if row.get("class_map") else {}
        width, height, depth = (int(row[name]) for name in ("width", "height", "depth"))
    except (KeyError, ValueError, TypeError):
        return None
    if not isinstance(annotations, list) or not all(isinstance(box, dict) for box in annotations):
        return None
    if not isinstance(class_map, dict) or min(width, height, depth) < 1:
        return None
    return PreviousLabel(annotations, {str(k): str(v) for k, v in class_map.items()}, width, height, depth,
                         job=row.get("labeling_job") or "", event_time=row.get(contract.EVENT_TIME) or "")


def previous_mask(row: dict[str, str]) -> PreviousMask | None:
    """The mask of one result row, or None when the record does not hold a usable semantic segmentation label."""
    mask_uri = row.get("mask_uri") or ""
    try:
        color_map = json.loads(row.get("color_map") or "")
    except ValueError:
        return None
    if not mask_uri.startswith("s3://") or not isinstance(color_map, dict) or not color_map:
        return None
    if not all(isinstance(entry, dict) and entry.get("hex-color") for entry in color_map.values()):
        return None
    return PreviousMask(mask_uri, {str(key): dict(entry) for key, entry in color_map.items()},
                        job=row.get("labeling_job") or "", event_time=row.get(contract.EVENT_TIME) or "")


def _reader(task_type: str | None) -> tuple[tuple[str, ...], Callable[[dict[str, str]], Previous | None]]:
    """The columns to read and the row parser for labels.task_type (bounding_box when unset)."""
    if task_type == SEMANTIC_SEGMENTATION:
        return PREVIOUS_MASK_COLUMNS, previous_mask
    return PREVIOUS_LABEL_COLUMNS, previous_label


def read_rows(s3: Any, result_uri: str, columns: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """Stream the rows of an Athena result CSV as dicts of ``columns`` (a NULL reads as "")."""
    for row in read_result_rows(s3, result_uri, columns):
        yield dict(zip(columns, row, strict=True))


def rejected_labels(
    sagemaker: Any, athena: Any, s3: Any, settings: contract.CheckMissingLabelsSettings, wanted: set[str],
    poll: PollPolicy = DEFAULT_POLL,
) -> dict[str, Previous]:
    """Image URI -> previous label (boxes, or a mask for semantic segmentation), for the ``wanted`` images
    whose newest record is REJECTED.

    Memory is bounded by ``wanted`` (at most one run's images), not by the store.
    """
    if not wanted:
        return {}
    table, _ = offline_table(sagemaker, settings["feature_group_name"])
    if table is None:  # no group (allow_empty_feature_group): nothing was ever rejected
        return {}
    columns, parse = _reader(settings.get("task_type"))
    result_uri = run_query(athena, rejected_labels_query(table, columns), settings["athena_workgroup"],
                           settings["athena_output_uri"], settings.get("kms_key_arn"), poll)
    found: dict[str, Previous] = {}
    for row in read_rows(s3, result_uri, columns):
        uri = row[contract.RECORD_IDENTIFIER]
        if uri in wanted:
            label = parse(row)
            if label is not None:
                found[uri] = label
    return found


def creation_date(event_time: str) -> str:
    """A record's event_time (``...Z``) as Ground Truth's naive UTC ``creation-date``."""
    try:
        parsed = datetime.fromisoformat(event_time.replace("Z", "+00:00"))
    except ValueError:
        parsed = datetime.now(UTC)
    return parsed.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def adjustment_line(line: dict[str, Any], label: Previous, label_attribute: str) -> dict[str, Any]:
    """``line`` with the previous label under ``label_attribute`` and its ``-metadata`` (sms-data-output)."""
    out = dict(line)
    common = {"human-annotated": "yes", "creation-date": creation_date(label.event_time),
              "job-name": LABELING_JOB_PREFIX + label.job}
    if isinstance(label, PreviousMask):  # semantic segmentation: the mask's S3 URI (the attribute ends with -ref)
        out[label_attribute] = label.mask_uri
        out[f"{label_attribute}-metadata"] = {"internal-color-map": label.color_map, "type": SEGMENTATION_TYPE,
                                              **common}
        return out
    out[label_attribute] = {
        "image_size": [{"width": label.width, "height": label.height, "depth": label.depth}],
        "annotations": label.annotations,
    }
    out[f"{label_attribute}-metadata"] = {"class-map": label.class_map, "type": OBJECT_DETECTION_TYPE, **common}
    return out


def _put(s3: Any, bucket: str, key: str, body: IO[bytes], kms_key_arn: str | None) -> str:
    body.seek(0)
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/jsonlines", **encryption_args(kms_key_arn))
    return f"s3://{bucket}/{key}"


def split_input(
    s3: Any, settings: contract.CheckMissingLabelsSettings, run: str, input_manifest_uri: str,
    previous: dict[str, Previous],
) -> Split:
    """Write the run's labeling and adjustment inputs from its input manifest; ``previous`` decides."""
    bucket, work_prefix, kms = settings["bucket"], settings["work_prefix"], settings.get("kms_key_arn")
    attribute = settings.get("label_attribute") or ""
    counts = {"labeling": 0, "adjustment": 0}
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as labeling, tempfile.SpooledTemporaryFile(SPOOL_BYTES) as adjusting:
        for number, raw in read_manifest_lines(s3, input_manifest_uri):
            try:
                line = json.loads(raw)
            except ValueError:
                line = None
            if not isinstance(line, dict) or not isinstance(line.get("source-ref"), str):
                raise ManifestError(f"{input_manifest_uri} line {number}: expected {{\"source-ref\": \"s3://...\"}}")
            label = previous.get(line["source-ref"])
            if label is None:
                labeling.write(json.dumps(line).encode("ascii") + b"\n")
                counts["labeling"] += 1
            else:
                adjusting.write(json.dumps(adjustment_line(line, label, attribute)).encode("ascii") + b"\n")
                counts["adjustment"] += 1
        labeling_uri = (_put(s3, bucket, layout.labeling_input_key(work_prefix, run), labeling, kms)
                        if counts["labeling"] else None)
        adjustment_uri = (_put(s3, bucket, layout.adjustment_input_key(work_prefix, run), adjusting, kms)
                          if counts["adjustment"] else None)
    return Split(labeling_uri, adjustment_uri, counts["labeling"], counts["adjustment"])


def selected_uris(s3: Any, manifest_uri: str) -> set[str]:
    """The ``source-ref`` of every line of the run's input manifest (at most one run's images)."""
    uris = set()
    for number, raw in read_manifest_lines(s3, manifest_uri):
        try:
            ref = json.loads(raw).get("source-ref")
        except (ValueError, AttributeError):
            ref = None
        if not isinstance(ref, str):
            raise ManifestError(f"{manifest_uri} line {number}: expected {{\"source-ref\": \"s3://...\"}}")
        uris.add(ref)
    return uris


def route(
    s3: Any, sagemaker: Any, athena: Any, settings: contract.CheckMissingLabelsSettings, run: str,
    input_manifest_uri: str | None, poll: PollPolicy = DEFAULT_POLL,
) -> Split:
    """Split the run's images between the labeling and the adjustment job (``on_reject: adjust``).

    Without the setting, or with nothing selected, everything stays with the labeling job.
    """
    if settings.get("on_reject") != ON_REJECT_ADJUST or not input_manifest_uri:
        return Split(input_manifest_uri, None, 0, 0)
    selected = selected_uris(s3, input_manifest_uri)
    previous = rejected_labels(sagemaker, athena, s3, settings, selected, poll)
    if not previous:
        return Split(input_manifest_uri, None, len(selected), 0)
    return split_input(s3, settings, run, input_manifest_uri, previous)


def apply(s3: Any, settings: contract.CheckMissingLabelsSettings, run: str, manifest_uri: str | None,
          clients: tuple[Any, Any] | None = None) -> dict[str, Any]:
    """The check step's hook: the result fields of the split (``contract.CheckMissingLabelsResult``); with
    on_reject relabel they say that nothing went to adjustment.

    ``clients``: (sagemaker, athena); the Lambda's own by default.
    """
    if settings.get("on_reject") != ON_REJECT_ADJUST:
        return result_fields(run, Split(manifest_uri, None, 0, 0))
    if clients is None:
        from steps import aws

        clients = (aws.client("sagemaker"), aws.client("athena"))
    return result_fields(run, route(s3, clients[0], clients[1], settings, run, manifest_uri))


def result_fields(run: str, split: Split) -> dict[str, Any]:
    """The check result's adjustment fields (``contract.CheckMissingLabelsResult``)."""
    return {
        "manifest_uri": split.labeling_manifest_uri,
        "adjustment_selected": split.adjustment,
        "adjustment_manifest_uri": split.adjustment_manifest_uri,
        "adjustment_job_name": naming.adjustment_job_name(run),
    }
