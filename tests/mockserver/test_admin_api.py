"""The `/_mock/` admin API over real HTTP: how other processes script, inspect and reset
the fake. Rules posted here use the scenario-file shape and must mean exactly what the
same rule means when added from Python."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from meshapi_mock import MockServer, __version__

CHAT = "/v1/chat/completions"


def ask(text: str, **extra: Any) -> dict[str, Any]:
    return {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": text}], **extra}


def chat_text(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    content: str = response.json()["choices"][0]["message"]["content"]
    return content


def rules(http: httpx.Client) -> list[dict[str, Any]]:
    response = http.get("/_mock/rules")
    assert response.status_code == 200
    listed: list[dict[str, Any]] = response.json()
    return listed


def journal(http: httpx.Client) -> list[dict[str, Any]]:
    response = http.get("/_mock/requests")
    assert response.status_code == 200
    entries: list[dict[str, Any]] = response.json()
    return entries


def check_envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """§1.7: JSON envelope with code and message, the request id in body and header."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def where(detail: dict[str, Any]) -> str:
    """A detail's `loc` as one path, whether parts are `["rules", 1]` or `["rules[1]"]`."""
    out = ""
    for part in detail["loc"]:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


# --- health ------------------------------------------------------------------------------


def test_health_counts_rules_and_requests(server: MockServer, http: httpx.Client) -> None:
    first = http.get("/_mock/health")
    assert first.status_code == 200
    assert first.json() == {
        "status": "ok",
        "version": __version__,
        "rules": 0,
        "requests": 0,
        "journal_bytes": 0,
    }
    assert first.headers["x-request-id"]

    server.chat.reply("hi", times=None)
    http.post(CHAT, json=ask("hello"))

    health = http.get("/_mock/health").json()
    assert (health["rules"], health["requests"]) == (1, 1)


# --- adding rules ------------------------------------------------------------------------


def test_add_one_rule_object(http: httpx.Client) -> None:
    posted = http.post(
        "/_mock/rules",
        json={"name": "paris", "match": {"last_user": "capital"}, "reply": {"text": "Paris."}},
    )

    assert posted.status_code == 201
    [rule] = posted.json()
    assert rule["name"] == "paris"
    assert rule["match"]["last_user"]["contains"] == "capital"
    assert rule["reply"] == {"text": "Paris."}
    assert (rule["times"], rule["call_count"], rule["remaining"]) == (1, 0, 1)
    assert rules(http) == [rule]

    assert chat_text(http.post(CHAT, json=ask("What is the capital of France?"))) == "Paris."
    assert journal(http)[-1]["matched"] == rule["id"]


def test_add_a_list_of_rules_keeps_their_order(http: httpx.Client) -> None:
    posted = http.post(
        "/_mock/rules", json=[{"reply": {"text": "first"}}, {"reply": {"text": "second"}}]
    )

    assert posted.status_code == 201
    added = posted.json()
    assert [r["reply"]["text"] for r in added] == ["first", "second"]
    assert len({r["id"] for r in added}) == 2
    assert [r["id"] for r in rules(http)] == [r["id"] for r in added]

    answers = [chat_text(http.post(CHAT, json=ask("x"))) for _ in range(2)]
    assert answers == ["first", "second"]


def test_add_a_scenario_document(http: httpx.Client) -> None:
    document = {
        "name": "greetings",
        "description": "posted like a scenario file",
        "rules": [
            {"name": "hi", "match": {"last_user": {"regex": "^hi\\b"}}, "reply": {"text": "Hi!"}},
            {"name": "bye", "match": {"last_user": "bye"}, "reply": {"text": "Bye!"}},
        ],
    }

    posted = http.post("/_mock/rules", json=document)

    assert posted.status_code == 201
    assert [r["name"] for r in posted.json()] == ["hi", "bye"]
    assert chat_text(http.post(CHAT, json=ask("good bye"))) == "Bye!"
    assert chat_text(http.post(CHAT, json=ask("hi there"))) == "Hi!"


def test_admin_rules_add_to_python_rules(server: MockServer, http: httpx.Client) -> None:
    python_rule = server.chat.when(last_user="python").reply("from python")

    http.post("/_mock/rules", json={"match": {"last_user": "admin"}, "reply": {"text": "admin"}})

    listed = rules(http)
    assert [r["source"] for r in listed] == ["python", "admin"]
    assert listed[0]["id"] == python_rule.id
    assert chat_text(http.post(CHAT, json=ask("admin please"))) == "admin"
    assert chat_text(http.post(CHAT, json=ask("python please"))) == "from python"


# --- listing and call counts -------------------------------------------------------------


def test_list_rules_reports_call_counts(http: httpx.Client) -> None:
    http.post(
        "/_mock/rules",
        json=[
            {"name": "twice", "match": {"last_user": "twice"}, "reply": {"text": "2"}, "times": 2},
            {
                "name": "forever",
                "match": {"last_user": "ever"},
                "reply": {"text": "∞"},
                "times": None,
            },
        ],
    )

    def counts() -> dict[str, tuple[Any, Any, Any]]:
        return {r["name"]: (r["times"], r["call_count"], r["remaining"]) for r in rules(http)}

    assert counts() == {"twice": (2, 0, 2), "forever": (None, 0, None)}

    http.post(CHAT, json=ask("twice"))
    for _ in range(3):
        http.post(CHAT, json=ask("for ever"))
    assert counts() == {"twice": (2, 1, 1), "forever": (None, 3, None)}

    assert chat_text(http.post(CHAT, json=ask("twice"))) == "2"
    assert counts()["twice"] == (2, 2, 0)
    # Used up: the third request falls through to the default synthetic reply.
    assert chat_text(http.post(CHAT, json=ask("twice"))) != "2"
    assert journal(http)[-1]["matched"] == "default"
    assert counts()["twice"] == (2, 2, 0)


def test_times_unlimited_string(http: httpx.Client) -> None:
    [rule] = http.post(
        "/_mock/rules", json={"reply": {"text": "again"}, "times": "unlimited"}
    ).json()

    assert rule["times"] is None and rule["remaining"] is None
    assert [chat_text(http.post(CHAT, json=ask("x"))) for _ in range(3)] == ["again"] * 3


# --- deleting ----------------------------------------------------------------------------


def test_delete_one_rule(http: httpx.Client) -> None:
    first, second = http.post(
        "/_mock/rules", json=[{"reply": {"text": "first"}}, {"reply": {"text": "second"}}]
    ).json()

    deleted = http.delete(f"/_mock/rules/{first['id']}")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert [r["id"] for r in rules(http)] == [second["id"]]
    assert chat_text(http.post(CHAT, json=ask("x"))) == "second"


def test_delete_unknown_rule_is_not_found(http: httpx.Client) -> None:
    http.post("/_mock/rules", json={"reply": {"text": "kept"}})

    missing = http.delete("/_mock/rules/rule_does_not_exist")

    body = check_envelope(missing, 404, "not_found")
    assert "rule_does_not_exist" in body["error"]["message"]
    assert len(rules(http)) == 1


def test_clear_rules(http: httpx.Client) -> None:
    http.post("/_mock/rules", json=[{"reply": {"text": "a"}}, {"reply": {"text": "b"}}])
    http.post(CHAT, json=ask("x"))

    cleared = http.delete("/_mock/rules")

    assert cleared.status_code == 204
    assert rules(http) == []
    assert chat_text(http.post(CHAT, json=ask("x"))) not in ("a", "b")
    assert journal(http)[-1]["matched"] == "default"
    assert len(journal(http)) == 2, "clearing rules leaves the journal alone"


# --- journal -----------------------------------------------------------------------------


def test_journal_records_requests_with_credentials_redacted(http: httpx.Client) -> None:
    [rule] = http.post("/_mock/rules", json={"reply": {"text": "logged"}}).json()

    response = http.post(
        CHAT,
        json=ask("remember me"),
        headers={"X-Api-Key": "rsk_other_secret", "Cookie": "session=s3cr3t", "X-Tenant": "acme"},
    )

    token = http.headers["authorization"].removeprefix("Bearer ")
    listing = http.get("/_mock/requests")
    [entry] = listing.json()
    assert entry["method"] == "POST"
    assert entry["path"] == CHAT
    assert entry["body"] == ask("remember me")
    assert entry["matched"] == rule["id"]
    assert entry["status"] == 200
    assert entry["stream"] is False
    assert entry["request_id"] == response.headers["x-request-id"]
    headers = entry["headers"]
    assert headers["x-tenant"] == "acme"
    assert headers["authorization"].startswith("Bearer ")
    for secret in (token, "rsk_other_secret", "s3cr3t"):
        assert secret not in listing.text, f"{secret!r} leaked into the journal"
    assert {"authorization", "x-api-key", "cookie"} <= set(headers)


def test_journal_records_streams_and_failures(http: httpx.Client) -> None:
    http.post(CHAT, json=ask("stream please", stream=True))
    other_key = http.post(
        CHAT, json=ask("hi"), headers={"Authorization": "Bearer rsk_another_secret_key"}
    )
    assert other_key.status_code == 200, "any rsk_ key is accepted when no tokens are set"
    http.post(CHAT, json={"messages": []})
    http.post(CHAT, json=ask("bad"), headers={"Authorization": "Basic dXNlcjpwYXNz"})

    listing = http.get("/_mock/requests")
    streamed, accepted, invalid, unauthorized = listing.json()
    assert (streamed["stream"], streamed["stream_completed"], streamed["status"]) == (
        True,
        True,
        200,
    )
    assert accepted["status"] == 200
    assert (invalid["status"], invalid["error_code"]) == (422, "validation_error")
    assert (unauthorized["status"], unauthorized["error_code"]) == (401, "unauthorized")
    assert "rsk_another_secret_key" not in listing.text
    assert "dXNlcjpwYXNz" not in listing.text


def test_admin_calls_are_not_journaled(http: httpx.Client) -> None:
    http.get("/_mock/health")
    http.get("/_mock/rules")
    http.post(CHAT, json=ask("only me"))
    http.get("/_mock/config")

    assert [e["path"] for e in journal(http)] == [CHAT]


def test_clear_journal(http: httpx.Client) -> None:
    http.post("/_mock/rules", json={"reply": {"text": "kept"}, "times": None})
    http.post(CHAT, json=ask("one"))
    http.post(CHAT, json=ask("two"))
    assert len(journal(http)) == 2

    cleared = http.delete("/_mock/requests")

    assert cleared.status_code == 204
    assert journal(http) == []
    assert len(rules(http)) == 1, "clearing the journal leaves the rules alone"
    assert http.get("/_mock/health").json()["requests"] == 0


def test_journal_filters_by_endpoint_and_operation(http: httpx.Client) -> None:
    http.post(CHAT, json=ask("one"))
    http.get("/v1/models")
    http.get("/v1/models/free")
    http.post(CHAT, json=ask("two"))
    http.get("/v1/nothing-here")

    def listed(query: str) -> list[tuple[str, str | None]]:
        response = http.get(f"/_mock/requests?{query}")
        assert response.status_code == 200, response.text
        return [(e["path"], e["operation"]) for e in response.json()]

    assert listed("endpoint=chat") == [(CHAT, "create"), (CHAT, "create")]
    assert listed("endpoint=chat&operation=create") == [(CHAT, "create"), (CHAT, "create")]
    assert listed("endpoint=models") == [("/v1/models", "list"), ("/v1/models/free", "free")]
    assert listed("endpoint=models&operation=free") == [("/v1/models/free", "free")]
    assert listed("operation=list") == [("/v1/models", "list")]
    assert listed("endpoint=models&endpoint=chat&operation=create") == [
        (CHAT, "create"),
        (CHAT, "create"),
    ]
    assert listed("endpoint=embeddings") == []
    assert len(listed("")) == 5


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("endpont=chat", "endpont"),
        ("path=/v1/chat/completions", "path"),
        ("endpoint=chats", "endpoint"),
        ("endpoint=", "endpoint"),
        ("endpoint=chat&operation=list", "operation"),
        ("operation=nothing", "operation"),
    ],
)
def test_journal_filter_typos_are_422(http: httpx.Client, query: str, loc: str) -> None:
    http.post(CHAT, json=ask("one"))

    rejected = http.get(f"/_mock/requests?{query}")

    details = check_envelope(rejected, 422, "validation_error")["error"]["details"]
    assert ["query", loc] in [d["loc"] for d in details], details


# --- reset -------------------------------------------------------------------------------


def test_reset_drops_added_rules_and_the_journal(server: MockServer, http: httpx.Client) -> None:
    server.load("default")  # loaded at run time, so not a boot rule
    server.chat.reply("python rule")
    http.post("/_mock/rules", json={"reply": {"text": "admin rule"}})
    before = chat_text(http.post(CHAT, json=ask("Hello")))
    assert journal(http)[-1]["matched"] not in (None, "default")

    reset = http.post("/_mock/reset")

    assert reset.status_code == 204
    assert rules(http) == []  # this server booted without scenarios
    assert journal(http) == []
    health = http.get("/_mock/health").json()
    assert (health["rules"], health["requests"]) == (0, 0)
    after = chat_text(http.post(CHAT, json=ask("Hello")))
    assert journal(http)[-1]["matched"] == "default"
    assert after != before


def test_reset_restarts_request_ids(http: httpx.Client) -> None:
    http.post("/_mock/reset")
    first = http.post(CHAT, json=ask("same")).headers["x-request-id"]
    second = http.post(CHAT, json=ask("same")).headers["x-request-id"]
    http.post("/_mock/reset")
    again = http.post(CHAT, json=ask("same")).headers["x-request-id"]

    assert first != second, "two calls are told apart"
    assert again == first, "after a reset the fake replays the same ids"


# --- config ------------------------------------------------------------------------------


def test_patch_config_toggles_strict_mode(server: MockServer, http: httpx.Client) -> None:
    assert http.get("/_mock/config").json()["strict"] is False
    http.post(
        "/_mock/rules",
        json={"name": "weather-only", "match": {"last_user": "weather"}, "reply": {"text": "Sun"}},
    )

    on = http.patch("/_mock/config", json={"strict": True})

    assert on.status_code == 200
    assert on.json()["strict"] is True
    assert http.get("/_mock/config").json()["strict"] is True
    assert server.strict is True, "the Python handle sees the same switch"
    unmatched = http.post(CHAT, json=ask("tell me a joke"))
    body = check_envelope(unmatched, unmatched.status_code, "no_matching_rule")
    assert unmatched.status_code >= 400
    assert "tell me a joke" in body["error"]["message"]
    assert "weather-only" in body["error"]["message"], "the closest rule is named"
    assert chat_text(http.post(CHAT, json=ask("weather?"))) == "Sun"

    off = http.patch("/_mock/config", json={"strict": False})

    assert off.json()["strict"] is False
    assert chat_text(http.post(CHAT, json=ask("tell me a joke")))


@pytest.mark.parametrize(
    "body",
    [{"strict": "yes"}, {"seed": 3}, {"strict": True, "journal_limit": 5}, [], "strict"],
    ids=["not-bool", "unknown-key", "extra-key", "list", "string"],
)
def test_patch_config_rejects_anything_but_strict(http: httpx.Client, body: Any) -> None:
    before = http.get("/_mock/config").json()

    rejected = http.patch("/_mock/config", json=body)

    check_envelope(rejected, 422, "validation_error")
    assert rejected.json()["error"]["details"]
    assert http.get("/_mock/config").json() == before


# --- invalid rules -----------------------------------------------------------------------

BAD_TOOL = {"name": "bad-tool", "reply": {"tool_calls": [{"name": ""}]}}


@pytest.mark.parametrize(
    "body",
    [
        [{"name": "fine", "reply": {"text": "ok"}}, BAD_TOOL],
        {"rules": [{"name": "fine", "reply": {"text": "ok"}}, BAD_TOOL]},
    ],
    ids=["list", "document"],
)
def test_invalid_rule_is_rejected_naming_the_entry(http: httpx.Client, body: Any) -> None:
    rejected = http.post("/_mock/rules", json=body)

    envelope = check_envelope(rejected, 422, "validation_error")
    [detail] = envelope["error"]["details"]
    assert {"type", "loc", "msg"} <= set(detail)
    path = where(detail)
    assert "rules[1]" in path and "bad-tool" in path, path
    assert path.endswith("tool_calls[0].name"), path
    assert rules(http) == [], "nothing is added when any entry is invalid"


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"reply": {"text": "x"}, "times": 0}, "times"),
        ({"match": {"last_usr": "typo"}, "reply": {"text": "x"}}, "last_usr"),
        ({"match": {"last_user": {"regex": "("}}, "reply": {"text": "x"}}, "last_user"),
        ({"match": {"nth": 0}, "reply": {"text": "x"}}, "nth"),
        ({"reply": {"text": "x", "error": {"status": 429}}}, "reply"),
        ({"reply": {"error": {"status": 200}}}, "status"),
        ({"reply": {"text": "x", "cost": "-1"}}, "cost"),
        ({"reply": {"text": "abc", "stream": {"chunks": ["a", "b"]}}}, "reply"),
        ({"reply": {"text": "x", "usage": {"prompt_tokens": -1}}}, "prompt_tokens"),
    ],
    ids=[
        "times-zero",
        "unknown-match-key",
        "bad-regex",
        "nth-zero",
        "error-with-text",
        "error-status-200",
        "negative-cost",
        "chunks-do-not-join",
        "negative-usage",
    ],
)
def test_invalid_rule_fields(http: httpx.Client, rule: dict[str, Any], field: str) -> None:
    rejected = http.post("/_mock/rules", json=[{"reply": {"text": "fine"}}, rule])

    details = check_envelope(rejected, 422, "validation_error")["error"]["details"]
    paths = [where(d) for d in details]
    assert any("rules[1]" in p and field in p for p in paths), paths
    assert rules(http) == []


def test_single_rule_without_reply_names_the_missing_reply(http: httpx.Client) -> None:
    # A lone rule object that forgot `reply`: the error should say so, not talk about
    # a `rules` key the user never meant to send.
    rejected = http.post("/_mock/rules", json={"name": "forgot", "match": {"last_user": "x"}})

    details = check_envelope(rejected, 422, "validation_error")["error"]["details"]
    assert any("reply" in where(d) or "reply" in d["msg"] for d in details), details
    assert rules(http) == []


@pytest.mark.parametrize("body", [42, "rules", None], ids=["number", "string", "null"])
def test_rules_body_of_the_wrong_type(http: httpx.Client, body: Any) -> None:
    rejected = http.post("/_mock/rules", json=body)

    check_envelope(rejected, 422, "validation_error")
    assert rules(http) == []


def test_rules_body_that_is_not_json(http: httpx.Client) -> None:
    rejected = http.post(
        "/_mock/rules", content=b"{not json", headers={"content-type": "application/json"}
    )

    check_envelope(rejected, 400, "invalid_request")


# --- routing errors ----------------------------------------------------------------------


def test_unknown_admin_path_is_an_enveloped_404(http: httpx.Client) -> None:
    check_envelope(http.get("/_mock/nothing-here"), 404, "not_found")


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/_mock/rules", {"GET", "POST", "DELETE"}),
        ("/_mock/requests", {"GET", "DELETE"}),
        ("/_mock/config", {"GET", "PATCH"}),
        ("/_mock/reset", {"POST"}),
    ],
)
def test_wrong_method_lists_every_allowed_method(
    http: httpx.Client, path: str, allowed: set[str]
) -> None:
    rejected = http.put(path, json={})

    body = check_envelope(rejected, 405, "method_not_allowed")
    advertised = {m.strip() for m in rejected.headers["allow"].split(",")}
    assert allowed <= advertised, f"Allow: {rejected.headers['allow']}"
    for method in allowed:
        assert method in body["error"]["message"]


@pytest.mark.parametrize(
    "path", ["/_mock/health", "/_mock/rules", "/_mock/requests", "/_mock/config"]
)
def test_head_is_answered_like_get(http: httpx.Client, path: str) -> None:
    # HEAD is advertised in `Allow` for every GET path, so it must work there too.
    got = http.get(path)
    head = http.head(path)

    assert head.status_code == got.status_code == 200, head.text
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]


# --- the front page ----------------------------------------------------------------------


def test_front_page_says_what_this_is_and_where_to_look(server: MockServer) -> None:
    front = httpx.get(server.url + "/")

    assert front.status_code == 200
    assert front.headers["content-type"].startswith("application/json")
    about = front.json()
    assert about["name"] == "meshapi-mock"
    assert about["version"] == __version__
    assert "/v1" in about["description"]
    assert about["links"]["openapi"] == "/openapi.json"
    for name in ("health", "requests", "rules"):
        link = about["links"][name]
        assert link == f"/_mock/{name}"
        assert httpx.get(server.url + link).status_code == 200, link
    assert "rsk_" in about["usage"]["keys"]
    assert server.requests == [], "looking at the front page is not an API call"


def test_front_page_for_a_browser_is_html(server: MockServer) -> None:
    page = httpx.get(server.url + "/", headers={"Accept": "text/html,*/*;q=0.8"})

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f"meshapi-mock {__version__}" in page.text
    assert 'href="/_mock/requests"' in page.text


def test_front_page_is_not_an_api_endpoint(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    check_envelope(http.post("/", json={}), 405, "method_not_allowed")


# --- one meaning for admin JSON and Python rules -----------------------------------------

Setup = Callable[[MockServer], object]
Call = tuple[dict[str, Any], dict[str, str]]

WEATHER_CALL: dict[str, Any] = {
    "role": "assistant",
    "content": None,
    "tool_calls": [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        }
    ],
}
TOOL_RESULT = {
    "messages": [
        {"role": "user", "content": "weather?"},
        WEATHER_CALL,
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
    ]
}

EQUIVALENT_RULES: list[tuple[str, dict[str, Any], Setup, list[Call]]] = [
    (
        "text-on-last-user",
        {"name": "w", "match": {"last_user": "weather"}, "reply": {"text": "Sunny."}},
        lambda s: s.chat.when(last_user="weather").reply("Sunny.", name="w"),
        [(ask("the weather?"), {}), (ask("other"), {}), (ask("weather again", stream=True), {})],
    ),
    (
        "raw-tool-arguments",
        {"reply": {"tool_calls": [{"name": "f", "arguments": '{"a": ', "id": "call_x"}]}},
        lambda s: s.chat.tool_call("f", '{"a": ', call_id="call_x"),
        [(ask("go", stream=True), {}), (ask("go"), {})],
    ),
    (
        "parallel-interleaved",
        {
            "reply": {
                "text": "Two calls.",
                "tool_calls": [
                    {"name": "a", "arguments": {"x": 1}},
                    {"name": "b", "arguments": {"y": [1, 2]}},
                ],
                "stream": {"interleave": True, "argument_chunks": 3},
            },
            "times": 2,
        },
        lambda s: s.chat.tool_calls(
            [{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": {"y": [1, 2]}}],
            text="Two calls.",
            stream={"interleave": True, "argument_chunks": 3},
            times=2,
        ),
        [(ask("go", stream=True), {}), (ask("go"), {}), (ask("go"), {})],
    ),
    (
        "error-on-streams",
        {
            "match": {"stream": True},
            "reply": {"error": {"status": 429, "message": "Slow down.", "retry_after": 3}},
            "times": None,
        },
        lambda s: s.chat.when(stream=True).error(
            429, message="Slow down.", retry_after=3, times=None
        ),
        [(ask("a", stream=True), {}), (ask("a"), {}), (ask("b", stream=True), {})],
    ),
    (
        "model-glob-regex-chunks",
        {
            "match": {
                "model": "openai/*",
                "last_user": {"regex": "^hi\\b", "ignore_case": True},
            },
            "reply": {"text": "Hello you", "stream": {"chunks": 2}, "finish_reason": "length"},
            "times": 2,
        },
        lambda s: s.chat.when(model="openai/*", last_user=re.compile(r"^hi\b", re.I)).reply(
            "Hello you", stream={"chunks": 2}, finish_reason="length", times=2
        ),
        [
            (ask("HI there", stream=True), {}),
            ({"model": "meta/llama", "messages": [{"role": "user", "content": "hi"}]}, {}),
            (ask("hi"), {}),
            (ask("hi"), {}),
        ],
    ),
    (
        "tool-result-and-overrides",
        {
            "match": {"tool_result": {"name": "get_weather"}},
            "reply": {
                "text": "It is sunny.",
                "id": "chatcmpl-fixed",
                "model": "x/y",
                "created": 1700000000,
                "usage": {"prompt_tokens": 5, "completion_tokens": 6},
                "cost": "0.5",
            },
        },
        lambda s: s.chat.when(tool_result="get_weather").reply(
            "It is sunny.",
            id="chatcmpl-fixed",
            model="x/y",
            created=1700000000,
            usage={"prompt_tokens": 5, "completion_tokens": 6},
            cost="0.5",
        ),
        [(ask("weather?"), {}), ({**TOOL_RESULT, "stream": True}, {})],
    ),
    (
        "headers-and-nth",
        {"match": {"headers": {"X-Tenant": "acme"}, "nth": 2}, "reply": {"text": "second"}},
        lambda s: s.chat.when(headers={"X-Tenant": "acme"}, nth=2).reply("second"),
        [
            (ask("q"), {"X-Tenant": "acme"}),
            (ask("q"), {"X-Tenant": "other"}),
            (ask("q"), {"X-Tenant": "acme"}),
            (ask("q"), {"X-Tenant": "acme"}),
        ],
    ),
]


def _exercise(http: httpx.Client, calls: list[Call]) -> list[tuple[int, str | None, Any]]:
    """What a client sees for each call, minus the per-request id."""
    seen: list[tuple[int, str | None, Any]] = []
    for body, headers in calls:
        response = http.post(CHAT, json=body, headers=headers)
        if response.headers["content-type"].startswith("application/json"):
            payload: Any = response.json()
            payload.pop("request_id", None)
        else:
            payload = response.text
        seen.append((response.status_code, response.headers.get("retry-after"), payload))
    return seen


def _rule_views(http: httpx.Client) -> list[dict[str, Any]]:
    return [{k: v for k, v in rule.items() if k not in ("id", "source")} for rule in rules(http)]


@pytest.mark.parametrize(
    ("as_json", "as_python", "calls"),
    [case[1:] for case in EQUIVALENT_RULES],
    ids=[case[0] for case in EQUIVALENT_RULES],
)
def test_admin_json_and_python_rules_mean_the_same(
    server: MockServer,
    http: httpx.Client,
    as_json: dict[str, Any],
    as_python: Setup,
    calls: list[Call],
) -> None:
    assert http.post("/_mock/rules", json=as_json).status_code == 201
    json_listing = _rule_views(http)
    json_seen = _exercise(http, calls)
    json_after = _rule_views(http)
    json_matched = [e["matched"] is not None and e["matched"] != "default" for e in journal(http)]

    server.reset()
    as_python(server)
    python_listing = _rule_views(http)
    python_seen = _exercise(http, calls)
    python_after = _rule_views(http)
    python_matched = [e["matched"] not in (None, "default") for e in journal(http)]

    assert python_listing == json_listing
    assert python_seen == json_seen
    assert python_after == json_after
    assert python_matched == json_matched
    assert any(json_matched), "the rule answered at least one call"
