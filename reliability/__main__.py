"""``python -m reliability [--quick] [--case NAME ... [--store]]``: run the cases, print the table.

A full run (no options) also stores reliability/results.json and rewrites README.md's
reliability section from it; ``--quick`` and ``--case`` only print, unless ``--case ... --store``
puts those rows (fresh) into results.json, in the table's order, keeping every other row as stored.

Exit codes: 0 every case ok, 1 a case failed (or a setup error), 2 a bad argument. Every error is
one line on stderr starting with "error:".
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence

import cli

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")


def _main(argv: Sequence[str] | None) -> int:
    from reliability import cases as case_table
    from reliability import report, results
    from reliability.runner import discover_calls, run_case

    parser = cli.ArgumentParser(prog="python -m reliability", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the representative subset")
    parser.add_argument("--case", action="append", default=[], help="run only this case (repeatable)")
    parser.add_argument("--store", action="store_true",
                        help="with --case: put the fresh rows into reliability/results.json and README (the others kept)")
    args = parser.parse_args(argv)
    if args.store and not args.case:
        raise cli.UsageError("--store goes with --case (a full run stores every row anyway)")
    started = time.monotonic()
    calls = discover_calls()
    chosen = case_table.quick_cases(calls) if args.quick else case_table.all_cases(calls)
    if args.case:
        chosen = [c for c in case_table.all_cases(calls) if c.name in args.case]
        unknown = set(args.case) - {c.name for c in chosen}
        if unknown:
            raise cli.UsageError(f"unknown case(s) {sorted(unknown)}; see reliability/cases.py for the names")
    rows = []
    for number, case in enumerate(chosen, 1):
        result = run_case(case)
        rows.append(result)
        print(f"[{number}/{len(chosen)}] {'ok ' if result.ok else 'NO '} {case.name} ({result.seconds:.0f} s): "
              f"{result.outcome}", file=sys.stderr, flush=True)
    seconds = time.monotonic() - started
    table = report.render(rows, calls)
    print(table)
    print(f"\n{len(rows)} cases in {seconds:.0f} s", file=sys.stderr)
    if not args.quick and not args.case:
        results.save(rows, calls, seconds)
    elif args.store:
        stored = results.load()
        results.save(results.merged(stored["cases"], rows, [c.name for c in case_table.all_cases(calls)]),
                     calls, stored["seconds"])
    if args.store or (not args.quick and not args.case):
        stored = results.load()
        report.update_readme(report.render(stored["cases"], stored["calls"], stored["seconds"]))
    return 0 if all(r.ok for r in rows) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code (errors: one line on stderr, see cli.run)."""
    return cli.run(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
