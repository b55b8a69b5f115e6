"""How a reply goes on the wire: token estimates, cost, the JSON body and the SSE framing.

The rules pinned here are the fake's documented ones: usage is *estimated* at about four
characters a token (rounded up), `cost` is priced from the catalogue that `GET /v1/models`
lists, and the same request renders the same bytes.
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshapi_mock import MockServer
from support.wire import chat, check_stream_shape, sse_payloads, streamed_text, streamed_tool_calls


def tokens(text: str) -> int:
    """The documented estimate: a token per four characters, a started token counts."""
    whole, rest = divmod(len(text), 4)
    return whole + (1 if rest else 0)


WEATHER_PARAMETERS = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get current weather for a city",
        "parameters": WEATHER_PARAMETERS,
    },
}
PING = {"type": "function", "function": {"name": "ping"}}
PING_DESCRIBED = {
    "type": "function",
    "function": {"name": "ping", "description": "Check the server"},
}
PARIS_CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}


def user(text: Any) -> dict[str, Any]:
    return {"role": "user", "content": text}


# Every request costs 3 tokens, every message 4 plus its text, every tool 8 plus its name and
# description plus its parameter schema; a replayed tool call counts its name and arguments.
PROMPTS: list[tuple[str, dict[str, Any], int]] = [
    ("one short message", {"messages": [user("Hello")]}, 3 + 4 + 2),
    ("an empty message", {"messages": [user("")]}, 3 + 4 + 0),
    ("four characters are one token", {"messages": [user("abcd")]}, 3 + 4 + 1),
    ("five characters are two", {"messages": [user("abcde")]}, 3 + 4 + 2),
    (
        "system and user",
        {"messages": [{"role": "system", "content": "You are terse."}, user("Hello")]},
        3 + (4 + 4) + (4 + 2),
    ),
    (
        "text parts joined by a newline, other parts ignored",
        {
            "messages": [
                user(
                    [
                        {"type": "text", "text": "abcdefgh"},
                        {"type": "image_url", "image_url": {"url": "https://x.test/y.png"}},
                        {"type": "text", "text": "ij"},
                    ]
                )
            ]
        },
        3 + 4 + 3,  # "abcdefgh\nij" is 11 characters
    ),
    (
        "a replayed tool call and its result",
        {
            "messages": [
                user("Weather in Paris?"),
                {"role": "assistant", "content": None, "tool_calls": [PARIS_CALL]},
                {"role": "tool", "tool_call_id": "call_1", "content": "18C and sunny"},
            ]
        },
        3 + (4 + 5) + (4 + 0 + 7) + (4 + 4),  # name + arguments: 28 characters
    ),
    ("a bare tool", {"messages": [user("Hello")], "tools": [PING]}, 9 + 8 + 1),
    ("a described tool", {"messages": [user("Hello")], "tools": [PING_DESCRIBED]}, 9 + 8 + 5),
    # The schema counts as its text: 84 characters, 21 tokens.
    ("a tool with a schema", {"messages": [user("Hello")], "tools": [WEATHER]}, 9 + 8 + 11 + 21),
]


@pytest.mark.parametrize(
    ("body", "expected"), [(b, e) for _, b, e in PROMPTS], ids=[n for n, _, _ in PROMPTS]
)
def test_prompt_tokens_are_estimated_from_the_request(
    server: MockServer, http: httpx.Client, body: dict[str, Any], expected: int
) -> None:
    server.chat.reply("abcd")
    usage = chat(http, **body).json()["usage"]
    assert usage == {
        "prompt_tokens": expected,
        "completion_tokens": 1,
        "total_tokens": expected + 1,
        "prompt_tokens_details": {"cached_tokens": 0},
    }


COMPLETIONS: list[tuple[str, dict[str, Any], int]] = [
    ("four characters", {"text": "abcd"}, 1),
    ("five characters", {"text": "abcde"}, 2),
    (
        "a sentence",
        {"text": "Paris is the capital of France."},
        tokens("Paris is the capital of France."),
    ),
    # A tool call costs 3 tokens plus its name and JSON arguments ('{"city": "Paris"}').
    (
        "a tool call",
        {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]},
        3 + 7,
    ),
    (
        "text and a tool call",
        {"text": "abcd", "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]},
        1 + 3 + 7,
    ),
    (
        "two tool calls",
        {
            "tool_calls": [
                {"name": "get_weather", "arguments": {"city": "Paris"}},
                {"name": "get_weather", "arguments": {"city": "Tokyo"}},
            ]
        },
        2 * (3 + 7),
    ),
    ("empty text", {"text": ""}, 0),
]


@pytest.mark.parametrize(
    ("reply", "expected"), [(r, e) for _, r, e in COMPLETIONS], ids=[n for n, _, _ in COMPLETIONS]
)
def test_completion_tokens_are_estimated_from_the_reply(
    server: MockServer, http: httpx.Client, reply: dict[str, Any], expected: int
) -> None:
    server.chat.respond(lambda request: reply, times=2)
    for stream in (False, True):
        response = chat(http, stream=stream, messages=[user("Hello")])
        usage = sse_payloads(response.content)[-1]["usage"] if stream else response.json()["usage"]
        assert (usage["prompt_tokens"], usage["completion_tokens"]) == (9, expected)
        assert usage["total_tokens"] == 9 + expected


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"prompt_tokens": 100}, (100, 1, 101)),
        ({"completion_tokens": 7}, (9, 7, 16)),
        ({"total_tokens": 999}, (9, 1, 999)),
        ({"prompt_tokens": 0, "completion_tokens": 0}, (0, 0, 0)),
        ({"prompt_tokens": 64, "completion_tokens": 38, "total_tokens": 1}, (64, 38, 1)),
    ],
)
def test_usage_overrides_replace_only_what_they_name(
    server: MockServer, http: httpx.Client, override: dict[str, int], expected: tuple[int, ...]
) -> None:
    server.chat.reply("abcd", usage=override, times=2)
    plain = chat(http).json()["usage"]
    tail = sse_payloads(chat(http, stream=True).content)[-1]
    for usage in (plain, tail["usage"]):
        assert (usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"]) == (
            expected
        )
    # The cost follows the overridden counts (gpt-4o-mini: $0.15/M in, $0.60/M out).
    prompt, completion, _ = expected
    assert tail["cost"] == price(Decimal("0.15"), Decimal("0.60"), prompt, completion)


def price(per_1m_in: Decimal, per_1m_out: Decimal, prompt: int, completion: int) -> str:
    """USD as MeshAPI writes it: rounded half-up to 0.1 µ$, plain notation, no trailing zeros."""
    total = (prompt * per_1m_in + completion * per_1m_out) / 1_000_000
    text = format(total.quantize(Decimal("0.0000001"), rounding=ROUND_HALF_UP).normalize(), "f")
    return "0" if Decimal(text) == 0 else text


@pytest.mark.parametrize(
    "model",
    [
        "openai/gpt-4o",
        "openai/gpt-4o-mini",  # 12.75 µ$ rounds half-up to 0.0000128
        "anthropic/claude-sonnet-4",
        "meta-llama/llama-3.3-70b-instruct:free",
    ],
)
def test_cost_is_priced_from_the_listed_catalogue(http: httpx.Client, model: str) -> None:
    listed = {m["id"]: m["pricing"] for m in http.get("/v1/models").json()}
    pricing = listed[model]
    payloads = sse_payloads(chat(http, stream=True, model=model, messages=[user("Hello")]).content)
    usage = payloads[-1]["usage"]
    assert (usage["prompt_tokens"], usage["completion_tokens"]) == (9, 19)
    expected = price(
        Decimal(pricing["prompt_usd_per_1m"]), Decimal(pricing["completion_usd_per_1m"]), 9, 19
    )
    assert payloads[-1]["cost"] == expected


def test_cost_examples(http: httpx.Client) -> None:
    """The same rule, as literal values a user reads off the stream tail."""
    costs = {}
    for model in ("openai/gpt-4o", "openai/gpt-4o-mini", "openai/not-in-the-catalogue"):
        payloads = sse_payloads(chat(http, stream=True, model=model).content)
        costs[model] = payloads[-1]["cost"]
    # "Hello" in default mode: 9 prompt tokens, 19 completion tokens.
    assert costs == {
        "openai/gpt-4o": "0.0002125",
        "openai/gpt-4o-mini": "0.0000128",
        "openai/not-in-the-catalogue": "0.000085",  # UNKNOWN_MODEL_PRICES: $1 and $4 per 1M
    }


def test_cost_and_usage_only_on_the_stream_tail(http: httpx.Client) -> None:
    body = chat(http, model="openai/gpt-4o").json()
    assert "cost" not in body and body["usage"]["total_tokens"] == 28
    payloads = sse_payloads(chat(http, stream=True, model="openai/gpt-4o").content)
    check_stream_shape(payloads)
    for payload in payloads[:-1]:
        assert "usage" not in payload and "cost" not in payload
    assert payloads[-1]["choices"] == []
    assert payloads[-1]["usage"] == body["usage"]


ENVELOPE = '"id":"chatcmpl-fixed","object":"chat.completion.chunk","created":1700000000,' + (
    '"model":"openai/gpt-4o-mini"'
)


def test_stream_bytes(server: MockServer, http: httpx.Client) -> None:
    """LF-only `data: ` frames, the envelope on every chunk, role → text → finish → tail → DONE."""
    server.chat.reply("Hi there", id="chatcmpl-fixed", created=1700000000)
    body = chat(http, stream=True).content
    usage = (
        '"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,'
        '"prompt_tokens_details":{"cached_tokens":0}},"cost":"0.0000026"'
    )
    assert body.decode() == (
        f'data: {{{ENVELOPE},"choices":[{{"index":0,"delta":{{"role":"assistant","content":"Hi"}},'
        '"finish_reason":null}]}\n\n'
        f'data: {{{ENVELOPE},"choices":[{{"index":0,"delta":{{"content":" there"}},'
        '"finish_reason":null}]}\n\n'
        f'data: {{{ENVELOPE},"choices":[{{"index":0,"delta":{{}},"finish_reason":"stop"}}]}}\n\n'
        f'data: {{{ENVELOPE},"choices":[],{usage}}}\n\n'
        "data: [DONE]\n\n"
    )


def test_json_body_bytes(server: MockServer, http: httpx.Client) -> None:
    server.chat.reply("Hi there", id="chatcmpl-fixed", created=1700000000)
    assert chat(http).content.decode() == (
        '{"id":"chatcmpl-fixed","object":"chat.completion","created":1700000000,'
        '"model":"openai/gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant",'
        '"content":"Hi there"},"finish_reason":"stop","logprobs":null}],"usage":{"prompt_tokens":9,'
        '"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":0}},'
        '"system_fingerprint":null}'
    )


def test_default_envelope_ids_and_clock(http: httpx.Client) -> None:
    body = chat(http, messages=[user("Hello")]).json()
    assert body["id"].startswith("chatcmpl-") and len(body["id"]) == len("chatcmpl-") + 24
    assert body["created"] == 1767225600  # the fixed clock: 2026-01-01T00:00:00Z
    assert body["object"] == "chat.completion" and body["system_fingerprint"] is None
    payloads = sse_payloads(chat(http, stream=True, messages=[user("Hello")]).content)
    check_stream_shape(payloads)
    assert {p["created"] for p in payloads} == {1767225600}
    assert all(c["index"] == 0 for p in payloads for c in p["choices"])


def test_an_empty_text_is_empty_content_not_null(server: MockServer, http: httpx.Client) -> None:
    server.chat.reply("", times=2)
    body = chat(http).json()
    assert body["choices"][0]["message"] == {"role": "assistant", "content": ""}
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["completion_tokens"] == 0
    payloads = sse_payloads(chat(http, stream=True).content)
    check_stream_shape(payloads)
    assert [p["choices"] for p in payloads[:-1]] == [
        [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}],
        [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    ]


def test_tool_call_stream_fragments(server: MockServer, http: httpx.Client) -> None:
    """First fragment: index, id, type, name, empty arguments; then pieces of 16 characters."""
    server.chat.tool_call("get_weather", {"city": "Paris"}, call_id="call_1", times=2)
    payloads = sse_payloads(chat(http, stream=True).content)
    check_stream_shape(payloads)
    assert [p["choices"][0]["delta"] for p in payloads[:-2]] == [
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "index": 0,
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": ""},
                }
            ],
        },
        {"tool_calls": [{"index": 0, "function": {"arguments": '{"city": "Paris"'}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": "}"}}]},
    ]
    assert payloads[-2]["choices"][0]["finish_reason"] == "tool_calls"
    plain = chat(http).json()["choices"][0]
    assert plain["index"] == 0 and plain["finish_reason"] == "tool_calls"


def test_text_then_tool_calls_role_on_the_first_chunk_only(
    server: MockServer, http: httpx.Client
) -> None:
    server.chat.tool_call(
        "search", {"q": "x"}, text="On it.", call_id="call_s", stream={"argument_chunks": 100}
    )
    payloads = sse_payloads(chat(http, stream=True).content)
    check_stream_shape(payloads)
    assert [p["choices"][0]["delta"] for p in payloads[:-2]] == [
        {"role": "assistant", "content": "On"},
        {"content": " it."},
        {
            "tool_calls": [
                {
                    "index": 0,
                    "id": "call_s",
                    "type": "function",
                    "function": {"name": "search", "arguments": ""},
                }
            ]
        },
        {"tool_calls": [{"index": 0, "function": {"arguments": '{"q": "x"}'}}]},
    ]


def test_interleaved_calls_of_different_lengths(server: MockServer, http: httpx.Client) -> None:
    calls = [
        {"name": "short", "arguments": "{}"},
        {"name": "long", "arguments": '{"query": "abcdefgh"}'},  # 21 characters: 3 pieces
    ]
    server.chat.tool_calls(calls, stream={"argument_chunks": 8, "interleave": True}, times=2)
    payloads = sse_payloads(chat(http, stream=True).content)
    fragments = [p["choices"][0]["delta"]["tool_calls"] for p in payloads[:-2]]
    assert all(len(f) == 1 for f in fragments)
    assert [f[0]["index"] for f in fragments] == [0, 1, 0, 1, 1, 1]
    assert [f[0]["function"].get("arguments") for f in fragments] == [
        "",
        "",
        "{}",
        '{"query"',
        ': "abcde',
        'fgh"}',
    ]
    assembled = streamed_tool_calls(payloads)
    assert [(c["name"], c["arguments"]) for c in assembled] == [
        ("short", "{}"),
        ("long", '{"query": "abcdefgh"}'),
    ]
    ids = [c["id"] for c in assembled]
    assert all(i.startswith("call_") for i in ids) and len(set(ids)) == 2
    # Ids derive from the request: the same request gets the same ids again.
    again = streamed_tool_calls(sse_payloads(chat(http, stream=True).content))
    assert [c["id"] for c in again] == ids


@pytest.mark.parametrize(
    ("how", "text", "expected"),
    [
        ("words", "  Hi  there \n", ["  Hi", "  there", " \n"]),
        ("words", "one", ["one"]),
        (1, "abc", ["a", "b", "c"]),
        (4, "abcdefgh", ["abcd", "efgh"]),
        (50, "short", ["short"]),
        (["Hel", "", "lo"], "Hello", ["Hel", "lo"]),  # empty pieces are not sent
    ],
)
def test_chunking(
    server: MockServer, http: httpx.Client, how: Any, text: str, expected: list[str]
) -> None:
    server.chat.reply(text, stream={"chunks": how})
    payloads = sse_payloads(chat(http, stream=True).content)
    check_stream_shape(payloads)
    assert [p["choices"][0]["delta"]["content"] for p in payloads[:-2]] == expected


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=40))
def test_words_are_whitespace_then_a_word(
    session_server: MockServer, session_http: httpx.Client, text: str
) -> None:
    session_server.reset()
    session_server.chat.reply(text)
    payloads = sse_payloads(chat(session_http, stream=True).content)
    pieces = [p["choices"][0]["delta"]["content"] for p in payloads[:-2]]
    if not text:
        assert pieces == [""]  # nothing to say still opens with the role chunk
        return
    assert "".join(pieces) == text
    # Each piece but a trailing run of whitespace holds exactly one word, after its spacing.
    words = [piece for piece in pieces if piece.strip()]
    assert [w.strip() for w in words] == text.split()
    assert all(not w[-1].isspace() for w in words)
    assert len(pieces) - len(words) == (1 if text[-1:].isspace() else 0)


def test_overrides_reach_every_chunk_and_the_body(server: MockServer, http: httpx.Client) -> None:
    server.chat.reply(
        "ok",
        id="chatcmpl-own",
        model="openai/gpt-4o",
        created=0,
        finish_reason="content_filter",
        cost="1.5",
        times=2,
    )
    body = chat(http).json()
    assert (body["id"], body["model"], body["created"]) == ("chatcmpl-own", "openai/gpt-4o", 0)
    assert body["choices"][0]["finish_reason"] == "content_filter"
    payloads = sse_payloads(chat(http, stream=True).content)
    check_stream_shape(payloads)
    assert {(p["id"], p["model"], p["created"]) for p in payloads} == {
        ("chatcmpl-own", "openai/gpt-4o", 0)
    }
    assert payloads[-2]["choices"][0]["finish_reason"] == "content_filter"
    assert payloads[-1]["cost"] == "1.5"
    assert streamed_text(payloads) == "ok"


def test_model_override_prices_the_cost(server: MockServer, http: httpx.Client) -> None:
    server.chat.reply("abcd", model="openai/gpt-4o", usage={"prompt_tokens": 64})
    tail = sse_payloads(chat(http, stream=True, model="openai/gpt-4o-mini").content)[-1]
    assert tail["model"] == "openai/gpt-4o"
    assert tail["cost"] == price(Decimal("2.50"), Decimal("10.00"), 64, 1)


def test_requested_model_is_echoed(http: httpx.Client) -> None:
    for stream in (False, True):
        response = chat(http, stream=stream, model="anthropic/claude-sonnet-4")
        payload = sse_payloads(response.content)[0] if stream else response.json()
        assert payload["model"] == "anthropic/claude-sonnet-4"


@pytest.mark.parametrize(
    "text",
    [
        'He said "stop", then "go".',
        '{"city": "Paris", "days": [{"weekday": 1}], "unit": "C"}',
        'a\\", "b\\\\", "\\u0000 x',
    ],
    ids=["quoted-words", "json", "escapes"],
)
def test_quotes_commas_and_escapes_stream_back_exactly(
    server: MockServer, http: httpx.Client, text: str
) -> None:
    """Chunk texts ending in `",` once broke a shortcut that encoded them together."""
    server.chat.reply(text)

    payloads = sse_payloads(chat(http, stream=True).content)

    assert streamed_text(payloads) == text


_WORD_OR_TRAILING_SPACE = re.compile(r"\s*\S+|\s+\Z")
# Words of any characters but surrogates, some holding whitespace, quotes or escapes, so
# both the one-encoding path (words one space apart) and the general one are drawn.
_words = st.lists(
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=6)
    | st.sampled_from(["Paris", "“quoted”", "a\tb", "\u00a0", '"', "\\", "é…", "\x00"]),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=_words,
    separator=st.sampled_from([" ", "  ", "\n", " \u2003"]),
    ends=st.sampled_from([("", ""), (" ", ""), ("", " "), ("\t", "\n")]),
)
def test_word_chunks_are_each_encoded_exactly(
    session_server: MockServer,
    session_http: httpx.Client,
    words: list[str],
    separator: str,
    ends: tuple[str, str],
) -> None:
    """Each `data:` frame holds its chunk exactly as encoding that chunk alone gives it,
    and the chunks are the text's words each after its spacing — however the text is
    spaced, whatever it quotes or escapes."""
    text = ends[0] + separator.join(words) + ends[1]
    session_server.reset()
    session_server.chat.reply(text)

    body = chat(session_http, stream=True).content

    frames = body.decode().split("\n\n")[:-2]
    chunks = [json.loads(frame.removeprefix("data: ")) for frame in frames]
    for frame, chunk in zip(frames, chunks, strict=True):
        compact = json.dumps(chunk, ensure_ascii=False, separators=(",", ":"))
        assert frame == "data: " + compact
    pieces = [chunk["choices"][0]["delta"]["content"] for chunk in chunks[:-2]]
    assert pieces == _WORD_OR_TRAILING_SPACE.findall(text)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all("role" not in chunk["choices"][0]["delta"] for chunk in chunks[1:-1])
