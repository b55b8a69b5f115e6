"""Reading ASGI headers: raw `(name, value)` byte pairs with lower-cased names.

Decoding every header of every request costs more than the fake's matching, so the hot
path looks up the few it needs and builds the full map only when someone asks.
"""

from __future__ import annotations

from collections.abc import Iterable

RawHeaders = list[tuple[bytes, bytes]]


def header(raw: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    """The first value of header `name` (lower-case bytes), or None."""
    for key, value in raw:
        if key == name:
            return value.decode("latin-1")
    return None


def header_map(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """All headers; a repeated header's values joined by ', '."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in raw:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers
