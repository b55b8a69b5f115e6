"""Code written for the official SDK runs unchanged: clients, transport, errors, models, uploads."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from meshapi import (
    APIConnectionError,
    AsyncHttpClient,
    AsyncMeshAPI,
    ChatCompletionChunk,
    ChatCompletionParams,
    ChatCompletionResponse,
    ChatMessage,
    CompareParams,
    CompareStreamEvent,
    ContentPartText,
    EmbeddingsParams,
    ImageItem,
    InvalidRequestError,
    MeshAPI,
    MeshAPIConfig,
    MeshAPIError,
    NotFoundError,
    RateLimitError,
    RealtimeError,
    ResponsesParams,
    ServerError,
    StreamInterruptedError,
    SyncHttpClient,
    UnauthorizedError,
    UsageInfo,
)
from meshapi._types import ToolCallChunk

BASE_URL = "http://meshapi.test"
HI = [ChatMessage(role="user", content="hi")]
COMPLETION = {
    "id": "c1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
}
CHUNK = {**COMPLETION, "object": "chat.completion.chunk", "choices": []}
UPLOAD = {"file_id": "f1", "signed_url": "https://storage.test/up/f1?sig=abc", "expires_at": "x"}


class Recorder:
    """Answers each request with the next scripted response and keeps the requests."""

    def __init__(self, *replies: httpx.Response) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


def official_client(recorder: Recorder, **options: Any) -> MeshAPI:
    """Constructed exactly as the official SDK's README does, plus an injected client."""
    http = httpx.Client(transport=httpx.MockTransport(recorder))
    return MeshAPI(base_url=BASE_URL, token="rsk_test", httpx_client=http, **options)


def no_sleep(seconds: float) -> None:
    pass


# --------------------------------------------------------------------------- clients


def test_official_constructor_keywords_are_honoured() -> None:
    recorder = Recorder(httpx.Response(503), httpx.Response(200, json=[]))
    http = httpx.Client(transport=httpx.MockTransport(recorder))

    client = MeshAPI(
        base_url=BASE_URL + "/", token="rsk_x", timeout=7.5, max_retries=1, httpx_client=http
    )
    client._http._sleep = no_sleep
    models = client.models.list()

    assert models == []
    assert len(recorder.requests) == 2  # one retry, as max_retries=1 says
    assert str(recorder.requests[0].url) == BASE_URL + "/v1/models"
    assert recorder.requests[0].extensions["timeout"] == httpx.Timeout(7.5).as_dict()
    assert recorder.requests[0].headers["authorization"] == "Bearer rsk_x"


def test_the_two_names_for_an_own_client_cannot_both_be_given() -> None:
    with httpx.Client() as one, httpx.Client() as two, pytest.raises(TypeError):
        MeshAPI(token="t", httpx_client=one, http_client=two)


@pytest.mark.anyio
async def test_async_client_takes_async_httpx_client_and_has_aclose() -> None:
    recorder = Recorder(httpx.Response(200, json=COMPLETION))
    http = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    client = AsyncMeshAPI(base_url=BASE_URL, token="rsk_x", async_httpx_client=http)
    own = AsyncMeshAPI(base_url=BASE_URL, token="rsk_x")

    reply = await client.chat.completions.create(ChatCompletionParams(model="m", messages=HI))
    await client.aclose()
    await own.aclose()

    assert reply.id == "c1"
    assert not http.is_closed  # the caller's client stays theirs
    assert own._http.client.is_closed
    await http.aclose()


def test_stream_given_in_params_does_not_change_what_each_method_sends() -> None:
    recorder = Recorder(httpx.Response(200, json=COMPLETION))
    client = official_client(recorder)
    params = ChatCompletionParams(model="m", messages=HI, stream=True)

    client.chat.completions.create(params)

    assert json.loads(recorder.requests[0].content)["stream"] is False


def test_params_may_be_mappings_in_every_area() -> None:
    reply = {"object": "list", "model": "e", "data": []}
    recorder = Recorder(httpx.Response(200, json=reply))

    official_client(recorder).embeddings.create({"input": "x", "model": "e"})

    assert json.loads(recorder.requests[0].content) == {"input": "x", "model": "e"}
    with pytest.raises(ValueError, match="Extra inputs"):
        official_client(recorder).embeddings.create({"input": "x", "modle": "e"})


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.responses.create(ResponsesParams(input="x", stream=True)), "responses"),
        (
            lambda c: c.compare.create(CompareParams(models=["a"], messages=HI, stream=True)),
            "compare",
        ),
    ],
)
def test_create_refuses_stream_true_before_sending(
    call: Callable[[MeshAPI], Any], message: str
) -> None:
    recorder = Recorder(httpx.Response(200, json={}))

    with pytest.raises(ValueError, match=f"Use stream\\(\\) for streaming {message} requests"):
        call(official_client(recorder))

    assert recorder.requests == []


def test_other_areas_raise_typed_errors_and_uploads_go_once() -> None:
    """The official SDK's `post_multipart` sends once whatever the answer (contract 1.8)."""
    limited = httpx.Response(429, json={"error": {"code": "rate_limit_exceeded", "message": "x"}})
    missing = httpx.Response(404, json={"detail": "Model 'x' not found"})
    recorder = Recorder(httpx.Response(503), httpx.Response(200, json={"text": "t"}))
    sleeps: list[float] = []
    client = official_client(recorder, retry_policy=None)
    client._http._sleep = sleeps.append

    with pytest.raises(ServerError):
        client.audio.transcribe(b"RIFF", {"model": "s"})

    assert len(recorder.requests) == 1 and sleeps == []
    with pytest.raises(RateLimitError):
        official_client(Recorder(limited), max_retries=0).web.search({"query": "q"})
    with pytest.raises(NotFoundError) as caught:
        official_client(Recorder(missing)).models.get("x")
    assert caught.value.message == "Model 'x' not found"


def test_a_compare_event_with_an_error_aborts_the_stream_as_officially() -> None:
    body = (
        b'event: delta\ndata: {"model": "a", "delta": "x"}\n\n'
        b'event: error\ndata: {"model": "b", "error": "bad"}\n\n'
    )
    client = official_client(Recorder(httpx.Response(200, content=body)))
    received: list[CompareStreamEvent] = []

    with pytest.raises(ServerError) as caught:
        for event in client.compare.stream(CompareParams(models=["a", "b"], messages=HI)):
            received.append(event)

    assert [event.delta for event in received] == ["x"]
    assert (caught.value.error_code, caught.value.message) == ("upstream_error", "bad")


# --------------------------------------------------------------------------- rag upload


def test_upload_file_puts_the_bytes_to_the_signed_url_without_credentials() -> None:
    recorder = Recorder(httpx.Response(200, json=UPLOAD), httpx.Response(200))

    upload = official_client(recorder).rag.upload_file(
        file_name="a.pdf", mime_type="application/pdf", content=b"%PDF", embed=True
    )

    init, put = recorder.requests
    assert upload.file_id == "f1"
    assert json.loads(init.content) == {
        "file_name": "a.pdf",
        "mime_type": "application/pdf",
        "embed": True,
    }
    assert (put.method, str(put.url), put.content) == ("PUT", UPLOAD["signed_url"], b"%PDF")
    assert put.headers["content-type"] == "application/pdf"
    assert "authorization" not in put.headers
    assert "x-meshapi-sdk" not in put.headers


@pytest.mark.anyio
async def test_a_failed_upload_put_raises_httpx_status_error_as_officially() -> None:
    recorder = Recorder(httpx.Response(200, json=UPLOAD), httpx.Response(403))
    http = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    client = AsyncMeshAPI(base_url=BASE_URL, token="rsk_x", async_httpx_client=http)

    with pytest.raises(httpx.HTTPStatusError) as caught:
        await client.rag.upload_file(file_name="a", mime_type="text/plain", content=b"x")

    assert caught.value.response.status_code == 403
    assert [r.method for r in recorder.requests] == ["POST", "PUT"]
    await http.aclose()


# --------------------------------------------------------------------------- the transport


def transport(recorder: Recorder) -> SyncHttpClient:
    http = httpx.Client(transport=httpx.MockTransport(recorder))
    return SyncHttpClient(MeshAPIConfig(base_url=BASE_URL + "/", token="t", httpx_client=http))


def test_the_official_transport_helpers_work_on_their_own() -> None:
    recorder = Recorder(
        httpx.Response(200, json={"a": 1}),
        httpx.Response(200, json={"b": 2}),
        httpx.Response(200, json={"c": 3}),
        httpx.Response(204),
        httpx.Response(200, content=b"\x00\x01"),
        httpx.Response(200, json={"text": "t"}),
    )
    http = transport(recorder)

    assert http.get("/v1/x", params={"on": True, "k": ["a", "b"], "none": None}) == {"a": 1}
    assert http.post("/v1/y", {"z": 1}) == {"b": 2}
    assert http.patch("/v1/y/1", {"z": 2}) == {"c": 3}
    http.delete("/v1/y/1")
    assert http.post_bytes("/v1/speech", {"input": "x"}) == b"\x00\x01"
    assert http.post_multipart("/v1/up", {"n": 1, "skip": None}, ("f.wav", b"RIFF")) == {
        "text": "t"
    }

    get, post, patch, delete, post_bytes, upload = recorder.requests
    assert str(get.url) == BASE_URL + "/v1/x?on=true&k=a&k=b"
    assert (post.method, json.loads(post.content)) == ("POST", {"z": 1})
    assert (patch.method, delete.method, post_bytes.method) == ("PATCH", "DELETE", "POST")
    assert upload.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="n"\r\n\r\n1\r\n' in upload.content
    assert b'name="skip"' not in upload.content


def test_transport_streams_chat_chunks_and_named_json_events() -> None:
    chat = f"event: x\ndata: {json.dumps(CHUNK)}\n\ndata: [DONE]\n\n".encode()
    named = b'event: delta\ndata: {"delta": "a"}\n\ndata: {"delta": "b"}\n\n'
    http = transport(
        Recorder(httpx.Response(200, content=chat), httpx.Response(200, content=named))
    )

    chunks = list(http.stream("/v1/chat/completions", {"stream": True}))
    events = list(http.stream_json("/v1/chat/compare", {}, CompareStreamEvent))

    assert isinstance(chunks[0], ChatCompletionChunk) and chunks[0].model_extra == {}
    assert [(e.event, e.delta) for e in events] == [("delta", "a"), (None, "b")]


@pytest.mark.anyio
async def test_async_transport_helpers() -> None:
    recorder = Recorder(httpx.Response(200, json=[1]), httpx.Response(200, content=b"ab"))
    http = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    config = MeshAPIConfig(base_url=BASE_URL, token="t", async_httpx_client=http)

    async with AsyncHttpClient(config) as transport:
        assert await transport.get("/v1/models") == [1]
        assert await transport.get_bytes("/v1/raw", params={"n": 2}) == b"ab"

    assert str(recorder.requests[1].url) == BASE_URL + "/v1/raw?n=2"
    assert not http.is_closed
    await http.aclose()


def test_config_matches_the_official_dataclass() -> None:
    config = MeshAPIConfig("https://api.meshapi.ai///", "rsk")

    assert (config.base_url, config.token, config.timeout, config.max_retries) == (
        "https://api.meshapi.ai",
        "rsk",
        60.0,
        3,
    )
    assert "rsk" in repr(config) and "httpx_client" not in repr(config)


# --------------------------------------------------------------------------- errors


def test_from_response_gives_the_typed_error_with_the_official_attributes() -> None:
    envelope = {
        "error": {
            "code": "rate_limit_exceeded",
            "message": "slow",
            "retry_after_seconds": 12,
            "provider_error": {"raw": 1},
        },
        "request_id": "req_1",
    }

    error = MeshAPIError.from_response(httpx.Response(429, json=envelope))

    assert type(error) is RateLimitError
    assert (error.status, error.error_code, error.request_id) == (
        429,
        "rate_limit_exceeded",
        "req_1",
    )
    assert (error.retry_after_seconds, error.provider_error, error.details) == (12, {"raw": 1}, [])
    assert repr(error) == (
        "RateLimitError(status=429, error_code='rate_limit_exceeded', request_id='req_1', "
        "message='[429 rate_limit_exceeded] slow (request_id=req_1)')"
    )


def test_request_id_is_always_a_string_and_retry_after_whole_seconds() -> None:
    error = MeshAPIError.from_response(
        httpx.Response(503, content=b"oops", headers={"retry-after": "1.5"})
    )

    assert error.request_id == ""
    assert error.retry_after_seconds == 2 and isinstance(error.retry_after_seconds, int)


def test_stream_interrupted_and_realtime_errors_are_meshapi_errors() -> None:
    interrupted = MeshAPIError.stream_interrupted("connection reset")
    realtime = RealtimeError("idle_timeout", "bye", param="p", request_id=None)

    assert isinstance(interrupted, StreamInterruptedError)
    assert (interrupted.message, interrupted.error_code, interrupted.status) == (
        "Stream interrupted: connection reset",
        "stream_interrupted",
        0,
    )
    assert isinstance(realtime, MeshAPIError)
    assert str(realtime) == "realtime[idle_timeout]: bye"
    assert (realtime.code, realtime.error_code, realtime.param, realtime.request_id) == (
        "idle_timeout",
        "idle_timeout",
        "p",
        "",
    )


# --------------------------------------------------------------------------- models


def test_a_null_message_reads_as_an_empty_assistant_turn() -> None:
    reply = ChatCompletionResponse.model_validate(
        {**COMPLETION, "choices": [{"index": 0, "message": None, "finish_reason": "length"}]}
    )

    assert reply.choices[0].message.role == "assistant"
    assert reply.choices[0].message.content is None


def test_prompt_token_details_are_a_dict_as_officially_and_read_as_attributes() -> None:
    usage = UsageInfo.model_validate(
        {
            "prompt_tokens": 3,
            "completion_tokens": 1,
            "total_tokens": 4,
            "prompt_tokens_details": {"cached_tokens": 2, "audio_tokens": 0},
        }
    )
    details = usage.prompt_tokens_details

    assert isinstance(details, dict)
    assert details["cached_tokens"] == 2 and details.get("audio_tokens") == 0
    assert details.cached_tokens == 2 and details.audio_tokens == 0
    assert usage.model_dump()["prompt_tokens_details"] == {"cached_tokens": 2, "audio_tokens": 0}
    with pytest.raises(AttributeError):
        _ = details.reasoning_tokens


def test_assistant_content_parts_become_official_part_models() -> None:
    reply = ChatCompletionResponse.model_validate(
        {
            **COMPLETION,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": [{"type": "text", "text": "hi"}, {"type": "refusal"}],
                    },
                }
            ],
        }
    )

    content = reply.choices[0].message.content
    assert isinstance(content, list)
    text, unknown = content
    assert isinstance(text, ContentPartText) and text.text == "hi"
    assert unknown == {"type": "refusal"}


def test_chunk_tool_calls_are_the_official_tool_call_chunks() -> None:
    chunk = ChatCompletionChunk.model_validate(
        {
            **CHUNK,
            "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "call_1"}]}}],
        }
    )

    delta = chunk.choices[0].delta
    assert delta is not None and delta.tool_calls is not None
    assert isinstance(delta.tool_calls[0], ToolCallChunk)


@pytest.mark.parametrize(
    ("item", "outcome"),
    [
        (ImageItem(b64_json="aGk="), b"hi"),
        (ImageItem(url="data:image/png;base64,aGk="), b"hi"),
        (ImageItem(url="https://img.test/1.png"), "remote URL"),
        (ImageItem(), "neither b64_json nor url"),
    ],
)
def test_image_bytes(item: ImageItem, outcome: bytes | str) -> None:
    if isinstance(outcome, bytes):
        assert item.image_bytes() == outcome
    else:
        with pytest.raises(ValueError, match=outcome):
            item.image_bytes()


def test_request_models_outside_chat_follow_the_official_strictness() -> None:
    with pytest.raises(ValueError, match="Extra inputs"):
        EmbeddingsParams(input="x", temprature=1)  # type: ignore[call-arg]
    params = EmbeddingsParams(input="x", provider={"order": ["a"], "unknown": 1})

    assert params.model_dump(exclude_none=True) == {"input": "x", "provider": {"order": ["a"]}}


def test_a_stream_body_that_is_cut_is_still_an_interruption_outside_chat() -> None:
    def cut() -> Any:
        yield b'event: delta\ndata: {"delta": "a"}\n\n'
        raise httpx.ReadError("reset")

    client = official_client(Recorder(httpx.Response(200, content=cut())))

    with pytest.raises(StreamInterruptedError):
        list(client.compare.stream(CompareParams(models=["a"], messages=HI)))


@pytest.mark.parametrize(
    ("call", "body"),
    [
        (lambda c: c.models.list(), b'[{"id": 1}]'),
        (lambda c: c.templates.list(), b'{"not": "a list"}'),
        (lambda c: c.audio.get_transcription("t1"), b"<html>"),
        (lambda c: c.router.select({"messages": HI}), b'{"model": "m"}'),
    ],
)
def test_a_success_body_that_does_not_fit_is_a_parse_error(
    call: Callable[[MeshAPI], Any], body: bytes
) -> None:
    reply = httpx.Response(200, content=body, headers={"x-request-id": "req_p"})

    with pytest.raises(MeshAPIError) as caught:
        call(official_client(Recorder(reply)))

    assert (caught.value.error_code, caught.value.status) == ("parse_error", 200)
    assert caught.value.request_id == "req_p"


def test_a_stream_frame_that_does_not_fit_is_a_parse_error() -> None:
    body = b'data: {"type": 5}\n\n'
    client = official_client(Recorder(httpx.Response(200, content=body)))

    with pytest.raises(MeshAPIError) as caught:
        list(client.responses.stream(ResponsesParams(input="x")))

    assert caught.value.error_code == "parse_error"


def test_only_compare_and_responses_events_carry_the_event_name() -> None:
    frame = b'event: partial\ndata: {"created": 1, "type": "t", "delta": "d"}\n\n'
    client = official_client(Recorder(httpx.Response(200, content=frame)))

    [image] = client.images.stream({"prompt": "p"})
    [response] = client.responses.stream({"input": "x"})
    [compare] = client.compare.stream({"models": ["a"], "messages": HI})

    assert "event" not in (image.model_extra or {})
    assert (response.model_extra or {})["event"] == "partial"
    assert compare.event == "partial"


class ClosingBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """An error body that records whether the client released it."""

    def __init__(self) -> None:
        self.closed = False

    def __iter__(self) -> Any:
        yield b'{"error": {"code": "unauthorized", "message": "no"}}'

    async def __aiter__(self) -> Any:
        yield b'{"error": {"code": "unauthorized", "message": "no"}}'

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def test_own_transport_closes_on_exit_and_reads_bytes() -> None:
    recorder = Recorder(httpx.Response(200, content=b"raw"))
    config = MeshAPIConfig(base_url=BASE_URL, token="t")

    with SyncHttpClient(config) as http:
        http._client = httpx.Client(transport=httpx.MockTransport(recorder))
        assert http.get_bytes("/v1/raw") == b"raw"

    assert http.client.is_closed


def test_a_failed_stream_open_releases_the_error_body() -> None:
    body = ClosingBody()
    client = official_client(Recorder(httpx.Response(401, stream=body)))

    with pytest.raises(MeshAPIError) as caught:
        list(client.responses.stream({"input": "x"}))

    assert caught.value.status == 401
    assert body.closed


@pytest.mark.anyio
async def test_async_failures_surface_like_sync_ones() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    async def no_wait(seconds: float) -> None:
        pass

    body = ClosingBody()
    bad = httpx.Response(400, json={"error": {"code": "invalid_request", "message": "no"}})
    replies = [
        httpx.MockTransport(refuse),
        httpx.MockTransport(Recorder(bad)),
        httpx.MockTransport(Recorder(httpx.Response(401, stream=body))),
    ]
    clients = [
        AsyncMeshAPI(
            base_url=BASE_URL,
            token="t",
            async_httpx_client=httpx.AsyncClient(transport=transport),
            sleep=no_wait,
        )
        for transport in replies
    ]

    with pytest.raises(APIConnectionError):
        await clients[0].models.free()
    with pytest.raises(InvalidRequestError):
        await clients[1].models.free()
    with pytest.raises(UnauthorizedError):
        [event async for event in clients[2].compare.stream({"models": ["a"], "messages": HI})]

    assert body.closed
    assert clients[0].base_url == BASE_URL


@pytest.mark.anyio
async def test_async_streams_hand_out_events_before_the_body_ends() -> None:
    async def cut() -> Any:
        yield b'event: delta\ndata: {"delta": "a"}\n\n'
        raise httpx.ReadError("reset")

    http = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda request: httpx.Response(200, content=cut()))
    )
    client = AsyncMeshAPI(base_url=BASE_URL, token="t", async_httpx_client=http)
    received = []

    with pytest.raises(StreamInterruptedError):
        async for event in client.compare.stream({"models": ["a"], "messages": HI}):
            received.append(event.delta)

    assert received == ["a"]
    await http.aclose()
