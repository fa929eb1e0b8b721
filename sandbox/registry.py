"""The one registry of the running sandbox: every patch and stand-in reads it from here.

``Sandbox.start`` activates itself, ``Sandbox.stop`` deactivates; at most one Sandbox runs in a
process (moto's backends are process-wide). The Ground Truth service has its own slot: the
stand-in also serves labeling jobs without a Sandbox (its unit tests install it on plain moto).

The sandbox is typed by ``RunningSandbox``, not by importing ``sandbox.core``: the patches depend
on this registry, never on core (which installs them).
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sandbox.athena.engine import AthenaEngine
    from sandbox.clock import SandboxClock
    from sandbox.faults import FaultPlan
    from sandbox.featurestore.offline_store import OfflineStore
    from sandbox.iam_propagation import RoleWindow
    from sandbox.lambda_runtime import LambdaRuntime
    from sandbox.workteams import WorkteamStore


class RunningSandbox(Protocol):
    """What the patches and stand-ins read from the running sandbox (``sandbox.core.Sandbox``)."""

    region: str
    account_id: str
    iam_evaluation: bool
    clock: SandboxClock
    faults: FaultPlan
    featurestore: Any  # sandbox.featurestore.FeatureStoreRuntime (typed loosely: its module reads this one)
    offline_store: OfflineStore
    athena: AthenaEngine
    lambda_runtime: LambdaRuntime
    iam_propagation: RoleWindow
    workteams: WorkteamStore
    workforce: Any  # sandbox.workforce.WorkforceProfile, or None
    ground_truth: Any  # sandbox.ground_truth.GroundTruthService while running


class LabelingJobs(Protocol):
    """The Ground Truth service answering labeling-job actions (``sandbox.ground_truth.GroundTruthService``)."""

    def backend(self, account_id: str, region: str) -> Any: ...


_lock = threading.Lock()
_sandbox: RunningSandbox | None = None
_ground_truth: LabelingJobs | None = None


def activate(sandbox: RunningSandbox) -> None:
    """Make ``sandbox`` the running one; RuntimeError while another one runs."""
    global _sandbox
    with _lock:
        if _sandbox is not None and _sandbox is not sandbox:
            raise RuntimeError("another Sandbox is already running in this process; stop it first")
        _sandbox = sandbox


def deactivate() -> None:
    """No sandbox runs any more."""
    global _sandbox
    with _lock:
        _sandbox = None


def current() -> RunningSandbox | None:
    """The running sandbox, None when none runs."""
    return _sandbox


def active() -> RunningSandbox:
    """The running sandbox; RuntimeError when none runs."""
    sandbox = _sandbox
    if sandbox is None:
        raise RuntimeError("no Sandbox is running: use `with Sandbox(...) as sb:` before calling AWS")
    return sandbox


def set_ground_truth(service: LabelingJobs | None) -> None:
    """Make ``service`` the one the labeling-job actions use (None: no Ground Truth)."""
    global _ground_truth
    _ground_truth = service


def ground_truth() -> LabelingJobs | None:
    """The Ground Truth service answering labeling-job actions, None when none is installed."""
    return _ground_truth
