"""The Responses scripting face.

mock.responses.reply("Paris")
mock.responses.when(last_user="weather").function_call("get_weather", {"city": "Paris"})
mock.responses.when(tool_result="get_weather").reply("18 °C and sunny")
mock.responses.when(background=True).reply("Done", progress={"queued": 5, "in_progress": 10})
mock.responses.when(operation="get").error(503, retry_after=1)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...scripting.rulebook import Predicate, Rule
from ...scripting.script import Script, Times
from ...scripting.spec import TextCriterion
from .vocabulary import (
    FunctionCallSpec,
    FunctionResultMatch,
    Operation,
    ProgressSpec,
    ResponsesMatch,
    ResponsesReply,
    ResponsesStreamSpec,
    ResponsesUsageSpec,
    TextFormatType,
)

UsageLike = ResponsesUsageSpec | Mapping[str, int]
StreamLike = ResponsesStreamSpec | Mapping[str, Any]
ProgressLike = ProgressSpec | Mapping[str, float]


class ResponsesScript(Script[ResponsesMatch]):
    """Scripts `/v1/responses`. Rules answer `create` unless `when(operation=...)` says."""

    endpoint = "responses"
    match_model = ResponsesMatch
    reply_model = ResponsesReply

    def when(
        self,
        *,
        operation: Operation | None = None,
        model: str | None = None,
        last_user: TextCriterion | None = None,
        any_message: TextCriterion | None = None,
        instructions: TextCriterion | None = None,
        tools: bool | Sequence[str] | None = None,
        tool_result: bool | str | FunctionResultMatch | Mapping[str, Any] | None = None,
        stream: bool | None = None,
        background: bool | None = None,
        text_format: TextFormatType | None = None,
        headers: Mapping[str, str | TextCriterion] | None = None,
        nth: int | None = None,
        predicate: Predicate | None = None,
    ) -> ResponsesScript:
        """Only calls meeting every given criterion. Strings in messages mean 'contains'."""
        given: dict[str, Any] = {
            "operation": operation,
            "model": model,
            "last_user": last_user,
            "any_message": any_message,
            "instructions": instructions,
            "tools": list(tools) if tools is not None and not isinstance(tools, bool) else tools,
            "tool_result": tool_result,
            "stream": stream,
            "background": background,
            "text_format": text_format,
            "headers": dict(headers) if headers is not None else None,
            "nth": nth,
        }
        return self._narrow(given, predicate)

    def reply(
        self,
        text: str | Mapping[str, Any] | Sequence[Any] | None = None,
        *,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
        status: str | None = None,
        incomplete_reason: str | None = None,
        id: str | None = None,
        model: str | None = None,
        created_at: int | None = None,
        usage: UsageLike | None = None,
        stream: StreamLike | None = None,
        progress: ProgressLike | None = None,
    ) -> Rule:
        """Answer with text; an object or list is sent as its JSON (structured output)."""
        if isinstance(text, Mapping):
            text = dict(text)
        elif text is not None and not isinstance(text, str):
            text = list(text)
        return self._add(
            {
                "text": text,
                "status": status,
                "incomplete_reason": incomplete_reason,
                "id": id,
                "model": model,
                "created_at": created_at,
                "usage": usage,
                "stream": stream,
                "progress": progress,
            },
            times,
            name,
            priority,
        )

    def function_call(
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
        """Answer with one function call; `arguments` as an object, or a raw string."""
        call = FunctionCallSpec(
            name=tool_name, arguments={} if arguments is None else arguments, call_id=call_id
        )
        return self.function_calls(
            [call], text=text, times=times, name=name, priority=priority, **options
        )

    def function_calls(
        self,
        calls: Sequence[FunctionCallSpec | Mapping[str, Any]],
        *,
        text: str | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
        **options: Any,
    ) -> Rule:
        """Answer with several function calls, optionally after a message."""
        return self._add(
            {"text": text, "function_calls": list(calls), **options}, times, name, priority
        )

    def refuse(
        self, refusal: str, *, times: Times = 1, name: str | None = None, priority: int = 0
    ) -> Rule:
        """Answer with a refusal content part instead of text."""
        return self._add({"refusal": refusal}, times, name, priority)

    def partial(
        self,
        text: str,
        /,
        *,
        reason: str = "max_output_tokens",
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
        **options: Any,
    ) -> Rule:
        """A partial answer: status `incomplete` with `incomplete_details.reason` (the
        output token limit by default, or e.g. "content_filter"), the text so far."""
        return self._add(
            {"text": text, "status": "incomplete", "incomplete_reason": reason, **options},
            times,
            name,
            priority,
        )

    def fail(
        self,
        code: str = "server_error",
        message: str = "The model failed to produce a response.",
        *,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
        **options: Any,
    ) -> Rule:
        """A response whose status is `failed` (HTTP 200; `response.failed` when streamed)."""
        return self._add(
            {"failure": {"code": code, "message": message}, **options}, times, name, priority
        )
