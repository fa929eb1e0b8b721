"""Deploy-time helper: bundle the Feature Store runtime service model with the steps.

Runs on the deployer's machine (may import the installed botocore), never in Lambda.
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import botocore

SERVICE = "sagemaker-featurestore-runtime"
REQUIRED_OPERATION = "BatchWriteRecord"


def _installed_model_file(api_version: str) -> Path:
    folder = Path(botocore.__file__).resolve().parent / "data" / SERVICE / api_version
    for name in ("service-2.json", "service-2.json.gz"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"installed botocore {botocore.__version__} has no {SERVICE} model in {folder}")


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
    target = Path(dest_dir) / SERVICE / api_version / "service-2.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(raw)
    return target
