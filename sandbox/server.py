"""``python -m sandbox.server``: the sandbox served on a local port until interrupted.

The HTTP side (moto's WSGI application wrapped by ``SandboxApp``, and ``SandboxServer``) lives in
``sandbox.wsgi``; ``Sandbox.serve`` starts it.
"""
from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.core import Sandbox


def _main(argv: Sequence[str] | None) -> int:
    import cli
    from sandbox.core import Sandbox

    parser = cli.ArgumentParser(prog="python -m sandbox.server",
                                description="Serve the offline AWS sandbox on 127.0.0.1 until interrupted.")
    parser.add_argument("--region", default="eu-west-1", help="the region the sandbox answers for (default: eu-west-1)")
    cli.add_sandbox_flags(parser, port_help="port to listen on")
    parser.add_argument("--iam-propagation-seconds", type=float, default=0.0,
                        help="simulated seconds after a role change during which services refuse the role")
    args = parser.parse_args(argv)
    sandbox = Sandbox(region=args.region, time_scale=args.time_scale,
                      iam_propagation_seconds=args.iam_propagation_seconds)
    try:
        endpoint = _serve(sandbox, args.port)
        print(f"sandbox serving on {endpoint} (Ctrl-C to stop)", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0


def _serve(sandbox: Sandbox, port: int) -> str:
    """``sandbox.serve(port)``; a port in use is one ``CommandError`` line. (werkzeug's server prints
    two lines of its own and calls sys.exit(1) when the port is taken: both are caught here.)"""
    import contextlib
    import io

    import cli

    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said):
            return sandbox.serve(port=port)
    except (OSError, SystemExit) as error:
        printed = said.getvalue().strip().splitlines()
        why = getattr(error, "strerror", None) or (printed[0] if printed else "refused")
        raise cli.CommandError(f"cannot listen on 127.0.0.1:{port}: {why}; "
                               "stop what uses that port or pass another --port") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox as a server until interrupted; returns the exit code (errors: one line, see cli.run)."""
    import cli

    return cli.run(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
