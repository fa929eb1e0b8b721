"""Image sizes from file headers, checked against images Pillow writes."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from sandbox.images import ImageError, image_size


def _encode(fmt: str, mode: str, size=(37, 21), **options) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, fmt, **options)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "fmt, mode, options, depth",
    [
        ("PNG", "RGB", {}, 3),
        ("PNG", "L", {}, 1),
        ("PNG", "LA", {}, 2),
        ("PNG", "RGBA", {}, 4),
        ("PNG", "P", {}, 3),
        ("JPEG", "RGB", {}, 3),
        ("JPEG", "L", {}, 1),
        ("JPEG", "RGB", {"progressive": True}, 3),
        ("GIF", "RGB", {}, 3),
        ("BMP", "RGB", {}, 3),
        ("BMP", "RGBA", {}, 4),
        ("WEBP", "RGB", {}, 3),
        ("WEBP", "RGBA", {}, 4),
        ("WEBP", "RGB", {"lossless": True}, 3),
        ("WEBP", "RGBA", {"lossless": True}, 4),
    ],
)
def test_sizes_match_the_encoded_image(fmt, mode, options, depth):
    size = image_size(_encode(fmt, mode, **options))
    assert (size.width, size.height, size.depth, size.format) == (37, 21, depth, fmt.lower())


def test_jpeg_with_large_exif_before_the_frame_header():
    image = Image.new("RGB", (640, 480))
    exif = Image.Exif()
    exif[0x010E] = "x" * 20000  # ImageDescription: pushes SOF0 far from the start
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    assert image_size(buffer.getvalue()).width == 640


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"", "empty"),
        (b"hello, not an image", "unknown file signature"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "truncated PNG"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "no frame header"),
        (b"GIF89a\x01", "truncated GIF"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WebP"),
    ],
)
def test_not_an_image(data, fragment):
    with pytest.raises(ImageError, match=fragment):
        image_size(data)


def test_truncated_real_png_still_has_its_header():
    assert image_size(_encode("PNG", "RGB")[:40]).height == 21
