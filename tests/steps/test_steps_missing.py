"""The set difference and the backlog order."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from steps.missing import select_missing
from steps.s3_images import ImageObject, is_image_key, split_s3_uri

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def image(name: str, age_days: int) -> ImageObject:
    return ImageObject(last_modified=T0 - timedelta(days=age_days), uri=f"s3://b/{name}")


def test_oldest_first_ties_broken_by_uri():
    images = [image("c.jpg", 1), image("b.jpg", 5), image("a.jpg", 1), image("d.jpg", 9)]
    selection = select_missing(images, {"s3://b/d.jpg"}, 2)
    assert [i.uri for i in selection.selected] == ["s3://b/b.jpg", "s3://b/a.jpg"]
    assert (selection.images_found, selection.already_labeled, selection.missing, selection.backlog) == (4, 1, 3, 1)


def test_order_does_not_depend_on_listing_order():
    images = [image(f"{i}.jpg", i % 7) for i in range(50)]
    first = select_missing(images, set(), 10).selected
    assert select_missing(list(reversed(images)), set(), 10).selected == first
    assert select_missing(images, set(), 100).selected == sorted(images, key=lambda i: (i.last_modified, i.uri))


def test_labeled_may_be_any_collection_and_zero_cap_selects_nothing():
    selection = select_missing([image("a.jpg", 1), image("b.jpg", 1)], ["s3://b/a.jpg"], 0)
    assert (selection.missing, selection.selected, selection.backlog) == (1, [], 1)
    with pytest.raises(ValueError, match="cap must be >= 0"):
        select_missing([], set(), -1)


def test_image_keys():
    assert is_image_key("raw/A.JPG", (".jpg",)) and is_image_key("raw/x.Jpeg", (".jpeg",))
    assert not is_image_key("raw/folder/", (".jpg",)) and not is_image_key("raw/x.jpg/", (".jpg",))
    assert not is_image_key("raw/xjpg", (".jpg",))


def test_split_s3_uri():
    assert split_s3_uri("s3://b/a/b c.jpg") == ("b", "a/b c.jpg")
    for bad in ("b/a.jpg", "s3://bucket", "s3:///key", None):
        with pytest.raises(ValueError, match="expected an S3 URI like s3://bucket/key"):
            split_s3_uri(bad)
