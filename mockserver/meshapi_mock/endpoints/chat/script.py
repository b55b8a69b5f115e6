"""The chat scripting face: rules that read like the sentence a tester would say.

mock.chat.reply("Paris")
mock.chat.when(last_user="weather").tool_call("get_weather", {"city": "Paris"})
mock.chat.when(model="openai/*", stream=True).error(503, retry_after=1)
mock.chat.reply_json({"city": "Paris", "population": 2102650})
mock.chat.refuse("I can't help with that.")
mock.chat.partial("Once upon a time, there")       # cut off: finish_reason "length"
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...scripting.rulebook import Predicate, Rule
from ...scripting.script import Script, Times
from ...scripting.spec import TextCriterion
from .vocabulary import (
    MatchSpec,
    ReplySpec,
    StreamSpec,
    ToolCallSpec,
    ToolResultMatch,
    UsageSpec,
)


class ChatScript(Script[MatchSpec]):
    """Scripts `POST /v1/chat/completions`. `when(...)` narrows; the verbs add a rule."""

    endpoint = "chat"
    match_model = MatchSpec
    reply_model = ReplySpec

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
        given: dict[str, Any] = {
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
        return self._narrow(given, predicate)

    def reply(
        self,
        text: str | None = None,
        *,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
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
            priority,
        )

    def reply_json(
        self,
        value: Any,
        /,
        *,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
        **options: Any,
    ) -> Rule:
        """Answer with a JSON value as the message text (structured output), JSON-encoded."""
        return self._add({"json": value, **options}, times, name, priority)

    def refuse(
        self,
        refusal: str,
        /,
        *,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
        **options: Any,
    ) -> Rule:
        """Decline: `message.refusal` carries the words and `content` is null."""
        return self._add({"refusal": refusal, **options}, times, name, priority)

    def partial(
        self,
        text: str,
        /,
        *,
        finish_reason: str = "length",
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
        **options: Any,
    ) -> Rule:
        """A partial answer: the text so far, stopped by the token limit (`finish_reason`
        "length", or e.g. "content_filter"), as a model cut off mid-sentence sends it."""
        return self._add(
            {"text": text, "finish_reason": finish_reason, **options}, times, name, priority
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
        priority: int = 0,
        **options: Any,
    ) -> Rule:
        """Answer with one tool call; `arguments` as an object, or a raw (even broken) string."""
        call = ToolCallSpec(
            name=tool_name, arguments={} if arguments is None else arguments, id=call_id
        )
        return self.tool_calls(
            [call], text=text, times=times, name=name, priority=priority, **options
        )

    def tool_calls(
        self,
        calls: Sequence[ToolCallSpec | Mapping[str, Any]],
        *,
        text: str | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
        **options: Any,
    ) -> Rule:
        """Answer with parallel tool calls, optionally after some text."""
        return self._add(
            {"text": text, "tool_calls": list(calls), **options}, times, name, priority
        )
