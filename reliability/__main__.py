"""``python -m reliability [--quick] [--case NAME ...]``: run the cases, print the table.

A full run (no options) also stores reliability/results.json and rewrites README.md's
reliability section from it; ``--quick`` and ``--case`` only print.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")


def main(argv: list[str] | None = None) -> int:
    from reliability import cases as case_table
    from reliability import report, results
    from reliability.runner import discover_calls, run_case

    parser = argparse.ArgumentParser(prog="python -m reliability", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the representative subset")
    parser.add_argument("--case", action="append", default=[], help="run only this case (repeatable)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    calls = discover_calls()
    chosen = case_table.quick_cases(calls) if args.quick else case_table.all_cases(calls)
    if args.case:
        chosen = [c for c in case_table.all_cases(calls) if c.name in args.case]
        unknown = set(args.case) - {c.name for c in chosen}
        if unknown:
            parser.error(f"unknown case(s) {sorted(unknown)}; see reliability/cases.py")
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
        stored = results.load()
        report.update_readme(report.render(stored["cases"], stored["calls"], stored["seconds"]))
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
