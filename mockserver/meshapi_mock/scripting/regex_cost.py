"""What compiling a rule's regex would cost, read from the pattern before it is compiled.

The `regex` module writes out every required copy of a counted repeat: `(?:a{1000}){1000}`
compiles to a million copies of `a` (0.5 s, 240 MiB), and three levels of `{200}` took
2.5 s and 2 GB. So a rule's pattern is parsed first — by the `regex` module's own parser,
which reads its syntax (nested sets, `\\p{..}`, spaces inside `{ }` in verbose mode)
exactly as the compiler will, and costs a few milliseconds — and the copies are counted:
each element counts once, times the lower bound of every repeat around it (a range's
optional copies are a loop, not written out). A pattern over `MAX_COMPILED_SIZE`, longer
than `MAX_PATTERN_LENGTH` or nested deeper than `MAX_GROUP_DEPTH` is refused, the same
way every time, before anything is compiled.

The parser is internal to `regex`; should it ever change shape, the count falls back to
a cruder bound that reads only the text (length times every repeat count multiplied).
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import regex

MAX_PATTERN_LENGTH = 4096
"""Characters. Parsing is linear but pure Python: 4 KiB parses in about 30 ms."""
MAX_GROUP_DEPTH = 100
"""Nested parentheses; the parser recurses per level."""
MAX_COMPILED_SIZE = 10_000
"""Elements the compiled pattern may hold, repeats written out: about 3 MiB and a few
milliseconds to compile (about 300 bytes each were measured)."""


class RegexTooCostly(ValueError):
    """A pattern that would take too long or too much memory to compile."""


def compile_cost(pattern: str, ignore_case: bool = False) -> int:
    """Elements `pattern` compiles to (its weight in a cache); raises `RegexTooCostly`
    when over a limit. A pattern that is not valid costs little: compiling it says why."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RegexTooCostly(
            f"regex is {len(pattern)} characters long; a rule's regex is at most "
            f"{MAX_PATTERN_LENGTH}"
        )
    if group_depth(pattern) > MAX_GROUP_DEPTH:
        raise RegexTooCostly(f"regex nests groups deeper than {MAX_GROUP_DEPTH} levels")
    size = compiled_size(pattern, ignore_case)
    if size is None:
        return len(pattern)
    if size > MAX_COMPILED_SIZE:
        raise RegexTooCostly(
            f"regex {_clip(pattern)!r} would compile to about {size:,} elements (its repeat "
            f"counts multiply); at most {MAX_COMPILED_SIZE:,}: use a range such as "
            "{0,n} or + where the exact count does not matter"
        )
    return size


def compiled_size(pattern: str, ignore_case: bool = False) -> int | None:
    """Elements of `pattern` with every repeat's required copies written out, or None
    when it does not parse."""
    flags = regex.IGNORECASE if ignore_case else 0
    try:
        return _size(_parse(pattern, flags), set())
    except regex.error:
        return None
    except RecursionError:  # sets or groups nested deeper than any rule needs
        raise RegexTooCostly("regex nests too deeply to be checked") from None
    except Exception:  # the parser's internals moved: bound it from the text
        return text_bound(pattern)


def group_depth(pattern: str) -> int:
    """How deep parentheses nest, escapes skipped (a `(` in a set counts: an upper bound)."""
    depth = deepest = 0
    escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(depth - 1, 0)
    return deepest


_REPEAT_COUNT = re.compile(r"\{\s*(\d+)")


def text_bound(pattern: str) -> int:
    """An upper bound read from the text alone: its length times every repeat's lower
    count, as if all repeats were nested around everything."""
    bound = max(len(pattern), 1)
    for count in _REPEAT_COUNT.findall(pattern):
        bound *= max(int(count), 1)
        if bound > MAX_COMPILED_SIZE:
            break
    return bound


def _parse(pattern: str, flags: int) -> Any:
    """The `regex` module's parse tree of `pattern`, parsed as `regex.compile` does."""
    core = _core()

    global_flags = flags
    while True:
        source = core.Source(pattern)
        info = core.Info(global_flags, source.char_type, {})
        info.guess_encoding = core.UNICODE
        source.ignore_space = bool(info.flags & core.VERBOSE)
        try:
            tree = core._parse_pattern(source, info)
        except core._UnscopedFlagSet:  # a global flag late in the pattern: parse again
            global_flags = info.global_flags
            continue
        if not source.at_end():
            raise regex.error("unbalanced parenthesis", pattern, source.pos)
        return tree


def _size(node: Any, seen: set[int]) -> int:
    """Elements under `node`; a repeat multiplies its body by its lower count."""
    core = _core()

    if id(node) in seen:
        return 0
    seen.add(id(node))
    if isinstance(node, getattr(core, "SetBase", ())):
        return 1  # a character set is one test, however many members it names
    children: list[Any] = []
    for value in vars(node).values():
        if isinstance(value, core.RegexBase):
            children.append(value)
        elif isinstance(value, list | tuple):
            children.extend(item for item in value if isinstance(item, core.RegexBase))
    if not children:
        return 1
    inner = 0
    for child in children:
        inner += _size(child, seen)
        if inner > MAX_COMPILED_SIZE:
            break
    count = getattr(node, "min_count", None)
    if isinstance(count, int) and count > 1:
        return inner * count
    return inner


def _core() -> Any:
    """The `regex` module's parser (internal, so untyped here)."""
    return importlib.import_module("regex._regex_core")


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
