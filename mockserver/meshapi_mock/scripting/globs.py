"""Shell-style globs (`openai/*`, `*-mini`, `gpt-4[o.]*`) matched without compiling them.

`fnmatch` turns each pattern into a regex and keeps up to 32,768 of them in a module
cache: a request's `exclude_models` of 1 MiB patterns grew the fake by 22 MiB apiece
(never freed) and held the event loop 1.6 s each. Here a glob is read token by token
while it is matched, so a pattern costs what the name it is matched against can
consume, and nothing is kept.

The meaning is `fnmatch.fnmatchcase`'s: `*` any run of characters, `?` any one, `[...]`
one of a set (`[!...]` any other; `a-z` a range; a `]` right after the `[` or `[!` is a
member; a `[` with no `]` is itself), every other character itself, case included. A
range with its ends reversed (`z-a`) holds nothing, which is where the two can differ:
`fnmatch` reads a few sets made of such ranges in ways of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STARS = re.compile(r"\*+")
_TEXT = re.compile(r"[^*?\[]+")


@dataclass(frozen=True)
class _CharSet:
    negated: bool
    members: frozenset[str]
    ranges: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, body: str) -> _CharSet:
        """The set written `[body]`: members and `x-y` ranges, read left to right."""
        negated = body.startswith("!")
        if negated:
            body = body[1:]
        members: set[str] = set()
        ranges: list[tuple[str, str]] = []
        index = 0
        while index < len(body):
            if index + 2 < len(body) and body[index + 1] == "-":
                ranges.append((body[index], body[index + 2]))
                index += 3
            else:
                members.add(body[index])
                index += 1
        return cls(negated, frozenset(members), tuple(ranges))

    def holds(self, char: str) -> bool:
        inside = char in self.members or any(low <= char <= high for low, high in self.ranges)
        return inside != self.negated


_Token = tuple[str, str | _CharSet | None]
"""(kind, value): ("stars", None), ("any", None), ("set", _CharSet), ("text", str)."""


class _Tokens:
    """The tokens of a pattern, read only as far as matching asks (in linear time: a
    `[` after the pattern's last `]` is known to be plain text without a search)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._last_close = pattern.rfind("]")
        self._next = 0
        self._read: list[_Token] = []

    def get(self, index: int) -> _Token | None:
        while len(self._read) <= index:
            if self._next >= len(self.pattern):
                return None
            token, self._next = self._token_at(self._next)
            self._read.append(token)
        return self._read[index]

    def _token_at(self, start: int) -> tuple[_Token, int]:
        pattern = self.pattern
        char = pattern[start]
        if char == "*":
            stars = _STARS.match(pattern, start)
            assert stars is not None
            return ("stars", None), stars.end()
        if char == "?":
            return ("any", None), start + 1
        if char == "[":
            body = start + 1
            if body < len(pattern) and pattern[body] == "!":
                body += 1
            if body < len(pattern) and pattern[body] == "]":
                body += 1
            close = pattern.find("]", body) if body <= self._last_close else -1
            if close < 0:
                return ("text", "["), start + 1
            return ("set", _CharSet.parse(pattern[start + 1 : close])), close + 1
        text = _TEXT.match(pattern, start)
        assert text is not None
        return ("text", text.group()), text.end()


def glob_matches(name: str, pattern: str) -> bool:
    """Whether `name` matches the glob `pattern`, as `fnmatch.fnmatchcase` decides."""
    if "*" not in pattern and "?" not in pattern and "[" not in pattern:
        return name == pattern
    tokens = _Tokens(pattern)
    at = 0  # next token
    pos = 0  # next character of name
    star_at: int | None = None  # token after the last `*`, and where its run would end
    star_pos = 0
    while True:
        token = tokens.get(at)
        if token is not None and token[0] == "stars":
            at += 1
            if tokens.get(at) is None:
                return True  # a trailing `*` takes whatever is left
            star_at, star_pos = at, pos
            continue
        if pos == len(name) and token is None:
            return True
        width = _match_token(token, name, pos)
        if width is not None:
            at += 1
            pos += width
            continue
        if star_at is None or star_pos >= len(name):
            return False
        # Let the last `*` take one more character (or jump to where the text recurs).
        star_pos = _next_start(tokens.get(star_at), name, star_pos + 1)
        if star_pos < 0:
            return False
        at, pos = star_at, star_pos


def _match_token(token: _Token | None, name: str, pos: int) -> int | None:
    """How many characters of `name` at `pos` the token takes, or None if it fails."""
    if token is None or pos >= len(name):
        return None
    kind, value = token
    if kind == "any":
        return 1
    if isinstance(value, _CharSet):
        return 1 if value.holds(name[pos]) else None
    assert isinstance(value, str)
    return len(value) if name.startswith(value, pos) else None


def _next_start(token: _Token | None, name: str, start: int) -> int:
    """The first position from `start` where the token after a `*` could match: text is
    found at C speed; anything else may start anywhere up to the end."""
    if token is not None and token[0] == "text" and isinstance(token[1], str):
        return name.find(token[1], start)
    return start if start <= len(name) else -1
