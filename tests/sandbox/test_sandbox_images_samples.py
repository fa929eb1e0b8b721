"""Sample images: valid PNGs, deterministic given the seed, spread over sub-folders."""
from __future__ import annotations

import io

import boto3
import pytest
from moto import mock_aws
from PIL import Image

from sandbox.images import image_size
from sandbox.sample_images import generate_sample_images


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-1")
        client.create_bucket(Bucket="samples", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        yield client


def _body(s3, key):
    return s3.get_object(Bucket="samples", Key=key)["Body"].read()


def test_keys_and_images(s3):
    keys = generate_sample_images(s3, "samples", "raw/", 6, seed=1, size=(64, 48))
    assert keys == [f"raw/line-{'b' if n % 2 else 'a'}/part-{n:04d}.png" for n in range(1, 7)]
    for key in keys:
        data = _body(s3, key)
        size = image_size(data)
        assert (size.width, size.height, size.depth) == (64, 48, 3)
        picture = Image.open(io.BytesIO(data))
        picture.load()  # decodes: a valid PNG
        pixels = picture.convert("L").getdata()
        assert 20 < sum(pixels) / len(pixels) < 220  # a grey texture, not black or white


def test_deterministic_given_seed(s3):
    first = generate_sample_images(s3, "samples", "a/", 4, seed=5)
    firsts = [_body(s3, key) for key in first]
    second = generate_sample_images(s3, "samples", "b/", 4, seed=5)
    assert [_body(s3, key) for key in second] == firsts
    third = generate_sample_images(s3, "samples", "c/", 4, seed=6)
    assert [_body(s3, key) for key in third] != firsts


def test_some_images_have_scratches(s3):
    keys = generate_sample_images(s3, "samples", "raw/", 12, seed=2)
    darkest = [min(Image.open(io.BytesIO(_body(s3, key))).convert("L").getdata()) for key in keys]
    assert any(value <= 70 for value in darkest)  # dark scratch marks
    assert any(value > 70 for value in darkest)  # and clean parts


def test_bad_arguments(s3):
    with pytest.raises(ValueError, match="count"):
        generate_sample_images(s3, "samples", "raw/", -1)
    with pytest.raises(ValueError, match="size"):
        generate_sample_images(s3, "samples", "raw/", 1, size=(4, 4))


def test_many_images_get_distinct_keys(s3):
    """500 images, 500 keys (how fast they are made is bench/run.py's sample_images line, not a test)."""
    keys = generate_sample_images(s3, "samples", "raw/", 500)
    assert len(set(keys)) == 500
    listed = s3.get_paginator("list_objects_v2").paginate(Bucket="samples", Prefix="raw/")
    assert sorted(obj["Key"] for page in listed for obj in page.get("Contents", ())) == sorted(keys)
