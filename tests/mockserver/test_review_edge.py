"""Settings and the edge, as Python and HTTP clients meet them.

Every `ServerConfig` (and so `MockServer`) setting is checked when it is made, with the
checks the CLI uses: a setting that used to be accepted and then broke every request is
now refused at once, saying which setting and why.
"""

from __future__ import annotations

import math
import socket
from typing import Any

import httpx
import pytest
from meshapi_mock import MockServer, ServerConfig

KEY = {"Authorization": "Bearer rsk_edge"}
CHAT = "/v1/chat/completions"
HELLO = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}


# --- settings are checked when made --------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "error", "says"),
    [
        ({"tokens": "rsk_secret"}, TypeError, "ServerConfig.tokens: expected a list of keys"),
        ({"tokens": ["rsk_ok", ""]}, ValueError, "ServerConfig.tokens: '' is empty"),
        ({"tokens": [b"rsk_bytes"]}, TypeError, "a key is a string"),
        ({"tokens": ["rsk_\u00e9"]}, ValueError, "cannot carry ('\u00e9')"),
        ({"admin_token": ""}, ValueError, "ServerConfig.admin_token: '' is empty"),
        ({"admin_token": "  "}, ValueError, "is empty"),
        ({"admin_token": "two words"}, ValueError, "without spaces"),
        ({"allowed_hosts": "example.com"}, TypeError, "expected a list of host names"),
        ({"allowed_hosts": ["http://x"]}, ValueError, "'http://x' is not a host name"),
        ({"allowed_hosts": [""]}, ValueError, "not a host name"),
        ({"fixtures": "docs"}, TypeError, "write ['docs'] for one"),
        ({"regex_timeout": 0}, ValueError, "ServerConfig.regex_timeout: 0 must be a positive"),
        ({"regex_timeout": -1}, ValueError, "must be a positive"),
        ({"regex_timeout": math.nan}, ValueError, "finite"),
        ({"request_timeout": -1}, ValueError, "0 (no limit) or a positive"),
        ({"request_timeout": math.inf}, ValueError, "finite"),
        ({"request_timeout": "5"}, TypeError, "expected a number of seconds"),
        ({"journal_limit": -1}, ValueError, "ServerConfig.journal_limit: -1 must be at least 1"),
        ({"journal_limit": 0}, ValueError, "at least 1"),
        ({"journal_limit": 10**20}, ValueError, "at most 1000000"),
        ({"journal_limit": 2.5}, TypeError, "expected a whole number"),
        ({"journal_max_bytes": -5}, ValueError, "at least 0"),
        ({"journal_body_bytes": -1}, ValueError, "at least 0"),
        ({"max_body_bytes": -1}, ValueError, "ServerConfig.max_body_bytes: -1 must be at least 1"),
        ({"max_body_bytes": 0}, ValueError, "at least 1"),
        ({"seed": "x"}, TypeError, "ServerConfig.seed: expected a whole number, not str"),
        ({"seed": True}, TypeError, "not bool"),
        ({"seed": 2**200}, ValueError, "at most"),
        ({"strict": "yes"}, TypeError, "ServerConfig.strict: expected True or False"),
        ({"log_requests": 1}, TypeError, "expected True or False"),
    ],
)
def test_a_bad_setting_is_refused_when_made(
    settings: dict[str, Any], error: type[Exception], says: str
) -> None:
    with pytest.raises(error) as refused:
        ServerConfig(**settings)
    assert says in str(refused.value)
    with pytest.raises(error):
        MockServer(**settings)


def test_settings_are_normalised_once() -> None:
    config = ServerConfig(
        tokens=["rsk_a", "other-key"],
        allowed_hosts={"Mesh.Test."},
        fixtures=[__import__("pathlib").Path("docs")],
        regex_timeout=1,
    )
    assert config.tokens == ("rsk_a", "other-key")
    assert config.allowed_hosts == ("mesh.test",)
    assert config.fixtures == ("docs",)
    assert config.regex_timeout == 1.0 and isinstance(config.regex_timeout, float)


def test_zero_turns_the_request_timeout_off_as_on_the_command_line() -> None:
    assert ServerConfig(request_timeout=0).request_timeout == 0.0


def test_a_single_token_string_no_longer_makes_each_character_a_key() -> None:
    # It used to: `MockServer(tokens="rsk_secret")` answered `Bearer r` with a 200.
    with pytest.raises(TypeError, match="write \\['rsk_secret'\\] for one"):
        MockServer(tokens="rsk_secret")
    with MockServer(tokens=["rsk_secret"]) as server:
        one_letter = httpx.get(server.url + "/v1/models", headers={"Authorization": "Bearer r"})
        whole = httpx.get(server.url + "/v1/models", headers={"Authorization": "Bearer rsk_secret"})
    assert (one_letter.status_code, whole.status_code) == (401, 200)


# --- both auth paths read a key the same way ----------------------------------------------


def raw_get(port: int, path: str, authorization: bytes) -> int:
    """Status of a GET sending `authorization` as raw header bytes (not UTF-8 or Latin-1
    text a client library would pick)."""
    request = (
        b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Authorization: Bearer " + authorization + b"\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def test_the_api_and_the_admin_api_accept_and_refuse_the_same_bytes() -> None:
    key = "rsk_Key-1.2_~+/="
    with MockServer(tokens=[key]) as server:
        offered = [key.encode(), "rsk_\u00e9".encode(), "rsk_\u00e9".encode("latin-1"), b"rsk_"]
        api = [raw_get(server.port, "/v1/models", value) for value in offered]
        admin = [raw_get(server.port, "/_mock/health", value) for value in offered]
    assert api == admin == [200, 401, 401, 401]


# --- GET / -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "kind"),
    [
        ("text/html;q=0,application/json", "json"),
        ("application/json;q=0.5, text/html;q=0.4", "json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
        ("text/*", "html"),
        ("text/*;q=0.9, application/json;q=0.8", "html"),
        ("text/html;q=0.5, */*", "json"),
        ("text/html;q=bogus, application/json;q=0.1", "json"),
        ("*/*", "json"),
        ("", "json"),
        (None, "json"),
    ],
)
def test_the_front_page_honours_q_values(server: MockServer, accept: str | None, kind: str) -> None:
    headers = {} if accept is None else {"Accept": accept}
    page = httpx.get(server.url + "/", headers=headers)
    assert page.status_code == 200
    expected = "text/html" if kind == "html" else "application/json"
    assert page.headers["content-type"].startswith(expected)
    assert page.headers["vary"] == "Accept"
