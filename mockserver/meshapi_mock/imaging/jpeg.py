"""Baseline JPEG (JFIF): YCbCr with 4:2:0 chroma, 8x8 DCT, quantisation, Huffman codes.

The image is cut into 16x16 MCUs (four luma blocks, one Cb, one Cr). A picture made of
runs repeats itself along a row: an MCU whose 32-pixel neighbourhood holds no run
boundary in any of its rows equals the MCU before it, so its bits are the previous
MCU's bits again and only MCUs at run boundaries are transformed. Distinct blocks are
transformed once per image (a cache keyed by their samples), rows that are one colour
skip the row transform, and the Huffman tables are fitted to the image (two passes).
Transparent pixels are composited over white: JPEG has no alpha.
"""

from __future__ import annotations

import math
import struct
from itertools import repeat
from operator import mul

from .huffman import canonical_codes, code_lengths
from .picture import Colour, Picture, Row

DEFAULT_QUALITY = 90

# The example tables of the JPEG standard (ITU T.81, Annex K), row-major; quality scales them.
_LUMA = (
    *(16, 11, 10, 16, 24, 40, 51, 61),
    *(12, 12, 14, 19, 26, 58, 60, 55),
    *(14, 13, 16, 24, 40, 57, 69, 56),
    *(14, 17, 22, 29, 51, 87, 80, 62),
    *(18, 22, 37, 56, 68, 109, 103, 77),
    *(24, 35, 55, 64, 81, 104, 113, 92),
    *(49, 64, 78, 87, 103, 121, 120, 101),
    *(72, 92, 95, 98, 112, 100, 103, 99),
)
_CHROMA = (
    *(17, 18, 24, 47, 99, 99, 99, 99),
    *(18, 21, 26, 66, 99, 99, 99, 99),
    *(24, 26, 56, 99, 99, 99, 99, 99),
    *(47, 66, 99, 99, 99, 99, 99, 99),
    *(99,) * 32,
)


def _zigzag() -> tuple[int, ...]:
    """Row-major positions in the order coefficients are coded (anti-diagonals, zigzag)."""
    order: list[int] = []
    for diagonal in range(15):
        cells = [(r, diagonal - r) for r in range(8) if 0 <= diagonal - r < 8]
        if diagonal % 2 == 0:
            cells.reverse()
        order.extend(r * 8 + c for r, c in cells)
    return tuple(order)


ZIGZAG = _zigzag()
_BASIS = tuple(
    tuple(
        (math.sqrt(0.125) if u == 0 else 0.5) * math.cos((2 * x + 1) * u * math.pi / 16)
        for x in range(8)
    )
    for u in range(8)
)
"""The orthonormal 8-point DCT-II: coefficient u = Σ basis[u][x] · sample[x]."""
_FLAT = 8 * _BASIS[0][0]
"""Transform of a row of equal samples: only its first coefficient, value x √8."""

# Huffman tables: 0 DC luma, 1 AC luma, 2 DC chroma, 3 AC chroma.
_DC_LUMA, _AC_LUMA, _DC_CHROMA, _AC_CHROMA = range(4)
_RESERVED = 256
"""A symbol no block uses, given the one all-ones code JPEG forbids."""

Symbol = tuple[int, int, int, int]
"""(table, symbol, extra bits value, extra bits count)."""


def quantisation_table(base: tuple[int, ...], quality: int) -> tuple[int, ...]:
    """The base table scaled as the common IJG convention does (50 = as printed)."""
    quality = min(max(quality, 1), 100)
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return tuple(min(max((value * scale + 50) // 100, 1), 255) for value in base)


def encode(picture: Picture, quality: int = DEFAULT_QUALITY) -> bytes:
    tables = (quantisation_table(_LUMA, quality), quantisation_table(_CHROMA, quality))
    scan = _Scan(picture, tables)
    items = scan.items()
    codes = _fit_tables(items)
    data = _entropy_coded(items, codes)
    return b"".join(
        (
            b"\xff\xd8",
            _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            _segment(
                0xDB,
                b"\x00"
                + bytes(tables[0][z] for z in ZIGZAG)
                + b"\x01"
                + bytes(tables[1][z] for z in ZIGZAG),
            ),
            _segment(
                0xC0,
                struct.pack(">BHHB", 8, picture.height, picture.width, 3)
                + bytes((1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)),
            ),
            _segment(
                0xC4,
                b"".join(_table_spec(index, lengths) for index, (lengths, _) in enumerate(codes)),
            ),
            _segment(0xDA, bytes((3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0))),
            data,
            b"\xff\xd9",
        )
    )


# --------------------------------------------------------------------------- pass 1: symbols


class _Scan:
    """Walks the picture MCU by MCU and lists the symbols each one codes."""

    def __init__(self, picture: Picture, tables: tuple[tuple[int, ...], ...]) -> None:
        self.picture = picture
        self.tables = tables
        self.padded_width = -(-picture.width // 16) * 16
        self.ycc: dict[Colour, tuple[int, int, int]] = {}
        self.planes: dict[Row, tuple[bytes, bytes, bytes]] = {}
        self.blocks: dict[tuple[int, bytes], tuple[int, tuple[Symbol, ...]]] = {}

    def items(self) -> list[tuple[tuple[Symbol, ...], int]]:
        """The scan as (an MCU's symbols, how many MCUs in a row code exactly those)."""
        picture = self.picture
        columns = self.padded_width // 16
        predictors = [0, 0, 0]
        out: list[tuple[tuple[Symbol, ...], int]] = []
        last_row = picture.height - 1
        for top in range(0, picture.height, 16):
            rows = [picture.rows[min(y, last_row)] for y in range(top, top + 16)]
            planes = [self._planes(row) for row in rows]
            fresh = self._fresh_columns(rows, columns)
            luma = [plane[0] for plane in planes]
            blue = [planes[y][1][::2] for y in range(0, 16, 2)]
            red = [planes[y][2][::2] for y in range(0, 16, 2)]
            previous: tuple[tuple[int, tuple[Symbol, ...]], ...] = ()
            repeat_symbols: tuple[Symbol, ...] | None = None
            for column in range(columns):
                if not fresh[column]:
                    if repeat_symbols is None:  # the MCU again, from its own predictors
                        repeat_symbols = self._mcu_symbols(
                            previous, list(_own_predictors(previous))
                        )
                    symbols, count = out[-1]
                    if symbols is repeat_symbols:
                        out[-1] = (symbols, count + 1)
                    else:
                        out.append((repeat_symbols, 1))
                    continue
                x = column * 16
                blocks = (
                    self._block(0, luma[0:8], x),
                    self._block(0, luma[0:8], x + 8),
                    self._block(0, luma[8:16], x),
                    self._block(0, luma[8:16], x + 8),
                    self._block(1, blue, x // 2),
                    self._block(1, red, x // 2),
                )
                out.append((self._mcu_symbols(blocks, predictors), 1))
                previous, repeat_symbols = blocks, None
        return out

    def _fresh_columns(self, rows: list[Row], columns: int) -> list[bool]:
        """Which MCUs may differ from the one before: those near a run boundary."""
        fresh = [False] * columns
        fresh[0] = True
        for row in set(rows):
            for end, _ in row[:-1]:
                column, inside = divmod(end, 16)
                fresh[column] = True
                if inside and column + 1 < columns:
                    fresh[column + 1] = True
        return fresh

    def _planes(self, row: Row) -> tuple[bytes, bytes, bytes]:
        """The row's Y, Cb and Cr samples, padded to whole MCUs with its last colour."""
        planes = self.planes.get(row)
        if planes is None:
            pieces: tuple[list[bytes], list[bytes], list[bytes]] = ([], [], [])
            start = 0
            for index, (end, colour) in enumerate(row):
                if index == len(row) - 1:
                    end = self.padded_width
                ycc = self._ycc(colour)
                for channel in range(3):
                    pieces[channel].append(bytes((ycc[channel],)) * (end - start))
                start = end
            planes = (b"".join(pieces[0]), b"".join(pieces[1]), b"".join(pieces[2]))
            self.planes[row] = planes
        return planes

    def _ycc(self, colour: Colour) -> tuple[int, int, int]:
        found = self.ycc.get(colour)
        if found is None:
            r, g, b, a = colour
            if a != 255:  # over white
                r, g, b = (round(c * a / 255 + 255 * (1 - a / 255)) for c in (r, g, b))
            found = (
                _byte(0.299 * r + 0.587 * g + 0.114 * b),
                _byte(128 - 0.168736 * r - 0.331264 * g + 0.5 * b),
                _byte(128 + 0.5 * r - 0.418688 * g - 0.081312 * b),
            )
            self.ycc[colour] = found
        return found

    def _block(self, table: int, rows: list[bytes], x: int) -> tuple[int, tuple[Symbol, ...]]:
        samples = b"".join([row[x : x + 8] for row in rows])
        key = (table, samples)
        found = self.blocks.get(key)
        if found is None:
            coefficients = _quantised_dct(samples, self.tables[table])
            found = (coefficients[0], _ac_symbols(coefficients, table))
            self.blocks[key] = found
        return found

    @staticmethod
    def _mcu_symbols(
        blocks: tuple[tuple[int, tuple[Symbol, ...]], ...], predictors: list[int]
    ) -> tuple[Symbol, ...]:
        """The MCU's symbols; `predictors` (per component) move on to its last DCs."""
        symbols: list[Symbol] = []
        for index, (dc, ac) in enumerate(blocks):
            component = 0 if index < 4 else index - 3
            symbols.append(_dc_symbol(dc - predictors[component], component))
            predictors[component] = dc
            symbols.extend(ac)
        return tuple(symbols)


def _byte(value: float) -> int:
    return min(max(round(value), 0), 255)


def _own_predictors(blocks: tuple[tuple[int, tuple[Symbol, ...]], ...]) -> tuple[int, int, int]:
    """The predictors an MCU leaves behind: what the same MCU repeated starts from."""
    return (blocks[3][0], blocks[4][0], blocks[5][0])


def _quantised_dct(samples: bytes, table: tuple[int, ...]) -> list[int]:
    """The block's quantised coefficients, in zigzag order."""
    first = samples[0]
    if samples.count(first) == 64:
        return [round((first - 128) * 8 / table[0]), *repeat(0, 63)]
    rows: list[list[float]] = []
    for top in range(0, 64, 8):
        row = samples[top : top + 8]
        if row.count(row[0]) == 8:
            rows.append([(row[0] - 128) * _FLAT, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
        else:
            shifted = [value - 128 for value in row]
            rows.append([sum(map(mul, basis, shifted)) for basis in _BASIS])
    coefficients = [0.0] * 64
    for u in range(8):
        column = [row[u] for row in rows]
        if any(column):
            for v in range(8):
                coefficients[v * 8 + u] = sum(map(mul, _BASIS[v], column))
    return [round(coefficients[z] / table[z]) for z in ZIGZAG]


def _magnitude(value: int) -> tuple[int, int]:
    """JPEG's (size, extra bits) of a value: negatives as one's complement."""
    size = abs(value).bit_length()
    return size, (value if value >= 0 else value + (1 << size) - 1)


def _dc_symbol(difference: int, component: int) -> Symbol:
    size, bits = _magnitude(difference)
    return (_DC_LUMA if component == 0 else _DC_CHROMA, size, bits, size)


def _ac_symbols(coefficients: list[int], table: int) -> tuple[Symbol, ...]:
    which = _AC_LUMA if table == 0 else _AC_CHROMA
    last = 63
    while last > 0 and coefficients[last] == 0:
        last -= 1
    symbols: list[Symbol] = []
    zeros = 0
    for value in coefficients[1 : last + 1]:
        if value == 0:
            zeros += 1
            continue
        while zeros > 15:
            symbols.append((which, 0xF0, 0, 0))
            zeros -= 16
        size, bits = _magnitude(value)
        symbols.append((which, (zeros << 4) | size, bits, size))
        zeros = 0
    if last < 63:
        symbols.append((which, 0x00, 0, 0))
    return tuple(symbols)


# --------------------------------------------------------------------------- pass 2: bits

Code = tuple[dict[int, int], dict[int, int]]
"""(lengths, codes) of one Huffman table."""


def _fit_tables(items: list[tuple[tuple[Symbol, ...], int]]) -> list[Code]:
    counts: list[dict[int, int]] = [{}, {}, {}, {}]
    for symbols, times in items:
        for table, symbol, _, _ in symbols:
            counts[table][symbol] = counts[table].get(symbol, 0) + times
    fitted: list[Code] = []
    for table_counts in counts:
        lengths = code_lengths({**table_counts, _RESERVED: 1}, 16)
        longest = max(lengths.values())
        if lengths[_RESERVED] < longest:  # the reserved symbol takes a longest code
            other = next(s for s, n in lengths.items() if n == longest)
            lengths[other], lengths[_RESERVED] = lengths[_RESERVED], longest
        codes = canonical_codes(lengths)  # the reserved symbol sorts last: all ones
        del lengths[_RESERVED], codes[_RESERVED]
        fitted.append((lengths, codes))
    return fitted


def _table_spec(index: int, lengths: dict[int, int]) -> bytes:
    kind, ident = index % 2, index // 2  # 0 DC / 1 AC; 0 luma / 1 chroma
    counts = [0] * 16
    for length in lengths.values():
        counts[length - 1] += 1
    values = sorted(lengths, key=lambda symbol: (lengths[symbol], symbol))
    return bytes((kind << 4 | ident, *counts, *values))


def _entropy_coded(items: list[tuple[tuple[Symbol, ...], int]], codes: list[Code]) -> bytes:
    out = bytearray()
    acc = 0
    size = 0
    coded: dict[int, tuple[int, int]] = {}
    for symbols, times in items:
        found = coded.get(id(symbols))
        if found is None:
            value = bits = 0
            for table, symbol, extra, extra_bits in symbols:
                length = codes[table][0][symbol]
                value = (((value << length) | codes[table][1][symbol]) << extra_bits) | extra
                bits += length + extra_bits
            found = (value, bits)
            coded[id(symbols)] = found
        value, bits = found
        for _ in range(times):
            acc = (acc << bits) | value
            size += bits
            if size >= 4096:
                whole, size = divmod(size, 8)
                out += (acc >> size).to_bytes(whole, "big")
                acc &= (1 << size) - 1
        # `items` keeps every symbols tuple alive, so `id` stays unique while coding.
    pad = -size % 8
    acc = (acc << pad) | ((1 << pad) - 1)
    size += pad
    out += acc.to_bytes(size // 8, "big")
    return bytes(out).replace(b"\xff", b"\xff\x00")


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload
