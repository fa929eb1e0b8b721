"""Client factory: endpoint override, retry modes, and the bundled BatchWriteRecord model."""
from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import botocore
import botocore.session
import pytest

from publish.packaging import bundle_featurestore_model
from steps import aws

SERVICE = "sagemaker-featurestore-runtime"


def installed_model() -> dict:
    folder = Path(botocore.__file__).parent / "data" / SERVICE / "2020-07-01"
    path = folder / "service-2.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()) if path.exists() else (folder / "service-2.json").read_bytes())


def old_botocore_factory(tmp_path: Path):
    """Sessions whose Feature Store model predates BatchWriteRecord, like older Lambda runtimes."""
    model = installed_model()
    del model["operations"]["BatchWriteRecord"]
    folder = tmp_path / "old" / SERVICE / "2020-07-01"
    folder.mkdir(parents=True)
    (folder / "service-2.json").write_text(json.dumps(model))

    def factory() -> botocore.session.Session:
        session = botocore.session.get_session()
        session.get_component("data_loader").search_paths.insert(0, str(tmp_path / "old"))
        return session

    return factory


def test_old_botocore_really_lacks_batch_write_record(tmp_path):
    import boto3

    session = old_botocore_factory(tmp_path)()
    client = boto3.session.Session(botocore_session=session).client(SERVICE)
    assert not hasattr(client, "batch_write_record") and hasattr(client, "put_record")


def test_falls_back_to_the_bundled_model(tmp_path):
    bundle = tmp_path / "bundle"
    written = bundle_featurestore_model(bundle)
    assert written == bundle / SERVICE / "2020-07-01" / "service-2.json"
    client = aws.featurestore_runtime_client(session_factory=old_botocore_factory(tmp_path), model_dir=bundle)
    assert hasattr(client, "batch_write_record")
    assert client.meta.config.retries["total_max_attempts"] == 1  # the batch writer owns the retries


def test_without_a_bundled_model_it_says_how_to_fix_it(tmp_path):
    with pytest.raises(RuntimeError, match=re.escape("publish.packaging.bundle_featurestore_model")):
        aws.featurestore_runtime_client(session_factory=old_botocore_factory(tmp_path), model_dir=tmp_path / "none")


def test_current_botocore_needs_no_bundle(tmp_path):
    client = aws.featurestore_runtime_client(max_pool_connections=32, model_dir=tmp_path / "none")
    assert hasattr(client, "batch_write_record") and client.meta.config.max_pool_connections == 32


def test_clients_follow_aws_endpoint_url_and_use_adaptive_retries(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:4599")
    s3 = aws.client("s3")
    assert s3.meta.endpoint_url == "http://localhost:4599"
    assert s3.meta.config.retries["mode"] == "adaptive"
    assert aws.featurestore_runtime_client().meta.endpoint_url == "http://localhost:4599"

