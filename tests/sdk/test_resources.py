"""Every resource method sends what the official SDK sends and reads a contract-shaped answer.

One table row per method; each runs through the sync and the async client against an
``httpx.MockTransport`` that records the request and answers as the wire contract says.
Checked: HTTP method, raw path (id escaping as the official SDK does it), query encoding,
headers, body kind and content (JSON, multipart, none), and what the call returns.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from meshapi import (
    AsyncMeshAPI,
    AudioTranslationsParams,
    BatchRequestItem,
    BulkEmbedRequest,
    ChatCompletionParams,
    ChatMessage,
    CompareParams,
    CreateBatchParams,
    CreateTemplateParams,
    EmbeddingsParams,
    ImageEditParams,
    ImageGenerationParams,
    InitUploadRequest,
    ListVideoGenerationsParams,
    ListVoicesParams,
    MeshAPI,
    ModelSearchParams,
    ModerationParams,
    ResponsesParams,
    RouterSelectParams,
    SearchRequest,
    SpeechParams,
    TranscriptionParams,
    TranscriptionTranslateParams,
    UpdateTemplateParams,
    VideoContentItem,
    VideoGenerationParams,
    WebSearchParams,
    __version__,
)
from meshapi._streaming import AsyncStream, Stream

BASE_URL = "http://meshapi.test"
NO_BODY: Any = object()
HI = [ChatMessage(role="user", content="hi")]

# --------------------------------------------------------------------------- contract payloads

COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1767225600,
    "model": "openai/gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Paris."}}],
}
CHUNK = {**COMPLETION, "object": "chat.completion.chunk", "choices": []}
MODEL = {"id": "openai/gpt-4o", "name": "GPT-4o", "is_free": False, "pricing": {"request_usd": "0"}}
TEMPLATE = {
    "id": "tpl-1",
    "name": "greeting",
    "is_global": False,
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}
BATCH = {"id": "batch_1", "object": "batch", "status": "in_progress", "vendor": "kept"}
FILE_STATUS = {
    "file_id": "f/1",
    "upload_status": "ready",
    "file_name": "a.pdf",
    "file_type": "pdf",
    "mime_type": "application/pdf",
    "embedding_status": "ready",
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
    "total_cost_usd": 0.25,
}
IMAGES = {"created": 1767225600, "data": [{"b64_json": "aGk="}]}
VIDEO_TASK = {"id": "task-1", "status": "succeeded", "content": {"video_url": "https://v/1.mp4"}}
VOICE = {"voice_id": "v1", "name": "Ada", "labels": {"accent": "british"}}


# --------------------------------------------------------------------------- replies


def json_reply(payload: Any, status: int = 200) -> Callable[[], httpx.Response]:
    return lambda: httpx.Response(status, json=payload)


def sse_reply(*frames: str) -> Callable[[], httpx.Response]:
    body = "".join(frames).encode()
    return lambda: httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})


def data(payload: Any, event: str | None = None) -> str:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(payload)}\n\n"


# --------------------------------------------------------------------------- multipart


@dataclass
class Part:
    name: str
    filename: str | None
    content_type: str | None
    content: bytes


def multipart(request: httpx.Request) -> list[Part]:
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=", 1)[1].encode()
    parts = []
    for raw in request.content.split(b"--" + boundary)[1:-1]:
        head, _, content = raw.strip(b"\r\n").partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n") if ": " in line)
        disposition = headers["Content-Disposition"]
        params = dict(
            item.strip().split("=", 1) for item in disposition.split(";")[1:] if "=" in item
        )
        filename = params.get("filename")
        parts.append(
            Part(
                name=params["name"].strip('"'),
                filename=filename.strip('"') if filename else None,
                content_type=headers.get("Content-Type"),
                content=content,
            )
        )
    return parts


# --------------------------------------------------------------------------- the table


@dataclass
class Case:
    id: str
    call: Callable[[Any], Any]
    method: str
    path: str
    reply: Callable[[], httpx.Response]
    query: list[tuple[str, str]] = field(default_factory=list)
    json: Any = NO_BODY
    form: dict[str, str] | None = None
    files: dict[str, tuple[str, str, bytes]] | None = None
    check: Callable[[Any], Any] = lambda result: None


def expect(condition: bool) -> None:
    assert condition


CASES = [
    # ---- chat
    Case(
        "chat.completions.create",
        lambda c: c.chat.completions.create(ChatCompletionParams(model="m", messages=HI)),
        "POST", "/v1/chat/completions", json_reply(COMPLETION),
        json={"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": False},
        check=lambda r: expect(r.choices[0].message.content == "Paris."),
    ),
    Case(
        "chat.completions.stream",
        lambda c: c.chat.completions.stream(ChatCompletionParams(model="m", messages=HI)),
        "POST", "/v1/chat/completions",
        sse_reply(data(CHUNK, event="chunk"), "data: [DONE]\n\n"),
        json={"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True},
        # chat drops the SSE event name, as the official SDK does
        check=lambda r: expect([c.id for c in r] == ["chatcmpl-1"] and not r[0].model_extra),
    ),
    # ---- responses
    Case(
        "responses.create",
        lambda c: c.responses.create(ResponsesParams(model="m", input="hi", max_output_tokens=5)),
        "POST", "/v1/responses",
        json_reply({"id": "resp_1", "status": "completed", "output": [], "output_text": "x"}),
        json={"model": "m", "input": "hi", "max_output_tokens": 5, "stream": False},
        check=lambda r: expect(r.id == "resp_1" and r.model_extra == {"output_text": "x"}),
    ),
    Case(
        "responses.stream",
        lambda c: c.responses.stream(ResponsesParams(input="hi")),
        "POST", "/v1/responses",
        sse_reply(
            data({"type": "response.output_text.delta", "delta": "Pa"}, "text.delta"),
            data({"type": "response.completed", "response": {"id": "r"}}, "response.completed"),
        ),  # no [DONE]: the stream simply ends, as with the official SDK
        json={"input": "hi", "stream": True},
        check=lambda r: expect(
            [(e.type, e.event) for e in r]
            == [
                ("response.output_text.delta", "text.delta"),
                ("response.completed", "response.completed"),
            ]
            and r[0].delta == "Pa"
        ),
    ),
    Case(
        "responses.list",
        lambda c: c.responses.list(after="resp_0", limit=2),
        "GET", "/v1/responses",
        json_reply({"object": "list", "data": [{"id": "resp_1", "status": "queued"}]}),
        query=[("after", "resp_0"), ("limit", "2")],
        check=lambda r: expect(r.data[0].id == "resp_1" and r.has_more is False),
    ),
    Case(
        "responses.get",
        lambda c: c.responses.get("resp 1"),
        "GET", "/v1/responses/resp%201", json_reply({"id": "resp 1"}),
        check=lambda r: expect(r.id == "resp 1"),
    ),
    # ---- embeddings
    Case(
        "embeddings.create",
        lambda c: c.embeddings.create(EmbeddingsParams(model="e", input=["a", "b"], dimensions=8)),
        "POST", "/v1/embeddings",
        json_reply(
            {
                "object": "list",
                "model": "e",
                "data": [{"object": "embedding", "index": 0, "embedding": [0.5, 1.0]}],
                "usage": {"prompt_tokens": 2},
            }
        ),
        json={"model": "e", "input": ["a", "b"], "dimensions": 8},
        check=lambda r: expect(r.data[0].embedding == [0.5, 1.0] and r.usage.prompt_tokens == 2),
    ),
    # ---- compare
    Case(
        "compare.create",
        lambda c: c.compare.create(CompareParams(models=["a", "b"], messages=HI)),
        "POST", "/v1/chat/compare",
        json_reply(
            {
                "comparison_id": "cmp_1",
                "object": "chat.comparison",
                "created": 1,
                "models": ["a", "b"],
                "results": [
                    {"model": "a", "latency_ms": 10, "request_id": "r1", "content": "x"},
                    {"model": "b", "latency_ms": 12, "request_id": "r2", "error": "boom"},
                ],
                "total_latency_ms": 12,
            }
        ),
        json={
            "models": ["a", "b"],
            "messages": [{"role": "user", "content": "hi"}],
            "stream": False,
            "skip_comparison": False,
        },
        check=lambda r: expect([x.error for x in r.results] == [None, "boom"]),
    ),
    Case(
        "compare.stream",
        lambda c: c.compare.stream(CompareParams(models=["a"], messages=HI, skip_comparison=True)),
        "POST", "/v1/chat/compare",
        sse_reply(
            data({"comparison_id": "cmp_1", "models": ["a"]}, "start"),
            data({"model": "a", "delta": "Pa", "data": {"delta": "Pa"}}, "delta"),
            ": keep-alive\n\n",
            data({"total_latency_ms": 9}, "done"),
            "data: [DONE]\n\n",
        ),
        json={
            "models": ["a"],
            "messages": [{"role": "user", "content": "hi"}],
            "stream": True,
            "skip_comparison": True,
        },
        check=lambda r: expect(
            [e.event for e in r] == ["start", "delta", "done"] and r[1].delta == "Pa"
        ),
    ),
    # ---- batches
    Case(
        "batches.create",
        lambda c: c.batches.create(
            CreateBatchParams(requests=[BatchRequestItem(custom_id="q1", body={"model": "m"})])
        ),
        "POST", "/v1/batches", json_reply(BATCH),
        json={
            "requests": [
                {
                    "custom_id": "q1",
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": {"model": "m"},
                }
            ]
        },
        check=lambda r: expect(r.id == "batch_1" and r.model_extra == {"vendor": "kept"}),
    ),
    Case(
        "batches.list",
        lambda c: c.batches.list(limit=5),
        "GET", "/v1/batches",
        json_reply({"object": "list", "data": [BATCH], "has_more": True, "last_id": "batch_1"}),
        query=[("limit", "5")],
        check=lambda r: expect(r.has_more and r.data[0].status == "in_progress"),
    ),
    Case(
        "batches.get",
        lambda c: c.batches.get("batch/1 x"),
        "GET", "/v1/batches/batch%2F1%20x", json_reply(BATCH),
        check=lambda r: expect(r.id == "batch_1"),
    ),
    Case(
        "batches.cancel",
        lambda c: c.batches.cancel("batch_1"),
        "POST", "/v1/batches/batch_1/cancel", json_reply({**BATCH, "status": "cancelling"}),
        json={},
        check=lambda r: expect(r.status == "cancelling"),
    ),
    # ---- models
    Case(
        "models.list",
        lambda c: c.models.list(free=True, type="text", provider="openai"),
        "GET", "/v1/models", json_reply([MODEL]),
        query=[("free", "true"), ("type", "text"), ("provider", "openai")],
        check=lambda r: expect([m.id for m in r] == ["openai/gpt-4o"]),
    ),
    Case(
        "models.list null",
        lambda c: c.models.list(free=False),
        "GET", "/v1/models", json_reply(None),
        query=[("free", "false")],
        check=lambda r: expect(r == []),
    ),
    Case(
        "models.free",
        lambda c: c.models.free(),
        "GET", "/v1/models/free", json_reply([{**MODEL, "is_free": True}]),
        check=lambda r: expect(r[0].is_free is True),
    ),
    Case(
        "models.paid",
        lambda c: c.models.paid(),
        "GET", "/v1/models/paid", json_reply([MODEL]),
        check=lambda r: expect(r[0].pricing.request_usd == "0"),
    ),
    Case(
        "models.search",
        lambda c: c.models.search(
            ModelSearchParams(q="gpt", free=False, brand=["openai", "meta"], limit=5)
        ),
        "GET", "/v1/models/search",
        json_reply({"items": [MODEL], "total": 1, "limit": 5, "offset": 0, "brands": ["openai"]}),
        query=[("q", "gpt"), ("free", "false"), ("brand", "openai"), ("brand", "meta"),
               ("limit", "5")],
        check=lambda r: expect(r.total == 1 and r.items[0].name == "GPT-4o"),
    ),
    Case(
        "models.search no params",
        lambda c: c.models.search(),
        "GET", "/v1/models/search", json_reply({"total": 0, "limit": 20, "offset": 0}),
        check=lambda r: expect(r.items == []),
    ),
    Case(
        "models.get",
        lambda c: c.models.get("meta-llama/llama-3.3-70b-instruct:free"),
        "GET", "/v1/models/meta-llama/llama-3.3-70b-instruct%3Afree", json_reply(MODEL),
        check=lambda r: expect(r.id == "openai/gpt-4o"),
    ),
    # ---- templates
    Case(
        "templates.create",
        lambda c: c.templates.create(CreateTemplateParams(name="greeting", variables=["who"])),
        "POST", "/v1/templates", json_reply(TEMPLATE, 201),
        json={"name": "greeting", "variables": ["who"]},
        check=lambda r: expect(r.id == "tpl-1"),
    ),
    Case(
        "templates.list",
        lambda c: c.templates.list(),
        "GET", "/v1/templates", json_reply([TEMPLATE]),
        check=lambda r: expect([t.name for t in r] == ["greeting"]),
    ),
    Case(
        "templates.get",
        lambda c: c.templates.get("tpl-1"),
        "GET", "/v1/templates/tpl-1", json_reply(TEMPLATE),
        check=lambda r: expect(r.is_global is False),
    ),
    Case(
        "templates.update",
        lambda c: c.templates.update("tpl-1", UpdateTemplateParams(system="Hi {{who}}")),
        "PATCH", "/v1/templates/tpl-1", json_reply({**TEMPLATE, "system": "Hi {{who}}"}),
        json={"system": "Hi {{who}}"},
        check=lambda r: expect(r.system == "Hi {{who}}"),
    ),
    Case(
        "templates.delete",
        lambda c: c.templates.delete("tpl-1"),
        "DELETE", "/v1/templates/tpl-1", lambda: httpx.Response(204),
        check=lambda r: expect(r is None),
    ),
    # ---- images
    Case(
        "images.generate",
        lambda c: c.images.generate(ImageGenerationParams(prompt="a cat", n=1, size="512x512")),
        "POST", "/v1/images/generations", json_reply(IMAGES),
        json={"prompt": "a cat", "n": 1, "size": "512x512"},
        check=lambda r: expect(r.data[0].image_bytes() == b"hi"),
    ),
    Case(
        "images.edit",
        lambda c: c.images.edit(ImageEditParams(model="i", image="data:image/png;base64,aGk=")),
        "POST", "/v1/images/edits", json_reply(IMAGES),
        json={"model": "i", "image": "data:image/png;base64,aGk=", "prompt": "",
              "operation": "edit"},
        check=lambda r: expect(r.created == 1767225600),
    ),
    Case(
        "images.stream",
        lambda c: c.images.stream(ImageGenerationParams(prompt="a cat")),
        "POST", "/v1/images/generations",
        sse_reply(
            data({"created": 1, "status": "processing"}, "image"),
            data({"created": 1, "data": [{"url": "data:image/png;base64,aGk="}]}),
            "data: [DONE]\n\n",
        ),
        json={"prompt": "a cat", "stream": True},
        check=lambda r: expect(
            [c.status for c in r] == ["processing", None]
            and r[1].data[0].image_bytes() == b"hi"
            and r[0].object == "image.chunk"
        ),
    ),
    # ---- videos
    Case(
        "videos.generate",
        lambda c: c.videos.generate(
            VideoGenerationParams(
                model="v", content=[VideoContentItem(type="text", text="waves")], duration=5
            )
        ),
        "POST", "/v1/video/generations", json_reply({"id": "task-1"}),
        json={"model": "v", "content": [{"type": "text", "text": "waves"}], "duration": 5},
        check=lambda r: expect(r.id == "task-1"),
    ),
    Case(
        "videos.list",
        lambda c: c.videos.list(ListVideoGenerationsParams(status="succeeded", limit=10)),
        "GET", "/v1/video/generations",
        json_reply({"data": [VIDEO_TASK], "has_more": False, "total": 1, "limit": 10,
                    "offset": 0}),
        query=[("status", "succeeded"), ("limit", "10")],
        check=lambda r: expect(r.data[0].content.video_url == "https://v/1.mp4"),
    ),
    Case(
        "videos.retrieve",
        lambda c: c.videos.retrieve("task-1"),
        "GET", "/v1/video/generations/task-1", json_reply(VIDEO_TASK),
        check=lambda r: expect(r.status == "succeeded"),
    ),
    # ---- audio
    Case(
        "audio.synthesize",
        lambda c: c.audio.synthesize(SpeechParams(input="Hello", voice="alloy")),
        "POST", "/v1/audio/speech",
        lambda: httpx.Response(200, content=b"ID3\x00mp3", headers={"content-type": "audio/mpeg"}),
        json={"input": "Hello", "voice": "alloy"},
        check=lambda r: expect(r == b"ID3\x00mp3"),
    ),
    Case(
        "audio.transcribe",
        lambda c: c.audio.transcribe(
            b"RIFF", TranscriptionParams(model="s", diarize=True, keyterms=["a", "b"]),
            filename="x.wav",
        ),
        "POST", "/v1/audio/transcriptions", json_reply({"text": "hello"}),
        form={"model": "s", "diarize": "True", "keyterms": "['a', 'b']"},
        files={"file": ("x.wav", "application/octet-stream", b"RIFF")},
        check=lambda r: expect(r.text == "hello"),
    ),
    Case(
        "audio.get_transcription",
        lambda c: c.audio.get_transcription("tr 1"),
        "GET", "/v1/audio/transcriptions/tr%201", json_reply({"id": "tr 1", "text": "hi"}),
        check=lambda r: expect(r == {"id": "tr 1", "text": "hi"}),
    ),
    Case(
        "audio.translate",
        lambda c: c.audio.translate(b"RIFF"),
        "POST", "/v1/audio/transcriptions/translate", json_reply({"text": "hello"}),
        form={},
        files={"file": ("audio.mp3", "application/octet-stream", b"RIFF")},
        check=lambda r: expect(r.text == "hello"),
    ),
    Case(
        "audio.translate with params",
        lambda c: c.audio.translate(b"RIFF", TranscriptionTranslateParams(prompt="p")),
        "POST", "/v1/audio/transcriptions/translate", json_reply({"text": "hello"}),
        form={"prompt": "p"},
        files={"file": ("audio.mp3", "application/octet-stream", b"RIFF")},
    ),
    Case(
        "audio.audio_translate",
        lambda c: c.audio.audio_translate(
            b"RIFF", AudioTranslationsParams(model="w", temperature=0.5)
        ),
        "POST", "/v1/audio/translations", json_reply({"text": "hello"}),
        form={"model": "w", "temperature": "0.5"},
        files={"file": ("audio.mp3", "application/octet-stream", b"RIFF")},
    ),
    Case(
        "audio.list_voices",
        lambda c: c.audio.list_voices(
            ListVoicesParams(page_size=2, include_total_count=True, voice_ids=["v1", "v2"])
        ),
        "GET", "/v1/audio/voices",
        json_reply({"voices": [VOICE], "has_more": False, "total_count": 1}),
        query=[("page_size", "2"), ("include_total_count", "true"), ("voice_ids", "v1"),
               ("voice_ids", "v2")],
        check=lambda r: expect(r.voices[0].labels == {"accent": "british"}),
    ),
    Case(
        "audio.get_voice",
        lambda c: c.audio.get_voice("v1"),
        "GET", "/v1/audio/voices/v1", json_reply(VOICE),
        check=lambda r: expect(r.name == "Ada"),
    ),
    # ---- rag
    Case(
        "rag.init_upload",
        lambda c: c.rag.init_upload(InitUploadRequest(file_name="a.pdf", mime_type="text/x")),
        "POST", "/v1/files",
        json_reply({"file_id": "f1", "signed_url": "https://s/u", "expires_at": "2026"}),
        json={"file_name": "a.pdf", "mime_type": "text/x"},
        check=lambda r: expect(r.signed_url == "https://s/u"),
    ),
    Case(
        "rag.list",
        lambda c: c.rag.list(10, 20),
        "GET", "/v1/files",
        json_reply({"files": [FILE_STATUS], "total": 1, "limit": 10, "offset": 20}),
        query=[("limit", "10"), ("offset", "20")],
        check=lambda r: expect(r.files[0].total_cost_usd == 0.25),
    ),
    Case(
        "rag.get",
        lambda c: c.rag.get("f/1"),
        "GET", "/v1/files/f%2F1", json_reply(FILE_STATUS),
        check=lambda r: expect(r.file_id == "f/1"),
    ),
    Case(
        "rag.embed",
        lambda c: c.rag.embed(BulkEmbedRequest(file_ids=["f1"], wait=True)),
        "POST", "/v1/files/embed",
        json_reply({"results": [{"file_id": "f1", "embedding_status": "ready", "chunk_count": 3}]}),
        json={"file_ids": ["f1"], "wait": True},
        check=lambda r: expect(r.results[0].chunk_count == 3),
    ),
    Case(
        "rag.search",
        lambda c: c.rag.search(SearchRequest(query="q", top_k=2)),
        "POST", "/v1/files/search",
        json_reply({"results": [{"score": 0.9, "text": "t", "parent_text": "p"}]}),
        json={"query": "q", "top_k": 2},
        check=lambda r: expect(r.results[0].metadata == {}),
    ),
    # ---- moderations, web, router
    Case(
        "moderations.create",
        lambda c: c.moderations.create(ModerationParams(input="hello")),
        "POST", "/v1/moderations",
        json_reply({"id": "mod_1", "results": [{"flagged": False, "categories": {"hate": False}}]}),
        json={"input": "hello", "model": "omni-moderation-latest"},
        check=lambda r: expect(r.results[0].categories == {"hate": False}),
    ),
    Case(
        "web.search",
        lambda c: c.web.search(WebSearchParams(query="mesh")),
        "POST", "/v1/web/search",
        json_reply({"query": "mesh", "provider": "tavily",
                    "results": [{"title": "T", "url": "https://t"}]}),
        json={"query": "mesh", "max_results": 5, "search_depth": "basic", "include_answer": False},
        check=lambda r: expect(r.results[0].content == "" and r.request_id == ""),
    ),
    Case(
        "router.select",
        lambda c: c.router.select(RouterSelectParams(messages=HI)),
        "POST", "/v1/router/select",
        json_reply({"model": "openai/gpt-4o-mini", "auto_router": {"fallback_used": True}}),
        json={"messages": [{"role": "user", "content": "hi"}], "api_type": "completions"},
        check=lambda r: expect(r.auto_router.fallback_used is True),
    ),
]  # fmt: skip


# --------------------------------------------------------------------------- running a case


class Recorder:
    def __init__(self, reply: Callable[[], httpx.Response]) -> None:
        self.reply = reply
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.reply()


def sync_result(case: Case, recorder: Recorder) -> Any:
    transport = httpx.MockTransport(recorder)
    with MeshAPI(
        base_url=BASE_URL, token="rsk_test", httpx_client=httpx.Client(transport=transport)
    ) as client:
        result = case.call(client)
        return list(result) if isinstance(result, Stream) else result


async def async_result(case: Case, recorder: Recorder) -> Any:
    transport = httpx.MockTransport(recorder)
    async with httpx.AsyncClient(transport=transport) as http:
        client = AsyncMeshAPI(base_url=BASE_URL, token="rsk_test", async_httpx_client=http)
        result = case.call(client)
        if isinstance(result, AsyncStream):
            return [item async for item in result]
        assert inspect.isawaitable(result), "async resource methods are coroutines"
        return await result


def check_request(case: Case, request: httpx.Request) -> None:
    path, _, raw_query = request.url.raw_path.decode().partition("?")
    assert request.method == case.method
    assert path == case.path
    assert parse_qsl(raw_query, keep_blank_values=True) == case.query
    headers = request.headers
    assert headers["authorization"] == "Bearer rsk_test"
    assert headers["accept"] == "application/json"
    assert headers["x-meshapi-sdk"] == f"python/{__version__}"
    if case.files is not None:
        parts = multipart(request)
        fields = {p.name: p.content.decode() for p in parts if p.filename is None}
        files = {p.name: (p.filename, p.content_type, p.content) for p in parts if p.filename}
        assert fields == case.form
        assert files == case.files
        assert [p.name for p in parts][-1] == "file"  # the fields first, the file last
    else:
        assert headers["content-type"] == "application/json"  # even on GET and DELETE
        if case.json is NO_BODY:
            assert request.content == b""
        else:
            assert json.loads(request.content) == case.json


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_sync_resource(case: Case) -> None:
    recorder = Recorder(case.reply)

    result = sync_result(case, recorder)

    [request] = recorder.requests
    check_request(case, request)
    case.check(result)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
@pytest.mark.anyio
async def test_async_resource(case: Case) -> None:
    recorder = Recorder(case.reply)

    result = await async_result(case, recorder)

    [request] = recorder.requests
    check_request(case, request)
    case.check(result)


def test_every_official_resource_method_has_a_case() -> None:
    """A new or renamed method cannot slip in untested."""
    client = MeshAPI(base_url=BASE_URL, token="rsk_test")
    methods = set()
    for area in ("responses", "embeddings", "compare", "batches", "models", "templates",
                 "images", "videos", "audio", "rag", "moderations", "web", "router"):  # fmt: skip
        resource = getattr(client, area)
        methods |= {
            f"{area}.{name}"
            for name in dir(resource)
            if not name.startswith("_") and callable(getattr(resource, name))
        }
    client.close()
    covered = {case.id.split(" ")[0] for case in CASES} | {"rag.upload_file"}

    assert methods - covered == set()
