"""The Markdown table of results, and README.md's generated section rewritten in place."""
from __future__ import annotations

from pathlib import Path

from reliability.cost import MINIMUM_DEFINITION
from reliability.runner import CaseResult

BEGIN = "<!-- BEGIN GENERATED: reliability -->"
END = "<!-- END GENERATED: reliability -->"
README_PATH = Path(__file__).resolve().parents[1] / "README.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(results: list[CaseResult], calls: list[tuple[str, str]] | None = None,
           seconds: float | None = None) -> str:
    """How the table was made, the table, then the produced count line."""
    took = f" in {seconds / 60:.0f} min" if seconds else ""
    lines = [
        f"Produced by `python -m reliability`{took} (do not edit: rendered from `reliability/results.json`). "
        "Each case runs in a fresh sandbox with 12-60 images, then a clean follow-up run (no faults, every "
        "verdict approves); reconciliation compares the images in S3 with the feature group's records "
        "(newest row per image) after the case and after the follow-up run. " + MINIMUM_DEFINITION,
    ]
    if calls:
        lines += ["", "Throttling and 5xx faults are planned on every AWS call a clean execution makes: "
                  + ", ".join(f"`{s} {o}`" for s, o in calls) + "."]
    lines += [
        "",
        "| case | what was injected | outcome | follow-up run | reconciliation (images / records / missing after follow-up run) "
        "| Ground Truth objects (sent / minimum) | ok |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        cells = (r.case, r.injected, r.outcome, r.follow_up, r.reconciliation, r.cost_cell(), "yes" if r.ok else "**NO**")
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    lines.append("")
    lines.append(f"{len(results)} cases, {sum(r.ok for r in results)} reconcile")
    return "\n".join(lines)


def replace_section(text: str, body: str) -> str:
    """``text`` with everything between the reliability markers replaced by ``body``."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README has no {BEGIN} ... {END} section to fill")
    return text[: start + len(BEGIN)] + "\n" + body.strip("\n") + "\n" + text[end:]


def section(text: str) -> str:
    """What is between the markers now (stripped)."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README has no {BEGIN} ... {END} section")
    return text[start + len(BEGIN): end].strip("\n")


def update_readme(body: str, path: Path = README_PATH) -> None:
    """Read README.md, replace only the reliability section, write it back."""
    text = path.read_text(encoding="utf-8")
    path.write_text(replace_section(text, body), encoding="utf-8")
