"""One structured JSON summary line per step invocation (counts and ids, never data)."""
from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO


class StepSummary:
    """Collects the fields of one invocation's summary and writes them as one JSON line.

    Only put counts, ids, URIs of files and short notes in it: never image contents,
    manifest lines or lists that grow with the number of images.
    """

    def __init__(self, step: str, request_id: str | None = None, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._started = time.monotonic()
        self.fields: dict[str, Any] = {"step": step, "request_id": request_id}
        self.notes: list[str] = []

    def add(self, **fields: Any) -> None:
        """Record (or overwrite) summary fields."""
        self.fields.update(fields)

    def note(self, message: str) -> None:
        """Record a short remark, e.g. why the offline store was not queried."""
        self.notes.append(message)

    def emit(self, error: BaseException | None = None) -> dict[str, Any]:
        """Write the summary line (level ERROR with the error's name and message if given)."""
        line = {"level": "ERROR" if error else "INFO", **self.fields}
        if self.notes:
            line["notes"] = self.notes
        if error is not None:
            line["error"] = type(error).__name__
            line["error_message"] = str(error)[:1000]
        line["seconds"] = round(time.monotonic() - self._started, 3)
        stream = self._stream or sys.stdout
        stream.write(json.dumps(line, default=str, ensure_ascii=False) + "\n")
        stream.flush()
        return line
