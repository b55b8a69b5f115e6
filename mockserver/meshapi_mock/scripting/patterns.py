"""Rule regexes: checked and compiled once with the `regex` module, matched within a
time budget.

A scripted pattern such as `(a|aa)+$` can backtrack for minutes on a crafted prompt. The
`regex` module stops a match at a timeout (and releases the GIL meanwhile), so a rule's
regexes share one budget per request (`ServerConfig.regex_timeout`); running out is the
rule's error, `RegexTimeout`, never a stalled server. Its syntax is a superset of `re`'s.

The budget is CPU time of the matching thread, not wall-clock time: on a loaded machine
(eight client threads on two cores, a garbage collection in another thread) a cheap
pattern can wait longer for a core than the whole budget, and must not fail for it. The
`regex` module's timeout is wall-clock, so a match that times out having used less CPU
than was left is retried with the rest, within a wall-clock ceiling of `WALL_FACTOR`
budgets (a thread that never gets a core still ends).

Compiling costs time and memory too: `regex_cost` refuses a pattern too costly to
compile before it is, and compiled patterns are kept in a cache bounded in count and in
compiled size.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import regex

from .regex_cost import compile_cost

WALL_FACTOR = 20
"""A rule's regexes give up after this many budgets of wall-clock time, CPU or not."""
SPENT_ENOUGH = 0.9
"""A budget this much used counts as used up: a retry could not finish a real match."""


class _Budget:
    """CPU seconds granted to one rule's regexes for one request, and spent so far."""

    __slots__ = ("seconds", "spent", "wall_deadline")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.spent = 0.0
        self.wall_deadline = time.monotonic() + WALL_FACTOR * seconds

    def left(self) -> float:
        """CPU seconds still to spend; 0 once (nearly) used up or past the ceiling."""
        if self.spent >= SPENT_ENOUGH * self.seconds or time.monotonic() >= self.wall_deadline:
            return 0.0
        return self.seconds - self.spent


_budget: ContextVar[_Budget | None] = ContextVar("regex_budget", default=None)
"""The budget of the rule being matched; None: no limit."""


class RegexTimeout(Exception):
    """A rule's regex used up the rule's time budget for this request."""

    def __init__(self, pattern: str, seconds: float, where: str = "") -> None:
        self.pattern, self.seconds, self.where = pattern, seconds, where
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}regex {pattern!r} timed out after {seconds:g} s")

    def at(self, where: str) -> RegexTimeout:
        """The same timeout, naming the criterion it happened in."""
        return RegexTimeout(self.pattern, self.seconds, where)


@contextmanager
def regex_budget(seconds: float | None) -> Iterator[None]:
    """Every regex matched inside shares `seconds` (None: unlimited)."""
    token = _budget.set(None if seconds is None else _Budget(seconds))
    try:
        yield
    finally:
        _budget.reset(token)


_deferred: ContextVar[bool] = ContextVar("regexes_deferred", default=False)
_reported: ContextVar[bool] = ContextVar("timeouts_reported", default=False)


@contextmanager
def regexes_deferred() -> Iterator[None]:
    """Inside, a regex criterion counts as holding and does not run: the cheap criteria
    of a rule decide first, so a rule that cannot match never spends its budget."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


@contextmanager
def timeouts_reported() -> Iterator[None]:
    """Inside, a regex that times out is one more difference of a near-miss report,
    which lists them all, rather than the rule's error (see `reporting_timeouts`)."""
    token = _reported.set(True)
    try:
        yield
    finally:
        _reported.reset(token)


def reporting_timeouts() -> bool:
    return _reported.get()


MAX_CACHED = 256
"""Compiled patterns kept at most."""
MAX_CACHED_SIZE = 50_000
"""Elements (see `regex_cost`) the kept patterns may hold in all: about 15 MiB."""


class _CompiledCache:
    """Compiled patterns by (pattern, ignore case), least recently used dropped first,
    bounded in count and in compiled size; thread-safe (matching runs in threads).

    The `regex` module's own cache is bypassed: it keeps 500 patterns of any size. It
    still notes every pattern it compiles in a table only `regex.purge()` empties, so
    that is called once per `MAX_CACHED` compilations.
    """

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, bool], tuple[regex.Pattern[str], int]] = OrderedDict()
        self._size = 0
        self._compiled_since_purge = 0
        self._lock = threading.Lock()

    def get(self, pattern: str, ignore_case: bool) -> regex.Pattern[str]:
        key = (pattern, ignore_case)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found[0]
        weight = compile_cost(pattern, ignore_case) + len(pattern)
        self._count_compilation()
        flags = regex.IGNORECASE if ignore_case else 0
        pattern_object = regex.compile(pattern, flags, cache_pattern=False)
        with self._lock:
            if key not in self._entries:
                self._entries[key] = (pattern_object, weight)
                self._size += weight
            while len(self._entries) > MAX_CACHED or self._size > MAX_CACHED_SIZE:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._size -= dropped
        return pattern_object

    def _count_compilation(self) -> None:
        with self._lock:
            self._compiled_since_purge += 1
            purge = self._compiled_since_purge >= MAX_CACHED
            if purge:
                self._compiled_since_purge = 0
        if purge:
            regex.purge()

    def stats(self) -> tuple[int, int]:
        """(patterns kept, their compiled size in elements)."""
        with self._lock:
            return len(self._entries), self._size


_CACHE = _CompiledCache()


def compiled(pattern: str, ignore_case: bool) -> regex.Pattern[str]:
    """Compile (cached); raises `RegexTooCostly` for a pattern too costly to compile and
    `regex.error` for one that is not valid."""
    return _CACHE.get(pattern, ignore_case)


def cache_stats() -> tuple[int, int]:
    """(patterns the compile cache keeps, their compiled size in elements)."""
    return _CACHE.stats()


def search(pattern: str, ignore_case: bool, text: str) -> bool:
    """Does `pattern` occur in `text`, within what is left of the budget? (Always yes
    while regexes are deferred.)"""
    if _deferred.get():
        return True
    budget = _budget.get()
    pattern_object = compiled(pattern, ignore_case)
    if budget is None:
        return pattern_object.search(text) is not None
    while (left := budget.left()) > 0:
        started = time.thread_time()
        try:
            return pattern_object.search(text, timeout=left) is not None
        except TimeoutError:
            pass
        finally:
            budget.spent += time.thread_time() - started
    raise RegexTimeout(pattern, budget.seconds)


# Flags a compiled pattern can carry into a rule, as inline flags (the rest are defaults).
_RE_FLAGS: dict[int, str] = {re.MULTILINE: "m", re.DOTALL: "s", re.VERBOSE: "x", re.ASCII: "a"}
_RE_DEFAULTS: int = re.UNICODE | re.IGNORECASE
_REGEX_FLAGS: dict[int, str] = {
    regex.MULTILINE: "m",
    regex.DOTALL: "s",
    regex.VERBOSE: "x",
    regex.ASCII: "a",
    regex.FULLCASE: "f",
    regex.WORD: "w",
    regex.BESTMATCH: "b",
    regex.ENHANCEMATCH: "e",
}
_REGEX_DEFAULTS: int = regex.UNICODE | regex.IGNORECASE | regex.VERSION0


def pattern_source(value: Any) -> tuple[str, bool] | None:
    """A compiled `re` or `regex` pattern as (text with inline flags, ignores case)."""
    table: dict[int, str]
    defaults: int
    if isinstance(value, re.Pattern):
        table, defaults, version = _RE_FLAGS, _RE_DEFAULTS, ""
    elif isinstance(value, regex.Pattern):
        table, defaults = _REGEX_FLAGS, _REGEX_DEFAULTS | regex.VERSION1
        version = "(?V1)" if value.flags & regex.VERSION1 else ""
    else:
        return None
    if not isinstance(value.pattern, str):
        raise ValueError("a rule matches text: compile the pattern from a str, not bytes")
    unknown = value.flags & ~defaults & ~sum(table)
    if unknown:
        raise ValueError(f"pattern flags {unknown:#x} cannot be carried into a rule")
    letters = "".join(letter for flag, letter in table.items() if value.flags & flag)
    inline = version + (f"(?{letters})" if letters else "")
    return inline + value.pattern, bool(value.flags & re.IGNORECASE)
