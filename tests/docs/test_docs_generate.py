"""The generated README sections and pictures stay in step with the code (drift tests), and how they are made."""
from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from workflow import diagram
from workflow.config import describe_keys, load_config
from workflow.graph import render_definition
from workflow.mermaid import to_mermaid
from workflow.resources import ResourceArns

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "out of date: run python docs/generate.py to regenerate it"


def _load_generator():
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _load_generator()


@pytest.fixture(scope="module")
def definition() -> dict:
    cfg = load_config(ROOT / "config.yaml")
    return render_definition(cfg, ResourceArns.placeholder(cfg))


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_state_machine_diagram_is_the_rendered_one(definition):
    blocks = re.findall(r"```mermaid\n(.*?)```", generate.section_text(_readme(), "graph"), re.S)
    assert blocks, f"README.md has no mermaid block in its graph section; {REGENERATE}"
    assert blocks[-1] == to_mermaid(definition), f"README.md's state machine diagram is {REGENERATE}"


def test_readme_graph_section_is_the_generated_one():
    assert generate.section_text(_readme(), "graph") == generate.graph_section(), \
        f"README.md's graph section is {REGENERATE}"


def test_readme_config_reference_is_the_generated_one():
    assert generate.section_text(_readme(), "config-reference") == generate.config_reference_section(), \
        f"README.md's config reference is {REGENERATE}"


def _leaf_paths(mapping: dict, prefix: str, documented: set[str]) -> set[str]:
    paths = set()
    for key, value in mapping.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and path not in documented:
            paths |= _leaf_paths(value, f"{path}.", documented)
        else:
            paths.add(path)
    return paths


def test_every_key_of_config_yaml_is_in_the_readme_reference():
    table = generate.section_text(_readme(), "config-reference")
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", table, re.M))
    assert documented == {row[0] for row in describe_keys()}, f"README.md's config reference is {REGENERATE}"
    shipped = yaml.safe_load((ROOT / "config.yaml").read_text())
    missing = _leaf_paths(shipped, "", documented) - documented
    assert not missing, f"config.yaml keys missing from README.md's config reference: {sorted(missing)}"


def test_the_reference_table_has_one_row_per_key_with_type_default_and_description():
    rows = [line for line in generate.config_reference_section().splitlines() if line.startswith("| `")]
    assert len(rows) == len(describe_keys())
    cells = dict(zip([row[0] for row in describe_keys()], rows, strict=True))
    assert cells["schedule.timezone"] == "| `schedule.timezone` | string | `UTC` | IANA time zone of the schedule expression. |"
    assert cells["pipeline.name"].split(" | ")[2] == "required"


def test_committed_svg_draws_every_state(definition):
    svg = (ROOT / "docs" / "state_machine.svg").read_text(encoding="utf-8")
    assert generate.svg_state_names(svg) == set(definition["States"]), f"docs/state_machine.svg is {REGENERATE}"


def test_replace_section_changes_only_the_text_between_the_markers():
    text = "intro\n<!-- BEGIN GENERATED: graph -->\nold\n<!-- END GENERATED: graph -->\nmine, not yours\n"
    assert generate.replace_section(text, "graph", "new\n") == (
        "intro\n<!-- BEGIN GENERATED: graph -->\nnew\n<!-- END GENERATED: graph -->\nmine, not yours\n")
    with pytest.raises(ValueError, match="BEGIN GENERATED: config-reference"):
        generate.replace_section(text, "config-reference", "x")
    with pytest.raises(ValueError, match="once each"):
        generate.section_text(text + text, "graph")


def test_dot_source_has_every_state_and_catches_as_dashed_edges(definition):
    source = diagram.to_dot(definition)
    for name in definition["States"]:
        assert f'"{name}" [' in source
    assert '"Check missing labels" -> "Check missing labels failed" [style=dashed' in source
    assert '"Anything to label?" -> "Summarize: nothing to label" [label="selected = 0"]' in source


def test_write_svg_without_graphviz_says_what_it_skipped(monkeypatch, tmp_path, definition):
    monkeypatch.setattr(diagram.shutil, "which", lambda name: None)
    line = diagram.write_svg(definition, tmp_path / "graph.svg")
    assert line.startswith(f"skipped {tmp_path / 'graph.svg'}: Graphviz 'dot' is not installed; install Graphviz")
    assert not (tmp_path / "graph.svg").exists()


def _fake_dot(folder: Path) -> str:
    """A stand-in ``dot`` that answers every graph with a fixed SVG naming the first node."""
    script = folder / "dot"
    script.write_text(f"#!{sys.executable}\nimport sys, re\nsource = sys.stdin.read()\n"
                      "name = re.findall(r'\\n    \"([^\"]+)\" \\[', source)[1]\n"
                      "print(f'<svg><title>{name}</title></svg>')\n")
    script.chmod(0o755)
    return str(script)


def test_write_svg_runs_dot_when_it_is_installed(monkeypatch, tmp_path, definition):
    fake = _fake_dot(tmp_path)
    monkeypatch.setattr(diagram.shutil, "which", lambda name: fake if name == "dot" else None)
    path = tmp_path / "out" / "graph.svg"
    assert diagram.write_svg(definition, path) == str(path)
    assert path.read_text() == "<svg><title>Write unwritten earlier output</title></svg>\n"  # the first state


def test_a_failing_dot_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match=r"dot failed \(exit 1\): .*syntax error"):
        diagram.render_svg("digraph {", diagram.find_dot() or _skip())


def _skip():
    pytest.skip("Graphviz is not installed")


def test_real_graphviz_draws_every_state(definition):
    dot = diagram.find_dot() or _skip()
    svg = diagram.render_svg(diagram.to_dot(definition), dot)
    assert generate.svg_state_names(svg) == set(definition["States"])


@pytest.mark.parametrize("installed", [True, False])
def test_dry_run_writes_graph_svg_or_says_why_not(monkeypatch, tmp_path, capsys, installed):
    import deploy

    fake = _fake_dot(tmp_path)
    monkeypatch.setattr(diagram.shutil, "which", lambda name: fake if installed else None)
    out = tmp_path / "build"
    assert deploy.dry_run(load_config(ROOT / "config.yaml"), out) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    if installed:
        assert last == str(out / "graph.svg") and (out / "graph.svg").read_text().startswith("<svg>")
    else:
        assert last.startswith(f"skipped {out / 'graph.svg'}: Graphviz 'dot' is not installed")
        assert not (out / "graph.svg").exists()
    assert json.loads((out / "state_machine.asl.json").read_text())["StartAt"] == "Write unwritten earlier output"


def test_generate_check_reports_a_stale_readme(monkeypatch, tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(_readme().replace("| `schedule.timezone` |", "| `schedule.tz` |"))
    monkeypatch.setattr(generate, "README", readme)
    monkeypatch.setattr(diagram.shutil, "which", lambda name: None)
    assert generate.main(["--check"]) == 1
    assert capsys.readouterr().err == "error: out of date: README.md; run python docs/generate.py\n"
    assert generate.main([]) == 0
    assert generate.section_text(readme.read_text(), "config-reference") == generate.config_reference_section()
    assert readme.read_text().count("| `schedule.timezone` |") == 1


def _aws_rule_rows() -> list[str]:
    text = _readme()
    start = text.index("### What the sandbox checks the way AWS does")
    table = text[start:text.index("\n## ", start)]
    return [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| rule")
            and not line.startswith("| ---")]


def test_every_test_the_aws_rules_table_names_exists():
    """Each row of "What the sandbox checks the way AWS does" cites an AWS page and names tests that
    exist, so the table cannot outlive the tests that enforce it."""
    import ast

    rows = _aws_rule_rows()
    assert len(rows) >= 20
    for row in rows:
        rule, page, tests = [cell.strip() for cell in row.strip("|").split(" | ")]
        assert "docs.aws.amazon.com" in page, f"no AWS documentation page for: {rule}"
        names = re.findall(r"`([\w/]+\.py)::(\w+)`", tests)
        assert names, f"no test named for: {rule}"
        for path, function in names:
            source = ROOT / "tests" / path
            assert source.exists(), f"README names {path}, which does not exist"
            defined = {node.name for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
                       if isinstance(node, ast.FunctionDef)}
            assert function in defined, f"README names {path}::{function}, which does not exist"
