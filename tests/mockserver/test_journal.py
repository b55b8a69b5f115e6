"""The journal records every request, redacts credentials and stays bounded."""

from __future__ import annotations

import httpx
from meshapi_mock import MockServer, ServerConfig
from meshapi_mock.journal import Journal
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
