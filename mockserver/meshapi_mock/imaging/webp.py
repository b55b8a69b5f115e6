"""Lossless WebP (VP8L): no transforms, no colour cache, one group of prefix codes.

Each run starts with one literal pixel and copies the rest from the pixel before it (a
backward reference at distance 1); a row like the one above is one copy at distance
`width`. So the symbols to code grow with the runs, not the pixels. The five prefix
codes (green and lengths, red, blue, alpha, distances) are fitted to those symbols;
an alphabet with one or two symbols uses the format's "simple" code.
"""

from __future__ import annotations

import struct
from collections import Counter
from functools import lru_cache

from .huffman import canonical_codes, code_lengths, reverse_bits
from .picture import Colour, Picture, Row

_SIGNATURE = 0x2F
_MAX_COPY = 4096
"""The longest backward reference the format can express."""
_PLANE_OFFSET = 120
"""Distance codes above 120 are plain distances plus 120 (below: a 2-D neighbourhood)."""
_CODE_LENGTH_ORDER = (17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
_LITERALS = 256
_LENGTH_CODES = 24
_DISTANCE_CODES = 40
_MAX_CODE_LENGTH = 15

Literal = tuple[int, int, int, int]  # green, red, blue, alpha
Copy = tuple[int, int]  # length, distance code
Token = Literal | Copy
Codebook = dict[int, tuple[int, int]]
"""Symbol -> (code with its bits reversed, length)."""


def encode(picture: Picture) -> bytes:
    tokens = _tokens(picture)
    bits = _BitWriter()
    bits.write(_SIGNATURE, 8)
    bits.write(picture.width - 1, 14)
    bits.write(picture.height - 1, 14)
    bits.write(1 if picture.has_alpha else 0, 1)
    bits.write(0, 3)  # version
    bits.write(0, 1)  # no transform
    bits.write(0, 1)  # no colour cache
    bits.write(0, 1)  # one prefix code group for the whole image
    books = _write_codes(bits, tokens)
    _write_tokens(bits, tokens, books)
    data = bits.finish()
    chunk = b"VP8L" + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) % 2)
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def _tokens(picture: Picture) -> list[Token]:
    width = picture.width
    tokens: list[Token] = []
    previous: Row | None = None
    for row in picture.rows:
        if row is previous or row == previous:
            _copy(tokens, width, width + _PLANE_OFFSET)
        else:
            start = 0
            for end, colour in row:
                tokens.append(_literal(colour))
                _copy(tokens, end - start - 1, 1 + _PLANE_OFFSET)
                start = end
        previous = row
    return tokens


def _literal(colour: Colour) -> Literal:
    red, green, blue, alpha = colour
    return (green, red, blue, alpha)


def _copy(tokens: list[Token], length: int, distance_code: int) -> None:
    while length > 0:
        piece = min(length, _MAX_COPY)
        tokens.append((piece, distance_code))
        length -= piece


@lru_cache(maxsize=4096)
def prefix(value: int) -> tuple[int, int, int]:
    """A length or distance code as (prefix symbol, extra bit count, extra bits)."""
    offset = value - 1
    if offset < 4:
        return offset, 0, 0
    high = offset.bit_length() - 1
    second = (offset >> (high - 1)) & 1
    extra_bits = high - 1
    return 2 * high + second, extra_bits, offset & ((1 << extra_bits) - 1)


# --------------------------------------------------------------------------- prefix codes


def _write_codes(bits: _BitWriter, tokens: list[Token]) -> list[Codebook]:
    counts: list[Counter[int]] = [Counter() for _ in range(5)]
    green, red, blue, alpha, distance = counts
    for token, times in Counter(tokens).items():
        if len(token) == 4:
            green[token[0]] += times
            red[token[1]] += times
            blue[token[2]] += times
            alpha[token[3]] += times
        else:
            green[_LITERALS + prefix(token[0])[0]] += times
            distance[prefix(token[1])[0]] += times
    sizes = (_LITERALS + _LENGTH_CODES, _LITERALS, _LITERALS, _LITERALS, _DISTANCE_CODES)
    return [_write_code(bits, count, size) for count, size in zip(counts, sizes, strict=True)]


def _write_code(bits: _BitWriter, counts: Counter[int], alphabet: int) -> Codebook:
    used = sorted(symbol for symbol, count in counts.items() if count > 0) or [0]
    if len(used) <= 2 and used[-1] < _LITERALS:
        bits.write(1, 1)  # simple code
        bits.write(len(used) - 1, 1)
        first = used[0]
        if first < 2:
            bits.write(0, 1)
            bits.write(first, 1)
        else:
            bits.write(1, 1)
            bits.write(first, 8)
        if len(used) == 1:
            return {first: (0, 0)}  # a lone symbol costs no bits
        bits.write(used[1], 8)
        return _codebook(dict.fromkeys(used, 1))
    if len(used) == 1:  # a code needs two symbols: add one that never occurs
        counts = Counter({used[0]: 1, (0 if used[0] else 1): 1})
    lengths = code_lengths(counts, _MAX_CODE_LENGTH)
    bits.write(0, 1)  # normal code
    _write_lengths(bits, [lengths.get(symbol, 0) for symbol in range(alphabet)])
    return _codebook(lengths)


def _write_lengths(bits: _BitWriter, lengths: list[int]) -> None:
    """Code lengths, run-length coded with their own prefix code (at most 7 bits)."""
    runs = _length_runs(lengths)
    counts = Counter(symbol for symbol, _, _ in runs)
    if len(counts) == 1:
        counts[0 if 0 not in counts else 1] = 1
    meta_lengths = code_lengths(counts, 7)
    written = max(4, max(i for i, s in enumerate(_CODE_LENGTH_ORDER) if s in meta_lengths) + 1)
    bits.write(written - 4, 4)
    for symbol in _CODE_LENGTH_ORDER[:written]:
        bits.write(meta_lengths.get(symbol, 0), 3)
    bits.write(0, 1)  # lengths for the whole alphabet follow
    book = _codebook(meta_lengths)
    for symbol, extra, extra_bits in runs:
        code, length = book[symbol]
        bits.write(code, length)
        bits.write(extra, extra_bits)


def _length_runs(lengths: list[int]) -> list[tuple[int, int, int]]:
    """(symbol, extra bits, extra bit count): 0-15 literal, 16 repeats the last non-zero
    length 3-6 times, 17 and 18 stand for 3-10 and 11-138 zeros."""
    out: list[tuple[int, int, int]] = []
    index = 0
    while index < len(lengths):
        value = lengths[index]
        end = index
        while end < len(lengths) and lengths[end] == value:
            end += 1
        run = end - index
        if value == 0:
            while run >= 11:
                piece = min(run, 138)
                out.append((18, piece - 11, 7))
                run -= piece
            if run >= 3:
                out.append((17, run - 3, 3))
                run = 0
        else:
            out.append((value, 0, 0))
            run -= 1
            while run >= 3:
                piece = min(run, 6)
                out.append((16, piece - 3, 2))
                run -= piece
        out.extend([(value, 0, 0)] * run)
        index = end
    return out


def _codebook(lengths: dict[int, int]) -> Codebook:
    codes = canonical_codes(lengths)
    return {
        symbol: (reverse_bits(code, lengths[symbol]), lengths[symbol])
        for symbol, code in codes.items()
    }


# --------------------------------------------------------------------------- pixels


def _write_tokens(bits: _BitWriter, tokens: list[Token], books: list[Codebook]) -> None:
    green, red, blue, alpha, distance = books
    coded: dict[Token, tuple[int, int]] = {}
    acc, size, out = bits.acc, bits.size, bits.out
    for token in tokens:
        found = coded.get(token)
        if found is None:
            if len(token) == 4:
                parts = [green[token[0]], red[token[1]], blue[token[2]], alpha[token[3]]]
            else:
                length_prefix, length_bits, length_extra = prefix(token[0])
                distance_prefix, distance_bits, distance_extra = prefix(token[1])
                parts = [
                    green[_LITERALS + length_prefix],
                    (length_extra, length_bits),
                    distance[distance_prefix],
                    (distance_extra, distance_bits),
                ]
            value = count = 0
            for part_value, part_bits in parts:
                value |= part_value << count
                count += part_bits
            found = (value, count)
            coded[token] = found
        value, count = found
        acc |= value << size
        size += count
        while size >= 64:
            out += (acc & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little")
            acc >>= 64
            size -= 64
    bits.acc, bits.size = acc, size


class _BitWriter:
    """Least significant bit first, as VP8L reads."""

    def __init__(self) -> None:
        self.acc = 0
        self.size = 0
        self.out = bytearray()

    def write(self, value: int, count: int) -> None:
        self.acc |= value << self.size
        self.size += count
        while self.size >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.size -= 8

    def finish(self) -> bytes:
        """The bytes written, the last one padded with zero bits."""
        self.out += self.acc.to_bytes((self.size + 7) // 8, "little")
        self.acc = self.size = 0
        return bytes(self.out)
