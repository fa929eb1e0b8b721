"""The README's "Scale" section is the one docs/scale.py computes (drift test), and the computation holds."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


scale = _load("docs_scale", ROOT / "docs" / "scale.py")
generate = _load("docs_generate_for_scale", ROOT / "docs" / "generate.py")


def test_readme_scale_section_is_the_generated_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert generate.section_text(readme, "scale") == scale.scale_section(), \
        "README.md's scale section is out of date: run python docs/generate.py to regenerate it"
    assert "scale" in generate.sections()


def test_the_scale_section_comes_right_after_performance():
    headings = re.findall(r"^## (.+)$", (ROOT / "README.md").read_text(encoding="utf-8"), re.M)
    assert headings[headings.index("Performance") + 1] == "Scale"


@pytest.mark.parametrize("images", scale.SIZES)
def test_cost_follows_the_formula_shown(images):
    per_image = scale.bytes_per_image("inventory") + scale.bytes_per_image("offline store")
    assert scale.scanned_bytes(images) == pytest.approx(images * per_image)
    assert scale.athena_cost(images) == pytest.approx(max(images * per_image, 10e6) / 1e12 * 5.0)
    assert scale.inventory_cost_per_month(images) == pytest.approx(images / 1e6 * 0.0025 * 30)


def test_the_minimum_charge_applies_to_a_small_bucket():
    assert scale.athena_cost(1_000) == pytest.approx(10e6 / 1e12 * 5.0)


def test_the_inventory_columns_are_the_ones_the_query_reads():
    read = {c.name for c in scale.COLUMNS if c.table == "inventory"}
    assert read == {"bucket", "key", "size", "last_modified_date", "e_tag"}


def test_every_size_has_a_first_limit_and_a_lambda_cell():
    for images in scale.SIZES:
        assert scale.FIRST_LIMIT[images] and len(scale.MEASURED[images]) == 2
