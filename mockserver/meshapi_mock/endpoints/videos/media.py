"""A task's video and last frame: real, small, deterministic files.

The video is an MP4 (ISO base media file: `ftyp`, `moov` with one video track, `mdat`)
whose samples are JPEG pictures (`jpeg` sample entry, which ffmpeg and other MP4 readers
decode as Motion JPEG) drawn by `meshapi_mock.imaging` at the task's size: one picture
per second, up to `MAX_PICTURES`, each repeated for a second's frames (the sample table
points every frame of a second at the same bytes, so a 10 s, 24 fps video holds ten
pictures, not 240). The last frame is the last picture as a PNG. The same task always
gives the same bytes; a few recent videos are kept.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache

from ...imaging import Drawing, draw

MAX_PICTURES = 8
TIMESCALE = 1000
"""Movie timescale: milliseconds."""

_SHORT_SIDE = {"480p": 480, "720p": 720, "1080p": 1080}
_RATIOS = {
    "16:9": (16, 9),
    "4:3": (4, 3),
    "1:1": (1, 1),
    "3:4": (3, 4),
    "9:16": (9, 16),
    "21:9": (21, 9),
}


def size(resolution: str, ratio: str) -> tuple[int, int]:
    """Width and height: the short side is the resolution's, the long one follows the
    ratio (even, as video encoders want); `adaptive` and `keep_ratio` are taken as 16:9."""
    short = _SHORT_SIDE[resolution]
    a, b = _RATIOS.get(ratio, (16, 9))
    long = round(short * max(a, b) / min(a, b) / 2) * 2
    return (long, short) if a >= b else (short, long)


@dataclass(frozen=True)
class Video:
    width: int
    height: int
    frames: int
    fps: int
    key: bytes

    @property
    def pictures(self) -> int:
        return max(1, min(MAX_PICTURES, -(-self.frames // self.fps)))

    def picture_key(self, index: int) -> bytes:
        return self.key + b"\x00%d" % index


def last_frame(video: Video) -> bytes:
    """The last picture, as a PNG."""
    key = video.picture_key(video.pictures - 1)
    return draw(Drawing(video.width, video.height, "png", key=key))


@lru_cache(maxsize=4)
def mp4(video: Video) -> bytes:
    pictures = [
        draw(Drawing(video.width, video.height, "jpeg", key=video.picture_key(i)))
        for i in range(video.pictures)
    ]
    # Frame n shows picture n // fps (the last one for the rest, past MAX_PICTURES seconds).
    shown = [min(n // video.fps, len(pictures) - 1) for n in range(video.frames)]
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    moov = _moov(video, pictures, shown, [0] * len(pictures))
    start = len(ftyp) + len(moov) + 8  # the moov's size does not depend on the offsets
    offsets, at = [], start
    for picture in pictures:
        offsets.append(at)
        at += len(picture)
    moov = _moov(video, pictures, shown, offsets)
    return ftyp + moov + _box(b"mdat", b"".join(pictures))


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full(kind: bytes, version: int, flags: int, payload: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags) + payload)


_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def _moov(video: Video, pictures: list[bytes], shown: list[int], offsets: list[int]) -> bytes:
    duration_ms = round(video.frames * TIMESCALE / video.fps)
    mvhd = _full(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, TIMESCALE, duration_ms)
        + struct.pack(">IH", 0x10000, 0x100)
        + b"\x00" * 10
        + _MATRIX
        + b"\x00" * 24
        + struct.pack(">I", 2),
    )
    tkhd = _full(
        b"tkhd",
        0,
        3,  # enabled, in the movie
        struct.pack(">IIIII", 0, 0, 1, 0, duration_ms)
        + b"\x00" * 8
        + struct.pack(">hhhH", 0, 0, 0, 0)
        + _MATRIX
        + struct.pack(">II", video.width << 16, video.height << 16),
    )
    mdhd = _full(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, video.fps, video.frames, 0x55C4, 0))
    hdlr = _full(b"hdlr", 0, 0, b"\x00" * 4 + b"vide" + b"\x00" * 12 + b"VideoHandler\x00")
    vmhd = _full(b"vmhd", 0, 1, b"\x00" * 8)
    dinf = _box(b"dinf", _full(b"dref", 0, 0, struct.pack(">I", 1) + _full(b"url ", 0, 1, b"")))
    name = b"Photo - JPEG"
    entry = _box(
        b"jpeg",
        b"\x00" * 6
        + struct.pack(">H", 1)  # data reference index
        + b"\x00" * 16
        + struct.pack(">HH", video.width, video.height)
        + struct.pack(">II", 0x480000, 0x480000)  # 72 dpi
        + b"\x00" * 4
        + struct.pack(">H", 1)  # frames per sample
        + bytes([len(name)])
        + name.ljust(31, b"\x00")
        + struct.pack(">Hh", 0x18, -1),
    )
    stsd = _full(b"stsd", 0, 0, struct.pack(">I", 1) + entry)
    stts = _full(b"stts", 0, 0, struct.pack(">III", 1, video.frames, 1))
    # One sample per chunk; each chunk is the picture its frame shows.
    stsc = _full(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, 1, 1))
    sizes = b"".join(struct.pack(">I", len(pictures[p])) for p in shown)
    stsz = _full(b"stsz", 0, 0, struct.pack(">II", 0, len(shown)) + sizes)
    chunks = b"".join(struct.pack(">I", offsets[p]) for p in shown)
    stco = _full(b"stco", 0, 0, struct.pack(">I", len(shown)) + chunks)
    stbl = _box(b"stbl", stsd + stts + stsc + stsz + stco)
    minf = _box(b"minf", vmhd + dinf + stbl)
    mdia = _box(b"mdia", mdhd + hdlr + minf)
    trak = _box(b"trak", tkhd + mdia)
    return _box(b"moov", mvhd + trak)
