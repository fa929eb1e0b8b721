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
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import botocore
import botocore.loaders

STEPS_DIR = Path(__file__).resolve().parent.parent / "steps"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_SKIP_PARTS = {"__pycache__"}


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
        if rel.parts[0] == "_botocore_data":  # rebuilt from the installed botocore below
            continue
        files.append((f"steps/{rel.as_posix()}", path))
    return files


def _add(zf: zipfile.ZipFile, arcname: str, data: bytes) -> None:
    info = zipfile.ZipInfo(arcname, date_time=_FIXED_TIME)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def featurestore_model_files() -> dict[str, bytes]:
    """The installed botocore's Feature Store runtime model, as plain service-2.json files."""
    loader = botocore.loaders.create_loader()
    service = "sagemaker-featurestore-runtime"
    version = loader.determine_latest_version(service, "service-2")
    model = loader.load_service_model(service, "service-2", api_version=version)
    if "BatchWriteRecord" not in model.get("operations", {}):
        raise RuntimeError(f"installed botocore {botocore.__version__} lacks BatchWriteRecord; install requirements.txt")
    return {f"{service}/{version}/service-2.json": json.dumps(model, sort_keys=True).encode()}


def build_steps_package(steps_dir: Path = STEPS_DIR) -> LambdaPackage:
    """Zip steps/ (sources + bundled Feature Store model) reproducibly."""
    entries: dict[str, bytes] = {arc: path.read_bytes() for arc, path in _source_files(steps_dir)}
    for rel, data in featurestore_model_files().items():
        entries[f"steps/_botocore_data/{rel}"] = data
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for arcname in sorted(entries):
            _add(zf, arcname, entries[arcname])
    return LambdaPackage(buffer.getvalue())
