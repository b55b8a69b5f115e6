"""JSON in and out of the fake: compact encoding, strict decoding, readable errors.

pydantic-core's encoder is fast, keeps key order and emits UTF-8 without escaping,
which is what MeshAPI sends. Its decoder, left to its defaults, accepts `NaN`,
`Infinity` and numbers that overflow to infinity: standard JSON (RFC 8259) has none of
them, and they would come back out of the journal as invalid JSON. `loads` refuses
them, and any error it raises says what is wrong and where.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic_core import from_json, to_json


def dumps(value: Any) -> bytes:
    return to_json(value)


class InvalidJson(ValueError):
    """Why a document is not standard JSON, and where (1-based line and column)."""

    def __init__(
        self,
        reason: str,
        error: str,
        *,
        line: int | None = None,
        column: int | None = None,
        offset: int | None = None,
    ) -> None:
        self.reason = reason
        self.error = error
        """The parser's own words."""
        self.line = line
        self.column = column
        """In characters, as an editor counts them."""
        self.offset = offset
        """In bytes from the start of the document."""
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(reason + where)


def loads(raw: bytes) -> Any:
    """Parse standard JSON only: no `NaN`, `Infinity`, `-Infinity` nor `1e400`.

    The parser refuses the literals itself; a number too large for a float it turns into
    infinity, so the result is checked for one. Both cost little next to the parse for
    the bodies an LLM API gets (text, few numbers).
    """
    try:
        value = from_json(raw, allow_inf_nan=False)
    except ValueError as exc:
        raise _explain(raw, str(exc)) from None
    if not _finite(value):
        raise _overflow(raw)
    return value


def _finite(value: Any) -> bool:
    """No float in `value` is infinite (NaN cannot come out of a strict parse)."""
    kind = type(value)
    if kind is float:
        return bool(value - value == 0)
    if kind is dict:
        value = value.values()
    elif kind is not list:
        return True
    for item in value:
        kind = type(item)
        if kind is float:
            if item - item != 0:
                return False
        elif (kind is dict or kind is list) and not _finite(item):
            return False
    return True


# --------------------------------------------------------------------------- overflow

# In a valid document, strings are skipped whole and every other digit run is a number.
_STRING_OR_NUMBER = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|-?[0-9][0-9.eE+-]*')


def _overflow(raw: bytes) -> InvalidJson:
    """Where the number that became infinite is, found again in the text."""
    for match in _STRING_OR_NUMBER.finditer(raw):
        token = match.group()
        if token[0] != ord('"') and math.isinf(float(token)):
            shown = _clip(token.decode("ascii"))
            reason = f"the number {shown} is too large (JSON numbers must be finite)"
            return _at(raw, match.start(), reason, "number out of range")
    return InvalidJson("a number is too large (JSON numbers must be finite)", "out of range")


# --------------------------------------------------------------------------- messages

_POSITION = re.compile(r"^(?P<error>.*) at line (?P<line>\d+) column (?P<column>\d+)$")

_EXPECTED = {
    "expected value": "a JSON value was expected",
    "key must be a string": "object keys must be strings in double quotes",
    "expected `,` or `}`": "',' or '}' was expected after an object member",
    "expected `,` or `]`": "',' or ']' was expected after a list item",
    "expected `:`": "':' was expected after an object key",
    "trailing characters": "the JSON value has already ended",
}
_AT_END = {
    "EOF while parsing a value": "the body ends where a value was expected",
    "EOF while parsing a string": "the body ends inside a string",
    "EOF while parsing a list": "the body ends inside a list",
    "EOF while parsing an object": "the body ends inside an object",
}
_OTHER = {
    "invalid escape": "invalid escape sequence in a string",
    "number out of range": "the number is too large",
    "recursion limit exceeded": "the document is nested too deeply",
    "lone leading surrogate in hex escape": "a \\u escape holds half a UTF-16 surrogate pair",
    "control character (\\u0000-\\u001F) found while parsing a string": (
        "control characters must be escaped in strings"
    ),
}
_NON_FINITE = (b"-Infinity", b"Infinity", b"NaN")
_BOM = b"\xef\xbb\xbf"


def _explain(raw: bytes, error: str) -> InvalidJson:
    """Turn the parser's terse error into what was wrong and where, in words."""
    found = _POSITION.match(error)
    if found is None:
        return InvalidJson(error, error)
    kind = found["error"]
    offset = _offset(raw, int(found["line"]), int(found["column"]))
    if kind in _AT_END:
        reason = _AT_END[kind]
        start = _word_start(raw, len(raw))
        if kind == "EOF while parsing a value" and start < len(raw):
            reason = f"the body ends inside {_word(raw, start)!r}"
        return _at(raw, len(raw), reason, error)
    for start in (max(offset - 1, 0), offset):  # "-Infinity" is reported at its "I"
        for literal in _NON_FINITE:
            if raw.startswith(literal, start):
                reason = f"{literal.decode()} is not allowed (JSON numbers must be finite)"
                return _at(raw, start, reason, error)
    if offset == 0 and raw.startswith(_BOM):
        return _at(raw, 0, "the body starts with a byte order mark (BOM)", error)
    if kind == "expected ident":
        start = _word_start(raw, offset)
        reason = f"invalid literal {_word(raw, start)!r} (JSON's literals are true, false and null)"
        return _at(raw, start, reason, error)
    if kind == "trailing comma":
        comma = raw.rfind(b",", 0, offset)
        return _at(raw, comma, f"trailing comma before {_character(raw, offset)}", error)
    if kind == "invalid unicode code point":
        return _at(raw, offset, f"invalid UTF-8 ({_character(raw, offset)})", error)
    if kind == "invalid number":
        start = _number_start(raw, offset)
        return _at(raw, start, f"invalid number {_word(raw, start)!r}", error)
    if kind in _EXPECTED:
        reason = f"unexpected {_character(raw, offset)} ({_EXPECTED[kind]})"
        return _at(raw, offset, reason, error)
    return _at(raw, offset, _OTHER.get(kind, kind), error)


def _at(raw: bytes, offset: int, reason: str, error: str) -> InvalidJson:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    line = raw.count(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", "replace")) + 1
    return InvalidJson(reason, error, line=line, column=column, offset=offset)


def _offset(raw: bytes, line: int, column: int) -> int:
    """The byte offset of the parser's 1-based line and (byte) column."""
    start = 0
    for _ in range(line - 1):
        start = raw.find(b"\n", start) + 1
        if start == 0:
            return len(raw)
    return min(start + column - 1, len(raw))


def _character(raw: bytes, offset: int) -> str:
    """The character at `offset`, quoted; a byte that starts no UTF-8 character by value."""
    lead = raw[offset : offset + 1]
    if not lead:
        return "end of the body"
    size = 1 if lead[0] < 0xC0 else 2 if lead[0] < 0xE0 else 3 if lead[0] < 0xF0 else 4
    try:
        return f"character {raw[offset : offset + size].decode('utf-8')!r}"
    except UnicodeDecodeError:
        return f"byte 0x{lead[0]:02X}"


_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")
_NUMBER_BYTES = frozenset(b"0123456789+-.eE")


def _word_start(raw: bytes, offset: int) -> int:
    while offset > 0 and raw[offset - 1] in _WORD_BYTES:
        offset -= 1
    return offset


def _number_start(raw: bytes, offset: int) -> int:
    while offset > 0 and raw[offset - 1] in _NUMBER_BYTES:
        offset -= 1
    return offset


def _word(raw: bytes, start: int) -> str:
    """The token starting at `start`: up to the next delimiter, clipped."""
    end = start
    while end < len(raw) and end - start <= 40 and raw[end] not in b' \t\r\n,:[]{}"':
        end += 1
    return _clip(raw[start:end].decode("utf-8", "replace"))


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
