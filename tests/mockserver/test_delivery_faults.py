"""Each fault's exact effect on the wire, read from a raw socket: which bytes arrive, how
the connection ends, what the journal says; and that the fake serves on unharmed.

The answer is `one two three` in chat's stream: six frames (role and `one`, ` two`,
` three`, the finish, the usage tail, `[DONE]`), so half-way is before frame 3.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest
from meshapi_mock import MockServer
from meshapi_mock.delivery.spec import FaultKind
from meshapi_mock.journal import JournalEntry
from support.delivery import (
    CHAT,
    Exchange,
    Records,
    chat_body,
    frames,
    last_entry,
    raw_exchange,
    server_logs,
    wait_for,
)

TEXT = "one two three"
DONE = b"data: [DONE]\n\n"
UPSTREAM_ERROR = (
    b'data: {"error":{"code":"upstream_error",'
    b'"message":"The upstream provider failed mid-stream."}}\n\n'
)


@pytest.fixture
def logs(server: MockServer) -> Iterator[Records]:
    with server_logs() as records:
        yield records


def clean_answer(server: MockServer, stream: bool) -> bytes:
    """The unbroken answer's body; the fake is reset after, so the next request gets the
    same ids (and the same bytes, but for the fault)."""
    server.reset()
    server.chat.reply(TEXT)
    exchange = raw_exchange(server.url, CHAT, chat_body(stream=stream))
    assert exchange.complete
    server.reset()
    return exchange.body


def broken(server: MockServer, stream: bool, kind: str, **options: Any) -> Exchange:
    server.chat.with_fault(cast(FaultKind, kind), **options).reply(TEXT)
    return raw_exchange(server.url, CHAT, chat_body(stream=stream))


def settled(http: httpx.Client) -> dict[str, Any]:
    """The broken request's journal entry, once its delivery has ended."""
    wait_for(lambda: last_entry(http)["delivery"]["outcome"] != "pending")
    return last_entry(http)


def serves_on(http: httpx.Client, logs: Records) -> None:
    """The next request is answered normally, and nothing was logged as a failure."""
    response = http.post(CHAT, json=chat_body("still there?"))
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"]
    assert logs.problems() == []


# --- streamed --------------------------------------------------------------------------


def expected_stream(kind: str, clean: list[bytes], point: int) -> list[bytes]:
    """The frames a stream broken by `kind` before frame `point` carries (the cut frame of
    half_frame and malformed_frame is checked on its own)."""
    return {
        "error_frame": [*clean[:point], UPSTREAM_ERROR],
        "disconnect": clean[:point],
        "reset": clean[:point],
        "no_done": clean[:point],
        "data_after_done": [*clean[:point], DONE, *clean[point:]],
    }[kind]


STREAM_CASES = [
    # kind, options, the frame it strikes before, the stream's end: complete chunked or not
    ("error_frame", {}, 3, True),
    ("error_frame", {"after_chunks": 1}, 1, True),
    ("error_frame", {"after_chunks": 0}, 0, True),
    ("disconnect", {}, 3, False),
    ("disconnect", {"after_chunks": 5}, 5, False),
    ("disconnect", {"after_chunks": 99}, 6, False),
    ("reset", {}, 3, False),
    ("reset", {"after_chunks": 2}, 2, False),
    ("no_done", {}, 5, True),
    ("no_done", {"after_chunks": 2}, 2, True),
    ("data_after_done", {"after_chunks": 4}, 4, True),
]


@pytest.mark.parametrize(("kind", "options", "point", "whole"), STREAM_CASES)
def test_a_stream_breaks_exactly_where_scripted(
    server: MockServer,
    http: httpx.Client,
    logs: Records,
    kind: str,
    options: dict[str, Any],
    point: int,
    whole: bool,
) -> None:
    clean = frames(clean_answer(server, stream=True))
    assert len(clean) == 6 and clean[-1] == DONE

    exchange = broken(server, True, kind, **options)

    assert exchange.status == 200 and exchange.chunked
    assert frames(exchange.body) == expected_stream(kind, clean, point)
    assert exchange.complete is whole
    assert exchange.ended == ("reset" if kind == "reset" else "eof")
    entry = settled(http)
    assert entry["delivery"]["fault"] == {"kind": kind, **options, "source": "rule"}
    assert entry["stream_completed"] is whole and entry["error_code"] is None
    serves_on(http, logs)


def test_an_error_frame_can_say_what_failed_and_end_with_done(
    server: MockServer, http: httpx.Client
) -> None:
    clean = frames(clean_answer(server, stream=True))

    exchange = broken(
        server,
        True,
        "error_frame",
        after_chunks=2,
        code="overloaded",
        message="Busy",
        done_after=True,
    )

    error = b'data: {"error":{"code":"overloaded","message":"Busy"}}\n\n'
    assert frames(exchange.body) == [*clean[:2], error, DONE]
    assert settled(http)["delivery"]["outcome"] == "fault"


@pytest.mark.parametrize(("options", "point"), [({}, 3), ({"after_chunks": 0}, 0)])
def test_half_a_frame_then_the_connection_closes(
    server: MockServer,
    http: httpx.Client,
    logs: Records,
    options: dict[str, Any],
    point: int,
) -> None:
    clean = frames(clean_answer(server, stream=True))

    exchange = broken(server, True, "half_frame", **options)

    *before, half = frames(exchange.body)
    assert before == clean[:point]
    assert clean[point].startswith(half) and 0 < len(half) < len(clean[point]) - 2
    assert not exchange.complete and exchange.ended == "eof"
    entry = settled(http)
    assert entry["delivery"]["outcome"] == "fault" and entry["stream_completed"] is False
    serves_on(http, logs)


def test_a_malformed_frame_is_cut_json_then_the_stream_goes_on(
    server: MockServer, http: httpx.Client, logs: Records
) -> None:
    """The frame at the point is sent cut (its content is lost), the rest follow whole."""
    clean = frames(clean_answer(server, stream=True))

    exchange = broken(server, True, "malformed_frame", after_chunks=2)

    sent = frames(exchange.body)
    assert len(sent) == len(clean)
    assert sent[:2] == clean[:2] and sent[3:] == clean[3:]
    bad = sent[2]
    assert bad.startswith(b"data: ") and bad.endswith(b"\n\n")
    assert clean[2].startswith(bad[:-2]) and len(bad) < len(clean[2])
    with pytest.raises(json.JSONDecodeError):
        json.loads(bad[len(b"data: ") :])
    assert exchange.complete
    assert settled(http)["delivery"]["fault"]["kind"] == "malformed_frame"
    serves_on(http, logs)


def test_a_stall_with_seconds_pauses_then_carries_on(
    server: MockServer, http: httpx.Client, logs: Records
) -> None:
    clean = clean_answer(server, stream=True)

    exchange = broken(server, True, "stall", after_chunks=2, seconds=0.3)

    assert exchange.body == clean and exchange.complete
    assert exchange.elapsed >= 0.28
    record = settled(http)["delivery"]
    assert record["actual"]["gaps_ms"][1] >= 280  # the wait is before the third frame
    serves_on(http, logs)


# --- not streamed ----------------------------------------------------------------------


def test_not_streamed_each_fault_strikes_at_the_body(
    server: MockServer, http: httpx.Client, logs: Records
) -> None:
    body = clean_answer(server, stream=False)
    json.loads(body)
    expected = {
        # kind: (body, how the connection ends, whether the body is complete)
        "error_frame": (
            b'{"error":{"code":"upstream_error",'
            b'"message":"The upstream provider failed mid-stream."}}',
            "eof",
            True,
        ),
        "disconnect": (b"", "eof", False),
        "reset": (b"", "reset", False),
        "no_done": (b"", "eof", True),
        "malformed_frame": (body[: len(body) // 2], "eof", True),
        "half_frame": (body[: len(body) // 2], "eof", False),
        "data_after_done": (body + b"\n" + body, "eof", True),
    }
    for kind, (want, ended, whole) in expected.items():
        server.reset()
        exchange = broken(server, False, kind)
        assert exchange.status == 200, kind
        assert (exchange.body, exchange.ended, exchange.complete) == (want, ended, whole), kind
        length = int(exchange.header("content-length") or -1)
        assert length == (len(body) if kind in ("disconnect", "reset", "half_frame") else len(want))
        entry = settled(http)
        assert entry["delivery"]["fault"] == {"kind": kind, "source": "rule"}, kind
        assert entry["delivery"]["outcome"] == "fault", kind
        assert entry["stream_completed"] is None
    serves_on(http, logs)


def test_after_chunks_on_a_json_body_strikes_at_the_body_too(
    server: MockServer, http: httpx.Client
) -> None:
    body = clean_answer(server, stream=False)

    exchange = broken(server, False, "half_frame", after_chunks=3)

    assert exchange.body == body[: len(body) // 2] and not exchange.complete


# --- whole-response faults ---------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True])
def test_a_crashed_upstream_sends_plain_text(
    server: MockServer, http: httpx.Client, logs: Records, stream: bool
) -> None:
    exchange = broken(
        server, stream, "non_json_error", status=503, message="upstream died", retry_after=3
    )

    assert exchange.status == 503 and exchange.body == b"upstream died" and exchange.complete
    assert exchange.header("content-type") == "text/plain; charset=utf-8"
    assert exchange.header("retry-after") == "3"
    entry = settled(http)
    assert entry["status"] == 503 and entry["delivery"]["outcome"] == "fault"
    assert entry["delivery"]["fault"]["status"] == 503
    serves_on(http, logs)


def test_a_crashed_upstream_says_500_by_default(server: MockServer) -> None:
    exchange = broken(server, False, "non_json_error")

    assert exchange.status == 500 and exchange.header("retry-after") is None
    with pytest.raises(json.JSONDecodeError):
        json.loads(exchange.body)


@pytest.mark.parametrize("stream", [False, True])
def test_a_proxy_answers_with_an_html_502(
    server: MockServer, http: httpx.Client, logs: Records, stream: bool
) -> None:
    exchange = broken(server, stream, "html_502", retry_after=2)

    assert exchange.status == 502 and exchange.header("content-type") == "text/html"
    assert b"<title>502 Bad Gateway</title>" in exchange.body and exchange.complete
    assert exchange.header("retry-after") == "2"
    assert settled(http)["delivery"]["fault"] == {
        "kind": "html_502",
        "retry_after": 2,
        "source": "rule",
    }
    serves_on(http, logs)


# --- before the headers -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["disconnect", "reset"])
@pytest.mark.parametrize("stream", [False, True])
def test_before_headers_the_client_gets_no_response_at_all(
    server: MockServer, http: httpx.Client, logs: Records, kind: str, stream: bool
) -> None:
    exchange = broken(server, stream, kind, before_headers=True)

    assert exchange.head == b"" and exchange.raw_body == b""
    assert exchange.ended == ("reset" if kind == "reset" else "eof")
    entry = settled(http)
    assert entry["status"] is None and entry["delivery"]["outcome"] == "fault"
    assert entry["delivery"]["fault"] == {"kind": kind, "before_headers": True, "source": "rule"}
    serves_on(http, logs)


def test_a_stall_before_headers_holds_the_status_line(
    server: MockServer, http: httpx.Client
) -> None:
    clean = clean_answer(server, stream=True)

    exchange = broken(server, True, "stall", before_headers=True, seconds=0.3)

    assert exchange.body == clean and exchange.elapsed >= 0.28
    assert settled(http)["delivery"]["actual"]["headers_ms"] >= 280


# --- core bugs these tests found (see the commit message) ---------------------------------


def test_data_after_done_at_the_end_sends_one_done_then_one_frame(
    server: MockServer, http: httpx.Client
) -> None:
    clean = frames(clean_answer(server, stream=True))

    exchange = broken(server, True, "data_after_done")

    # FAULTS: "One more data frame after `data: [DONE]`": the stream, then a late copy
    # of its last data frame; one [DONE], as every stream has.
    assert frames(exchange.body) == [*clean, clean[-2]]


def test_a_stall_before_headers_stalls_once(server: MockServer, http: httpx.Client) -> None:
    broken(server, True, "stall", before_headers=True, seconds=0.3)

    # The status line waited 0.3 s; the body must not wait another 0.3 s after it.
    assert settled(http)["delivery"]["actual"]["first_chunk_ms"] < 150


@pytest.mark.parametrize(
    ("kind", "options"),
    [("malformed_frame", {}), ("data_after_done", {"after_chunks": 2})],
)
def test_a_fault_that_lets_the_stream_go_on_is_still_journaled_as_a_fault(
    server: MockServer, http: httpx.Client, kind: str, options: dict[str, Any]
) -> None:
    broken(server, True, kind, **options)

    # `outcome: fault (injected)`, as the same faults on a JSON body are journaled.
    assert settled(http)["delivery"]["outcome"] == "fault"


# --- stalls that never end by themselves ---------------------------------------------------


def test_a_client_that_gives_up_on_a_stall_is_journaled(
    server: MockServer, http: httpx.Client, logs: Records
) -> None:
    server.chat.fault("stall")  # at the body's start, until the client goes

    exchange = raw_exchange(server.url, CHAT, chat_body(stream=True), quiet_after=0.3)

    assert exchange.ended == "timeout" and exchange.status == 200 and exchange.body == b""
    wait_for(lambda: last_entry(http)["delivery"]["outcome"] == "client_disconnected")
    assert last_entry(http)["error_code"] == "client_disconnected"
    serves_on(http, logs)


def test_a_client_that_hangs_up_during_a_delay_is_journaled(
    server: MockServer, http: httpx.Client, logs: Records
) -> None:
    server.chat.timing(delay=30).reply(TEXT)  # at 1x: far longer than the client waits

    exchange = raw_exchange(server.url, CHAT, chat_body(), quiet_after=0.2)

    assert exchange.ended == "timeout" and exchange.head == b""
    wait_for(lambda: last_entry(http)["delivery"]["outcome"] == "client_disconnected")
    entry = last_entry(http)
    assert entry["error_code"] == "client_disconnected" and entry["status"] is None
    serves_on(http, logs)


def in_background(url: str, body: dict[str, Any]) -> tuple[threading.Thread, list[Exchange]]:
    got: list[Exchange] = []
    thread = threading.Thread(
        target=lambda: got.append(raw_exchange(url, CHAT, body, timeout=20)), daemon=True
    )
    thread.start()
    return thread, got


def waiting_entry(server: MockServer) -> JournalEntry:
    """The journal entry of the one request now stalled."""
    wait_for(lambda: bool(server.requests) and server.requests[-1].status == 200)
    return server.requests[-1]


def test_a_reset_ends_a_stalled_answer(server: MockServer, http: httpx.Client) -> None:
    server.chat.with_fault("stall", after_chunks=1).reply(TEXT)
    thread, got = in_background(server.url, chat_body(stream=True))
    entry = waiting_entry(server)

    server.reset()
    thread.join(timeout=5)

    assert not thread.is_alive()
    [exchange] = got
    assert exchange.ended == "eof" and not exchange.complete
    assert len(frames(exchange.body)) == 1
    assert entry.delivery is not None and entry.delivery.outcome == "released"
    assert http.post(CHAT, json=chat_body()).status_code == 200


def test_a_stalled_answer_does_not_hold_up_the_stop() -> None:
    fake = MockServer().start()
    fake.chat.fault("stall")
    thread, got = in_background(fake.url, chat_body(stream=True))
    entry = waiting_entry(fake)

    started = time.monotonic()
    fake.stop()
    stopping = time.monotonic() - started
    thread.join(timeout=5)

    # uvicorn's graceful shutdown would wait 2 s for the answer; released, it need not.
    assert stopping < 1.5
    assert got and got[0].ended == "eof"
    assert entry.delivery is not None and entry.delivery.outcome == "released"
