"""The Lambda zip: every module of steps/ and the bundled Feature Store model, nothing the runtime lacks."""
from __future__ import annotations

import ast
import io
import sys
import zipfile

from publish.packaging import STEPS_DIR, build_steps_package

# The Lambda Python runtime provides the standard library and boto3/botocore, nothing else
# ("Building Lambda functions with Python", https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html).
RUNTIME_MODULES = set(sys.stdlib_module_names) | {"boto3", "botocore", "steps"}


def _zip() -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(build_steps_package().data))


def test_the_zip_holds_every_steps_module_and_the_bundled_model():
    names = set(_zip().namelist())
    sources = {f"steps/{path.relative_to(STEPS_DIR).as_posix()}" for path in STEPS_DIR.rglob("*.py")
               if "__pycache__" not in path.parts and "_botocore_data" not in path.parts}
    assert {name for name in names if name.endswith(".py")} == sources
    assert "steps/layout.py" in names  # the S3 layout shared with the IAM policies
    assert "steps/_botocore_data/sagemaker-featurestore-runtime/2020-07-01/service-2.json" in names
    assert not {name for name in names if not name.endswith(".py") and "_botocore_data" not in name}


def test_every_module_in_the_zip_imports_only_what_the_lambda_runtime_has():
    archive = _zip()
    for name in archive.namelist():
        if not name.endswith(".py"):
            continue
        tree = ast.parse(archive.read(name))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] in RUNTIME_MODULES, f"{name} imports {module}"


def test_the_zip_is_reproducible():
    assert build_steps_package().data == build_steps_package().data
