"""The Lambda deployment package: a reproducible zip of steps/.

The zip is byte-for-byte the same for the same sources (sorted entries, fixed
timestamps and permissions), so its SHA-256 tells the deployer whether the
functions need new code. Besides the Python sources it carries the Feature
Store runtime service model from the installed botocore, because the boto3
of the Lambda runtime may predate ``BatchWriteRecord`` (see steps/aws.py).
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import botocore

STEPS_DIR = Path(__file__).resolve().parent.parent / "steps"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_SKIP_PARTS = {"__pycache__"}
FEATURESTORE_SERVICE = "sagemaker-featurestore-runtime"
REQUIRED_OPERATION = "BatchWriteRecord"


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
        if rel.parts[0] == "_botocore_data":
            continue
        files.append((f"steps/{rel.as_posix()}", path))
    return files


def _installed_model_file(api_version: str) -> Path:
    folder = Path(botocore.__file__).resolve().parent / "data" / FEATURESTORE_SERVICE / api_version
    for name in ("service-2.json", "service-2.json.gz"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"installed botocore {botocore.__version__} has no {FEATURESTORE_SERVICE} model in {folder}")


def bundle_featurestore_model(dest_dir: str | Path, api_version: str = "2020-07-01") -> Path:
    """Copy the installed Feature Store runtime model to ``dest_dir/<service>/<version>/service-2.json``.

    Written uncompressed so that any botocore's loader can read it. Returns the file written.
    Raises RuntimeError if the installed model lacks BatchWriteRecord (botocore too old).
    """
    source = _installed_model_file(api_version)
    raw = source.read_bytes()
    if source.suffix == ".gz":
        raw = gzip.decompress(raw)
    model = json.loads(raw)
    if REQUIRED_OPERATION not in model.get("operations", {}):
        raise RuntimeError(
            f"installed botocore {botocore.__version__} has no {REQUIRED_OPERATION}; install botocore>=1.44.8 to deploy"
        )
    target = Path(dest_dir) / FEATURESTORE_SERVICE / api_version / "service-2.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(raw)
    return target


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
