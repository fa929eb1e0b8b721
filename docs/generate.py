#!/usr/bin/env python
"""Regenerate the generated parts of the docs from the code: README sections and docs/state_machine.svg.

  python docs/generate.py           rewrite the README's "graph", "config-reference", "scale" and
                                    "reliability" (from reliability/results.json) sections (only between
                                    their markers) and docs/state_machine.svg
  python docs/generate.py --check   change nothing; exit 1 naming what is out of date

Exit codes: 0 done (or up to date), 1 out of date (--check) or a README without its markers,
2 a bad config.yaml or argument. Every error is one line on stderr starting with "error:".
"""
from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")  # the SDK import looks for credentials: never ask EC2

import cli  # noqa: E402  (after ROOT is importable)

README = ROOT / "README.md"
SVG = ROOT / "docs" / "state_machine.svg"
CONFIG = ROOT / "config.yaml"
COMMAND = "python docs/generate.py"

ARCHITECTURE = """\
```mermaid
flowchart LR
    scheduler["EventBridge Scheduler<br/>(schedule.expression)"] -->|StartExecution| sfn
    user["python runs.py start<br/>or the console"] -->|StartExecution| sfn
    sfn{{"Step Functions<br/>state machine"}}
    sfn -->|invoke| check["Lambda<br/>check missing labels"]
    check -->|list raw images,<br/>write input manifest| s3[("S3 bucket")]
    check -->|approved images?| athena["Athena"]
    athena -->|SQL| offline[("Feature Store<br/>offline store<br/>(S3 + Glue table)")]
    sfn -->|createLabelingJob,<br/>describeLabelingJob| gt1["Ground Truth labeling job<br/>(labels.task_type: boxes, masks,<br/>one class or several per image)"]
    sfn -->|createLabelingJob,<br/>describeLabelingJob| gt2["Ground Truth<br/>verification job<br/>(boxes and masks only)"]
    gt1 <-->|manifests, images| s3
    sfn -->|invoke| filter["Lambda<br/>filter labeled objects"]
    filter -->|labeling output manifest -><br/>verification input manifest| s3
    gt2 <-->|manifests, images| s3
    workers(["your workteam"]) --- gt1
    workers --- gt2
    sfn -->|invoke| update["Lambda<br/>update feature store"]
    update -->|read verification<br/>output manifest| s3
    update -->|BatchWriteRecord| fg["Feature Store<br/>feature group"]
    fg --> offline
```
"""

ARCHITECTURE_TEXT = """\
Raw images sit in one S3 bucket. A Step Functions state machine, started by an EventBridge Scheduler
schedule or on demand (`python runs.py start`; `python runs.py list` and `python runs.py show NAME`
report on past runs), runs one labeling round: a Lambda function lists the raw images, asks Athena
which ones already have an approved label in the feature group's offline store, and writes the missing
ones (up to `labeling.max_images_per_run`) to an input manifest in S3. The state machine then starts a
Ground Truth labeling job of `labels.task_type` (bounding boxes by default) on that manifest, polls it
with a growing wait; a second Lambda function
copies the labeled lines of the job's output manifest to the verification input manifest (objects the
job could not label carry no label to verify and are left out, counted as `left_out`); the state
machine starts a Ground Truth verification job on that manifest, polls that, and a third Lambda
function writes every verified image (approved or rejected, with its boxes as JSON) to the feature
group. Rejected, unlabeled and left-out images are simply missing again on the next run. A job
request that SageMaker refuses (a wrong workteam, template or role) fails the run at once with
SageMaker's message; throttling and server errors are retried with backoff.
"""


def _config():
    from workflow.config import load_config

    return load_config(CONFIG)


def definition() -> dict:
    """The shipped config's state machine definition, with the dry run's placeholder ARNs."""
    from workflow.graph import render_definition
    from workflow.resources import ResourceArns

    cfg = _config()
    return render_definition(cfg, ResourceArns.placeholder(cfg))


TASK_TYPES_TEXT = """\
**Task types.** `labels.task_type` chooses what workers label, and changing that key alone switches the
templates, job requests, graph and feature group: `bounding_box` (the default, drawn below),
`semantic_segmentation` (a mask PNG per image, with its colour map; verified like boxes),
`image_classification` (one class per image) or `multilabel_image_classification` (any number of
classes per image). Ground Truth has no verification job for classification: its state machine goes
from the labeling job straight to *Update feature store*, which writes each image APPROVED when its
consolidated confidence reaches `labels.min_confidence`, else REJECTED (labeled again next run).
"""


def classification_definition() -> dict:
    """The shipped config's state machine with labels.task_type image_classification."""
    from workflow.config import replace
    from workflow.graph import render_definition
    from workflow.resources import ResourceArns

    cfg = _config()
    cfg = replace(cfg, labels=replace(cfg.labels, task_type="image_classification"))
    return render_definition(cfg, ResourceArns.placeholder(cfg))


ADJUST_TEXT = """\
**Adjusting rejected labels.** With `verification.on_reject: adjust` (bounding boxes and semantic
segmentation), the next run does not draw a rejected image again: *Check missing labels* reads the
rejected label from the image's newest record (the boxes, or the mask and its colour map) and writes it
into an adjustment job's input manifest, and a Parallel state runs a Ground Truth *adjustment* job
(workers correct the boxes or the mask shown through `initial-value`) beside the labeling job for new
images; a job with nothing to do is skipped, and if either job fails both are stopped. *Filter labeled
objects* joins both outputs into one verification job, and every record says which path its label took
(`label_path`: `labeling` or `adjustment`).
"""


def adjust_definition() -> dict:
    """The shipped config's state machine with verification.on_reject adjust."""
    from workflow.config import replace
    from workflow.graph import render_definition
    from workflow.resources import ResourceArns

    cfg = _config()
    cfg = replace(cfg, verification=replace(cfg.verification, on_reject="adjust"))
    return render_definition(cfg, ResourceArns.placeholder(cfg))


def graph_section(state_machine: dict | None = None) -> str:
    """Markdown: the architecture picture and text, then the state machine as a Mermaid flowchart."""
    from workflow.mermaid import to_mermaid

    mermaid = to_mermaid(state_machine if state_machine is not None else definition())
    return (
        f"{ARCHITECTURE_TEXT}\n{ARCHITECTURE}\n{TASK_TYPES_TEXT}\n"
        f"<details><summary>The state machine for image_classification and multilabel_image_classification</summary>\n\n"
        f"```mermaid\n{to_mermaid(classification_definition())}```\n\n</details>\n\n"
        f"{ADJUST_TEXT}\n"
        f"<details><summary>The state machine with verification.on_reject: adjust</summary>\n\n"
        f"```mermaid\n{to_mermaid(adjust_definition())}```\n\n</details>\n\n"
        f"The state machine, drawn from `config.yaml` by `workflow.mermaid.to_mermaid` (regenerate with "
        f"`{COMMAND}`; the same graph as an SVG: [docs/state_machine.svg](docs/state_machine.svg), "
        f"and `python deploy.py --dry-run` writes `graph.svg` when Graphviz's `dot` is installed: "
        f"`apt-get install graphviz`, `brew install graphviz` or https://graphviz.org/download/):\n\n"
        f"```mermaid\n{mermaid}```\n"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def config_reference_section() -> str:
    """Markdown table of every config key from ``workflow.config.describe_keys()``."""
    from workflow.config import describe_keys

    lines = [
        f"Every key of `config.yaml`, generated from `workflow.config.describe_keys()` (regenerate with `{COMMAND}`).",
        "",
        "| Key | Type | Default | Description |",
        "| --- | --- | --- | --- |",
    ]
    for path, typ, default, description in describe_keys():
        shown = "required" if default == "required" else f"`{default}`"
        lines.append(f"| `{path}` | {_cell(typ)} | {_cell(shown)} | {_cell(description)} |")
    return "\n".join(lines) + "\n"


def markers(name: str) -> tuple[str, str]:
    return f"<!-- BEGIN GENERATED: {name} -->", f"<!-- END GENERATED: {name} -->"


def section_text(text: str, name: str) -> str:
    """What stands between the ``name`` markers in ``text`` (ValueError if they are missing or repeated)."""
    begin, end = markers(name)
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        raise ValueError(f"README.md must contain {begin} followed by {end}, once each")
    return text[text.index(begin) + len(begin):text.index(end)].strip("\n") + "\n"


def replace_section(text: str, name: str, body: str) -> str:
    """``text`` with only the part between the ``name`` markers replaced by ``body``."""
    section_text(text, name)  # validates the markers
    begin, end = markers(name)
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body.rstrip(chr(10))}\n{end}{tail}"


def sections() -> dict[str, str]:
    """Marker name -> generated Markdown, for every section this script owns."""
    return {"graph": graph_section(), "config-reference": config_reference_section(), "scale": scale_section(),
            "reliability": reliability_section()}


def reliability_section() -> str:
    """The reliability table, rendered from reliability/results.json (written by `python -m reliability`)."""
    from reliability import report, results

    stored = results.load()
    return report.render(stored["cases"], stored["calls"], stored["seconds"])


def scale_section() -> str:
    """Markdown of the README's "Scale" table, computed by docs/scale.py."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        import scale  # docs/scale.py
    finally:
        sys.path.pop(0)
    return scale.scale_section()


def svg_state_names(svg: str) -> set[str]:
    """Names of the nodes in an SVG drawn by ``workflow.diagram`` (their <title> elements)."""
    import html
    import re

    from workflow.diagram import START_NODE

    titles = re.findall(r'<g id="node\d+" class="node">\s*<title>(.*?)</title>', svg)
    return {html.unescape(title) for title in titles} - {START_NODE}


def _main(argv: Sequence[str] | None) -> int:
    parser = cli.ArgumentParser(prog="docs/generate.py", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything is out of date")
    args = parser.parse_args(argv)
    from workflow.diagram import find_dot, render_svg, to_dot

    readme = README.read_text(encoding="utf-8")
    updated = readme
    for name, body in sections().items():
        try:
            updated = replace_section(updated, name, body)
        except ValueError as error:
            raise cli.CommandError(f"{error}; restore the markers, then run {COMMAND}") from None
    stale = []
    if updated != readme:
        stale.append("README.md")
        if not args.check:
            README.write_text(updated, encoding="utf-8")
    state_machine = definition()
    dot = find_dot()
    if dot is None:
        print(f"skipped {SVG.relative_to(ROOT)}: Graphviz 'dot' is not installed (apt-get install graphviz, "
              "brew install graphviz, or https://graphviz.org/download/)")
    else:
        svg = render_svg(to_dot(state_machine), dot)
        current = SVG.read_text(encoding="utf-8") if SVG.exists() else ""
        # Graphviz versions draw differently: --check asks for the same states, a rewrite for the same bytes.
        out_of_date = svg_state_names(current) != set(state_machine["States"]) if args.check else current != svg
        if out_of_date:
            stale.append(str(SVG.relative_to(ROOT)))
            if not args.check:
                SVG.parent.mkdir(parents=True, exist_ok=True)
                SVG.write_text(svg, encoding="utf-8")
    if args.check:
        if stale:
            return cli.fail(f"out of date: {', '.join(stale)}; run {COMMAND}")
        print("README.md and docs/state_machine.svg are up to date")
        return 0
    print(f"rewrote: {', '.join(stale)}" if stale else "nothing to change")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code (errors: one line on stderr, see cli.run)."""
    return cli.run(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
