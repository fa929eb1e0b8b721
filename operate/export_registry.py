"""Export formats, one registry per task type: what ``runs.py export --format`` can write.

A format is an ``ExportFormat``: the feature columns it needs from the offline store and a
``write`` that turns the newest record of each image into files. Each task type
(``labels.task_type``: bounding_box, semantic_segmentation, ...) registers its own formats
with ``register``; a task type with none registered cannot be exported yet, and the error
says which formats exist for which task type. The bounding-box formats (coco, yolo,
manifest) live in ``operate.export_bbox`` and register themselves when it is imported.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import IO, Protocol

DEFAULT_TASK_TYPE = "bounding_box"


@dataclass(frozen=True)
class ExportRecord:
    """The newest offline-store row of one image, as Athena returned it (every value a string)."""

    image_uri: str
    status: str  # APPROVED | REJECTED (UNLABELABLE rows are never selected)
    values: dict[str, str]  # the format's columns, by feature name ('' for NULL)


@dataclass(frozen=True)
class ExportContext:
    """What every format may use besides the records."""

    task_type: str
    label_attribute: str  # the labeling job's LabelAttributeName (the manifest format's key)
    categories: tuple[str, ...]  # labels.categories: the class order an export starts from
    as_of: str  # ISO 8601 UTC: the snapshot the records were read at (the reproducible --as-of)
    feature_group: str
    read_object: Callable[[str], bytes] | None = None  # s3:// URI -> bytes (semantic segmentation reads masks)


@dataclass
class ExportCounts:
    """What a format wrote: the summary's numbers."""

    images: int = 0
    approved: int = 0
    rejected: int = 0
    boxes: int = 0
    empty_images: int = 0  # images with no object (a valid label: nothing to mark)
    per_category: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # names relative to the output, in write order


class Output(Protocol):
    """Where an export's files go (``operate.export_output``): each file appears whole or not at all."""

    def open(self, name: str) -> AbstractContextManager[IO[bytes]]: ...


Tick = Callable[[int], None]  # the progress bar: call with the number of records just done


class ExportFormat(Protocol):
    """One output format of one task type."""

    @property
    def name(self) -> str: ...

    @property
    def task_type(self) -> str: ...

    @property
    def columns(self) -> Sequence[str]:
        """Feature names the format reads, besides image_uri and status."""
        ...

    def write(self, records: Sequence[ExportRecord], output: Output, ctx: ExportContext, tick: Tick) -> ExportCounts: ...


_REGISTRY: dict[tuple[str, str], ExportFormat] = {}


def register(fmt: ExportFormat) -> ExportFormat:
    """Add a format; a second format with the same task type and name is a programming error."""
    key = (fmt.task_type, fmt.name)
    if key in _REGISTRY and _REGISTRY[key] is not fmt:
        raise ValueError(f"export format {fmt.name!r} is already registered for task type {fmt.task_type!r}")
    _REGISTRY[key] = fmt
    return fmt


def _load_builtin() -> None:
    # Importing registers them: coco, yolo, manifest for bounding_box; coco for semantic_segmentation and
    # classes for image_classification and multilabel_image_classification.
    import operate.export_bbox
    import operate.export_task_types  # noqa: F401


def format_names() -> list[str]:
    """Every format name of every task type (the ``--format`` choices)."""
    _load_builtin()
    return sorted({name for _, name in _REGISTRY})


def formats_for(task_type: str) -> list[str]:
    _load_builtin()
    return sorted(name for kind, name in _REGISTRY if kind == task_type)


def lookup(task_type: str, name: str) -> ExportFormat | None:
    """The format, or None when this task type has no format of that name."""
    _load_builtin()
    return _REGISTRY.get((task_type, name))


def registered() -> Iterator[tuple[str, str]]:
    """(task type, format name) of every registered format."""
    _load_builtin()
    yield from sorted(_REGISTRY)
