"""Stream wrappers: lazy open, SSE decoding, error frames, early close, accumulation.

The request is sent when iteration starts (or the ``with`` block is entered), which is what lets
the async client's ``stream()`` be called without ``await`` and still be used with ``async for``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Iterator, Mapping
from types import TracebackType
from typing import Any, Generic, TypeVar

import httpx
from pydantic import ValidationError

from meshapi._accumulate import ChatCompletionAccumulator
from meshapi._errors import (
    MeshAPIError,
    StreamInterruptedError,
    as_transport_error,
    error_from_frame,
)
from meshapi._sse import ServerSentEvent, SSEDecoder
from meshapi.types.chat import ChatCompletionChunk, ChatCompletionResponse

T = TypeVar("T")
_S = TypeVar("_S", bound="Stream[Any]")
_AS = TypeVar("_AS", bound="AsyncStream[Any]")


class _Done:
    """Marks ``data: [DONE]``, the only way a stream ends successfully."""


_DONE = _Done()


def _decode_event(
    event: ServerSentEvent, *, event_names: bool = False
) -> Mapping[str, Any] | _Done | None:
    """Payload of one event; None for frames that carry nothing (non-JSON, non-object).

    With ``event_names``, the frame's ``event:`` name is put into the payload as ``"event"``.
    """
    if event.data == "[DONE]":
        return _DONE
    try:
        payload = json.loads(event.data)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    if payload.get("error") is not None:
        raise error_from_frame(payload)
    if event_names and event.event is not None:
        payload["event"] = event.event
    return payload


def _interrupted(cause: httpx.TransportError) -> StreamInterruptedError:
    """`stream_interrupted`, and still the httpx exception the official SDK would raise."""
    return as_transport_error(
        StreamInterruptedError,
        cause,
        f"the stream broke before data: [DONE]: {cause!r}",
        "stream_interrupted",
    )


def _chunk(payload: Mapping[str, Any]) -> ChatCompletionChunk:
    try:
        return ChatCompletionChunk.model_validate(payload)
    except ValidationError as exc:
        raise MeshAPIError(
            f"stream frame is not a chat.completion.chunk: {exc}", error_code="parse_error"
        ) from exc


class _StreamState(Generic[T]):
    """What the sync and async wrappers share: parsing, completion and the observer hook.

    A body that ends cleanly without ``data: [DONE]`` simply ends the iteration, as in the
    official SDK (contract §1.10), so code written for it sees no error; :attr:`completed`
    stays False and ``final_response()`` refuses. A broken connection is an interruption.
    """

    def __init__(
        self,
        parse: Callable[[Mapping[str, Any]], T],
        *,
        event_names: bool = False,
    ) -> None:
        self._parse = parse
        self._event_names = event_names
        self._completed = False
        self._closed = False

    @property
    def completed(self) -> bool:
        """True once ``[DONE]`` arrived, i.e. the stream is known to be whole."""
        return self._completed

    def _feed(self, decoder: SSEDecoder, raw: bytes) -> Iterator[T]:
        """Items completed by these bytes, one event at a time, up to ``[DONE]``."""
        for event in decoder.feed(raw):
            payload = _decode_event(event, event_names=self._event_names)
            if isinstance(payload, _Done):
                self._completed = True
                return
            if payload is not None:
                item = self._parse(payload)
                self._observe(item)
                yield item

    @staticmethod
    def _tag(exc: MeshAPIError, response: httpx.Response | None) -> None:
        """Frames rarely carry a request id; the response header usually does."""
        if not exc.request_id and response is not None:
            exc.request_id = response.headers.get("x-request-id", "")

    def _observe(self, item: T) -> None:
        """Hook for subclasses that keep state across items."""

    def _incomplete(self, response: httpx.Response | None) -> StreamInterruptedError:
        """The error for asking a whole answer of a stream that never reached ``[DONE]``."""
        error = StreamInterruptedError(
            "the stream did not reach data: [DONE]; there is no final response",
            error_code="stream_interrupted",
        )
        self._tag(error, response)
        return error


class Stream(_StreamState[T]):
    """An iterator of parsed events that owns its HTTP connection.

    Use it as a context manager (or call :meth:`close`) when you may stop early, so the
    connection is released at once rather than when the object is garbage collected.
    """

    def __init__(
        self,
        open_response: Callable[[], httpx.Response],
        parse: Callable[[Mapping[str, Any]], T],
        *,
        event_names: bool = False,
    ) -> None:
        super().__init__(parse, event_names=event_names)
        self._open_response = open_response
        self._response: httpx.Response | None = None
        self._iterator: Generator[T, None, None] | None = None

    @property
    def response(self) -> httpx.Response | None:
        """The HTTP response, once the request has been sent."""
        return self._response

    def __enter__(self: _S) -> _S:
        self._ensure_open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __iter__(self: _S) -> _S:
        return self

    def __next__(self) -> T:
        if self._iterator is None:
            if self._closed:
                raise StopIteration
            self._iterator = self._items()
        return next(self._iterator)

    def close(self) -> None:
        """Stop reading and release the connection; safe to call more than once."""
        self._closed = True
        if self._iterator is not None:
            self._iterator.close()
        self._release()

    def _ensure_open(self) -> httpx.Response:
        if self._response is None:
            self._response = self._open_response()
        return self._response

    def _release(self) -> None:
        if self._response is not None:
            self._response.close()

    def _items(self) -> Generator[T, None, None]:
        try:
            response = self._ensure_open()
            decoder = SSEDecoder()
            raw_chunks = response.iter_bytes()
            while not self._completed:
                try:
                    raw = next(raw_chunks)
                except StopIteration:
                    return
                except httpx.TransportError as exc:
                    raise _interrupted(exc) from exc
                yield from self._feed(decoder, raw)
        except MeshAPIError as exc:
            self._tag(exc, self._response)
            raise
        finally:
            self._release()


class AsyncStream(_StreamState[T]):
    """The ``async for`` twin of :class:`Stream`; use ``async with`` to close early."""

    def __init__(
        self,
        open_response: Callable[[], Awaitable[httpx.Response]],
        parse: Callable[[Mapping[str, Any]], T],
        *,
        event_names: bool = False,
    ) -> None:
        super().__init__(parse, event_names=event_names)
        self._open_response = open_response
        self._response: httpx.Response | None = None
        self._iterator: AsyncGenerator[T, None] | None = None

    @property
    def response(self) -> httpx.Response | None:
        """The HTTP response, once the request has been sent."""
        return self._response

    async def __aenter__(self: _AS) -> _AS:
        await self._ensure_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __aiter__(self: _AS) -> _AS:
        return self

    async def __anext__(self) -> T:
        if self._iterator is None:
            if self._closed:
                raise StopAsyncIteration
            self._iterator = self._items()
        return await self._iterator.__anext__()

    async def close(self) -> None:
        """Stop reading and release the connection; safe to call more than once."""
        self._closed = True
        if self._iterator is not None:
            await self._iterator.aclose()
        await self._release()

    async def aclose(self) -> None:
        """Same as :meth:`close`, under the name async generators use."""
        await self.close()

    async def _ensure_open(self) -> httpx.Response:
        if self._response is None:
            self._response = await self._open_response()
        return self._response

    async def _release(self) -> None:
        if self._response is not None:
            await self._response.aclose()

    async def _items(self) -> AsyncGenerator[T, None]:
        try:
            response = await self._ensure_open()
            decoder = SSEDecoder()
            raw_chunks = response.aiter_bytes()
            while not self._completed:
                try:
                    raw = await raw_chunks.__anext__()
                except StopAsyncIteration:
                    return
                except httpx.TransportError as exc:
                    raise _interrupted(exc) from exc
                for item in self._feed(decoder, raw):
                    yield item
        except MeshAPIError as exc:
            self._tag(exc, self._response)
            raise
        finally:
            await self._release()


class ChatCompletionStream(Stream[ChatCompletionChunk]):
    """Chunks of one chat completion, accumulated as they pass so the whole reply is at hand."""

    def __init__(self, open_response: Callable[[], httpx.Response]) -> None:
        super().__init__(open_response, _chunk)
        self._accumulator = ChatCompletionAccumulator()

    def _observe(self, item: ChatCompletionChunk) -> None:
        self._accumulator.add(item)

    def final_response(self) -> ChatCompletionResponse:
        """Read whatever is left and return the assembled reply (text, tool calls, usage, cost).

        Chunks you already iterated over are included. Raises if the stream cannot complete.
        """
        for _ in self:
            pass
        if not self._completed:
            raise self._incomplete(self._response)
        return self._accumulator.result()


class AsyncChatCompletionStream(AsyncStream[ChatCompletionChunk]):
    """Async twin of :class:`ChatCompletionStream`."""

    def __init__(self, open_response: Callable[[], Awaitable[httpx.Response]]) -> None:
        super().__init__(open_response, _chunk)
        self._accumulator = ChatCompletionAccumulator()

    def _observe(self, item: ChatCompletionChunk) -> None:
        self._accumulator.add(item)

    async def final_response(self) -> ChatCompletionResponse:
        """Read whatever is left and return the assembled reply (text, tool calls, usage, cost)."""
        async for _ in self:
            pass
        if not self._completed:
            raise self._incomplete(self._response)
        return self._accumulator.result()
