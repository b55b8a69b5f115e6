"""Real, small, deterministic images in PNG, JPEG and lossless WebP, standard library only.

`draw` turns a `Drawing` (size, format, what to paint) into the encoded bytes: the
default-mode scene for a key, or one solid colour. The same drawing always gives the
same bytes, and recent ones are kept, so a test asking twice pays once. Encoders work
from colour runs (`picture.py`), which keeps even 4096x4096 images quick.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from . import jpeg, png, webp
from .colours import hex_colour, parse_colour
from .picture import SHAPES, Colour, Picture, scene, solid
from .sniff import ImageInfo, NotAnImage, kind, sniff

Format = Literal["png", "jpeg", "webp"]
FORMATS: tuple[Format, ...] = ("png", "jpeg", "webp")
MAX_SIDE = 4096
"""The largest width or height the fake draws (the largest sizes image models offer)."""

__all__ = [
    "FORMATS",
    "MAX_SIDE",
    "SHAPES",
    "Colour",
    "Drawing",
    "Format",
    "ImageInfo",
    "NotAnImage",
    "Picture",
    "draw",
    "encode",
    "hex_colour",
    "kind",
    "mime_type",
    "parse_colour",
    "picture",
    "sniff",
]


@dataclass(frozen=True)
class Drawing:
    """Everything that decides an image's bytes."""

    width: int
    height: int
    format: Format = "png"
    key: bytes = b""
    """What the scene is drawn from (prompt, seed, index…); ignored for a solid colour."""
    colour: Colour | None = None
    """Paint the whole image this colour instead of the scene (JPEG: over white)."""
    transparent: bool = False
    """A transparent background behind the scene's shapes (PNG and WebP; JPEG is opaque)."""
    shapes: int = SHAPES
    """Fewer shapes for a stream's partial images."""
    quality: int = jpeg.DEFAULT_QUALITY
    """JPEG quality, 1-100."""


def mime_type(format: Format) -> str:
    return f"image/{format}"


def picture(drawing: Drawing) -> Picture:
    if drawing.colour is not None:
        return solid(drawing.width, drawing.height, drawing.colour)
    transparent = drawing.transparent and drawing.format != "jpeg"
    return scene(
        drawing.width, drawing.height, drawing.key, transparent=transparent, shapes=drawing.shapes
    )


def encode(image: Picture, format: Format, quality: int = jpeg.DEFAULT_QUALITY) -> bytes:
    if format == "png":
        return png.encode(image)
    if format == "jpeg":
        return jpeg.encode(image, quality)
    return webp.encode(image)


@lru_cache(maxsize=32)
def draw(drawing: Drawing) -> bytes:
    if not (1 <= drawing.width <= MAX_SIDE and 1 <= drawing.height <= MAX_SIDE):
        raise ValueError(f"{drawing.width}x{drawing.height} is outside 1..{MAX_SIDE} a side")
    return encode(picture(drawing), drawing.format, drawing.quality)
