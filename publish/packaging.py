"""The Lambda deployment package: a reproducible zip of steps/.

The zip is byte-for-byte the same for the same sources (sorted entries, fixed
timestamps and permissions), so its SHA-256 tells the deployer whether the
functions need new code. Besides the Python sources it carries the Feature
Store runtime service model from the installed botocore, because the boto3
of the Lambda runtime may predate ``BatchWriteRecord`` (see steps/aws.py).
"""
from __future__ import annotations

import base64
import hashlib
import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from steps.packaging import bundle_featurestore_model

STEPS_DIR = Path(__file__).resolve().parent.parent / "steps"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_SKIP_PARTS = {"__pycache__"}
_DEPLOY_TIME_ONLY = {"packaging.py"}  # steps/packaging.py runs here, at deploy time, not in Lambda


@dataclass(frozen=True)
class LambdaPackage:
    """A built zip and the CodeSha256 Lambda reports for it."""

    data: bytes

    @property
    def code_sha256(self) -> str:
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()

    @property
    def size(self) -> int:
        return len(self.data)


def _source_files(steps_dir: Path) -> list[tuple[str, Path]]:
    files = []
    for path in sorted(steps_dir.rglob("*")):
        rel = path.relative_to(steps_dir)
        if path.is_dir() or _SKIP_PARTS & set(rel.parts) or path.suffix in {".pyc", ".pyo"}:
            continue
        if rel.parts[0] == "_botocore_data" or rel.as_posix() in _DEPLOY_TIME_ONLY:
            continue
        files.append((f"steps/{rel.as_posix()}", path))
    return files


def _add(zf: zipfile.ZipFile, arcname: str, data: bytes) -> None:
    info = zipfile.ZipInfo(arcname, date_time=_FIXED_TIME)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build_steps_package(steps_dir: Path = STEPS_DIR) -> LambdaPackage:
    """Zip steps/ (sources + bundled Feature Store model) reproducibly."""
    entries: dict[str, bytes] = {arc: path.read_bytes() for arc, path in _source_files(steps_dir)}
    with tempfile.TemporaryDirectory() as tmp:
        bundle_featurestore_model(tmp)
        for path in sorted(Path(tmp).rglob("*")):
            if path.is_file():
                entries[f"steps/_botocore_data/{path.relative_to(tmp).as_posix()}"] = path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for arcname in sorted(entries):
            _add(zf, arcname, entries[arcname])
    return LambdaPackage(buffer.getvalue())
