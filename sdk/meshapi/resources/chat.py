"""``client.chat.completions``: ``create()`` for one JSON reply, ``stream()`` for SSE chunks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshapi import _request as rq
from meshapi._http import AsyncHttpClient, SyncHttpClient
from meshapi._request import APIRequest, Call
from meshapi._streaming import AsyncChatCompletionStream, ChatCompletionStream
from meshapi.types.chat import ChatCompletionParams, ChatCompletionResponse

PATH = "/v1/chat/completions"
Params = ChatCompletionParams | Mapping[str, Any]


def _request(params: Params, *, stream: bool) -> APIRequest:
    """The body: None fields omitted (also nested), ``stream`` always set by the method."""
    return APIRequest(
        "POST", PATH, json={**rq.dump(params, ChatCompletionParams), "stream": stream}
    )


def _create(params: Params) -> Call[ChatCompletionResponse]:
    return Call(_request(params, stream=False), rq.as_model(ChatCompletionResponse))


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


class AsyncCompletionsResource:
    def __init__(self, http: AsyncHttpClient) -> None:
        self._http = http

    async def create(self, params: Params) -> ChatCompletionResponse:
        """Send the request and wait for the whole reply (retried on 429/502/503/504)."""
        return await self._http.call(_create(params))

    def stream(self, params: Params) -> AsyncChatCompletionStream:
        """Not a coroutine: returns at once, sending the request on ``async for``/``async with``."""
        return self._http.chat_stream(_request(params, stream=True))


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
