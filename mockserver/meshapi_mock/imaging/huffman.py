"""Prefix codes fitted to the symbols an image actually uses, for JPEG and WebP.

Both formats store code lengths and derive the codes canonically (shorter codes first,
then by symbol), so an encoder only has to choose good lengths within the format's
limit. Fitting them to the image's own statistics spares us the standard tables and
makes smaller files.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping


def code_lengths(counts: Mapping[int, int], limit: int) -> dict[int, int]:
    """A complete prefix code (Kraft sum exactly 1) over the symbols with a count, no code
    longer than `limit` bits. A lone symbol gets length 1 (callers pad it to two).

    Lengths come from Huffman's algorithm; when one is too long, the counts are flattened
    (halved, keeping every symbol) and the code built again, until it fits.
    """
    symbols = {symbol: count for symbol, count in counts.items() if count > 0}
    if len(symbols) > 1 << limit:
        raise ValueError(f"{len(symbols)} symbols cannot have codes of at most {limit} bits")
    if len(symbols) <= 1:
        return dict.fromkeys(symbols, 1)
    while True:
        lengths = _huffman(symbols)
        if max(lengths.values()) <= limit:
            return lengths
        symbols = {symbol: max(1, count >> 1) for symbol, count in symbols.items()}


def _huffman(counts: Mapping[int, int]) -> dict[int, int]:
    # Heap items: (count, order, leaves under the node). `order` keeps ties stable.
    heap: list[tuple[int, int, list[int]]] = [
        (count, index, [symbol]) for index, (symbol, count) in enumerate(sorted(counts.items()))
    ]
    heapq.heapify(heap)
    depth = dict.fromkeys(counts, 0)
    order = len(heap)
    while len(heap) > 1:
        count_a, _, leaves_a = heapq.heappop(heap)
        count_b, _, leaves_b = heapq.heappop(heap)
        leaves = leaves_a + leaves_b
        for symbol in leaves:
            depth[symbol] += 1
        heapq.heappush(heap, (count_a + count_b, order, leaves))
        order += 1
    return depth


def canonical_codes(lengths: Mapping[int, int]) -> dict[int, int]:
    """The canonical code of each symbol: by length, then by symbol value (as DEFLATE,
    JPEG's DHT order and WebP's lossless format all assign them)."""
    codes: dict[int, int] = {}
    code = 0
    previous = 0
    for symbol, length in sorted(lengths.items(), key=lambda item: (item[1], item[0])):
        if length == 0:
            continue
        code <<= length - previous
        codes[symbol] = code
        code += 1
        previous = length
    return codes


def reverse_bits(code: int, length: int) -> int:
    """WebP reads codes bit by bit from the least significant end of its stream."""
    out = 0
    for _ in range(length):
        out = (out << 1) | (code & 1)
        code >>= 1
    return out
