"""`log_requests`: one INFO line per request on the `meshapi_mock` logger."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import httpx
import pytest
from meshapi_mock import MockServer

KEY = "rsk_logged"
CHAT = "/v1/chat/completions"
GOOD = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def logging_server() -> Iterator[MockServer]:
    with MockServer(log_requests=True, request_timeout=0.3) as server:
        yield server


@pytest.fixture
def logged(logging_server: MockServer, caplog: pytest.LogCaptureFixture) -> Iterator[MockServer]:
    logging_server.reset()
    caplog.set_level(logging.INFO, logger="meshapi_mock")
    caplog.clear()
    yield logging_server


def lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "meshapi_mock" and r.levelno == logging.INFO]


def test_one_line_per_request_says_what_happened(
    logged: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    rule = logged.chat.when(last_user="scripted").reply("ok")
    with httpx.Client(base_url=logged.url, headers={"Authorization": f"Bearer {KEY}"}) as http:
        scripted = http.post(
            CHAT, json={**GOOD, "messages": [{"role": "user", "content": "scripted"}]}
        )
        default = http.post(CHAT, json=GOOD)
        unauthorized = http.post(CHAT, json=GOOD, headers={"Authorization": "Bearer nope"})
        admin = http.get("/_mock/rules")
        missing = http.get("/v1/nothing")
        refused = http.get("/_mock/health", headers={"Host": "attacker.example"})
    responses = [scripted, default, unauthorized, admin, missing, refused]

    records = lines(caplog)

    assert len(records) == len(responses)
    expected = [
        ("POST", CHAT, 200, rule.id, None),
        ("POST", CHAT, 200, "default", None),
        ("POST", CHAT, 401, None, "unauthorized"),
        ("GET", "/_mock/rules", 200, None, None),
        ("GET", "/v1/nothing", 404, None, "not_found"),
        ("GET", "/_mock/health", 421, None, "misdirected_request"),
    ]
    for record, response, (method, path, status, matched, code) in zip(
        records, responses, expected, strict=True
    ):
        fields = record.__dict__
        assert (fields["method"], fields["path"], fields["status"]) == (method, path, status)
        assert (fields["matched"], fields["error_code"]) == (matched, code)
        assert fields["request_id"] == response.headers["x-request-id"]
        assert fields["duration_ms"] >= 0
        text = record.getMessage()
        for part in (method, path, str(status), matched or "-", code or "-"):
            assert part in text, (part, text)
        assert response.headers["x-request-id"] in text
        assert "ms" in text


def test_a_stream_is_logged_once_when_it_ends(
    logged: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    logged.chat.reply("one two three", stream={"chunks": 3})
    with httpx.Client(base_url=logged.url, headers={"Authorization": f"Bearer {KEY}"}) as http:
        streamed = http.post(CHAT, json={**GOOD, "stream": True})

    (record,) = lines(caplog)
    assert record.__dict__["status"] == 200
    assert record.__dict__["request_id"] == streamed.headers["x-request-id"]


def test_a_head_that_never_finishes_is_logged(
    logged: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.create_connection(("127.0.0.1", logged.port), timeout=10) as sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nCont")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk

    (record,) = lines(caplog)
    assert record.__dict__["status"] == 408
    assert record.__dict__["error_code"] == "request_timeout"
    assert record.__dict__["request_id"].encode() in answer


def test_nothing_is_logged_by_default(server: MockServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="meshapi_mock")
    httpx.post(server.url + CHAT, json=GOOD, headers={"Authorization": f"Bearer {KEY}"})
    httpx.get(server.url + "/_mock/health")
    assert lines(caplog) == []


def test_a_path_cannot_forge_a_log_line(
    logged: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    forged = "/v1/x%0d%0aINFO:%20POST%20/v1/chat/completions%20200%201.0ms%1b[2K%e2%80%a8"
    with socket.create_connection(("127.0.0.1", logged.port), timeout=10) as sock:
        sock.sendall(
            f"GET {forged}?q=%0a HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        while sock.recv(65536):
            pass

    (record,) = lines(caplog)
    text = record.getMessage()
    assert text.isprintable(), text
    assert "/v1/x\\r\\nINFO: POST /v1/chat/completions 200 1.0ms\\x1b[2K\\u2028 404" in text
    assert record.__dict__["path"].isprintable()
