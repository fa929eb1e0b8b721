"""Manifests: ASCII JSON Lines input, streamed line reading of outputs."""
from __future__ import annotations

import io
import json

from steps_fakes import BUCKET

from steps.manifests import (
    encryption_args,
    input_manifest_bytes,
    iter_body_lines,
    read_manifest_lines,
    write_input_manifest,
)


def test_input_manifest_is_ascii_json_lines_that_decode_to_the_exact_uris():
    uris = ["s3://b/a b.jpg", "s3://b/ü画像+%=.jpg", 's3://b/quote".jpg', "s3://b/new\nline.jpg"]
    data = input_manifest_bytes(uris)
    data.decode("ascii")
    lines = data.decode("ascii").split("\n")
    assert lines[-1] == "" and [json.loads(line)["source-ref"] for line in lines[:-1]] == uris


def test_iter_body_lines_splits_only_on_newline_across_chunk_boundaries():
    data = b'{"a": 1}\r\n{"b": "x\xe2\x80\xa8y"}\n\n{"c": 3}'
    assert list(iter_body_lines(io.BytesIO(data), chunk_size=3)) == [b'{"a": 1}', b'{"b": "x\xe2\x80\xa8y"}', b"", b'{"c": 3}']
    assert list(iter_body_lines(io.BytesIO(b""), chunk_size=3)) == []
    assert list(iter_body_lines(io.BytesIO(b"a\nb\n"), keepends=True)) == [b"a\n", b"b\n"]


def test_read_manifest_lines_numbers_lines_and_skips_blank_ones(s3):
    s3.put_object(Bucket=BUCKET, Key="out/output.manifest", Body=b'{"x": 1}\n\n{"x": 2}\n')
    assert list(read_manifest_lines(s3, f"s3://{BUCKET}/out/output.manifest")) == [(1, b'{"x": 1}'), (3, b'{"x": 2}')]


def test_write_input_manifest_uses_kms_when_a_key_is_configured(s3):
    key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert encryption_args(key_arn) == {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key_arn}
    assert encryption_args(None) == {"ServerSideEncryption": "AES256"}
    uri = write_input_manifest(s3, BUCKET, "runs/r/input.manifest", ["s3://b/a.jpg"], None)
    assert uri == f"s3://{BUCKET}/runs/r/input.manifest"
    assert s3.get_object(Bucket=BUCKET, Key="runs/r/input.manifest")["Body"].read() == b'{"source-ref": "s3://b/a.jpg"}\n'
