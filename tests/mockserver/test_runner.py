"""MockServer lifecycle: real loopback port, clean start/stop, no Nagle stalls."""

from __future__ import annotations

import socket

import httpx
import pytest
from meshapi_mock import MockServer
from meshapi_mock.runner import bind_socket


def test_context_manager_serves_and_frees_the_port() -> None:
    with MockServer() as server:
        assert server.url.startswith("http://127.0.0.1:")
        port = server.port
        assert port > 0
        assert httpx.get(server.url + "/_mock/health").json()["status"] == "ok"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/_mock/health")
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url


def test_two_servers_are_independent() -> None:
    with MockServer() as a, MockServer() as b:
        a.chat.reply("from a", times=None)
        headers = {"Authorization": "Bearer rsk_x"}
        body = {"messages": [{"role": "user", "content": "hi"}]}
        text_a = httpx.post(a.url + "/v1/chat/completions", json=body, headers=headers).json()
        text_b = httpx.post(b.url + "/v1/chat/completions", json=body, headers=headers).json()
        assert text_a["choices"][0]["message"]["content"] == "from a"
        assert text_b["choices"][0]["message"]["content"] != "from a"
        assert len(a.requests) == 1 and len(b.requests) == 1


def test_fixed_port_in_use_fails_clearly() -> None:
    with MockServer() as server, pytest.raises(OSError):
        MockServer(port=server.port).start()


def test_listening_socket_is_tcp_with_nodelay() -> None:
    # asyncio enables TCP_NODELAY on accepted sockets only when the protocol is TCP;
    # without it every small response stalls ~40 ms (Nagle + delayed ACK).
    sock = bind_socket()
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        sock.close()


def test_settings_as_keywords_or_config() -> None:
    with MockServer(strict=True, seed=3) as server:
        assert server.strict and server.state.config.seed == 3
    with pytest.raises(TypeError):
        MockServer(strict=True, bogus=1)
