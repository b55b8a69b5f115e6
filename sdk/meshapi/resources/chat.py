"""``client.chat.completions``: ``create()`` for one JSON reply, ``stream()`` for SSE chunks,
``parse()`` for a reply validated as a Python type (structured output)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from meshapi import _request as rq
from meshapi._errors import StructuredOutputParseError
from meshapi._http import AsyncHttpClient, SyncHttpClient
from meshapi._request import APIRequest, Call
from meshapi._streaming import AsyncChatCompletionStream, ChatCompletionStream
from meshapi._structured import StructuredOutput
from meshapi.types.chat import ChatCompletionParams, ChatCompletionResponse, ParsedChatCompletion

PATH = "/v1/chat/completions"
Params = ChatCompletionParams | Mapping[str, Any]
T = TypeVar("T")


def _request(params: Params, *, stream: bool) -> APIRequest:
    """The body: None fields omitted (also nested), ``stream`` always set by the method."""
    return APIRequest(
        "POST", PATH, json={**rq.dump(params, ChatCompletionParams), "stream": stream}
    )


def _create(params: Params) -> Call[ChatCompletionResponse]:
    return Call(_request(params, stream=False), rq.as_model(ChatCompletionResponse))


def _send(body: dict[str, Any]) -> Call[ChatCompletionResponse]:
    return Call(APIRequest("POST", PATH, json=body), rq.as_model(ChatCompletionResponse))


class CompletionsResource:
    def __init__(self, http: SyncHttpClient) -> None:
        self._http = http

    def create(self, params: Params) -> ChatCompletionResponse:
        """Send the request and wait for the whole reply (retried on 429/502/503/504)."""
        return self._http.call(_create(params))

    def stream(self, params: Params) -> ChatCompletionStream:
        """Chunks as they are generated; the request goes out when iteration (or ``with``) starts.

        ``stream.final_response()`` assembles the chunks into a :class:`ChatCompletionResponse`.
        """
        return self._http.chat_stream(_request(params, stream=True))

    def parse(
        self,
        params: Params,
        *,
        response_format: type[T],
        strict: bool = False,
        retries: int = 0,
    ) -> ParsedChatCompletion[T]:
        """Ask for JSON matching ``response_format`` and return the reply validated as it.

        ``response_format`` is a pydantic model class (or any type pydantic can validate, such
        as ``list[Item]``). The request sends ``{"type": "json_schema", "json_schema": {"name":
        <class name or "response">, "schema": <its JSON Schema>}}``; with ``strict=True`` the
        schema is made strict (objects closed, every property required) and ``"strict": true``
        is added, as OpenAI's strict structured output requires. Each
        ``choices[i].message.parsed`` holds the validated value; it is None when the model
        refused (``message.refusal`` says why) or answered with tool calls only.

        Content that is not valid raises :class:`~meshapi.StructuredOutputParseError`. With
        ``retries=n``, up to ``n`` more requests are sent first, each repeating the bad reply
        and asking for a corrected one. Never streamed; HTTP errors and their retries are as
        for ``create()``.
        """
        plan = StructuredOutput.of(response_format, strict=strict)
        body = plan.body(params)
        for attempt in range(retries + 1):
            completion = self._http.call(_send(body))
            try:
                return plan.parse(completion)
            except StructuredOutputParseError as error:
                if attempt == retries:
                    raise
                body = plan.retry_body(body, error)
        raise AssertionError("unreachable")  # pragma: no cover


class AsyncCompletionsResource:
    def __init__(self, http: AsyncHttpClient) -> None:
        self._http = http

    async def create(self, params: Params) -> ChatCompletionResponse:
        """Send the request and wait for the whole reply (retried on 429/502/503/504)."""
        return await self._http.call(_create(params))

    def stream(self, params: Params) -> AsyncChatCompletionStream:
        """Not a coroutine: returns at once, sending the request on ``async for``/``async with``."""
        return self._http.chat_stream(_request(params, stream=True))

    async def parse(
        self,
        params: Params,
        *,
        response_format: type[T],
        strict: bool = False,
        retries: int = 0,
    ) -> ParsedChatCompletion[T]:
        """As the sync client's ``parse()``: the reply validated as ``response_format``."""
        plan = StructuredOutput.of(response_format, strict=strict)
        body = plan.body(params)
        for attempt in range(retries + 1):
            completion = await self._http.call(_send(body))
            try:
                return plan.parse(completion)
            except StructuredOutputParseError as error:
                if attempt == retries:
                    raise
                body = plan.retry_body(body, error)
        raise AssertionError("unreachable")  # pragma: no cover


class ChatResource:
    def __init__(self, http: SyncHttpClient) -> None:
        self.completions = CompletionsResource(http)


class AsyncChatResource:
    def __init__(self, http: AsyncHttpClient) -> None:
        self.completions = AsyncCompletionsResource(http)


# The names this module used before it matched the official SDK's.
Chat = ChatResource
AsyncChat = AsyncChatResource
Completions = CompletionsResource
AsyncCompletions = AsyncCompletionsResource
