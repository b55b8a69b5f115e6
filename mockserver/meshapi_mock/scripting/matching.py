"""Does a match spec hold for a request, and if not, what differed.

`differences` returns the reasons a rule did not match; an empty list is a match.
The same function feeds matching and the near-miss reports, so the two cannot drift.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from functools import lru_cache

from .context import ChatContext, _clip
from .spec import MatchSpec, TextMatch, ToolResultMatch


@lru_cache(maxsize=512)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE if ignore_case else 0)


def text_matches(spec: TextMatch, text: str) -> bool:
    if spec.regex is not None:
        return _compiled(spec.regex, spec.ignore_case).search(text) is not None
    if spec.ignore_case:
        text = text.casefold()
    if spec.contains is not None:
        needle = spec.contains.casefold() if spec.ignore_case else spec.contains
        return needle in text
    expected = spec.equals or ""
    return text == (expected.casefold() if spec.ignore_case else expected)


def differences(spec: MatchSpec, ctx: ChatContext) -> list[str]:
    out: list[str] = []
    if spec.endpoint != ctx.endpoint:
        out.append(f"endpoint: expected {spec.endpoint!r}, got {ctx.endpoint!r}")
    if spec.model is not None and not fnmatchcase(ctx.model or "", spec.model):
        out.append(f"model: expected {spec.model!r}, got {ctx.model!r}")
    if spec.stream is not None and spec.stream != ctx.stream:
        out.append(f"stream: expected {spec.stream}, got {ctx.stream}")
    if spec.last_user is not None:
        last = ctx.last_user
        if last is None or not text_matches(spec.last_user, last):
            got = "no user message" if last is None else repr(_clip(last))
            out.append(f"last_user: expected to {spec.last_user.describe()}, got {got}")
    if spec.any_message is not None:
        texts = [m.text() for m in ctx.request.messages]
        if not any(text_matches(spec.any_message, t) for t in texts):
            out.append(f"any_message: no message does {spec.any_message.describe()}")
    if spec.system is not None and not text_matches(spec.system, ctx.system):
        out.append(f"system: expected to {spec.system.describe()}, got {_clip(ctx.system)!r}")
    if spec.tools is not None:
        out.extend(_tools_differences(spec, ctx))
    if spec.tool_result is not None:
        out.extend(_tool_result_differences(spec.tool_result, ctx))
    for name, expected in spec.headers.items() if spec.headers else ():
        value = ctx.headers.get(name.lower())
        if isinstance(expected, str):
            ok = value == expected
            wanted = f"{expected!r}"
        else:
            ok = value is not None and text_matches(expected, value)
            wanted = f"to {expected.describe()}"
        if not ok:
            out.append(f"header {name}: expected {wanted}, got {value!r}")
    return out


def _tools_differences(spec: MatchSpec, ctx: ChatContext) -> list[str]:
    if spec.tools is None:
        return []
    offered = ctx.tool_names
    if spec.tools is True and not offered:
        return ["tools: expected tools to be offered, none were"]
    if spec.tools is False and offered:
        return [f"tools: expected no tools, got {offered}"]
    if isinstance(spec.tools, list):
        missing = [name for name in spec.tools if name not in offered]
        if missing:
            return [f"tools: expected {missing} to be offered, got {offered}"]
    return []


def _tool_result_differences(
    expected: bool | ToolResultMatch | None, ctx: ChatContext
) -> list[str]:
    if expected is None:
        return []
    results = ctx.pending_tool_results
    if expected is True and not results:
        return ["tool_result: expected the request to end with a tool result"]
    if expected is False and results:
        return ["tool_result: expected no pending tool result"]
    if isinstance(expected, ToolResultMatch):
        for call_id, name, _ in results:
            if expected.tool_call_id not in (None, call_id):
                continue
            if expected.name not in (None, name):
                continue
            return []
        got = [{"tool_call_id": i, "name": n} for i, n, _ in results] or "none"
        want = expected.model_dump(exclude_none=True)
        return [f"tool_result: expected {want}, got {got}"]
    return []
