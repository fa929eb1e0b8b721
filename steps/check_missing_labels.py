"""Lambda step CheckMissingLabels: find raw images without an approved label, queue a run.

Event and result: ``steps.contract.CheckMissingLabelsEvent`` / ``CheckMissingLabelsResult``.
The result has constant size: the selected images go to the input manifest in S3.
Images that other executions are labeling (or whose approvals the offline store may not
show yet) are left out and counted as ``in_flight``: see ``steps.in_flight``.

An image is done (not missing) when its newest record is APPROVED, or UNLABELABLE at the
object's current ETag (contract 1, notes/SESSION3.md); its ETag goes into the input manifest
as ``source-etag`` (contract 5).

Labels an earlier run drew but never verified (steps.carried_labels) are not bought again: the
missing images that have one are selected first (they count toward the cap and are claimed like
the others), go to this run's verification job only (``carried``, ``carried_manifest_uri``) and
not to its labeling job (``manifest_uri``: the others, ``runs/<run_id>/labeling-input.manifest``
when both kinds are selected; None when every selected image is carried).

Two ways to get the image list (``settings.listing``, the state machine's check region):

- ``list``: one invocation lists the raw prefix and reads every done record (memory and time
  grow with the bucket: fine up to about a million images);
- ``inventory`` / ``auto``: phase ``prepare`` finds the newest S3 Inventory report and returns
  the one Athena query (``steps.inventory.missing_query``), with room for the images other runs
  hold; Step Functions runs it (athena:startQueryExecution.sync); phase ``select`` reads its
  small result, drops held images, writes the manifest and claims. In ``auto`` mode, before the
  first report exists, ``prepare`` does the whole list-mode check and says so (``listing: list``).
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Container, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from steps import adjustment, aws, carried_labels, in_flight, inventory, layout, naming
from steps.carried_labels import Carried
from steps.contract import CheckMissingLabelsEvent, CheckMissingLabelsResult, CheckMissingLabelsSettings
from steps.errors import FeatureGroupMissing
from steps.execution_input import allow_empty_feature_group, images_cap
from steps.labeled_images import current_labels, is_done, readable_table
from steps.log import StepSummary
from steps.manifests import write_input_manifest
from steps.missing import Selection, select_missing
from steps.s3_images import ImageObject, list_images

LISTING_LIST = "list"
LISTING_INVENTORY = "inventory"


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_result(
    selection: Selection, cap: int, run: str, bucket: str, work_prefix: str, manifest_uri: str | None,
    in_flight_count: int = 0, carried: carried_labels.Written | None = None,
) -> CheckMissingLabelsResult:
    """The step's result: counts, job names and S3 locations; never the image list."""
    labeling_job, verification_job = naming.job_names(run)
    return {
        "images_found": selection.images_found,
        "already_labeled": selection.already_labeled,
        "missing": selection.missing,
        "in_flight": in_flight_count,
        "selected": len(selection.selected),
        "backlog": selection.backlog,
        "max_images": cap,
        "run_id": run,
        "manifest_uri": manifest_uri,
        "labeling_job_name": labeling_job,
        "verification_job_name": verification_job,
        "labeling_output_uri": f"s3://{bucket}/{layout.labeling_output_prefix(work_prefix, run)}",
        "verification_output_uri": f"s3://{bucket}/{layout.verification_output_prefix(work_prefix, run)}",
        "carried": carried.count if carried else 0,
        "carried_manifest_uri": carried.manifest_uri if carried else None,
    }


def held_count(images: list[ImageObject], labeled: Collection[str], held: Collection[str]) -> int:
    """How many listed images lack an approved label and are held by another run."""
    return sum(1 for image in images if image.uri in held and image.uri not in labeled) if held else 0


def select_free(
    images: list[ImageObject], labeled: set[str], held: set[str], cap: int
) -> tuple[Selection, int]:
    """The missing images no other run holds (``cap`` oldest selected), and the count held."""
    if not held:
        return select_missing(images, labeled, cap), 0
    count = held_count(images, labeled, held)
    selection = select_missing(images, labeled | held, cap)
    return replace(selection, already_labeled=selection.already_labeled - count), count


def with_carried(images: list[ImageObject], labeled: set[str], held: set[str], carried: Collection[str], cap: int
                 ) -> tuple[Selection, int]:
    """``select_free``, the images with a carried label first (oldest first), then the oldest others."""
    selection, in_flight_count = select_free(images, labeled, held, cap)
    if not carried:
        return selection, in_flight_count
    first = sorted(image for image in images if image.uri in carried and image.uri not in held
                   and image.uri not in labeled)[:cap]
    rest = select_missing(images, labeled | held | set(carried), cap - len(first)).selected
    return replace(selection, selected=first + rest), in_flight_count


def find_carried(s3: Any, sagemaker: Any, stepfunctions: Any, settings: CheckMissingLabelsSettings, run: str,
                 execution_arn: str, wanted: Callable[[], Iterator[ImageObject]], summary: StepSummary
                 ) -> dict[str, Carried]:
    """The earlier, unverified labels of the ``wanted()`` images (missing, held by no other run), when this
    run carries any. ``wanted`` is called again rather than held: the URI -> ETag index of every missing image
    (a million in a first list-mode run) is built only when an earlier run left labels to carry."""
    if sagemaker is None or not carried_labels.applies(settings) or next(wanted(), None) is None:
        return {}
    sources = carried_labels.find_sources(s3, sagemaker, stepfunctions, settings, execution_arn)
    found = carried_labels.earlier_labels(s3, sources, {image.uri: image.etag for image in wanted()}, settings,
                                          run) if sources else {}
    summary.add(carry_sources=len(sources), carriable=len(found),  # of them, verification tasks that expired:
                carry_sources_unverified=sum(1 for source in sources
                                             if source.manifest_uri.endswith(layout.UNVERIFIED_LABELS_MANIFEST)))
    return found


def release_lost_claims(
    s3: Any, stepfunctions: Any, bucket: str, work_prefix: str, own_execution_arn: str, now: datetime,
    summary: StepSummary,
) -> None:
    """The feature group is missing: release the claims of runs that succeeded into it.

    Their approvals can never become visible (their records went to the lost group), so waiting
    for them would only hold their images back from the first run after a redeploy. Claims of
    running executions stay. Best effort: the run fails with FeatureGroupMissing either way.
    """
    try:
        found = in_flight.read_in_flight(s3, stepfunctions, bucket, work_prefix, own_execution_arn, set(), now,
                                         store_readable=False)
    except Exception as error:
        summary.note(f"claims of earlier runs not released: {error}")
        return
    summary.add(released_markers=found.released)


def _run(event: Any, summary: StepSummary) -> tuple[str, str, int, bool]:
    """(run id, execution ARN, cap, allow_empty_feature_group) of this execution."""
    settings = event["settings"]
    cap = images_cap(event.get("input"), settings["max_images_per_run"])
    allow_missing = allow_empty_feature_group(event.get("input"))
    execution = event["execution"]
    run = naming.run_id(settings["job_name_prefix"], execution["id"], execution["start_time"], execution["name"])
    summary.add(run_id=run, max_images=cap)
    return run, execution["id"], cap, allow_missing


class DoneUnlessMissing:
    """Inventory mode's answer to "is this image done?" for in-flight checks: every image the query did
    not return as missing, once the query returned every missing image (its result is complete)."""

    def __init__(self, missing: set[str]) -> None:
        self.missing = missing

    def __contains__(self, uri: object) -> bool:
        return uri not in self.missing


def claim_selection(
    s3: Any, stepfunctions: Any, settings: CheckMissingLabelsSettings, run: str, execution_arn: str,
    selection: Selection, held: in_flight.InFlight, labeled: set[str], candidates: list[ImageObject],
    clock: Callable[[], datetime], done: Container[str] | None = None,
) -> tuple[Selection, str | None, int]:
    """Write the manifest and the marker, then give up images an older racing claim holds.

    ``candidates``: the images the selection was made from (to count the ones a racing claim takes).
    Returns the selection as it stands, the manifest URI (None when nothing is left) and how many
    more images went to another run.
    """
    bucket, work_prefix, kms_key_arn = settings["bucket"], settings["work_prefix"], settings.get("kms_key_arn")
    key = layout.input_manifest_key(work_prefix, run)
    written = write_input_manifest(s3, bucket, key, selection.selected, kms_key_arn)
    manifest_uri: str | None = written
    marker = in_flight.claim(s3, bucket, work_prefix, run, execution_arn, written, kms_key_arn, clock())
    contested = in_flight.older_claims(
        s3, stepfunctions, bucket, work_prefix, marker, execution_arn, held.seen,
        labeled if done is None else done, clock()
    )
    held.runs += contested.runs
    held.released += contested.released
    held.notes += contested.notes
    moved = 0
    if contested.uris:
        moved = held_count(candidates, labeled | held.uris, contested.uris)
        kept = [image for image in selection.selected if image.uri not in contested.uris]
        selection = replace(selection, missing=selection.missing - moved, selected=kept)
        if kept:
            write_input_manifest(s3, bucket, key, kept, kms_key_arn)
        else:
            in_flight.release(s3, bucket, marker)
            s3.delete_object(Bucket=bucket, Key=key)
            manifest_uri = None
    return selection, manifest_uri, moved


def split_carried(s3: Any, settings: CheckMissingLabelsSettings, run: str, selection: Selection,
                  carried: Mapping[str, Carried]) -> tuple[str | None, carried_labels.Written]:
    """After the claim (input.manifest holds every selected image): the labeling job's input without the
    carried images, and the carried-labels manifest. Returns the labeling input's URI (None: nothing to label)."""
    bucket, work_prefix, kms = settings["bucket"], settings["work_prefix"], settings.get("kms_key_arn")
    uris = [image.uri for image in selection.selected]
    written = carried_labels.write_carried(s3, settings, run, uris, carried)
    if not written.count:
        return f"s3://{bucket}/{layout.input_manifest_key(work_prefix, run)}", written
    to_label = [image for image in selection.selected if image.uri not in carried]
    if not to_label:
        return None, written
    return write_input_manifest(s3, bucket, layout.labeling_input_key(work_prefix, run), to_label, kms), written


def _finish(
    s3: Any, stepfunctions: Any, settings: CheckMissingLabelsSettings, run: str, execution_arn: str, cap: int,
    selection: Selection, in_flight_count: int, held: in_flight.InFlight, labeled: set[str],
    candidates: list[ImageObject], summary: StepSummary, clock: Callable[[], datetime],
    done: Container[str] | None = None, carried: Mapping[str, Carried] | None = None,
) -> CheckMissingLabelsResult:
    manifest_uri = None
    written = None
    if selection.selected:
        selection, manifest_uri, moved = claim_selection(s3, stepfunctions, settings, run, execution_arn, selection,
                                                         held, labeled, candidates, clock, done)
        in_flight_count += moved
        if carried and manifest_uri:
            manifest_uri, written = split_carried(s3, settings, run, selection, carried)
    for message in held.notes:
        summary.note(message)
    summary.add(in_flight_runs=len(held.runs), released_markers=held.released)
    result = build_result(selection, cap, run, settings["bucket"], settings["work_prefix"], manifest_uri,
                          in_flight_count, written)
    result.update(adjustment.apply(s3, settings, run, manifest_uri))  # type: ignore[typeddict-item]  # on_reject adjust (H14b)
    summary.add(**{k: v for k, v in result.items() if k != "run_id"})
    return result


def check_missing_labels(
    event: CheckMissingLabelsEvent, s3: Any, sagemaker: Any, athena: Any, summary: StepSummary,
    stepfunctions: Any, clock: Callable[[], datetime] = utc_now,
) -> CheckMissingLabelsResult:
    """List mode: list images, subtract the done ones and those in flight, claim the rest, return the result."""
    settings: CheckMissingLabelsSettings = event["settings"]
    run, execution_arn, cap, allow_missing = _run(event, summary)
    summary.add(listing=LISTING_LIST)
    bucket, work_prefix = settings["bucket"], settings["work_prefix"]
    images = list(list_images(s3, bucket, settings["raw_prefix"], settings["image_extensions"]))
    held = in_flight.InFlight()
    if images:
        try:
            labels, note = current_labels(
                sagemaker, athena, s3, settings["feature_group_name"], settings["athena_workgroup"],
                settings["athena_output_uri"], settings.get("kms_key_arn"), allow_missing=allow_missing,
            )
        except FeatureGroupMissing:
            release_lost_claims(s3, stepfunctions, bucket, work_prefix, execution_arn, clock(), summary)
            raise
        labeled = {image.uri for image in images if is_done(labels.get(image.uri), image.etag)}
        del labels
        held = in_flight.read_in_flight(s3, stepfunctions, bucket, work_prefix, execution_arn, labeled, clock(),
                                        store_readable=note is None)
    else:
        labeled, note = set(), "no images under the raw prefix: the offline store was not queried"
    if note:
        summary.note(note)
    carried = find_carried(s3, sagemaker, stepfunctions, settings, run, execution_arn,
                           lambda: (image for image in images if image.uri not in labeled and image.uri not in held.uris),
                           summary)
    selection, in_flight_count = with_carried(images, labeled, held.uris, carried, cap)
    return _finish(s3, stepfunctions, settings, run, execution_arn, cap, selection, in_flight_count, held, labeled,
                   images, summary, clock, carried=carried)


def prepare(
    event: Any, s3: Any, sagemaker: Any, athena: Any, summary: StepSummary, stepfunctions: Any,
    clock: Callable[[], datetime] = utc_now,
) -> dict[str, Any]:
    """Phase ``prepare``: the Athena query over the newest inventory report, or (auto, no report) list mode.

    Returns ``{"check": None, "prepare": {"listing": "inventory", "query": sql, "max_images": cap,
    "held": n, "report": dt}}``, or ``{"check": <the list-mode result>, "prepare": None}``.
    """
    settings = event["settings"]
    bucket, work_prefix = settings["bucket"], settings["work_prefix"]
    hive = layout.inventory_hive_prefix(work_prefix, bucket, settings["inventory_config_id"])
    report = inventory.newest_report(s3, bucket, hive)
    if report is None:
        if settings.get("listing") == LISTING_INVENTORY:
            raise inventory.InventoryMissing(
                f"no S3 Inventory report under s3://{bucket}/{hive} yet (the first can take up to 48 hours); "
                "set storage.listing to auto or list until it arrives")
        summary.note(f"no S3 Inventory report under s3://{bucket}/{hive} yet: listing the raw prefix")
        return {"check": dict(check_missing_labels(event, s3, sagemaker, athena, summary, stepfunctions, clock)),
                "prepare": None}
    _, execution_arn, cap, allow_missing = _run(event, summary)
    try:
        table, note = readable_table(sagemaker, settings["feature_group_name"], allow_missing)
    except FeatureGroupMissing:
        release_lost_claims(s3, stepfunctions, bucket, work_prefix, execution_arn, clock(), summary)
        raise
    if note:
        summary.note(note)
    # Room for the images other runs hold: they are among the oldest missing ones, and dropped after the query.
    held = in_flight.read_in_flight(s3, stepfunctions, bucket, work_prefix, execution_arn, set(), clock(),
                                    store_readable=note is None)
    source = inventory.InventoryTable(settings["inventory_database"], settings["inventory_table"], report)
    query = inventory.missing_query(source, table, bucket, settings["raw_prefix"], settings["image_extensions"],
                                    cap + len(held.uris))
    summary.add(listing=LISTING_INVENTORY, report=report, held=len(held.uris))
    return {"check": None, "prepare": {"listing": LISTING_INVENTORY, "query": query, "max_images": cap,
                                       "held": len(held.uris), "report": report}}


def select(
    event: Any, s3: Any, summary: StepSummary, stepfunctions: Any, clock: Callable[[], datetime] = utc_now,
    sagemaker: Any = None,
) -> CheckMissingLabelsResult:
    """Phase ``select``: read the query's result, drop the images other runs hold, write the manifest, claim.

    Time and memory follow the result's size (cap + held), not the bucket's.
    """
    settings: CheckMissingLabelsSettings = event["settings"]
    prepared = event["prepared"]
    execution = event["execution"]
    run = naming.run_id(settings["job_name_prefix"], execution["id"], execution["start_time"], execution["name"])
    cap = int(prepared["max_images"])
    summary.add(run_id=run, max_images=cap, listing=LISTING_INVENTORY, report=prepared.get("report"))
    page = inventory.read_missing(s3, event["result_uri"], settings["bucket"])
    # A run that succeeded minutes ago holds its images until its approvals are visible. Which of them are
    # done is known when the query returned every missing image; otherwise they stay held (until the lag passes).
    complete = page.missing_total <= len(page.images)
    done: Container[str] = DoneUnlessMissing({image.uri for image in page.images}) if complete else set()
    held = in_flight.read_in_flight(s3, stepfunctions, settings["bucket"], settings["work_prefix"], execution["id"],
                                    done, clock())
    free = [image for image in page.images if image.uri not in held.uris]
    in_flight_count = len(page.images) - len(free)
    # Earlier, unverified labels of the images the query returned (a carried image beyond them waits
    # until a later run's query returns it).
    carried = find_carried(s3, sagemaker, stepfunctions, settings, run, execution["id"], lambda: iter(free), summary)
    first = [image for image in free if image.uri in carried][:cap]
    selected = first + [image for image in free if image.uri not in carried][:cap - len(first)]
    selection = Selection(images_found=page.images_found, already_labeled=page.images_found - page.missing_total,
                          missing=page.missing_total - in_flight_count, selected=selected)
    return _finish(s3, stepfunctions, settings, run, execution["id"], cap, selection, in_flight_count, held, set(),
                   page.images, summary, clock, done, carried)


def handler(event: Any, context: Any) -> Any:
    """AWS Lambda entry point."""
    summary = StepSummary("CheckMissingLabels", getattr(context, "aws_request_id", None))
    phase = event.get("phase")
    try:
        result: Any
        if phase == "prepare":
            result = prepare(event, aws.client("s3"), aws.client("sagemaker"), aws.client("athena"), summary,
                             aws.client("stepfunctions"))
        elif phase == "select":
            result = select(event, aws.client("s3"), summary, aws.client("stepfunctions"),
                            sagemaker=aws.client("sagemaker"))
        else:
            result = check_missing_labels(
                event, aws.client("s3"), aws.client("sagemaker"), aws.client("athena"), summary,
                aws.client("stepfunctions"))
    except Exception as error:
        summary.emit(error)
        raise
    summary.emit()
    return result
