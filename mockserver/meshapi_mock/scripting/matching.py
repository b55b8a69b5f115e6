"""Does a match hold for a request, and if not, what differed.

Matching and the near-miss reports both read `differences`; an empty list is a match,
so the two cannot drift. This module holds what every endpoint shares (text criteria,
model globs, headers); endpoint vocabularies add their own criteria on top. Regexes run
last: `Rule.differences` asks first with them deferred (see `patterns`), so a rule whose
other criteria fail never spends its regex budget.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..redaction import is_secret_name, redact_header
from .context import CallContext, clip
from .globs import glob_matches
from .patterns import RegexTimeout, reporting_timeouts, search
from .text_match import TextMatch


def text_matches(spec: TextMatch, text: str) -> bool:
    """Raises `RegexTimeout` when a regex runs out of the rule's budget."""
    if spec.regex is not None:
        return search(spec.regex, spec.ignore_case, text)
    if spec.ignore_case:
        text = text.casefold()
    if spec.contains is not None:
        needle = spec.contains.casefold() if spec.ignore_case else spec.contains
        return needle in text
    expected = spec.equals or ""
    return text == (expected.casefold() if spec.ignore_case else expected)


def _outcome(label: str, spec: TextMatch, text: str) -> bool | str:
    """Whether `text` meets `spec`; a regex timeout is raised as the rule's error, or
    returned as its difference text while a near-miss report lists every difference."""
    try:
        return text_matches(spec, text)
    except RegexTimeout as exc:
        if reporting_timeouts():
            return str(exc.at(label))
        raise exc.at(label) from None


def text_difference(
    label: str, spec: TextMatch | None, text: str | None, missing: str = "nothing"
) -> list[str]:
    """`label: expected text containing 'x', got '...'` when `text` (None: absent) fails."""
    if spec is None:
        return []
    if text is not None:
        held = _outcome(label, spec, text)
        if held is True:
            return []
        if isinstance(held, str):
            return [held]
    got = missing if text is None else repr(clip(text))
    return [f"{label}: expected text {spec.describe()}, got {got}"]


def any_text_difference(label: str, spec: TextMatch | None, texts: list[str]) -> list[str]:
    """`any_message: no message containing 'x'` when none of `texts` meets `spec`."""
    if spec is None:
        return []
    for text in texts:
        held = _outcome(label, spec, text)
        if held is True:
            return []
        if isinstance(held, str):
            return [held]
    return [f"{label}: no {label.replace('_', ' ').removeprefix('any ')} {spec.describe()}"]


def common_differences(
    operation: str | None,
    model: str | None,
    headers: Mapping[str, str | TextMatch] | None,
    ctx: CallContext,
) -> list[str]:
    """What differs from the criteria every endpoint's match has (`BaseMatch`'s)."""
    out: list[str] = []
    if operation is not None and operation != ctx.operation:
        out.append(f"operation: expected {operation!r}, got {ctx.operation!r}")
    if model is not None and not glob_matches(ctx.model or "", model):
        out.append(f"model: expected {model!r}, got {ctx.model!r}")
    for name, expected in headers.items() if headers else ():
        value = ctx.headers.get(name.lower())
        if isinstance(expected, str):
            ok = value == expected
            wanted = repr(redact_header(name, expected))
        else:
            held = value is not None and _outcome(f"header {name}", expected, value)
            if isinstance(held, str):
                out.append(held)
                continue
            ok = held
            wanted = f"a value {expected.describe()}"
        if not ok:
            got = None if value is None else redact_header(name, value)
            hidden = " (a credential: values not shown)" if is_secret_name(name) else ""
            out.append(f"header {name}: expected {wanted}, got {got!r}{hidden}")
    return out


def stream_difference(expected: bool | None, ctx: CallContext) -> list[str]:
    if expected is None or expected == ctx.stream:
        return []
    return [f"stream: expected {expected}, got {ctx.stream}"]
