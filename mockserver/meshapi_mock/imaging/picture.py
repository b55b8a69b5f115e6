"""What the fake draws: a picture as rows of colour runs, and the scene default mode paints.

A `Picture` row is a tuple of runs `(end_x, colour)` covering `[0, width)` left to right.
Every encoder works from runs rather than pixels: a run costs one Python step however
long it is, so even a 4096x4096 image is cheap to produce. Rows that look alike are the
same tuple, which the encoders notice (PNG's "up" filter, WebP's copy of the row above,
JPEG's repeated blocks).

The scene — a vertical gradient behind a few rectangles and discs — is chosen by a hash
of a key (the prompt, seed and image index): same key, same picture; another key,
other colours and shapes. On images of 128 pixels or more a side, shapes sit on a
16-pixel grid, which keeps JPEG's 16x16 blocks simple without looking any different.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

Colour = tuple[int, int, int, int]
"""Red, green, blue, alpha: 0-255 each."""
Run = tuple[int, Colour]
Row = tuple[Run, ...]

TRANSPARENT: Colour = (0, 0, 0, 0)
SHAPES = 3
"""Shapes in a full default-mode scene; a partial image shows fewer."""
_GRID = 16
_GRID_FROM = 128


@dataclass(frozen=True, eq=False)
class Picture:
    width: int
    height: int
    rows: tuple[Row, ...]

    @cached_property
    def has_alpha(self) -> bool:
        return any(colour[3] != 255 for row in set(self.rows) for _, colour in row)

    def pixel(self, x: int, y: int) -> Colour:
        """One pixel, for tests and for the few places that need a single value."""
        for end, colour in self.rows[y]:
            if x < end:
                return colour
        raise IndexError(f"x={x} is outside a {self.width}-pixel row")


def solid(width: int, height: int, colour: Colour) -> Picture:
    row: Row = ((width, colour),)
    return Picture(width, height, (row,) * height)


# --------------------------------------------------------------------------- the scene


class _Numbers:
    """Deterministic numbers from a key (BLAKE2b in counter mode): the same on every
    Python, unlike `random`, whose algorithms may change between versions."""

    def __init__(self, key: bytes) -> None:
        self._key = hashlib.blake2b(key, digest_size=32).digest()
        self._blocks = self._generate()
        self._buffer = b""

    def _generate(self) -> Iterator[bytes]:
        counter = 0
        while True:
            yield hashlib.blake2b(counter.to_bytes(8, "little"), key=self._key).digest()
            counter += 1

    def below(self, bound: int) -> int:
        """An integer in [0, bound)."""
        if len(self._buffer) < 4:
            self._buffer += next(self._blocks)
        value, self._buffer = int.from_bytes(self._buffer[:4], "little"), self._buffer[4:]
        return value % bound

    def fraction(self) -> float:
        return self.below(1 << 30) / (1 << 30)

    def colour(self) -> tuple[int, int, int]:
        return (self.below(256), self.below(256), self.below(256))


@dataclass(frozen=True)
class _Shape:
    kind: str  # "rect" or "disc"
    colour: Colour
    x0: float
    y0: float
    x1: float
    y1: float

    def span(self, y: float) -> tuple[float, float] | None:
        """The shape's horizontal extent at height `y` (in cells), or None."""
        if not self.y0 <= y < self.y1:
            return None
        if self.kind == "rect":
            return self.x0, self.x1
        cy, ry = (self.y0 + self.y1) / 2, (self.y1 - self.y0) / 2
        cx, rx = (self.x0 + self.x1) / 2, (self.x1 - self.x0) / 2
        t = (y - cy) / ry if ry else 0.0
        half = rx * math.sqrt(max(0.0, 1 - t * t))
        return cx - half, cx + half


def scene(
    width: int, height: int, key: bytes, *, transparent: bool, shapes: int = SHAPES
) -> Picture:
    """The default-mode picture for `key`: the first `shapes` shapes over the background.

    Partial images of a stream are the same scene with fewer shapes, so the last partial
    leads up to the final image.
    """
    numbers = _Numbers(key)
    top, bottom = numbers.colour(), numbers.colour()
    cell = _GRID if min(width, height) >= _GRID_FROM else 1
    columns, lines = math.ceil(width / cell), math.ceil(height / cell)
    drawn = [_shape(numbers, columns, lines) for _ in range(SHAPES)][: max(shapes, 0)]
    rows: list[Row] = []
    previous: Row | None = None
    for y in range(height):
        background = TRANSPARENT if transparent else _blend(top, bottom, y, height)
        row = _row(width, cell, y // cell + 0.5, background, drawn)
        if row == previous:
            assert previous is not None
            row = previous  # the same object: encoders spot repeated rows by identity
        rows.append(row)
        previous = row
    return Picture(width, height, tuple(rows))


def _shape(numbers: _Numbers, columns: int, lines: int) -> _Shape:
    kind = "disc" if numbers.below(2) else "rect"
    w = max(1.0, columns * (0.2 + 0.4 * numbers.fraction()))
    h = max(1.0, lines * (0.2 + 0.4 * numbers.fraction()))
    x0 = (columns - w) * numbers.fraction()
    y0 = (lines - h) * numbers.fraction()
    return _Shape(kind, (*numbers.colour(), 255), x0, y0, x0 + w, y0 + h)


def _blend(top: tuple[int, int, int], bottom: tuple[int, int, int], y: int, height: int) -> Colour:
    t = y / (height - 1) if height > 1 else 0.0
    r, g, b = (round(a + (z - a) * t) for a, z in zip(top, bottom, strict=True))
    return (r, g, b, 255)


def _row(width: int, cell: int, y: float, background: Colour, shapes: list[_Shape]) -> Row:
    runs: list[Run] = [(width, background)]
    for shape in shapes:
        span = shape.span(y)
        if span is None:
            continue
        start = min(max(round(span[0]) * cell, 0), width)
        end = min(max(round(span[1]) * cell, 0), width)
        if start < end:
            runs = paint(runs, start, end, shape.colour)
    return tuple(runs)


def paint(runs: list[Run], start: int, end: int, colour: Colour) -> list[Run]:
    """`runs` with `[start, end)` painted over in `colour` (neighbours of one colour merge)."""
    out: list[Run] = []
    begin = 0
    for run_end, run_colour in runs:
        if run_end <= start or begin >= end:
            _append(out, run_end, run_colour)
        else:
            if begin < start:
                _append(out, start, run_colour)
            _append(out, min(end, run_end), colour)
            if run_end > end:
                _append(out, run_end, run_colour)
        begin = run_end
    return out


def _append(runs: list[Run], end: int, colour: Colour) -> None:
    if runs and runs[-1][1] == colour:
        runs[-1] = (end, colour)
    else:
        runs.append((end, colour))
