"""The fake's edge, over real HTTP: who may script it and which names it answers to.

A fake on loopback is reachable from every page the developer's browser opens. A page
can post a form to `/_mock/rules` (so the form must be refused), and a DNS-rebinding page
reaches it under the attacker's host name (so foreign `Host` names must be refused).
"""

from __future__ import annotations

import importlib.util
import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from meshapi_mock import MockServer, ServerConfig
from meshapi_mock.guard import host_allowed

KEY = "rsk_data_plane"
ADMIN_KEY = "admin-secret"
CHAT = "/v1/chat/completions"
RULE = {"reply": {"text": "scripted"}}
GOOD = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def check_envelope(response: httpx.Response, status: int, code: str) -> str:
    """§1.7 envelope, with the request id in body and header; returns the message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["error"]["code"] == code, body
    assert body["request_id"] == response.headers["x-request-id"]
    message: str = body["error"]["message"]
    assert message
    return message


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# --- the admin token ---------------------------------------------------------------------

KEYED = {
    "tokens": ServerConfig(tokens=[KEY, "rsk_second"]),
    "admin-token": ServerConfig(admin_token=ADMIN_KEY),
    "both": ServerConfig(tokens=[KEY], admin_token=ADMIN_KEY),
}


@pytest.fixture(params=list(KEYED), scope="module")
def keyed(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    with MockServer(KEYED[request.param]) as server:
        yield server


ADMIN_CALLS: list[tuple[str, str, Any]] = [
    ("GET", "/_mock/health", None),
    ("GET", "/_mock/rules", None),
    ("POST", "/_mock/rules", RULE),
    ("DELETE", "/_mock/rules", None),
    ("GET", "/_mock/requests", None),
    ("DELETE", "/_mock/requests", None),
    ("POST", "/_mock/reset", None),
    ("GET", "/_mock/config", None),
    ("PATCH", "/_mock/config", {"strict": True}),
]


@pytest.mark.parametrize(
    "credentials",
    [{}, bearer("rsk_any_prefixed_key"), bearer("wrong"), {"Authorization": f"Basic {KEY}"}],
    ids=["none", "unlisted-rsk", "wrong", "not-bearer"],
)
def test_admin_refuses_callers_without_a_configured_key(
    keyed: MockServer, credentials: dict[str, str]
) -> None:
    keyed.reset()
    with httpx.Client(base_url=keyed.url, headers=credentials) as http:
        for method, path, body in ADMIN_CALLS:
            refused = http.request(method, path, json=body)
            message = check_envelope(refused, 401, "unauthorized")
            assert "Bearer" in message and "--admin-token" in message
            assert refused.headers["www-authenticate"].startswith("Bearer")
    assert keyed.rules == [], "a refused POST added nothing"
    assert keyed.strict is False, "a refused PATCH changed nothing"


def test_admin_accepts_any_configured_key(keyed: MockServer) -> None:
    config = keyed.state.config
    keys = [*config.tokens, *([config.admin_token] if config.admin_token else [])]
    for key in keys:
        keyed.reset()
        with httpx.Client(base_url=keyed.url, headers=bearer(key)) as http:
            for method, path, body in ADMIN_CALLS:
                answered = http.request(method, path, json=body)
                assert answered.status_code < 300, (key, method, path, answered.text)
        assert keyed.strict is True, "the PATCH went through"


def test_the_admin_token_opens_only_the_admin_api() -> None:
    with MockServer(tokens=[KEY], admin_token=ADMIN_KEY) as server:
        refused = httpx.post(server.url + CHAT, json=GOOD, headers=bearer(ADMIN_KEY))
        answered = httpx.post(server.url + CHAT, json=GOOD, headers=bearer(KEY))
    check_envelope(refused, 401, "unauthorized")
    assert answered.status_code == 200


def test_admin_stays_open_when_no_keys_are_configured(server: MockServer) -> None:
    health = httpx.get(server.url + "/_mock/health")
    added = httpx.post(server.url + "/_mock/rules", json=RULE)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert added.status_code == 201
    assert len(server.rules) == 1


# --- JSON bodies only --------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonp",
        None,
    ],
)
def test_admin_bodies_must_be_json(server: MockServer, content_type: str | None) -> None:
    # What a cross-site <form> can send: JSON text under a type a browser may post freely.
    headers = {"content-type": content_type} if content_type else {}
    body = b'{"reply": {"text": "from a web page"}}'
    posted = httpx.post(server.url + "/_mock/rules", content=body, headers=headers)
    patched = httpx.patch(
        server.url + "/_mock/config", content=b'{"strict": true}', headers=headers
    )

    for refused in (posted, patched):
        message = check_envelope(refused, 415, "unsupported_media_type")
        assert "application/json" in message
    assert server.rules == []
    assert server.strict is False


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_admin_takes_json_with_parameters(server: MockServer, content_type: str) -> None:
    posted = httpx.post(
        server.url + "/_mock/rules",
        content=b'{"reply": {"text": "ok"}}',
        headers={"content-type": content_type},
    )
    assert posted.status_code == 201, posted.text


def test_admin_posts_without_a_body_need_no_content_type(server: MockServer) -> None:
    server.chat.reply("to be reset")
    assert httpx.post(server.url + "/_mock/reset").status_code == 204
    assert server.rules == []


def test_an_empty_form_post_cannot_reset_the_fake(server: MockServer) -> None:
    rule = server.chat.reply("kept")
    refused = httpx.post(
        server.url + "/_mock/reset", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    check_envelope(refused, 415, "unsupported_media_type")
    assert server.rules == [rule]


def test_api_bodies_are_not_held_to_the_admin_rule(http: httpx.Client) -> None:
    # The data plane reads JSON whatever the declared type, as the gateway does.
    body = httpx.Request("POST", "/", json=GOOD).content
    answered = http.post(CHAT, content=body, headers={"content-type": "text/plain"})
    assert answered.status_code == 200, answered.text


# --- cross-origin browsers ---------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "null", "http://127.0.0.1:1", "https://127.0.0.1:{port}"],
    ids=["other-site", "opaque", "other-port", "other-scheme"],
)
def test_admin_refuses_other_origins(server: MockServer, origin: str) -> None:
    headers = {"Origin": origin.format(port=server.port)}
    posted = httpx.post(server.url + "/_mock/rules", json=RULE, headers=headers)
    listed = httpx.get(server.url + "/_mock/requests", headers=headers)
    preflight = httpx.options(server.url + "/_mock/rules", headers=headers)

    for refused in (posted, listed, preflight):
        assert "origin" in check_envelope(refused, 403, "forbidden").lower()
        assert "access-control-allow-origin" not in refused.headers
    assert server.rules == []


def test_admin_refuses_a_sibling_loopback_origin(server: MockServer) -> None:
    # Same machine, other name: a page on http://localhost:PORT is not this origin.
    refused = httpx.post(
        server.url + "/_mock/rules",
        json=RULE,
        headers={"Origin": f"http://localhost:{server.port}"},
    )
    check_envelope(refused, 403, "forbidden")


def test_admin_accepts_its_own_origin(server: MockServer) -> None:
    # The fake's own page (or a tool that sends Origin) may script it.
    for origin in (server.url, server.url.replace("127.0.0.1", "localhost")):
        host = origin.removeprefix("http://")
        added = httpx.post(
            server.url + "/_mock/rules", json=RULE, headers={"Origin": origin, "Host": host}
        )
        assert added.status_code == 201, added.text
    assert len(server.rules) == 2


@pytest.mark.parametrize(
    ("site", "status"),
    [("cross-site", 403), ("same-origin", 200), ("same-site", 200), ("none", 200)],
)
def test_admin_reads_sec_fetch_site(server: MockServer, site: str, status: int) -> None:
    # A cross-site <script> or <img> load carries no Origin but says where it comes from.
    response = httpx.get(server.url + "/_mock/requests", headers={"Sec-Fetch-Site": site})
    assert response.status_code == status, response.text


def test_api_paths_ignore_origin(http: httpx.Client) -> None:
    # Browser apps calling the data plane are the API's business, not the guard's.
    answered = http.post(CHAT, json=GOOD, headers={"Origin": "http://app.example"})
    assert answered.status_code == 200


# --- the Host header ---------------------------------------------------------------------

LOOPBACK_HOSTS = [
    "127.0.0.1:{port}",
    "127.0.0.1",
    "localhost:{port}",
    "LocalHost",
    "localhost.",
    "app.localhost:{port}",
    "127.1.2.3:{port}",
    "[::1]:{port}",
    "[::1]",
]


@pytest.mark.parametrize("host", LOOPBACK_HOSTS)
def test_loopback_names_are_served(server: MockServer, host: str) -> None:
    headers = {"Host": host.format(port=server.port), **bearer(KEY)}
    assert httpx.get(server.url + "/v1/models", headers=headers).status_code == 200
    assert httpx.get(server.url + "/_mock/health", headers=headers).status_code == 200


FOREIGN_HOSTS = [
    "attacker.example:{port}",
    "attacker.example",
    "127.0.0.1.attacker.example",
    "localhost.attacker.example:{port}",
    "10.0.0.7:{port}",
    "[::2]:{port}",
]


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
def test_foreign_host_names_are_refused_everywhere(server: MockServer, host: str) -> None:
    headers = {"Host": host.format(port=server.port), **bearer(KEY)}
    name = host.split("]")[0].lstrip("[") if host.startswith("[") else host.split(":")[0]
    for method, path, body in (
        ("POST", CHAT, GOOD),
        ("GET", "/v1/models", None),
        ("GET", "/_mock/requests", None),
        ("POST", "/_mock/rules", RULE),
        ("GET", "/", None),
        ("GET", "/openapi.json", None),
    ):
        refused = httpx.request(method, server.url + path, json=body, headers=headers)
        message = check_envelope(refused, 421, "misdirected_request")
        assert f"--allow-host {name}" in message, message
    assert server.rules == []


def test_a_refused_api_request_is_journaled_with_its_reason(server: MockServer) -> None:
    refused = httpx.post(
        server.url + CHAT, json=GOOD, headers={"Host": "attacker.example", **bearer(KEY)}
    )
    (entry,) = server.requests
    assert entry.request_id == refused.headers["x-request-id"]
    assert (entry.status, entry.error_code) == (421, "misdirected_request")
    assert not entry.authorized, "it never reached the endpoint"
    assert server.chat.requests == [], "nor does it count as a call the app made"


def test_allowed_hosts_add_names() -> None:
    with MockServer(allowed_hosts=["mesh.test", "Other.Test"]) as server:

        def status(host: str) -> int:
            return httpx.get(server.url + "/_mock/health", headers={"Host": host}).status_code

        assert status(f"mesh.test:{server.port}") == 200
        assert status("other.test") == 200
        assert status("localhost") == 200, "loopback names stay allowed"
        assert status("sub.mesh.test") == 421


def test_allowed_hosts_star_accepts_any_name() -> None:
    with MockServer(allowed_hosts=["*"]) as server:
        answered = httpx.get(server.url + "/_mock/health", headers={"Host": "anything.example"})
    assert answered.status_code == 200


def test_allowed_hosts_may_allow_the_names_under_a_domain() -> None:
    with MockServer(allowed_hosts=["*.mesh.test"]) as server:

        def status(host: str) -> int:
            return httpx.get(server.url + "/_mock/health", headers={"Host": host}).status_code

        assert status(f"api.mesh.test:{server.port}") == 200
        assert status("a.b.mesh.test") == 200
        assert status("mesh.test") == 421, "the pattern names what is under the domain"
        assert status("evilmesh.test") == 421
        assert status("mesh.test.attacker.example") == 421


def raw_request(port: int, head: str) -> tuple[int, Any]:
    """Send a request head byte for byte (no client library rewrites it); (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode("latin-1"))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    body = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), json.loads(body) if body else {}


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:80@evil.com", "[::1]evil", "localhost:1:1", "[::1", "localhost:80x", "[::1]:8:8"],
)
def test_a_malformed_host_is_a_bad_request(server: MockServer, host: str) -> None:
    for path in ("/v1/models", "/_mock/rules"):
        status, body = raw_request(
            server.port,
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {KEY}\r\n"
            "Connection: close\r\n\r\n",
        )
        assert status == 400, (host, path)
        assert body["error"]["code"] == "invalid_request"
    with MockServer(allowed_hosts=["*"]) as open_to_all:
        status, _ = raw_request(
            open_to_all.port,
            f"GET /_mock/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n",
        )
    assert status == 400, "allowing any name does not allow any text"


def _parsers() -> list[Any]:
    """uvicorn's two HTTP/1.1 parsers: httptools hands over a target differently."""
    missing = importlib.util.find_spec("httptools") is None
    skip = pytest.mark.skipif(missing, reason="httptools is not installed")
    return ["h11", pytest.param("httptools", marks=skip)]


@pytest.mark.parametrize("parser", _parsers())
def test_an_absolute_form_target_is_served_by_its_path(parser: str) -> None:
    class Server(MockServer):
        http = parser

    with Server() as server:
        check_absolute_form(server)


def check_absolute_form(server: MockServer) -> None:
    server.chat.reply("scripted")
    port = server.port
    head = "Connection: close\r\nAuthorization: Bearer " + KEY + "\r\n\r\n"

    rules = raw_request(
        port, f"GET http://127.0.0.1:{port}/_mock/rules HTTP/1.1\r\nHost: x.example\r\n{head}"
    )
    models = raw_request(
        port, f"GET http://localhost:{port}/v1/models?x=1 HTTP/1.1\r\nHost: a.example\r\n{head}"
    )
    foreign = raw_request(
        port, f"GET http://attacker.example/_mock/rules HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}"
    )

    assert rules[0] == 200 and len(rules[1]) == 1
    assert models[0] == 200, "the target's authority stands for Host (RFC 9112 3.2.2)"
    assert foreign[0] == 421 and "'attacker.example'" in str(foreign[1])
    journaled = server.requests[-1]
    assert (journaled.path, journaled.query) == ("/v1/models", "x=1")


def test_a_request_without_host_is_served(server: MockServer) -> None:
    # HTTP/1.0 clients may omit Host; a browser never does, so no rebinding page can.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /_mock/health HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]


@pytest.mark.parametrize(
    ("host", "server_address", "allowed"),
    [
        ("192.0.2.10:8000", "192.0.2.10", True),
        ("192.0.2.10", "::ffff:192.0.2.10", True),
        ("[2001:db8::5]:8000", "2001:db8::5", True),
        ("192.0.2.11:8000", "192.0.2.10", False),
        ("mybox:8000", "192.0.2.10", False),
    ],
)
def test_the_bound_address_is_a_name_of_the_fake(
    host: str, server_address: str, allowed: bool
) -> None:
    # Served on 0.0.0.0, the fake answers to the address a client reached it on. (Tests
    # listen on loopback only, so this is checked against the guard's rule directly.)
    assert host_allowed(host, server_address, frozenset()) is allowed


# --- what keeps working ------------------------------------------------------------------


def test_the_plugin_and_readme_flow_need_no_setup(server: MockServer, http: httpx.Client) -> None:
    server.chat.reply("Paris")
    answer = http.post(CHAT, json=GOOD)
    admin = httpx.get(server.url + "/_mock/requests")
    assert answer.json()["choices"][0]["message"]["content"] == "Paris"
    assert admin.status_code == 200 and len(admin.json()) == 1
