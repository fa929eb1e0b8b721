"""Sample images for the sandbox: small PNGs of brushed metal with a few scratch marks.

Written with the standard library (zlib + struct) and deterministic given the
seed: the same call always produces the same bytes under the same keys. Rows
come from a small pool of pre-drawn noise rows, so 2,000 images take seconds.
"""
from __future__ import annotations

import random
import struct
import zlib
from typing import Any

_ROW_POOL = 48
_SUB_FOLDERS = ("line-a/", "line-b/")


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def encode_png_rgb(width: int, height: int, rows: list[bytes] | list[bytearray]) -> bytes:
    """A PNG (8-bit RGB, no filtering) from ``height`` rows of ``3 * width`` bytes."""
    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(raw, 1))
        + _png_chunk(b"IEND", b"")
    )


def _noise_rows(rng: random.Random, width: int) -> list[bytes]:
    """Grey rows with horizontal streaks: the brushed-metal grain."""
    rows = []
    for _ in range(_ROW_POOL):
        base = rng.randint(120, 170)
        grey, values = base, []
        for _x in range(width):
            grey += rng.randint(-3, 3)
            grey += (base - grey) // 8
            values.append(max(0, min(255, grey)))
        rows.append(bytes(v for v in values for _ in range(3)))
    return rows


def _scratch(rng: random.Random, pixels: list[bytearray], width: int, height: int) -> None:
    """Draw one thin dark line segment into the rows in place."""
    x0, y0 = rng.randrange(width), rng.randrange(height)
    length = rng.randint(max(4, width // 8), max(5, width // 2))
    dx, dy = rng.uniform(-1, 1), rng.uniform(-0.4, 0.4)
    norm = max(abs(dx), abs(dy)) or 1.0
    shade = rng.randint(30, 70)
    for step in range(length):
        x = int(x0 + dx / norm * step)
        y = int(y0 + dy / norm * step)
        if 0 <= x < width and 0 <= y < height:
            pixels[y][3 * x : 3 * x + 3] = bytes((shade, shade, shade))


class _ShiftedPool:
    """The noise rows, brightened or darkened by a shift, each shift computed once."""

    def __init__(self, rows: list[bytes]) -> None:
        self._rows = rows
        self._shifted: dict[int, list[bytes]] = {}

    def rows(self, shift: int) -> list[bytes]:
        if shift not in self._shifted:
            table = bytes(max(0, min(255, v + shift)) for v in range(256))
            self._shifted[shift] = [row.translate(table) for row in self._rows]
        return self._shifted[shift]


def sample_image(rng: random.Random, pool: _ShiftedPool, size: tuple[int, int]) -> bytes:
    """One PNG: pooled noise rows, a brightness shift, then 0-3 scratches."""
    width, height = size
    shifted = pool.rows(rng.randint(-20, 20))
    pixels = [bytearray(shifted[rng.randrange(len(shifted))]) for _ in range(height)]
    for _ in range(rng.randint(0, 3)):
        _scratch(rng, pixels, width, height)
    return encode_png_rgb(width, height, pixels)


def generate_sample_images(
    s3_client: Any, bucket: str, prefix: str, count: int, seed: int = 0, size: tuple[int, int] = (160, 120)
) -> list[str]:
    """Upload ``count`` sample PNGs under ``prefix`` (split over line-a/ and line-b/); return their keys."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    width, height = size
    if width < 8 or height < 8:
        raise ValueError(f"size must be at least 8x8 pixels, got {width}x{height}")
    rng = random.Random(seed)
    pool = _ShiftedPool(_noise_rows(rng, width))
    keys = []
    for number in range(1, count + 1):
        key = f"{prefix}{_SUB_FOLDERS[number % len(_SUB_FOLDERS)]}part-{number:04d}.png"
        s3_client.put_object(Bucket=bucket, Key=key, Body=sample_image(rng, pool, size), ContentType="image/png")
        keys.append(key)
    return keys
