"""Objects Ground Truth cannot label because of the object itself: recorded UNLABELABLE, not sent again.

A labeling job's output line for an object it could not label carries ``failure-reason`` in
``<label attribute>-metadata`` and no label. Some reasons are about the task (it expired before a
worker took it) and must be retried; some are about the object (zero bytes, not an image), and
sending it again pays for the same failure on every run. The second kind becomes an UNLABELABLE
record with the object's ETag (``image_etag``): the selection (steps.missing) treats it as done
while the object's ETag is unchanged, and as missing again once the object is replaced.

What AWS documents, and what it does not:

- Output lines keep every input key ("Any key-value pair in the input manifest file other than the
  label attribute is unchanged in the output file", Labeling job output data, sms-data-output), so
  the ``source-etag`` the input manifest carries comes back on the output line.
- ``LabelCounters`` separates ``FailedNonRetryableError`` ("objects that could not be labeled due to
  an error") from ``Unlabeled`` (API_LabelCounters), and unlabeled objects "individually fail"
  (sms-verification-data, "Filter Your Data Before Starting the Job").
- Documented limits that make an object unlabelable, without the failure-reason they produce: image
  tasks take .jpg, .jpeg and .png (sms-supported-data-formats); an input image file may be at most
  40 MB and its resolution is capped per task type ("Input Data Quotas", input-data-limits).
- UNDOCUMENTED, and not found anywhere: the ``failure-reason`` text real Ground Truth writes for an
  object it cannot read or decode (zero bytes, not an image, a corrupt or oversized image), and which
  ``LabelCounters`` counter a given output line was counted in. Searched (November 2026): the AWS
  documentation (sms-data-output, sms-supported-data-formats, input-data-limits, the Ground Truth
  troubleshooting knowledge-center article, API_LabelCounters), GitHub issues of
  aws/amazon-sagemaker-examples, and public code that reads ``failure-reason``. The only real wording
  found is for an expired task, "ClientError: Annotation tasks expired" (checked by AWS's own sample
  aws-samples/amazon-comprehend-semi-structured-documents-annotation-tools,
  src/utils/output_manifest_utils.py, ``is_an_expired_task``): a retry reason.

So the rule is deliberately narrow. Built in (``OBJECT_FAILURE_MARKERS``) is only the sandbox's own
wording "is not a supported image" (sandbox/ground_truth/workers.py: a zero-byte object, a non-image,
a corrupt header, a format image tasks do not take), which real Ground Truth is not known to write:
on real AWS, until its wording is known, no object is recorded UNLABELABLE and such images are sent
again each run (the behaviour before UNLABELABLE records existed). Every other reason (an expired
task, an object the job's role may not read or that no longer exists, a template that does not
render, anything unknown) is retried on the next run: a wrong "retry" costs one more task, a wrong
"unlabelable" would hide an image for good. Once a real failure-reason is seen (in the labeling
job's output manifest, ``<attr>-metadata.failure-reason``), add a fragment of it to
``labeling.unlabelable_reasons`` in config.yaml (passed to the update step as the settings key
``unlabelable_reasons``, matched case-insensitively): no code change. ``RETRY_MARKERS`` win over both.

Standard library and boto3 only: this module ships in the Lambda zip.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from steps import contract
from steps.errors import ManifestError
from steps.records import event_time
from steps.s3_images import bare_etag, split_s3_uri

# Lower-case fragments of a failure-reason that mean "this object can never be labeled".
OBJECT_FAILURE_MARKERS: tuple[str, ...] = (
    # The sandbox's wording (sandbox/ground_truth/workers.py); real Ground Truth's is undocumented and
    # not found (module docstring): add it with labeling.unlabelable_reasons once it is seen.
    "is not a supported image",
)
# Fragments that always mean "retry", whatever else the text says: the task, not the object, failed.
RETRY_MARKERS: tuple[str, ...] = (
    # An expired task. Real wording "ClientError: Annotation tasks expired" (AWS sample
    # aws-samples/amazon-comprehend-semi-structured-documents-annotation-tools,
    # src/utils/output_manifest_utils.py); also the sandbox's (sandbox/ground_truth/simulation.py).
    "expired",
    # The job's role may not read the object, or it is gone: fixable, not the object's fault (the
    # sandbox's wording, sandbox/ground_truth/workers.py; real wording undocumented).
    "access denied", "accessdenied", "could not be read", "does not exist",
)


def markers(extra: Any = None) -> tuple[str, ...]:
    """OBJECT_FAILURE_MARKERS plus ``extra`` (settings ``unlabelable_reasons``: fragments, any case); blanks dropped."""
    added = tuple(text.strip().lower() for text in (extra or ()) if isinstance(text, str) and text.strip())
    return tuple(dict.fromkeys(OBJECT_FAILURE_MARKERS + added))


def is_object_failure(reason: Any, object_markers: tuple[str, ...] = OBJECT_FAILURE_MARKERS) -> bool:
    """True when ``reason`` (a failure-reason) says the object itself cannot be labeled."""
    if not isinstance(reason, str):
        return False
    text = reason.lower()
    if any(marker in text for marker in RETRY_MARKERS):
        return False
    return any(marker in text for marker in object_markers)


def object_failure(line: dict[str, Any], label_attribute: str,
                   object_markers: tuple[str, ...] = OBJECT_FAILURE_MARKERS) -> str | None:
    """The failure-reason of a labeling output line whose object cannot be labeled, else None."""
    if label_attribute in line:
        return None
    metadata = line.get(f"{label_attribute}-metadata")
    if not isinstance(metadata, dict):
        return None
    reason = metadata.get("failure-reason")
    return reason if is_object_failure(reason, object_markers) else None


def head_etag(s3: Any) -> Callable[[str], str | None]:
    """ETag of an object by HeadObject, quotes stripped; None when it is gone or may not be read."""
    def etag(uri: str) -> str | None:
        bucket, key = split_s3_uri(uri)
        try:
            return bare_etag(s3.head_object(Bucket=bucket, Key=key).get("ETag")) or None
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound", "403", "AccessDenied"}:
                return None
            raise
    return etag


def unlabelable_record(line: dict[str, Any], label_attribute: str, labeling_job: str,
                       etag_of: Callable[[str], str | None],
                       object_markers: tuple[str, ...] = OBJECT_FAILURE_MARKERS) -> dict[str, str] | None:
    """The UNLABELABLE record (feature name -> value) for one labeling output line, or None.

    None when the line is labeled, failed for a reason that must be retried, or names an object
    whose ETag cannot be had (deleted since: nothing to remember). The ETag is the line's
    ``source-etag`` (written by the check step into the input manifest), else ``etag_of(uri)``
    (HeadObject, for manifests written before lines carried it). Raises ValueError on a line that
    is not Ground Truth's shape.
    """
    reason = object_failure(line, label_attribute, object_markers)
    if reason is None:
        return None
    source = line.get("source-ref")
    if not isinstance(source, str) or not source.startswith("s3://"):
        raise ValueError(f"source-ref must be an s3:// URI, got {source!r}")
    etag = bare_etag(line.get("source-etag")) if isinstance(line.get("source-etag"), str) else ""
    etag = etag or etag_of(source) or ""
    if not etag:
        return None
    metadata = line[f"{label_attribute}-metadata"]
    return {
        "image_uri": source,
        "event_time": event_time(metadata.get("creation-date")),
        "status": contract.STATUS_UNLABELABLE,
        "labeling_job": labeling_job,
        "image_etag": etag,
        "failure_reason": reason[:2000],
    }


def parse_labeling_line(number: int, raw: bytes, label_attribute: str, labeling_job: str,
                        etag_of: Callable[[str], str | None],
                        object_markers: tuple[str, ...] = OBJECT_FAILURE_MARKERS) -> dict[str, str] | None:
    """Decode one labeling output line into its UNLABELABLE record (or None); ManifestError naming the line."""
    try:
        line = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise ManifestError(f"labeling manifest line {number} is not valid JSON ({error}); expected one JSON object "
                            "per line") from None
    if not isinstance(line, dict):
        raise ManifestError(f"labeling manifest line {number} is a JSON {type(line).__name__}; expected an object")
    try:
        return unlabelable_record(line, label_attribute, labeling_job, etag_of, object_markers)
    except ValueError as error:
        raise ManifestError(f"labeling manifest line {number}: {error}") from None
