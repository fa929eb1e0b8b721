"""The Ground Truth stand-in's state: one GroundTruthBackend per account and region."""
from __future__ import annotations

import threading
from typing import Any

from sandbox.ground_truth.models import GroundTruthBackend
from sandbox.workforce import WorkforceProfile


class GroundTruthService:
    """Labeling jobs of every account and region, timed by the sandbox's clock and workforce.

    ``sandbox`` is any object with ``.clock`` (``now()``) and ``.workforce`` (a
    WorkforceProfile, or None for the default); both are read when needed, so a test may swap the
    workforce between jobs (a job keeps the profile it was created with).
    """

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self._backends: dict[tuple[str, str], GroundTruthBackend] = {}
        self._lock = threading.Lock()

    def backend(self, account_id: str, region: str) -> GroundTruthBackend:
        with self._lock:
            key = (account_id, region)
            if key not in self._backends:
                self._backends[key] = GroundTruthBackend(
                    account_id, region, lambda: self.sandbox.clock.now(), self.workforce
                )
            return self._backends[key]

    def workforce(self) -> WorkforceProfile:
        """The sandbox's current workforce profile (the default profile when it has none)."""
        return getattr(self.sandbox, "workforce", None) or WorkforceProfile()

    def reset(self) -> None:
        """Forget every job (names become usable again: only for a fresh sandbox)."""
        with self._lock:
            self._backends.clear()
