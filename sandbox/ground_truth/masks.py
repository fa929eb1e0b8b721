"""Semantic segmentation masks as PNG files (Pillow): what workers paint and what consolidation writes.

A worker's crowd-semantic-segmentation answer carries the painted image as a base64 PNG
(``labeledImage.pngImageData``) and the colour of each label (``labelMappings``); unpainted
pixels are the background (sms-ui-template-crowd-semantic-segmentation, "Output"). The
consolidated label is a PNG in S3 whose colours the output metadata's ``internal-color-map``
names, with ``"0"`` the ``BACKGROUND`` in ``#ffffff`` (sms-data-output, "Semantic Segmentation Job
Output").
"""
from __future__ import annotations

import base64
import io

from PIL import Image, ImageDraw

BACKGROUND = "BACKGROUND"
BACKGROUND_HEX = "#ffffff"
# The colours the worker UI gives labels in order (those of the crowd-semantic-segmentation and
# crowd-image-classifier examples: #1f77b4, #ff7f0e, #2ca02c, #d62728, ...). Which colour a real
# worker's UI picks is not documented; consolidation reads them from labelMappings either way.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf")


class MaskError(ValueError):
    """The painted image is not a usable mask."""


def label_colour(index: int) -> str:
    """The worker UI's colour for the label at ``index`` (wraps with a shade past the palette)."""
    base = PALETTE[index % len(PALETTE)]
    shade = index // len(PALETTE)
    if not shade:
        return base
    r, g, b = (max(0, int(base[i:i + 2], 16) - 16 * shade) for i in (1, 3, 5))
    return f"#{r:02x}{g:02x}{b:02x}"


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    if len(value) != 6:
        raise MaskError(f"colour {hex_colour!r} is not #rrggbb")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def paint(width: int, height: int, regions: list[tuple[str, int, int, int, int]]) -> bytes:
    """A PNG of ``width`` x ``height``: white, with each (colour, left, top, width, height) region filled."""
    image = Image.new("RGB", (width, height), _rgb(BACKGROUND_HEX))
    draw = ImageDraw.Draw(image)
    for colour, left, top, region_width, region_height in regions:
        draw.rectangle((left, top, left + region_width - 1, top + region_height - 1), fill=_rgb(colour))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def encode(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


def decode(data: object) -> bytes:
    if not isinstance(data, str):
        raise MaskError("labeledImage.pngImageData must be a base64 string")
    try:
        return base64.b64decode(data, validate=True)
    except ValueError:
        raise MaskError("labeledImage.pngImageData is not base64") from None


def colours(png: bytes) -> tuple[tuple[int, int], set[str]]:
    """(width, height) and the set of #rrggbb colours of a PNG (MaskError if it is not one)."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            if image.format != "PNG":
                raise MaskError(f"the mask is {image.format}, not PNG")
            rgb = image.convert("RGB")
            found = rgb.getcolors(maxcolors=1 << 24) or []
            return rgb.size, {f"#{r:02x}{g:02x}{b:02x}" for _, (r, g, b) in found}
    except (OSError, SyntaxError) as error:
        raise MaskError(f"the mask is not a PNG image ({error})") from None
