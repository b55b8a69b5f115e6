"""A short string that a JSON Schema `pattern` accepts, for default-mode answers.

The pattern comes from the client, so it is read with the standard library's own regex
parser and walked: literals as written, the first character of each class (shifted by
`variant`, so items of a `uniqueItems` array differ), the first branch of each
alternation, each repeat its minimum plus a `stretch` that grows until the string is
long enough, padded on a side the anchors leave open. For the plain constructs schemas
use the string matches by construction, so no regex runs and the answer is the same
however loaded the machine. Lookarounds, back references, flags and other rarities are
walked as well as can be and the result checked with a time-limited search; `None`
means "no luck", never a hang.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import regex

if sys.version_info >= (3, 11):
    from re import _constants as sre_constants
    from re import _parser as sre_parse
else:  # pragma: no cover - the deprecated names of Python 3.10
    import sre_constants
    import sre_parse

MAX_PATTERN = 2_000
"""Longer patterns are not followed: a client's schema should not cost the fake much."""
MAX_OUTPUT = 10_000
CHECK_SECONDS = 0.1

_C = sre_constants
_STRETCHES = (0, 1, 2, 4, 8, 16, 64, 256, 1024)
_CATEGORY_CHARS: dict[Any, str] = {
    _C.CATEGORY_DIGIT: "0123456789",
    _C.CATEGORY_NOT_DIGIT: "abcxyz",
    _C.CATEGORY_SPACE: " ",
    _C.CATEGORY_NOT_SPACE: "abcxyz",
    _C.CATEGORY_WORD: "abcxyz",
    _C.CATEGORY_NOT_WORD: "-.",
}
_NEGATED_CANDIDATES = "aAz0_-. x9Z"


class _Unsupported(Exception):
    """A construct this walker does not follow."""


def pattern_example(
    pattern: str,
    min_length: int = 0,
    max_length: int | None = None,
    variant: int = 0,
    seconds: float = CHECK_SECONDS,
) -> str | None:
    """A string of `min_length`..`max_length` characters containing a match of `pattern`;
    any check of it takes at most `seconds`."""
    if len(pattern) > MAX_PATTERN:
        return None
    shape = _shape(pattern)
    if shape is None:
        return None
    value = ""
    for stretch in _STRETCHES:
        try:
            value = _Walker(stretch, variant).walk(shape.tree)
        except (_Unsupported, RecursionError, ValueError, IndexError, KeyError):
            return None
        if max_length is not None and len(value) > max_length:
            return None  # longer stretches only grow it
        if len(value) >= min_length:
            break
    padding = "x" * max(min(min_length - len(value), MAX_OUTPUT), 0)
    for candidate in shape.candidates(value, padding):
        if max_length is not None and len(candidate) > max_length:
            continue
        if shape.exact or matches(pattern, candidate, seconds):
            return candidate
    return None


class _Shape:
    """A parsed pattern, and whether a walk of it matches by construction (`exact`)."""

    def __init__(self, tree: Any) -> None:
        self.tree = tree
        items = list(tree)
        self.starts = bool(items) and _is_anchor(items[0], _STARTS)
        self.ends = bool(items) and _is_anchor(items[-1], _ENDS)
        inner = items[int(self.starts) : len(items) - int(self.ends)]
        self.exact = (tree.state.flags & ~_HARMLESS_FLAGS) == 0 and _plain(inner)

    def candidates(self, value: str, padding: str) -> list[str]:
        """`value` made long enough: padded on a side no anchor closes. An exact pattern's
        anchors tell the side; otherwise both are offered, for the check to choose."""
        if not padding:
            return [value]
        if not self.exact:
            return [value + padding, padding + value]
        if self.starts and self.ends:
            return []
        return [padding + value if self.ends else value + padding]


def _is_anchor(item: Any, which: tuple[Any, ...]) -> bool:
    op, arg = item
    return op is _C.AT and arg in which


_STARTS = (_C.AT_BEGINNING, _C.AT_BEGINNING_STRING)
_ENDS = (_C.AT_END, _C.AT_END_STRING)
_HARMLESS_FLAGS = _C.SRE_FLAG_UNICODE | _C.SRE_FLAG_DOTALL | _C.SRE_FLAG_VERBOSE
_PLAIN_OPS = (_C.LITERAL, _C.NOT_LITERAL, _C.ANY, _C.IN, _C.BRANCH, _C.SUBPATTERN)
_REPEATS = (_C.MAX_REPEAT, _C.MIN_REPEAT)


def _plain(items: Any) -> bool:
    """Only constructs a backtracking search matches whenever the walk builds them."""
    for op, arg in items:
        if op is _C.BRANCH:
            if not all(_plain(branch) for branch in arg[1]):
                return False
        elif op is _C.SUBPATTERN:
            if arg[1] or arg[2] or not _plain(arg[-1]):  # inline flags change meaning
                return False
        elif op in _REPEATS:
            if not _plain(arg[2]):
                return False
        elif op not in _PLAIN_OPS:
            return False
    return True


@lru_cache(maxsize=256)
def _shape(pattern: str) -> _Shape | None:
    try:
        return _Shape(sre_parse.parse(pattern))
    except (sre_constants.error, ValueError, OverflowError, RecursionError):
        return None


def matches(pattern: str, value: str, seconds: float = CHECK_SECONDS) -> bool:
    """Does `pattern` occur in `value` (JSON Schema patterns are not anchored)? False when
    the pattern is invalid or the searches take longer than `seconds`.

    JSON Schema patterns are ECMA-262 regexes: their `\\w`, `\\d` and `\\b` are ASCII, while
    `\\s`, `\\S` and `\\p{…}` are Unicode. Python reads all of them as Unicode, or all as
    ASCII with its flag, so the value must be found both ways: neither reading then lets
    through what ECMA's refuses (a hint "º" for `^\\w$`, a no-break space for `^\\S+$`)."""
    readings = _compiled(pattern)
    if readings is None or seconds <= 0:
        return False
    try:
        return all(r.search(value, timeout=seconds / 2) is not None for r in readings)
    except TimeoutError:
        return False


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> tuple[regex.Pattern[str], regex.Pattern[str]] | None:
    """The pattern read with Unicode classes and with ASCII ones."""
    try:
        return regex.compile(pattern), regex.compile(pattern, flags=regex.ASCII)
    except (regex.error, ValueError, OverflowError):
        return None


class _Walker:
    def __init__(self, stretch: int, variant: int) -> None:
        self.stretch = stretch
        self.variant = variant
        self.groups: dict[int, str] = {}
        self.length = 0

    def walk(self, items: Any) -> str:
        return "".join(self._pieces(items))

    def _pieces(self, items: Any) -> Iterator[str]:
        for op, arg in items:
            piece = self._one(op, arg)
            self.length += len(piece)
            if self.length > MAX_OUTPUT:
                raise _Unsupported("too long")
            yield piece

    def _one(self, op: Any, arg: Any) -> str:
        if op is _C.LITERAL:
            return chr(arg)
        if op is _C.NOT_LITERAL:
            return next(c for c in _NEGATED_CANDIDATES if ord(c) != arg)
        if op is _C.ANY:
            return "a"
        if op is _C.IN:
            return self._in(arg)
        if op is _C.BRANCH:
            return self.walk(arg[1][0])
        if op is _C.SUBPATTERN:
            group, body = arg[0], arg[-1]
            text = self.walk(body)
            if group is not None:
                self.groups[group] = text
            return text
        if op in (_C.MAX_REPEAT, _C.MIN_REPEAT) or op is getattr(_C, "POSSESSIVE_REPEAT", None):
            low, high, body = arg
            times = low + self.stretch
            if high is not _C.MAXREPEAT:
                times = min(times, high)
            return "".join(self.walk(body) for _ in range(times))
        if op is getattr(_C, "ATOMIC_GROUP", None):
            return self.walk(arg)
        if op is _C.GROUPREF:
            return self.groups.get(arg, "")
        if op is _C.GROUPREF_EXISTS:
            return self.walk(arg[1])
        if op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
            return ""
        raise _Unsupported(str(op))

    def _in(self, items: Any) -> str:
        negated = bool(items) and items[0][0] is _C.NEGATE
        allowed: list[str] = []
        ranges: list[tuple[int, int]] = []
        for op, arg in items[1:] if negated else items:
            if op is _C.LITERAL:
                allowed.append(chr(arg))
            elif op is _C.RANGE:
                ranges.append(arg)
            elif op is _C.CATEGORY and arg in _CATEGORY_CHARS:
                allowed.extend(_CATEGORY_CHARS[arg])
            else:
                raise _Unsupported(str(op))
        if negated:
            excluded = set(allowed)
            for char in _NEGATED_CANDIDATES:
                if char not in excluded and not any(lo <= ord(char) <= hi for lo, hi in ranges):
                    return char
            raise _Unsupported("a negated class excluding every candidate")
        if ranges:
            low, high = ranges[0]
            return chr(low + self.variant % (high - low + 1))
        if not allowed:
            raise _Unsupported("an empty class")
        return allowed[self.variant % len(allowed)]
