"""What an uploaded image is: its format and size, read from its header only.

Edits and reference images arrive as base64; the gateway refuses anything that is not
a PNG, JPEG, WebP or GIF. Reading the header is enough to tell, to size the answer like
the input, and costs nothing however large the image.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class ImageInfo:
    format: str  # png, jpeg, webp, gif
    width: int
    height: int

    @property
    def mime_type(self) -> str:
        return f"image/{self.format}"


class NotAnImage(ValueError):
    """The bytes are not an image the gateway accepts; the message says why."""


def kind(data: bytes) -> str | None:
    """The format its first 12 bytes announce (png, jpeg, webp, gif), or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def sniff(data: bytes) -> ImageInfo:
    found = kind(data)
    if found == "png":
        return _png(data)
    if found == "jpeg":
        return _jpeg(data)
    if found == "webp":
        return _webp(data)
    if found == "gif":
        return _sized("gif", *struct.unpack("<HH", _need(data, 10, "GIF")[6:10]))
    raise NotAnImage("its bytes are not a PNG, JPEG, WebP or GIF file")


def _need(data: bytes, size: int, what: str) -> bytes:
    if len(data) < size:
        raise NotAnImage(f"the {what} image is truncated")
    return data


def _sized(kind: str, width: int, height: int) -> ImageInfo:
    if width < 1 or height < 1:
        raise NotAnImage(f"the {kind.upper()} image says it is {width}x{height} pixels")
    return ImageInfo(kind, width, height)


def _png(data: bytes) -> ImageInfo:
    _need(data, 24, "PNG")
    if data[12:16] != b"IHDR":
        raise NotAnImage("the PNG image does not start with its IHDR header")
    return _sized("png", *struct.unpack(">II", data[16:24]))


_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
"""Start-of-frame markers (not DHT, JPG or DAC, which share the range)."""
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD9)})


def _jpeg(data: bytes) -> ImageInfo:
    index = 2
    while index + 4 <= len(data):
        if data[index] != 0xFF:
            raise NotAnImage("the JPEG image has a broken marker")
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        if marker in _STANDALONE:
            index += 2
            continue
        if marker == 0xD9 or marker == 0xDA:
            break  # end of image or start of scan before any frame header
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        if marker in _SOF:
            header = _need(data, index + 9, "JPEG")[index + 5 : index + 9]
            height, width = struct.unpack(">HH", header)
            return _sized("jpeg", width, height)
        index += 2 + length
    raise NotAnImage("the JPEG image has no frame header")


def _webp(data: bytes) -> ImageInfo:
    kind = data[12:16]
    if kind == b"VP8 ":
        frame = _need(data, 30, "WebP")[20:30]
        if frame[3:6] != b"\x9d\x01\x2a":
            raise NotAnImage("the WebP image has a broken VP8 frame header")
        width, height = struct.unpack("<HH", frame[6:10])
        return _sized("webp", width & 0x3FFF, height & 0x3FFF)
    if kind == b"VP8L":
        header = _need(data, 25, "WebP")[20:25]
        if header[0] != 0x2F:
            raise NotAnImage("the WebP image has a broken VP8L signature")
        bits = int.from_bytes(header[1:5], "little")
        return _sized("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if kind == b"VP8X":
        header = _need(data, 30, "WebP")[24:30]
        width = int.from_bytes(header[0:3], "little") + 1
        height = int.from_bytes(header[3:6], "little") + 1
        return _sized("webp", width, height)
    raise NotAnImage("the WebP image has no VP8, VP8L or VP8X chunk")
