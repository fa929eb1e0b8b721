"""notebooks/labeling_workflow.ipynb runs top to bottom with nbclient against an in-process sandbox."""
from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from workflow.config import load_config
from workflow.graph import render_definition
from workflow.resources import ResourceArns

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "labeling_workflow.ipynb"


def _outputs(cell) -> list:
    return cell.get("outputs", [])


def _text(cell) -> str:
    return "".join(output.get("text", "") for output in _outputs(cell) if output["output_type"] == "stream")


def _cell_running(notebook, snippet: str):
    return next(cell for cell in notebook.cells if cell.cell_type == "code" and snippet in cell.source)


def test_committed_notebook_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code), \
        "strip the notebook's outputs before committing (e.g. jupyter nbconvert --clear-output --inplace)"


@pytest.fixture(scope="module")
def executed():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update({
        "AWS_EC2_METADATA_DISABLED": "true",  # the kernel must never probe the EC2 metadata address
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "LABELING_TIME_SCALE": "0.0002", "LABELING_SAMPLE_IMAGES": "10",
    })
    env.pop("LABELING_ENDPOINT_URL", None)
    client = NotebookClient(notebook, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute(env=env)
    return notebook


def test_every_cell_ran_without_error(executed):
    for cell in executed.cells:
        if cell.cell_type == "code":
            assert cell.execution_count is not None
            assert not [output for output in _outputs(cell) if output["output_type"] == "error"]


def test_render_graph_html_names_every_state(executed):
    cfg = load_config(ROOT / "config.yaml")
    states = render_definition(cfg, ResourceArns.placeholder(cfg))["States"]
    graph = _cell_running(executed, "workflow.render_graph(")
    html = next(output["data"]["text/html"] for output in _outputs(graph) if "text/html" in output.get("data", {}))
    for name in states:
        assert json.dumps(name) in html, f"render_graph() HTML does not name state {name!r}"


def test_progress_is_followed_and_rendered(executed):
    follow = _text(_cell_running(executed, "follow(sfn, execution.execution_arn"))
    assert "  ok  Check missing labels" in follow and "  ==  Done" in follow
    assert follow.rstrip().endswith("SUCCEEDED")
    progress = _cell_running(executed, "execution.render_progress(")
    html = next(output["data"]["text/html"] for output in _outputs(progress) if "text/html" in output.get("data", {}))
    assert "Update feature store" in html and "ExecutionSucceeded" in html


def test_counts_and_labeled_images_are_shown(executed):
    counts = _text(_cell_running(executed, "summary_lines(summary)"))
    assert counts.splitlines()[0].split() == ["images", "found", "10"]
    images = _cell_running(executed, "def drawn(")
    assert "10 images in s3://my-factory-images/labeling/runs/" in _text(images)
    assert any("image/png" in output.get("data", {}) for output in _outputs(images))


def test_the_listing_ran_before_the_first_execution(executed):
    assert _text(_cell_running(executed, "recent_executions(sfn")).strip() == "no executions yet"
