"""The endpoint engine seen from outside: one registry behind routes, `/openapi.json`, the
rule shape and the Python faces; rules keyed by endpoint from Python, files and the admin
API; one pipeline (auth, validation, journal, strict mode) for every endpoint; streams
that a client abandons are journaled as not completed."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from meshapi_mock import MockServer, ScenarioError
from meshapi_mock.app import create_app
from meshapi_mock.registry import ENDPOINTS
from starlette.routing import Route, WebSocketRoute

CHAT = "/v1/chat/completions"


def ask(text: str, **extra: Any) -> dict[str, Any]:
    return {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": text}], **extra}


def starlette_path(path: str) -> str:
    return "/".join(
        p.split(":")[0] + "}" if p.startswith("{") and ":" in p else p for p in path.split("/")
    )


# --------------------------------------------------------------------------- the registry


def test_routes_and_openapi_come_from_the_same_registry(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    served: dict[str, set[str]] = {}
    sockets: set[str] = set()
    for route in create_app().routes:
        if isinstance(route, WebSocketRoute):
            if route.path != "/{path:path}":  # the catch-all: an unknown socket's 404
                sockets.add(route.path)
            continue
        assert isinstance(route, Route)
        if route.path.startswith("/_mock") or route.path in ("/", "/openapi.json"):
            continue
        served[starlette_path(route.path)] = {m.lower() for m in route.methods or ()} - {"head"}
    documented = {path: set(item) for path, item in document["paths"].items()}
    # A socket's path answers a plain GET too: 426, "upgrade required", no operation.
    assert all(served.pop(path, None) in ({"get"}, None) for path in sockets)

    assert served == documented
    assert sockets == set(document["x-websockets"])
    declared = {
        starlette_path(op.path): op.method.lower() for ep in ENDPOINTS for op in ep.operations
    }
    assert set(declared) == set(served) | sockets


def test_every_documented_operation_is_served_with_the_envelope(
    server: MockServer, http: httpx.Client
) -> None:
    """A path in /openapi.json answers its method (auth first), never the route 404."""
    document = http.get("/openapi.json").json()
    for path, item in document["paths"].items():
        concrete = path.replace("{model_id}", "openai/gpt-4o")
        for method, operation in item.items():
            anonymous = httpx.request(method.upper(), server.url + concrete)
            if operation.get("security"):
                assert anonymous.status_code == 401, (method, path)
                assert anonymous.json()["error"]["code"] == "unauthorized"


def test_every_registered_endpoint_has_a_python_face(server: MockServer) -> None:
    for endpoint in ENDPOINTS:
        face = getattr(server, endpoint.name)
        assert face.endpoint == endpoint.name
        assert face.requests == []
    with pytest.raises(AttributeError):
        _ = server.no_such_endpoint


def test_schema_lists_a_rule_per_endpoint() -> None:
    from meshapi_mock.scripting.scenarios import json_schema

    defs = json_schema()["$defs"]
    rules = [d for name, d in defs.items() if name.endswith("Rule")]
    assert {r["properties"]["endpoint"]["const"] for r in rules} == {e.name for e in ENDPOINTS}


# --------------------------------------------------------------------------- rules by endpoint


def test_a_models_rule_from_python_answers_only_models(
    server: MockServer, http: httpx.Client
) -> None:
    server.models.when(operation="get", model="openai/*").error(503, code="upstream_error")

    chat = http.post(CHAT, json=ask("hi"))
    listed = http.get("/v1/models")
    other = http.get("/v1/models/anthropic/claude-3.5-haiku")
    failed = http.get("/v1/models/openai/gpt-4o")

    assert chat.status_code == 200 and listed.status_code == 200
    assert other.status_code == 200
    assert failed.status_code == 503 and failed.json()["error"]["code"] == "upstream_error"
    assert [e.operation for e in server.models.requests] == ["list", "get", "get"]
    assert server.models.call_count == 3 and server.chat.call_count == 1
    assert server.requests[-1].matched == server.rules[0].id


def test_scripted_models_replace_the_catalogue_for_filters_and_lookup(
    server: MockServer, http: httpx.Client
) -> None:
    mine = [
        {"id": "acme/tiny:free", "name": "Tiny", "is_free": True, "brand": "Acme"},
        {"id": "acme/big", "name": "Big", "is_free": False, "brand": "Acme"},
    ]
    server.models.reply(mine, times=None)

    assert [m["id"] for m in http.get("/v1/models").json()] == ["acme/tiny:free", "acme/big"]
    assert [m["id"] for m in http.get("/v1/models/free").json()] == ["acme/tiny:free"]
    assert [m["id"] for m in http.get("/v1/models/paid").json()] == ["acme/big"]
    page = http.get("/v1/models/search", params={"q": "big"}).json()
    assert [m["id"] for m in page["items"]] == ["acme/big"] and page["brands"] == ["Acme"]
    assert http.get("/v1/models/acme/tiny:free").json()["name"] == "Tiny"
    missing = http.get("/v1/models/openai/gpt-4o")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "model_not_found"


def test_the_admin_api_keys_rules_by_endpoint(server: MockServer, http: httpx.Client) -> None:
    added = http.post(
        "/_mock/rules",
        json=[
            {
                "endpoint": "models",
                "match": {"operation": "list"},
                "reply": {"error": {"status": 429}},
            },
            {"reply": {"text": "chat is the default"}},
        ],
    )
    assert added.status_code == 201, added.text
    assert [r["endpoint"] for r in added.json()] == ["models", "chat"]

    assert http.get("/v1/models").status_code == 429
    assert http.post(CHAT, json=ask("x")).json()["choices"][0]["message"]["content"] == (
        "chat is the default"
    )
    wire = http.get("/_mock/requests").json()
    assert [(e["endpoint"], e["operation"]) for e in wire] == [
        ("models", "list"),
        ("chat", "create"),
    ]


def test_an_unknown_endpoint_is_refused_where_the_rule_is_given(
    server: MockServer, http: httpx.Client, tmp_path: Path
) -> None:
    refused = http.post("/_mock/rules", json={"endpoint": "telepathy", "reply": {}})
    assert refused.status_code == 422
    assert "telepathy" in json.dumps(refused.json()["error"]["details"])

    scenario = tmp_path / "bad.yaml"
    scenario.write_text("rules:\n  - endpoint: models\n    reply: {text: nope}\n")
    with pytest.raises(ScenarioError) as caught:
        server.load(scenario)
    assert "rules[0].reply.text" in str(caught.value), str(caught.value)


def test_a_scenario_file_scripts_several_endpoints(
    server: MockServer, http: httpx.Client, tmp_path: Path
) -> None:
    scenario = tmp_path / "mixed.yaml"
    scenario.write_text(
        "rules:\n"
        "  - endpoint: models\n"
        "    match: {operation: free}\n"
        "    reply: {models: []}\n"
        "  - match: {endpoint: chat, last_user: hello}\n"  # the first format's spelling
        "    reply: {text: hi there}\n"
    )
    loaded = server.load(scenario)

    assert [r.endpoint for r in loaded] == ["models", "chat"]
    assert http.get("/v1/models/free").json() == []
    assert http.post(CHAT, json=ask("hello")).json()["choices"][0]["message"]["content"] == (
        "hi there"
    )


# --------------------------------------------------------------------------- one pipeline


def test_strict_mode_refuses_made_up_answers_but_not_the_catalogue(
    server: MockServer, http: httpx.Client
) -> None:
    server.strict = True
    server.models.when(operation="search").error(500)

    missed = http.post(CHAT, json=ask("anything"))
    assert missed.status_code == 404 and missed.json()["error"]["code"] == "no_matching_rule"
    # the only rule is for another endpoint: listed, but after any rule of this one
    assert "endpoint: expected 'models', got 'chat'" in missed.json()["error"]["message"]
    assert http.get("/v1/models").status_code == 200


def test_near_misses_of_the_same_endpoint_come_before_other_endpoints(
    server: MockServer, http: httpx.Client
) -> None:
    server.strict = True
    server.models.error(500, name="other-endpoint")
    server.chat.when(model="x/*", last_user="nope", stream=True).reply("far", name="three-off")

    details = http.post(CHAT, json=ask("hello")).json()["error"]["details"]

    assert [d["loc"][1] for d in details] == [server.rules[1].id, server.rules[0].id]
    assert details[0]["msg"].count(";") == 2


def test_respond_builds_any_endpoints_reply_and_bad_replies_are_reported(
    server: MockServer, http: httpx.Client
) -> None:
    server.models.respond(
        lambda query: {"models": [{"id": f"free={query.free}", "name": "n", "is_free": False}]}
    )
    server.models.respond(lambda query: {"nonsense": 1})

    assert http.get("/v1/models", params={"free": "false"}).json()[0]["id"] == "free=False"
    broken = http.get("/v1/models")
    assert broken.status_code == 500 and broken.json()["error"]["code"] == "mock_reply_error"
    assert broken.json()["error"]["details"][0]["loc"] == ["reply", "nonsense"]


def test_query_validation_uses_the_envelope(http: httpx.Client) -> None:
    bad = http.get("/v1/models/search", params={"limit": "0", "sort": "price"})
    assert bad.status_code == 422
    locs = [d["loc"] for d in bad.json()["error"]["details"]]
    assert ["query", "limit"] in locs and ["query", "sort"] in locs


def test_repeated_query_keys_fill_list_filters(http: httpx.Client) -> None:
    page = http.get("/v1/models/search", params=[("brand", "OpenAI"), ("brand", "Anthropic")])
    assert page.status_code == 200
    assert set(page.json()["brands"]) == {"OpenAI", "Anthropic"}


def test_plugin_style_assertions_work_per_endpoint(server: MockServer, http: httpx.Client) -> None:
    server.models.assert_not_called()
    http.get("/v1/models")
    server.models.assert_called(times=1)
    with pytest.raises(AssertionError, match="Expected 2 models request"):
        server.models.assert_called(times=2)
    unauthorized = httpx.get(f"{server.url}/v1/models")
    assert unauthorized.status_code == 401
    server.models.assert_called(times=1)  # a refused key is not a call the app made


# --------------------------------------------------------------------------- streams


def test_a_stream_the_client_abandons_is_journaled_as_not_completed(server: MockServer) -> None:
    """Headers and a first frame, then the client hangs up: no `stream_completed`.

    The answer is paced (200 frames 50 ms apart), so it cannot all reach the kernel's
    buffers before the hang-up, however fast the server or large loopback's buffers: an
    unpaced answer of any size could (uvloop hands megabytes to the socket at once), and
    then it was delivered as far as the server can tell."""
    words = " ".join(f"word{i}" for i in range(200))
    server.chat.timing(interval=0.05).reply(words)
    body = json.dumps(ask("long", stream=True)).encode()
    host, port = server.url.removeprefix("http://").split(":")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.connect((host, int(port)))
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: Bearer rsk_test\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        received = b""
        while b"data: " not in received:  # the head, then the first frame
            chunk = sock.recv(4096)
            assert chunk, f"the server closed early: {received!r}"
            received += chunk
        assert received.startswith(b"HTTP/1.1 200")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")

    entry = server.requests[-1]
    for _ in range(500):  # the server notices at its next frame; wait for it, not a clock
        if entry.error_code is not None:
            break
        time.sleep(0.01)
    assert entry.stream is True
    assert entry.stream_completed is False
    assert entry.error_code == "client_disconnected"


def test_a_stream_read_to_the_end_is_completed(server: MockServer, http: httpx.Client) -> None:
    with http.stream("POST", CHAT, json=ask("short", stream=True)) as response:
        frames = [line for line in response.iter_lines() if line]
    assert frames[-1] == "data: [DONE]"
    entry = server.requests[-1]
    assert entry.stream is True and entry.stream_completed is True and entry.error_code is None
