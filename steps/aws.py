"""AWS clients for the steps: one place for retry policy and the bundled Feature Store model.

Clients come from boto3, so ``AWS_ENDPOINT_URL`` (and ``AWS_ENDPOINT_URL_<SERVICE>``)
redirect them to the offline sandbox without code changes. S3, Athena and SageMaker
use botocore's adaptive retry mode. The Feature Store runtime client makes one attempt
per call: ``steps.batch_writer`` owns its retries (per entry and per call), so the two
layers never multiply; the adaptive rate limiter still slows a throttled client.

The Lambda runtime's botocore may predate ``BatchWriteRecord``. The deployer bundles the
service model next to this file (``steps/_botocore_data/``, see ``publish.packaging``);
``featurestore_runtime_client`` loads it only when the runtime's own model lacks the call.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import boto3
import botocore.session
from botocore.config import Config

BUNDLED_DATA_DIR = Path(__file__).resolve().parent / "_botocore_data"
FEATURESTORE_RUNTIME: Final = "sagemaker-featurestore-runtime"

_ADAPTIVE = Config(retries={"mode": "adaptive", "max_attempts": 8})


def client(service: str, **config: Any) -> Any:
    """A boto3 client for ``service`` with adaptive retries; extra Config options merge in."""
    # boto3-stubs types a client per literal service name; ours is chosen at run time.
    return boto3.client(  # type: ignore[call-overload]
        service, config=_ADAPTIVE.merge(Config(**config)) if config else _ADAPTIVE)


def featurestore_runtime_client(
    max_pool_connections: int = 10,
    session_factory: Callable[[], botocore.session.Session] = botocore.session.get_session,
    model_dir: Path = BUNDLED_DATA_DIR,
) -> Any:
    """A Feature Store runtime client that has ``batch_write_record``.

    Tries the runtime's botocore first; if its model lacks BatchWriteRecord, builds the
    client again from a session that searches ``model_dir`` first. Raises RuntimeError
    when neither has it (the deployment zip is missing the bundled model).
    """
    config = Config(
        retries={"mode": "adaptive", "total_max_attempts": 1},
        max_pool_connections=max(10, max_pool_connections),
    )
    session = session_factory()
    built = boto3.session.Session(botocore_session=session).client(FEATURESTORE_RUNTIME, config=config)
    if hasattr(built, "batch_write_record"):
        return built
    session = session_factory()
    session.get_component("data_loader").search_paths.insert(0, str(model_dir))
    built = boto3.session.Session(botocore_session=session).client(FEATURESTORE_RUNTIME, config=config)
    if hasattr(built, "batch_write_record"):
        return built
    raise RuntimeError(
        f"botocore {botocore.__version__} has no Feature Store BatchWriteRecord and no bundled model was "
        f"found in {model_dir}; package steps/ with publish.packaging.bundle_featurestore_model"
    )
