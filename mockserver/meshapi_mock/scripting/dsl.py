"""The Python scripting handle: rules that read like the sentence a tester would say.

    mock.chat.reply("Paris")
    mock.chat.when(last_user="weather").tool_call("get_weather", {"city": "Paris"})
    mock.chat.when(model="openai/*", stream=True).error(503, retry_after=1)

Every call builds the same `RuleSpec` a scenario file or the admin API would, then
adds it to the rule book and returns the live `Rule` (with its `call_count`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .rulebook import Predicate, ReplyFunction, Rule, RuleBook
from .spec import (
    ErrorSpec,
    MatchSpec,
    ReplySpec,
    StreamSpec,
    TextMatch,
    ToolCallSpec,
    ToolResultMatch,
    UsageSpec,
    parse_times,
)

TextCriterion = str | re.Pattern[str] | TextMatch | Mapping[str, Any]
Times = int | None


class ChatScript:
    """Scripts `POST /v1/chat/completions`. `when(...)` narrows; the verbs add a rule."""

    def __init__(
        self,
        book: RuleBook,
        match: MatchSpec | None = None,
        predicate: Predicate | None = None,
    ) -> None:
        self._book = book
        self._match = match or MatchSpec()
        self._predicate = predicate

    def when(
        self,
        *,
        model: str | None = None,
        last_user: TextCriterion | None = None,
        any_message: TextCriterion | None = None,
        system: TextCriterion | None = None,
        tools: bool | Sequence[str] | None = None,
        tool_result: bool | str | ToolResultMatch | Mapping[str, Any] | None = None,
        stream: bool | None = None,
        headers: Mapping[str, str | TextCriterion] | None = None,
        nth: int | None = None,
        predicate: Predicate | None = None,
    ) -> ChatScript:
        """Only requests meeting every given criterion. Strings in messages mean 'contains'."""
        given = {
            "model": model,
            "last_user": last_user,
            "any_message": any_message,
            "system": system,
            "tools": list(tools) if tools is not None and not isinstance(tools, bool) else tools,
            "tool_result": tool_result,
            "stream": stream,
            "headers": dict(headers) if headers is not None else None,
            "nth": nth,
        }
        merged = self._match.model_dump(exclude_defaults=True)
        merged.update({k: v for k, v in given.items() if v is not None})
        match = MatchSpec.model_validate(merged)
        if predicate is not None and self._predicate is not None:
            first, second = self._predicate, predicate
            predicate = lambda request: first(request) and second(request)  # noqa: E731
        return ChatScript(self._book, match, predicate or self._predicate)

    def reply(
        self,
        text: str | None = None,
        *,
        times: Times = 1,
        name: str | None = None,
        finish_reason: str | None = None,
        id: str | None = None,
        model: str | None = None,
        created: int | None = None,
        usage: UsageSpec | Mapping[str, int] | None = None,
        cost: str | None = None,
        stream: StreamSpec | Mapping[str, Any] | None = None,
    ) -> Rule:
        """Answer with text (and nothing else)."""
        return self._add(
            {
                "text": text,
                "finish_reason": finish_reason,
                "id": id,
                "model": model,
                "created": created,
                "usage": usage,
                "cost": cost,
                "stream": stream,
            },
            times,
            name,
        )

    def tool_call(
        self,
        tool_name: str,
        arguments: Any = None,
        /,
        *,
        call_id: str | None = None,
        text: str | None = None,
        times: Times = 1,
        name: str | None = None,
        **options: Any,
    ) -> Rule:
        """Answer with one tool call; `arguments` as an object, or a raw (even broken) string."""
        call = ToolCallSpec(
            name=tool_name, arguments={} if arguments is None else arguments, id=call_id
        )
        return self.tool_calls([call], text=text, times=times, name=name, **options)

    def tool_calls(
        self,
        calls: Sequence[ToolCallSpec | Mapping[str, Any]],
        *,
        text: str | None = None,
        times: Times = 1,
        name: str | None = None,
        **options: Any,
    ) -> Rule:
        """Answer with parallel tool calls, optionally after some text."""
        return self._add({"text": text, "tool_calls": list(calls), **options}, times, name)

    def error(
        self,
        status: int,
        *,
        code: str | None = None,
        message: str | None = None,
        details: Sequence[Mapping[str, Any]] | None = None,
        retry_after: float | None = None,
        provider_error: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        times: Times = 1,
        name: str | None = None,
    ) -> Rule:
        """Answer with an HTTP error in the MeshAPI envelope."""
        error = ErrorSpec(
            status=status,
            code=code,
            message=message,
            details=[dict(d) for d in details] if details is not None else None,
            retry_after=retry_after,
            provider_error=dict(provider_error) if provider_error is not None else None,
            headers=dict(headers) if headers is not None else None,
        )
        return self._add({"error": error}, times, name)

    def respond(
        self, function: ReplyFunction, *, times: Times = 1, name: str | None = None
    ) -> Rule:
        """Build the reply from the request: return a str, a `ReplySpec` or its dict."""
        return self._add_rule(function, times, name)

    def _add(self, reply: dict[str, Any], times: Times, name: str | None) -> Rule:
        spec = ReplySpec.model_validate({k: v for k, v in reply.items() if v is not None})
        return self._add_rule(spec, times, name)

    def _add_rule(self, reply: ReplySpec | ReplyFunction, times: Times, name: str | None) -> Rule:
        rule = Rule(
            match=self._match,
            reply=reply,
            times=parse_times(times),
            name=name,
            predicate=self._predicate,
        )
        return self._book.add(rule)
