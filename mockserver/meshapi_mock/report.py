"""Readable reports of what went wrong in a test: rules never used, requests never matched.

Each report shows the requests that were actually made and, per rule, what differed —
the near-miss view WireMock users know, computed by the same matcher that serves requests.
"""

from __future__ import annotations

from typing import Any

from .answering import build_context
from .errors import MeshError
from .journal import JournalEntry
from .jsonbody import dumps
from .mock import Mock
from .redaction import redact_header
from .registry import BY_NAME
from .scripting.context import CallContext
from .scripting.rulebook import Rule, RuleError


def _context(entry: JournalEntry, regex_timeout: float | None) -> CallContext | None:
    """The context the pipeline saw for `entry`, rebuilt from what the journal kept."""
    endpoint = BY_NAME.get(entry.endpoint or "")
    operation = endpoint.operation(entry.operation or "") if endpoint else None
    if endpoint is None or operation is None:
        return None
    # A request that used a template was matched as rendered: rebuild that one.
    raw = dumps(entry.rendered) if entry.rendered is not None else entry.raw_body or b""
    try:
        ctx = build_context(
            endpoint,
            operation,
            raw,
            entry.raw_query.encode("latin-1"),
            entry.raw_headers,
        )
    except MeshError:
        return None
    ctx.path_params = entry.path_params
    ctx.regex_timeout = regex_timeout
    return ctx


def _why_not(rule: Rule, entry: JournalEntry, regex_timeout: float | None) -> str:
    missing = []
    if entry.body_truncated:
        missing.append(("its body is not in the journal whole", entry.body_truncated_by))
    if entry.head_truncated_by:
        missing.append(("its query and headers are not in the journal", entry.head_truncated_by))
    if missing:
        what = "; ".join(f"{part} (cut by {limit})" for part, limit in missing)
        return f"{what}; raise that limit to see why"
    ctx = _context(entry, regex_timeout)
    if ctx is None:
        return "the request was invalid"
    try:
        differences = rule.differences(ctx, every=True)
    except RuleError as exc:  # a raising predicate is reported, not raised
        return exc.reason
    if not differences:
        if entry.matched and entry.matched != rule.id:
            return f"it matched, but {entry.matched} came first"
        return "it matched, but the request was answered before it was added"
    return "; ".join(differences)


def _describe(rule: Rule) -> str:
    wire = rule.to_wire()
    match = wire["match"]
    if isinstance(match.get("headers"), dict):  # a rule may expect a real credential
        match = {**match, "headers": _redacted(match["headers"])}
    return f"{rule.label}: match {match or '{}'} → reply {wire['reply']}"


def _redacted(headers: dict[str, Any]) -> dict[str, Any]:
    return {
        name: redact_header(name, value) if isinstance(value, str) else value
        for name, value in headers.items()
    }


def unused_rules_report(mock: Mock) -> str | None:
    unused = mock.unused_rules()
    if not unused:
        return None
    lines = [f"meshapi-mock: {len(unused)} scripted rule(s) were never used:"]
    for rule in unused:
        lines.append(f"  {_describe(rule)}")
        for entry in mock.script(rule.endpoint).requests:
            why = _why_not(rule, entry, mock.state.config.regex_timeout)
            lines.append(f"    request #{entry.seq}: {why}")
    lines.append(_requests_section(mock.requests))
    lines.append(
        "(Rules are used once by default: pass times=None for a rule that may go unused, "
        "or turn this check off with assert_all_called=False.)"
    )
    return "\n".join(lines)


def unmatched_requests_report(mock: Mock) -> str | None:
    unmatched = mock.unmatched_requests()
    if not unmatched:
        return None
    lines = [f"meshapi-mock (strict): {len(unmatched)} request(s) matched no rule:"]
    for entry in unmatched:
        lines.append(_indent(entry.summary(), "  "))
        lines.append(_indent(entry.error_message or "", "    "))
    return "\n".join(lines)


def _requests_section(entries: list[JournalEntry]) -> str:
    if not entries:
        return "No requests were made to the fake."
    body = "\n".join(_indent(entry.summary(), "  ") for entry in entries)
    return f"Requests made ({len(entries)}):\n{body}"


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())
