"""The journal records every request, redacts credentials and stays bounded."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from meshapi_mock import MockServer, ServerConfig
from meshapi_mock.journal import Journal, redact_query
from support.wire import chat


def test_entries_record_what_happened(server: MockServer, http: httpx.Client) -> None:
    rule = server.chat.when(stream=True).reply("streamed")
    chat(http, stream=True)
    chat(http, model="openai/gpt-4o")
    http.post("/v1/chat/completions?debug=1", content=b"{not json")
    httpx.post(server.url + "/v1/chat/completions", json={})
    http.get("/_mock/health")  # admin calls are not journaled

    streamed, plain, broken, anonymous = server.requests
    assert (streamed.method, streamed.path, streamed.status) == (
        "POST",
        "/v1/chat/completions",
        200,
    )
    assert streamed.matched == rule.id and streamed.stream and streamed.stream_completed
    assert streamed.body["stream"] is True
    assert plain.matched == "default" and plain.body["model"] == "openai/gpt-4o"
    assert not plain.stream and plain.stream_completed is None
    assert (
        broken.status == 400
        and broken.query == "debug=1"
        and broken.error_code == "invalid_request"
    )
    assert broken.body is None
    assert anonymous.status == 401 and anonymous.error_code == "unauthorized"
    assert [e.seq for e in server.requests] == sorted(e.seq for e in server.requests)


def test_credentials_are_redacted(server: MockServer, http: httpx.Client) -> None:
    http.post(
        "/v1/chat/completions",
        json={"messages": [{"role": "user", "content": "hi"}]},
        headers={"x-api-key": "secret-value", "x-tenant": "acme"},
    )
    (entry,) = server.requests
    assert entry.headers["authorization"] == "Bearer rsk_[redacted]"
    assert entry.headers["x-api-key"] == "[redacted]"
    assert entry.headers["x-tenant"] == "acme"
    assert "rsk_test_key" not in str(entry.to_wire())


def test_journal_is_bounded() -> None:
    with MockServer(ServerConfig(journal_limit=3)) as server:
        with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer rsk_x"}) as c:
            for i in range(5):
                c.post(
                    "/v1/chat/completions", json={"messages": [{"role": "user", "content": str(i)}]}
                )
        assert [e.body["messages"][0]["content"] for e in server.requests] == ["2", "3", "4"]


def test_clear_requests_keeps_rules(server: MockServer, http: httpx.Client) -> None:
    server.chat.reply("kept", times=None)
    chat(http)
    server.clear_requests()
    assert server.requests == []
    assert chat(http).json()["choices"][0]["message"]["content"] == "kept"


def test_keys_in_the_query_string_are_redacted(server: MockServer, http: httpx.Client) -> None:
    http.get("/v1/models", params={"provider": "openai", "api_key": "rsk_secret"})
    (entry,) = server.requests
    assert entry.query == "provider=openai&api_key=[redacted]"


def test_reset_restores_startup_strictness(server: MockServer, http: httpx.Client) -> None:
    assert http.patch("/_mock/config", json={"strict": True}).json()["strict"] is True
    assert chat(http).status_code == 404
    server.reset()
    assert not server.strict
    assert chat(http).status_code == 200


def test_reading_an_entry_mid_request_does_not_freeze_its_body() -> None:
    # The test thread may read the journal while the server thread is still reading
    # the body; the entry must not remember that early, empty answer.
    journal = Journal()
    entry = journal.open("POST", "/v1/chat/completions", "", [], "req_1")
    assert entry.body is None
    entry.raw_body = b'{"messages": []}'
    assert entry.body == {"messages": []}


# --- Credentials never reach the journal in clear --------------------------------------

SECRET = "s3cr3t-Value"


@pytest.mark.parametrize(
    ("query", "redacted"),
    [
        (f"api_key={SECRET}", "api_key=[redacted]"),
        (f"api-key={SECRET}&model=x", "api-key=[redacted]&model=x"),
        (f"model=x&API_KEY={SECRET}", "model=x&API_KEY=[redacted]"),
        (f"Token={SECRET}", "Token=[redacted]"),
        (f"a=1&token={SECRET}&b=2", "a=1&token=[redacted]&b=2"),
        (f"key={SECRET}", "key=[redacted]"),
        (f"KEY={SECRET}&Api-Key={SECRET}", "KEY=[redacted]&Api-Key=[redacted]"),
        # Only whole parameter names are secrets: these keep their values.
        ("monkey=banana&tokens=5&keyword=x", "monkey=banana&tokens=5&keyword=x"),
        ("flag", "flag"),
    ],
)
def test_secret_query_parameters_are_redacted_everywhere(
    server: MockServer, http: httpx.Client, query: str, redacted: str
) -> None:
    http.get(f"/v1/models?{query}")
    (entry,) = server.requests
    assert entry.query == redacted
    (wire,) = http.get("/_mock/requests").json()
    assert wire["query"] == redacted
    with pytest.raises(AssertionError) as caught:
        server.assert_called()
    assert f"#{entry.seq} GET /v1/models?{redacted} -> 200" in str(caught.value).splitlines()
    for seen in (entry.query, str(entry.to_wire()), repr(entry), str(caught.value)):
        assert SECRET not in seen
    assert entry.raw_query == query  # the raw value stays available to matchers


_NAMES = st.sampled_from(["api_key", "api-key", "key", "token"]).flatmap(
    lambda name: st.lists(st.booleans(), min_size=len(name), max_size=len(name)).map(
        lambda upper: "".join(c.upper() if u else c for c, u in zip(name, upper, strict=True))
    )
)
_VALUES = st.text(alphabet="abcdefghijXYZ0123456789-_.%", max_size=12)


@given(
    params=st.lists(
        st.tuples(st.booleans(), _NAMES, _VALUES, st.sampled_from(["model", "x", "monkey"])),
        min_size=1,
        max_size=5,
    )
)
def test_redact_query_hides_every_secret_and_keeps_the_rest(
    params: list[tuple[bool, str, str, str]],
) -> None:
    parts, expected = [], []
    for secret, name, value, other in params:
        if secret:
            parts.append(f"{name}=SECRET{value}")
            expected.append(f"{name}=[redacted]")
        else:
            parts.append(f"{other}={value}")
            expected.append(f"{other}={value}")
    redacted = redact_query("&".join(parts))
    assert redacted == "&".join(expected)
    assert "SECRET" not in redacted


def test_secret_headers_are_redacted(server: MockServer, http: httpx.Client) -> None:
    http.get(
        "/v1/models",
        headers={
            "Proxy-Authorization": "Basic dXNlcjpwYXNz",
            "Cookie": "session=abc123",
            "X-API-Key": "Bearer rsk_live_1",
            "api-key": "plainsecret",
            "x-tenant": "acme",
        },
    )
    httpx.get(server.url + "/v1/models", headers={"Authorization": "Bearer other_token_9"})
    mine, other = server.requests
    assert mine.headers["authorization"] == "Bearer rsk_[redacted]"
    assert mine.headers["proxy-authorization"] == "Basic [redacted]"
    assert mine.headers["cookie"] == "[redacted]"
    assert mine.headers["x-api-key"] == "Bearer rsk_[redacted]"
    assert mine.headers["api-key"] == "[redacted]"
    assert mine.headers["x-tenant"] == "acme"
    assert mine.headers["user-agent"].startswith("python-httpx/")
    # A credential that is not a MeshAPI key keeps only its scheme.
    assert other.headers["authorization"] == "Bearer [redacted]"
    wire = http.get("/_mock/requests").json()
    assert [w["headers"] for w in wire] == [mine.headers, other.headers]
    for secret in (
        "rsk_test_key",
        "dXNlcjpwYXNz",
        "abc123",
        "rsk_live_1",
        "plainsecret",
        "other_token_9",
    ):
        assert secret not in str(wire)
        assert secret not in repr(mine) + repr(other)


def test_repr_of_an_entry_shows_no_raw_request(server: MockServer, http: httpx.Client) -> None:
    chat(http, messages=[{"role": "user", "content": "my password is hunter2"}])
    http.get("/v1/models?api_key=querysecret")
    entry, models = server.requests
    assert entry.body["messages"][0]["content"] == "my password is hunter2"  # parsed and cached
    text = repr(entry) + repr(models)
    for hidden in ("hunter2", "rsk_test_key", "querysecret", "raw_", "_parsed"):
        assert hidden not in text
    assert text.startswith("JournalEntry(seq=")
    assert "path='/v1/chat/completions'" in text and "status=200" in text


def test_entries_are_hashable_and_distinct(server: MockServer, http: httpx.Client) -> None:
    chat(http)
    chat(http)
    first, second = server.requests
    assert first != second
    assert len({first, second, server.requests[0]}) == 2
    assert server.requests[0] is first


# --- What an entry says about its request ------------------------------------------------


def test_entries_that_are_not_chat_streams(server: MockServer, http: httpx.Client) -> None:
    http.get("/v1/models")
    httpx.post(server.url + "/v1/chat/completions", json={"stream": True})  # no key: 401
    http.post("/v1/chat/completions", content=b"")
    models, anonymous, empty = server.requests
    for entry in (models, anonymous, empty):
        assert entry.stream is False and entry.stream_completed is None
        assert entry.body is None
        assert entry.is_complete
    # the catalogue runs through the pipeline too: no rule, so its default answer
    assert (models.status, models.matched, models.error_code) == (200, "default", None)
    assert (models.endpoint, models.operation) == ("models", "list")
    assert anonymous.body is None  # the body of a refused request is never read
    assert empty.status == 422 and empty.error_code == "validation_error"
    wire = http.get("/_mock/requests").json()
    assert [w["body"] for w in wire] == [None, None, None]
    assert [w["stream"] for w in wire] == [False, False, False]


def test_an_open_entry_is_not_complete() -> None:
    journal = Journal()
    entry = journal.open("GET", "/v1/models", "", [(b"authorization", b"Bearer rsk_k")], "r1")
    assert not entry.is_complete and entry.status is None
    entry.status = 200
    assert entry.is_complete
    entry.raw_body = b"not json"
    assert entry.body is None
    assert entry.headers == {"authorization": "Bearer rsk_[redacted]"}


def test_wire_form_of_an_entry(server: MockServer, http: httpx.Client) -> None:
    rule = server.chat.reply("hi")
    chat(http, stream=True, model="openai/gpt-4o")
    (entry,) = server.requests
    (wire,) = http.get("/_mock/requests").json()
    assert wire == {
        "seq": entry.seq,
        "time": entry.time,
        "request_id": entry.request_id,
        "method": "POST",
        "path": "/v1/chat/completions",
        "endpoint": "chat",
        "operation": "create",
        "query": "",
        "headers": entry.headers,
        "body": {
            "model": "openai/gpt-4o",
            "messages": [{"role": "user", "content": "Hello"}],
            "stream": True,
        },
        "body_bytes": entry.body_bytes,
        "body_truncated": False,
        "body_truncated_by": None,
        "body_prefix": None,
        "rendered": None,
        "model_status": "catalogue",
        "head_truncated_by": None,
        "matched": rule.id,
        "status": 200,
        "stream": True,
        "stream_completed": True,
        "error_code": None,
        "error_message": None,
        "delivery": None,
    }
    assert entry.request_id.startswith("req_")
    assert entry.body_bytes == len(entry.raw_body or b"") > 0


def test_health_counts_the_journal(server: MockServer, http: httpx.Client) -> None:
    assert http.get("/_mock/health").json()["requests"] == 0
    chat(http)
    http.get("/v1/models")
    assert http.get("/_mock/health").json()["requests"] == 2
    assert http.delete("/_mock/requests").status_code == 204
    assert http.get("/_mock/health").json()["requests"] == 0
    assert server.requests == []


# --- The summary lines shown in assertion failures ----------------------------------------


def _failure_lines(server: MockServer) -> list[str]:
    with pytest.raises(AssertionError) as caught:
        server.assert_called(times=99)
    return str(caught.value).splitlines()


def test_summary_lines_in_assertion_failures(server: MockServer, http: httpx.Client) -> None:
    server.chat.reply("ok", times=None)
    messages = [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"},
                },
                {
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "get_time", "arguments": "{}"},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
        {"role": "assistant", "content": "", "tool_calls": []},
    ]
    assert chat(http, model="openai/gpt-4o", messages=messages).status_code == 200
    assert chat(http, stream=True, messages=[{"role": "user", "content": "hi"}]).status_code == 200
    http.get("/v1/models?provider=openai&api_key=querysecret")
    httpx.post(server.url + "/v1/chat/completions", json={"model": "m"})
    http.post("/v1/chat/completions", content=b"{broken")
    http.post("/v1/chat/completions", json=["not", "an", "object"])
    first, streamed, models, anonymous, broken, listed = (e.seq for e in server.requests)
    assert _failure_lines(server) == [
        "Expected 99 chat completion request(s); got 2.",
        "Requests made (6):",
        f"#{first} POST /v1/chat/completions -> 200 model='openai/gpt-4o'",
        "    system: 'Be brief.'",
        "    user: 'What is this? [image_url]'",
        "    assistant:  tool_calls=['get_weather', 'get_time']",
        "    tool: '18C' (tool_call_id='call_1')",
        "    assistant: ''",
        f"#{streamed} POST /v1/chat/completions -> 200 model='openai/gpt-4o-mini' stream",
        "    user: 'hi'",
        f"#{models} GET /v1/models?provider=openai&api_key=[redacted] -> 200",
        f"#{anonymous} POST /v1/chat/completions -> 401 unauthorized",
        f"#{broken} POST /v1/chat/completions -> 400 invalid_request",
        f"#{listed} POST /v1/chat/completions -> 422 validation_error",
    ]


@pytest.mark.parametrize(
    ("length", "shown"),
    [
        (198, "'" + "x" * 198 + "'"),  # exactly 200 characters with the quotes: kept
        (199, "'" + "x" * 198 + "…"),  # 201: clipped to 200 characters
        (500, "'" + "x" * 198 + "…"),
    ],
)
def test_long_messages_are_clipped_in_summaries(
    server: MockServer, http: httpx.Client, length: int, shown: str
) -> None:
    chat(http, messages=[{"role": "user", "content": "x" * length}])
    lines = _failure_lines(server)
    assert lines[-1] == f"    user: {shown}"
    assert len(shown) == 200


# --- The journal itself ----------------------------------------------------------------


def test_journal_defaults_and_bounds() -> None:
    assert Journal().limit == 1000
    assert Journal(3).limit == 3
    empty = Journal(0)
    assert empty.limit == 0
    empty.open("GET", "/v1/models", "", [], "r")
    assert len(empty) == 0 and empty.entries() == []
    journal = Journal(2)
    opened = [journal.open("GET", f"/p{i}", "", [], f"r{i}") for i in range(3)]
    assert [e.seq for e in opened] == [1, 2, 3]
    assert len(journal) == 2
    assert list(journal) == journal.entries() == opened[1:]
    journal.clear()
    assert len(journal) == 0 and list(journal) == []
    assert journal.open("GET", "/p", "", [], "r").seq == 4  # ids are never reused


def test_the_default_journal_limit_is_reported(http: httpx.Client) -> None:
    config = http.get("/_mock/config").json()
    assert config["journal_limit"] == 1000
