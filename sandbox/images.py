"""Image dimensions read from file headers (PNG, JPEG, GIF, BMP, WebP), standard library only.

Ground Truth reports each image's ``width``, ``height`` and ``depth`` (channels)
in the output manifest; the sandbox reads them from the real bytes in S3 so a
zero-byte object, a text file or a truncated header is a per-object failure,
as it is in the real service.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

# Only the first bytes are needed for every format but JPEG, whose frame header
# may follow large metadata segments (EXIF thumbnails): JPEG gets the whole file.
HEADER_BYTES = 64


class ImageError(ValueError):
    """The bytes are not an image this module can size; ``str()`` says why."""


@dataclass(frozen=True)
class ImageSize:
    width: int
    height: int
    depth: int  # channels: 1 grey, 2 grey+alpha, 3 colour, 4 colour+alpha
    format: str  # png | jpeg | gif | bmp | webp


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}
# JPEG start-of-frame markers (baseline, progressive, lossless, ...); not DHT/JPG/DAC.
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def image_size(data: bytes) -> ImageSize:
    """Width, height and depth of a PNG/JPEG/GIF/BMP/WebP image; ImageError otherwise."""
    if not data:
        raise ImageError("the object is empty (0 bytes), not an image")
    if data.startswith(_PNG_SIGNATURE):
        return _png(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data)
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return _gif(data)
    if data.startswith(b"BM"):
        return _bmp(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    raise ImageError("not a PNG, JPEG, GIF, BMP or WebP image (unknown file signature)")


def _checked(width: int, height: int, depth: int, fmt: str) -> ImageSize:
    if width <= 0 or height <= 0:
        raise ImageError(f"{fmt} header gives an invalid size {width}x{height}")
    return ImageSize(width, height, depth, fmt)


def _png(data: bytes) -> ImageSize:
    if len(data) < 26 or data[12:16] != b"IHDR":
        raise ImageError("truncated PNG: no IHDR chunk")
    width, height = struct.unpack(">II", data[16:24])
    color_type = data[25]
    if color_type not in _PNG_CHANNELS:
        raise ImageError(f"PNG has an invalid colour type {color_type}")
    return _checked(width, height, _PNG_CHANNELS[color_type], "png")


def _jpeg(data: bytes) -> ImageSize:
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ImageError(f"corrupt JPEG: expected a marker at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _JPEG_SOF:
            if pos + 10 > len(data):
                break
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return _checked(width, height, data[pos + 9], "jpeg")
        if marker == 0xD9 or length < 2:
            break
        pos += 2 + length
    raise ImageError("truncated or corrupt JPEG: no frame header (SOF) found")


def _gif(data: bytes) -> ImageSize:
    if len(data) < 10:
        raise ImageError("truncated GIF: no logical screen descriptor")
    width, height = struct.unpack("<HH", data[6:10])
    return _checked(width, height, 3, "gif")


def _bmp(data: bytes) -> ImageSize:
    if len(data) < 26:
        raise ImageError("truncated BMP: no DIB header")
    (header_size,) = struct.unpack("<I", data[14:18])
    if header_size == 12:  # OS/2 BITMAPCOREHEADER
        width, height, _planes, bits = struct.unpack("<HHHH", data[18:26])
    else:
        if len(data) < 30:
            raise ImageError("truncated BMP: no DIB header")
        width, height, _planes, bits = struct.unpack("<iiHH", data[18:30])
    return _checked(width, abs(height), 4 if bits == 32 else 3, "bmp")


def _webp(data: bytes) -> ImageSize:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        if data[23:26] != b"\x9d\x01\x2a":
            raise ImageError("corrupt WebP: bad VP8 frame start code")
        width, height = struct.unpack("<HH", data[26:30])
        return _checked(width & 0x3FFF, height & 0x3FFF, 3, "webp")
    if chunk == b"VP8L" and len(data) >= 25:
        if data[20] != 0x2F:
            raise ImageError("corrupt WebP: bad VP8L signature")
        bits = int.from_bytes(data[21:25], "little")
        width = (bits & 0x3FFF) + 1
        height = ((bits >> 14) & 0x3FFF) + 1
        alpha = (bits >> 28) & 1
        return _checked(width, height, 4 if alpha else 3, "webp")
    if chunk == b"VP8X" and len(data) >= 30:
        flags = data[20]
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return _checked(width, height, 4 if flags & 0x10 else 3, "webp")
    raise ImageError("truncated or unsupported WebP (no VP8/VP8L/VP8X header)")
