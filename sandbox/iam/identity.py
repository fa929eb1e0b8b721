"""Who the sandbox's in-process requests are made as: an IAM role session, or nobody.

``acting_as(role_arn, session)`` marks the code it wraps as running with that role's credentials
(a Lambda handler with its execution role, a service calling on behalf of its service role). The
request hook (``sandbox.patches.request_entry``) evaluates every request made while an
identity is current; requests made with no identity (tests, the deployer) are not evaluated, unless
they are signed with AssumeRole credentials (``sandbox.iam.credentials``).

The identity is a ``contextvars`` value: nested ``acting_as`` blocks restore the outer identity.
New threads start without it, except threads started inside ``acting_as(..., threads=True)``:
they inherit the identity that was current where they were started. The Lambda runtime uses
``threads=True`` because a real function's credentials are in its environment, so every thread of
its code (e.g. ``steps.batch_writer``'s pool) calls AWS as the execution role. Services acting for
a role (Step Functions, Scheduler) use the default: a thread the service starts (moto's
execution engine) is not that role's code.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[tuple[str, str, bool] | None] = ContextVar("sandbox_iam_identity", default=None)


@contextmanager
def acting_as(role_arn: str, session: str, *, threads: bool = False) -> Iterator[None]:
    """Run the block as ``role_arn``'s session ``session``; with ``threads``, threads started in
    the block inherit it."""
    token = _current.set((role_arn, session, threads))
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def detached() -> Iterator[None]:
    """Run the block with no identity (the sandbox's own bookkeeping inside an identity's call)."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> tuple[str, str] | None:
    """``(role_arn, session)`` of the current identity, or None."""
    value = _current.get()
    return None if value is None else (value[0], value[1])


def inheriting_start(original: Callable[[threading.Thread], None]) -> Callable[[threading.Thread], None]:
    """A ``threading.Thread.start`` that carries an inheritable identity into the new thread.

    Why: contextvars do not cross thread starts, yet a Lambda handler's worker threads must still
    call AWS as the function's role. Installed by ``sandbox.patches.iam`` (restored on uninstall)."""
    def start(self: threading.Thread) -> None:
        value = _current.get()
        if value is not None and value[2]:
            run = self.run

            def run_as() -> None:
                _current.set(value)  # the new thread's context is its own
                run()

            self.run = run_as  # type: ignore[method-assign]
        original(self)

    return start
