"""Client configuration and what goes on the wire: URL, headers, body, timeouts, closing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from meshapi import (
    AsyncMeshAPI,
    ChatCompletionParams,
    ChatMessage,
    MeshAPI,
    TextContentPart,
    Tool,
    ToolChoiceFunction,
    ToolChoiceObject,
    ToolFunction,
    __version__,
)

COMPLETION = {
    "id": "c1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
}


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json=COMPLETION)

    @property
    def body(self) -> Any:
        return json.loads(self.requests[-1].content)


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("MESHAPI_BASE_URL", "MESHAPI_API_KEY", "MESHAPI_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def recorded_client(recorder: Recorder, http_timeout: float = 17.0, **options: Any) -> MeshAPI:
    """A client on the caller's own httpx client (whose timeout is `http_timeout`)."""
    transport = httpx.MockTransport(recorder)
    return MeshAPI(http_client=httpx.Client(transport=transport, timeout=http_timeout), **options)


def send(client: MeshAPI) -> None:
    client.chat.completions.create(
        ChatCompletionParams(model="m", messages=[ChatMessage(role="user", content="hi")])
    )


def test_headers_follow_the_contract(sync_client: Callable[..., MeshAPI]) -> None:
    recorder = Recorder()

    send(sync_client(recorder))

    headers = recorder.requests[0].headers
    assert headers["authorization"] == "Bearer rsk_test"
    assert headers["content-type"] == "application/json"
    assert headers["accept"] == "application/json"
    assert headers["x-meshapi-sdk"] == f"python/{__version__}"
    assert recorder.requests[0].method == "POST"


def test_body_omits_none_fields_everywhere_but_always_says_stream(
    sync_client: Callable[..., MeshAPI],
) -> None:
    recorder = Recorder()
    params = ChatCompletionParams(
        model="m",
        messages=[
            ChatMessage(role="user", content=[TextContentPart(text="hi")]),
        ],
        tools=[Tool(function=ToolFunction(name="f"))],
        tool_choice=ToolChoiceObject(function=ToolChoiceFunction(name="f")),
        temperature=0,
    )

    sync_client(recorder).chat.completions.create(params)

    assert recorder.body == {
        "model": "m",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
        "temperature": 0,
        "stream": False,
    }


def test_params_may_be_given_as_a_mapping(sync_client: Callable[..., MeshAPI]) -> None:
    recorder = Recorder()

    reply = sync_client(recorder).chat.completions.create(
        {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    )

    assert reply.choices[0].message.content == "ok"
    assert recorder.body == {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": False,
    }


@pytest.mark.parametrize(
    ("base_url", "url"),
    [
        ("http://gw.test", "http://gw.test/v1/chat/completions"),
        ("http://gw.test/", "http://gw.test/v1/chat/completions"),
        ("http://gw.test/api/", "http://gw.test/api/v1/chat/completions"),
    ],
)
def test_paths_are_appended_to_the_base_url(no_env: Any, base_url: str, url: str) -> None:
    recorder = Recorder()

    send(recorded_client(recorder, base_url=base_url, token="rsk_x"))

    assert str(recorder.requests[0].url) == url


def test_base_url_and_token_fall_back_to_the_environment(no_env: pytest.MonkeyPatch) -> None:
    no_env.setenv("MESHAPI_BASE_URL", "http://from-env.test")
    no_env.setenv("MESHAPI_TOKEN", "rsk_second_choice")
    no_env.setenv("MESHAPI_API_KEY", "rsk_from_env")
    recorder = Recorder()

    send(recorded_client(recorder))

    assert str(recorder.requests[0].url) == "http://from-env.test/v1/chat/completions"
    assert recorder.requests[0].headers["authorization"] == "Bearer rsk_from_env"


def test_meshapi_token_is_the_second_token_variable(no_env: pytest.MonkeyPatch) -> None:
    no_env.setenv("MESHAPI_TOKEN", "rsk_token_var")
    recorder = Recorder()

    send(recorded_client(recorder))

    assert recorder.requests[0].headers["authorization"] == "Bearer rsk_token_var"


def test_arguments_win_over_the_environment(no_env: pytest.MonkeyPatch) -> None:
    no_env.setenv("MESHAPI_BASE_URL", "http://from-env.test")
    no_env.setenv("MESHAPI_API_KEY", "rsk_from_env")
    recorder = Recorder()

    send(recorded_client(recorder, base_url="http://arg.test", token="rsk_arg"))

    assert str(recorder.requests[0].url).startswith("http://arg.test/")
    assert recorder.requests[0].headers["authorization"] == "Bearer rsk_arg"


def test_defaults_are_the_public_gateway_and_sixty_seconds(no_env: Any) -> None:
    with MeshAPI(token="rsk_x") as client:
        assert client.base_url == "https://api.meshapi.ai"
        assert client.max_retries == 3
        assert client._http.client.timeout == httpx.Timeout(60.0)


def test_a_missing_token_fails_at_construction(no_env: Any) -> None:
    with pytest.raises(ValueError, match="MESHAPI_API_KEY"):
        MeshAPI(base_url="http://gw.test")


def test_an_explicit_timeout_applies_even_with_a_caller_client(no_env: Any) -> None:
    recorder = Recorder()

    send(recorded_client(recorder, token="rsk_x", timeout=5))
    send(recorded_client(recorder, token="rsk_x"))  # no timeout given: the caller's client decides

    assert recorder.requests[0].extensions["timeout"] == httpx.Timeout(5).as_dict()
    assert recorder.requests[1].extensions["timeout"] == httpx.Timeout(17.0).as_dict()


def test_closing_closes_only_what_the_client_opened(no_env: Any) -> None:
    own = MeshAPI(token="rsk_x")
    callers = httpx.Client()
    borrowed = MeshAPI(token="rsk_x", http_client=callers)

    with own, borrowed:
        pass

    assert own._http.client.is_closed
    assert not callers.is_closed
    callers.close()


@pytest.mark.anyio
async def test_async_client_closes_only_what_it_opened(no_env: Any) -> None:
    callers = httpx.AsyncClient()

    async with AsyncMeshAPI(token="rsk_x") as own, AsyncMeshAPI(token="rsk_x", http_client=callers):
        pass

    assert own._http.client.is_closed
    assert not callers.is_closed
    await callers.aclose()


@pytest.mark.anyio
async def test_async_client_sends_the_same_request(
    async_client: Callable[..., AsyncMeshAPI],
) -> None:
    recorder = Recorder()
    client = async_client(recorder)

    await client.chat.completions.create(
        ChatCompletionParams(model="m", messages=[ChatMessage(role="user", content="hi")])
    )

    assert recorder.requests[0].headers["x-meshapi-sdk"] == f"python/{__version__}"
    assert recorder.body["stream"] is False
