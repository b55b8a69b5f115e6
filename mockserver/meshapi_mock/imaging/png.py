"""PNG: 8-bit RGB, or RGBA when the picture has transparency.

Rows are filtered from their runs without touching single pixels: a row like the one
above is all zeros under the "up" filter, and any other row under the "sub" filter is
zero except where a run begins. zlib then has almost nothing to do.
"""

from __future__ import annotations

import struct
import zlib

from .picture import Colour, Picture, Row

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_FILTER_SUB = b"\x01"
_FILTER_UP = b"\x02"
_BATCH = 1 << 20
"""Filtered bytes handed to zlib at a time, so a large image never sits whole in memory."""


def encode(picture: Picture, level: int = 6) -> bytes:
    alpha = picture.has_alpha
    channels = 4 if alpha else 3
    header = struct.pack(">IIBBBBB", picture.width, picture.height, 8, 6 if alpha else 2, 0, 0, 0)
    up_row = _FILTER_UP + bytes(picture.width * channels)
    # Run-length matching only: filtered rows are runs of zeros, which it finds as well
    # as a full search does, in about half the time.
    compressor = zlib.compressobj(level, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    parts: list[bytes] = []
    pending: list[bytes] = []
    size = 0
    previous: Row | None = None
    for row in picture.rows:
        line = up_row if row is previous or row == previous else _sub_filtered(row, channels)
        pending.append(line)
        size += len(line)
        if size >= _BATCH:
            parts.append(compressor.compress(b"".join(pending)))
            pending, size = [], 0
        previous = row
    parts.append(compressor.compress(b"".join(pending)))
    parts.append(compressor.flush())
    return b"".join(
        (
            _SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", b"".join(parts)),
            _chunk(b"IEND", b""),
        )
    )


def _sub_filtered(row: Row, channels: int) -> bytes:
    """The row under filter 1: each byte minus the same channel of the pixel before it."""
    pieces = [_FILTER_SUB]
    before: Colour = (0, 0, 0, 0)
    start = 0
    for end, colour in row:
        delta = bytes((colour[i] - before[i]) & 0xFF for i in range(channels))
        pieces.append(delta)
        pieces.append(bytes((end - start - 1) * channels))
        before, start = colour, end
    return b"".join(pieces)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
