"""``client.chat.completions``: ``create()`` for one JSON reply, ``stream()`` for SSE chunks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshapi._http import AsyncHTTP, SyncHTTP, parse_json
from meshapi._streaming import AsyncChatCompletionStream, ChatCompletionStream
from meshapi.types.chat import ChatCompletionParams, ChatCompletionResponse

PATH = "/v1/chat/completions"


def _body(params: ChatCompletionParams | Mapping[str, Any], *, stream: bool) -> dict[str, Any]:
    """The JSON body: None fields omitted (also nested), ``stream`` always present."""
    if not isinstance(params, ChatCompletionParams):
        params = ChatCompletionParams.model_validate(params)
    return {**params.model_dump(mode="json", exclude_none=True), "stream": stream}


class Completions:
    def __init__(self, http: SyncHTTP) -> None:
        self._http = http

    def create(self, params: ChatCompletionParams | Mapping[str, Any]) -> ChatCompletionResponse:
        """Send the request and wait for the whole reply (retried on 429/502/503/504)."""
        response = self._http.send("POST", PATH, _body(params, stream=False), stream=False)
        return parse_json(response, ChatCompletionResponse)

    def stream(self, params: ChatCompletionParams | Mapping[str, Any]) -> ChatCompletionStream:
        """Chunks as they are generated; the request goes out when iteration (or ``with``) starts.

        ``stream.final_response()`` assembles the chunks into a :class:`ChatCompletionResponse`.
        """
        body = _body(params, stream=True)
        return ChatCompletionStream(lambda: self._http.send("POST", PATH, body, stream=True))


class AsyncCompletions:
    def __init__(self, http: AsyncHTTP) -> None:
        self._http = http

    async def create(
        self, params: ChatCompletionParams | Mapping[str, Any]
    ) -> ChatCompletionResponse:
        """Send the request and wait for the whole reply (retried on 429/502/503/504)."""
        response = await self._http.send("POST", PATH, _body(params, stream=False), stream=False)
        return parse_json(response, ChatCompletionResponse)

    def stream(self, params: ChatCompletionParams | Mapping[str, Any]) -> AsyncChatCompletionStream:
        """Not a coroutine: returns at once, sending the request on ``async for``/``async with``."""
        body = _body(params, stream=True)
        return AsyncChatCompletionStream(lambda: self._http.send("POST", PATH, body, stream=True))


class Chat:
    def __init__(self, http: SyncHTTP) -> None:
        self.completions = Completions(http)


class AsyncChat:
    def __init__(self, http: AsyncHTTP) -> None:
        self.completions = AsyncCompletions(http)
