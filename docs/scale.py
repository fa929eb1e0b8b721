"""The README's "Scale" table: what the missing-label check costs at 1M, 100M and 1B images, computed.

``python docs/generate.py`` renders ``scale_section()`` between the README's ``scale`` markers; a drift
test holds the README to it. Nothing here is measured: the Lambda cells are the bench's
(``bench/run.py``, ``missing_labels_at_scale``) and stay placeholders until it has run.

Bytes scanned per run = images x (inventory bytes per image + offline-store bytes per image), where each
is the sum over the columns the query reads of an estimated compressed size (see ``COLUMNS``): Athena
bills the bytes it reads from S3, and Parquet lets it read only the columns a query names.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

# -- prices (USD), with where they come from --------------------------------------------------------------
# Athena's price is the one workflow/prices.json holds (read from the stored copy of the pricing page).
_PRICES = json.loads((Path(__file__).resolve().parents[1] / "workflow" / "prices.json").read_text(encoding="utf-8"))
ATHENA_USD_PER_TB = float(_PRICES["athena"]["usd_per_tb_scanned"])  # per TB scanned, rounded up to the MB
ATHENA_MINIMUM_BYTES = int(_PRICES["athena"]["minimum_mb_per_query"]) * 10**6  # billed at least per query
INVENTORY_USD_PER_MILLION_OBJECTS = 0.0025  # S3 Inventory, per million objects listed
PRICES_READ = str(_PRICES["retrieved"])
PRICE_SOURCES = (
    f"Athena: ${ATHENA_USD_PER_TB:.2f} per TB scanned, {ATHENA_MINIMUM_BYTES // 10**6} MB minimum per query "
    f"({_PRICES['athena']['source']}, via workflow/prices.json, read {PRICES_READ}); S3 Inventory: "
    f"${INVENTORY_USD_PER_MILLION_OBJECTS} per million objects listed (https://aws.amazon.com/s3/pricing/, "
    "\"Management & Insights\"; the stored copies of that page do not render its price cells, so this is AWS's "
    "long-standing list price, not re-read: check it). US East (N. Virginia); TB taken as 10^12 bytes "
    "(as 2^40 bytes the Athena cost is 9% lower)."
)
SIZES = (1_000_000, 100_000_000, 1_000_000_000)
REPORTS_PER_MONTH = 30  # a daily inventory
OFFLINE_ROWS_PER_IMAGE = 1.1  # every image has a record; rejections and relabels add about one in ten


@dataclass(frozen=True)
class Column:
    """One column the query reads, with its estimated compressed size per row (Parquet, Snappy)."""

    table: str  # inventory | offline store
    name: str
    bytes_per_row: float
    why: str


COLUMNS = (
    Column("inventory", "bucket", 0.01, "one value for the whole report: dictionary + run-length encoded"),
    Column("inventory", "key", 27.0, "~60-character keys, sorted, sharing long prefixes: about 45% after Snappy"),
    Column("inventory", "size", 6.0, "int64; similar image sizes leave the high bytes alike"),
    Column("inventory", "last_modified_date", 6.0, "timestamp (int64); dates cluster"),
    Column("inventory", "e_tag", 36.0, "32 hex digits of an MD5: random, Snappy cannot shrink them (+4-byte length)"),
    Column("offline store", "uri (record identifier)", 40.0, "~70-character s3:// URIs in write order: about 60%"),
    Column("offline store", "status", 0.5, "three values: dictionary encoded"),
    Column("offline store", "image_etag", 36.0, "as e_tag"),
    Column("offline store", "event_time", 8.0, "ISO-8601 string, one run's rows alike"),
    Column("offline store", "api_invocation_time, write_time", 12.0, "two timestamps, 6 bytes each"),
    Column("offline store", "is_deleted", 0.1, "boolean, nearly always false"),
)

# Lambda time and memory in inventory mode: measured by bench/run.py (missing_labels_at_scale, --quick,
# minimum of its repetitions, 2-core machine, 2026-11-30): reading the query's result (the cap's 1,000
# oldest missing images and the counts) and building the manifest. Flat in size: the result is.
MEASURED: dict[int, tuple[str, str]] = {
    1_000_000: ("0.010 s", "0.7 MiB"),
    100_000_000: ("0.009 s", "0.7 MiB"),
    1_000_000_000: ("0.009 s", "0.7 MiB"),
}

# The first limit each size meets, with the documented number (see LIMITS below for the sources).
FIRST_LIMIT = {
    1_000_000: "none in the check. Labeling is the bound: Ground Truth takes at most 100,000 objects per job "
               "(adjustable quota), so a full backlog needs at least 10 runs",
    100_000_000: "none in the check: the Lambda reads only the capped result, the state carries counts "
                 "(Step Functions' 256 KiB limit is far off) and the query stays under Athena's 262,144-byte "
                 "query string. The backlog needs 1,000 runs at 100,000 objects per job",
    1_000_000_000: "Athena's DML query timeout: 30 minutes by default (raised on request up to 240). The anti-join "
                   "scans ~0.2 TB and ranks ~1.1 billion offline-store rows; Athena does not document its "
                   "throughput, so whether one run fits in 30 minutes can only be measured on AWS",
}
LIMITS = (
    "Lambda: 15 minutes, 10,240 MB (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)",
    "Step Functions state input/output: 256 KiB (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html)",
    "Athena DML query timeout 30 minutes, adjustable up to 240; query string 262,144 bytes; at most 1 million "
    "partitions read per scan (https://docs.aws.amazon.com/athena/latest/ug/service-limits.html)",
    "Ground Truth: 100,000 objects per labeling job's input manifest (adjustable quota)",
)


def bytes_per_image(table: str) -> float:
    """Estimated compressed bytes Athena reads per image from one table."""
    rows = OFFLINE_ROWS_PER_IMAGE if table == "offline store" else 1.0
    return rows * sum(c.bytes_per_row for c in COLUMNS if c.table == table)


def scanned_bytes(images: int) -> float:
    """Bytes one run's query scans: the inventory's columns plus the offline store's."""
    return images * (bytes_per_image("inventory") + bytes_per_image("offline store"))


def athena_cost(images: int) -> float:
    """USD per run: bytes scanned at the per-TB price, with Athena's 10 MB minimum."""
    return max(scanned_bytes(images), ATHENA_MINIMUM_BYTES) / 1e12 * ATHENA_USD_PER_TB


def inventory_cost_per_month(images: int) -> float:
    """USD per month for a daily S3 Inventory listing ``images`` objects."""
    return images / 1e6 * INVENTORY_USD_PER_MILLION_OBJECTS * REPORTS_PER_MONTH


def _count(images: int) -> str:
    return {1_000_000: "1M", 100_000_000: "100M", 1_000_000_000: "1B"}.get(images, f"{images:,}")


def _bytes(value: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if value >= size:
            return f"{value / size:,.1f} {unit}"
    return f"{value:,.0f} B"


def _usd(value: float) -> str:
    return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def scale_section() -> str:
    """Markdown for the README's scale section: the formula, the column estimates and the table."""
    inventory, offline = bytes_per_image("inventory"), bytes_per_image("offline store")
    lines = [
        "Generated by `docs/scale.py` (regenerate with `python docs/generate.py`). In inventory mode "
        "(`storage.listing: inventory`) the set difference runs in Athena; the Lambda reads only the capped result.",
        "",
        "| images | Lambda time | Lambda peak memory | Athena bytes scanned per run | Athena cost per run | "
        "S3 Inventory per month (daily) | first limit met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for size in SIZES:
        seconds, memory = MEASURED[size]
        lines.append(f"| {_count(size)} | {seconds} | {memory} | {_bytes(scanned_bytes(size))} | "
                     f"{_usd(athena_cost(size))} | {_usd(inventory_cost_per_month(size))} | {FIRST_LIMIT[size]} |")
    lines += [
        "",
        "How the numbers are computed:",
        "",
        f"- bytes scanned = images * ({inventory:.1f} B inventory + {offline:.1f} B offline store) per image; "
        f"Athena cost = max(bytes scanned, 10 MB) / 10^12 * ${ATHENA_USD_PER_TB:.2f}; "
        f"S3 Inventory = images / 10^6 * ${INVENTORY_USD_PER_MILLION_OBJECTS} * {REPORTS_PER_MONTH} daily reports.",
        f"- The offline store holds about {OFFLINE_ROWS_PER_IMAGE} rows per image (a rejected label is written "
        "again when the image is relabeled); Athena reads every row to find each image's newest one.",
        "- Compressed bytes per row are estimates, not measurements: S3 Inventory and Feature Store write Parquet "
        "but document neither its compression nor its encodings. Random data (ETags) does not compress; "
        "sorted keys and repeated values do. Measure on AWS with `Statistics.DataScannedInBytes` of "
        "GetQueryExecution and replace these estimates if they differ.",
        "",
        "| table | column | bytes per row | why |",
        "| --- | --- | --- | --- |",
        *[f"| {c.table} | `{c.name}` | {c.bytes_per_row:g} | {c.why} |" for c in COLUMNS],
        "",
        f"Prices: {PRICE_SOURCES}",
        "",
        "Limits: " + "; ".join(LIMITS) + ".",
        "",
        "The offline store stays fast as it grows: a new feature group uses the Iceberg table format "
        "(`feature_store.table_format`), and two EventBridge Scheduler schedules run Athena "
        "`OPTIMIZE … REWRITE DATA USING BIN_PACK` (`feature_store.compaction_schedule`, daily at 03:00) and "
        "`VACUUM` (`feature_store.vacuum_schedule`, 05:00) on it, as the `<name>-compaction` role. Compaction is "
        "billed by the bytes it rewrites. An existing Glue-format group keeps working, uncompacted: the format is "
        "fixed at creation.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(scale_section(), end="")
