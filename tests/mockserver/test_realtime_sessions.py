"""`/v1/realtime` over a real port: the protocol's edges with a raw `websockets` client, and
whole sessions with the bundled SDK (sync and async). Every server event read is checked
against the `openai` SDK's GA event types (`support.realtime.receive`)."""

from __future__ import annotations

import asyncio
import base64
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from meshapi import AsyncMeshAPI, MeshAPI, RealtimeError
from meshapi_mock import MockServer, ServerConfig
from support.realtime import (
    MODEL,
    TOKEN,
    append,
    pcm,
    receive,
    say,
    send,
    session,
    turn,
    until,
    ws_url,
)
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin


def opened(ws: Any) -> dict[str, Any]:
    created = receive(ws)
    assert created["type"] == "session.created"
    return created


def error_of(ws: Any) -> dict[str, Any]:
    event = receive(ws)
    assert event["type"] == "error", event
    return event


# --------------------------------------------------------------------------- handshake


def test_a_session_opens_with_the_subprotocol_and_session_created(server: MockServer) -> None:
    with session(server) as ws:
        created = opened(ws)
        assert ws.subprotocol == "openai-realtime"
        assert ws.response is not None
        request_id = ws.response.headers["x-request-id"]

    config = created["session"]
    assert config["type"] == "realtime" and config["model"] == MODEL
    assert config["output_modalities"] == ["audio"]
    assert config["audio"]["output"]["format"] == {"type": "audio/pcm", "rate": 24000}
    entry = server.requests[-1]
    assert (entry.endpoint, entry.operation, entry.status) == ("realtime", "session", 101)
    assert entry.request_id == request_id and entry.authorized
    assert "rsk_realtime" not in entry.query  # the key is redacted in the journal


@pytest.mark.parametrize(
    ("key", "code"),
    [("nope", "unauthorized"), (None, "unauthorized"), ("rsk_", "unauthorized")],
)
def test_a_bad_key_is_an_error_event_then_a_policy_close(
    server: MockServer, key: str | None, code: str
) -> None:
    with session(server, url=ws_url(server, key=key)) as ws:
        error = error_of(ws)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)

    assert error["error"]["code"] == code and error["request_id"]
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    entry = server.requests[-1]
    assert not entry.authorized and entry.error_code == "unauthorized"
    assert entry.session is not None and entry.session.closed == {
        "by": "server",
        "code": 1008,
        "reason": "unauthorized",
    }


def test_configured_tokens_and_a_bearer_header_are_checked_like_rest() -> None:
    with MockServer(ServerConfig(tokens=["rsk_only"])) as server:
        with session(server, url=ws_url(server, key="rsk_other")) as ws:
            assert error_of(ws)["error"]["code"] == "unauthorized"
        bearer = {"Authorization": "Bearer rsk_only"}
        with session(server, url=ws_url(server, key=None), additional_headers=bearer) as ws:
            opened(ws)


def test_a_missing_or_unknown_model_is_refused_in_the_session(server: MockServer) -> None:
    url = server.url.replace("http://", "ws://") + f"/v1/realtime?api_key={TOKEN}"
    with session(server, url=url) as ws:
        error = error_of(ws)["error"]
    assert (error["code"], error["param"]) == ("validation_error", "model")
    with session(server, url=ws_url(server, model="no-such-model")) as ws:
        assert error_of(ws)["error"]["code"] == "model_not_found"


def test_a_cross_site_origin_never_opens_a_session(server: MockServer) -> None:
    for origin in ("https://evil.example", "null", "http://localhost:1"):
        with pytest.raises(InvalidStatus) as refused:
            connect(ws_url(server), origin=Origin(origin), open_timeout=5)
        answer = refused.value.response
        assert answer.status_code == 403
        assert b'"code":"forbidden"' in answer.body and answer.headers["x-request-id"]
    with pytest.raises(InvalidStatus):
        connect(ws_url(server), additional_headers={"Sec-Fetch-Site": "cross-site"})

    # The fake's own origin (a page it served) may.
    with session(server, origin=Origin(server.url)) as ws:
        opened(ws)
    assert [e.error_code for e in server.requests[:4]] == ["forbidden"] * 4


def test_a_foreign_host_name_is_misdirected(server: MockServer) -> None:
    """DNS rebinding: the page's own name, re-pointed at loopback."""
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        url = f"ws://rebound.example:{server.port}/v1/realtime?model={MODEL}&api_key={TOKEN}"
        with pytest.raises(InvalidStatus) as refused:
            connect(url, sock=sock, open_timeout=5)
    assert refused.value.response.status_code == 421


def test_a_plain_get_is_told_to_upgrade(http: httpx.Client) -> None:
    answer = http.get("/v1/realtime", params={"model": MODEL})
    assert answer.status_code == 426 and answer.headers["upgrade"] == "websocket"
    assert answer.json()["error"]["code"] == "upgrade_required"


def test_a_path_without_a_socket_is_not_found(server: MockServer) -> None:
    url = server.url.replace("http://", "ws://") + "/v1/realtime/nope"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=5)
    assert refused.value.response.status_code == 404


# --------------------------------------------------------------------------- bad events


def test_bad_frames_and_events_are_error_events_and_the_session_goes_on(
    server: MockServer,
) -> None:
    with session(server) as ws:
        opened(ws)
        ws.send(b"\x00\x01")
        binary = error_of(ws)["error"]
        ws.send("{not json")
        bad_json = error_of(ws)["error"]
        send(ws, {"type": "response.fly", "event_id": "evt_1"})
        unknown = error_of(ws)["error"]
        send(ws, {"type": "session.update", "session": {"voicee": "x"}})
        unknown_param = error_of(ws)["error"]
        send(ws, {"type": "session.update", "session": {"output_modalities": ["text", "audio"]}})
        both = error_of(ws)["error"]
        send(ws, {"type": "input_audio_buffer.commit"})
        empty = error_of(ws)["error"]
        send(ws, {"type": "input_audio_buffer.append", "audio": "***"})
        not_base64 = error_of(ws)["error"]
        send(ws, {"type": "response.cancel"})
        no_response = error_of(ws)["error"]
        send(ws, {"type": "conversation.item.delete", "item_id": "item_x"})
        no_item = error_of(ws)["error"]
        send(ws, [1, 2])  # type: ignore[arg-type]
        not_object = error_of(ws)["error"]
        say(ws, "still here?")
        assert until(ws, "conversation.item.done")[-1]["item"]["role"] == "user"

    assert binary["code"] == "invalid_frame"
    assert bad_json["code"] == "invalid_json"
    assert (unknown["code"], unknown["param"], unknown["event_id"]) == (
        "invalid_value",
        "type",
        "evt_1",
    )
    assert (unknown_param["code"], unknown_param["param"]) == (
        "unknown_parameter",
        "session.voicee",
    )
    assert (both["code"], both["param"]) == ("invalid_value", "session.output_modalities")
    assert empty["code"] == "input_audio_buffer_commit_empty"
    assert (not_base64["code"], not_base64["param"]) == ("invalid_value", "audio")
    assert no_response["code"] == "response_cancel_not_active"
    assert no_item["code"] == "item_not_found"
    assert not_object["code"] == "invalid_event"
    events = server.requests[-1].session
    assert events is not None
    assert events.events[1] == {"from": "client", "event": {"binary_bytes": 2}}


# --------------------------------------------------------------------------- turns


def test_text_turn_with_the_session_config_and_its_journal(server: MockServer) -> None:
    with session(server) as ws:
        opened(ws)
        send(ws, {"type": "session.update", "session": {"output_modalities": ["text"]}})
        updated = receive(ws)
        say(ws, "What is the capital of France?")
        added = until(ws, "conversation.item.done")
        send(ws, {"type": "response.create"})
        events = until(ws, "response.done")

    assert updated["type"] == "session.updated"
    assert updated["session"]["output_modalities"] == ["text"]
    assert [e["type"] for e in added] == ["conversation.item.added", "conversation.item.done"]
    said = turn(events)
    assert "What is the capital of France?" in said["text"] and said["audio"] == b""
    assert said["status"] == "completed"
    text_done = next(e for e in events if e["type"] == "response.output_text.done")
    assert text_done["text"] == said["text"]
    usage = said["done"]["response"]["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0

    entry = server.requests[-1]
    assert entry.matched == "default" and entry.session is not None
    sides = [(e["from"], e["event"]["type"]) for e in entry.session.events]
    assert sides[:3] == [
        ("server", "session.created"),
        ("client", "session.update"),
        ("server", "session.updated"),
    ]
    assert sides[-1] == ("server", "response.done")
    assert entry.session.closed is not None and entry.session.closed["by"] == "client"
    # The session as it was sent, not as it is now.
    assert entry.session.events[0]["event"]["session"]["output_modalities"] == ["audio"]
    wire = entry.to_wire()["session"]
    assert wire["events_dropped"] == 0 and len(wire["events"]) == len(entry.session.events)


def test_audio_in_audio_out_is_deterministic_pcm16(server: MockServer) -> None:
    def one_session() -> dict[str, Any]:
        with session(server) as ws:
            opened(ws)
            for _ in range(3):
                append(ws, pcm(100))
            send(ws, {"type": "input_audio_buffer.commit"})
            committed = until(ws, "conversation.item.done")
            send(ws, {"type": "response.create"})
            said = turn(until(ws, "response.done"))
        return {"committed": committed, **said}

    first = one_session()
    server.reset()
    second = one_session()

    assert [e["type"] for e in first["committed"]] == [
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
    ]
    assert "0.30 seconds of audio" in first["text"]
    audio = first["audio"]
    assert len(audio) % 2 == 0 and len(audio) > 24_000  # over half a second of speech
    assert audio == second["audio"] and first["text"] == second["text"]
    assert first["done"] == second["done"]  # same session after a reset, same bytes
    samples = memoryview(audio).cast("h")
    assert max(samples) > 5000 and min(samples) < -5000  # a tone, not silence
    entry = server.requests[-1]
    assert entry.session is not None
    shown = [e["event"] for e in entry.session.events if e["from"] == "client"]
    assert shown[0] == {"type": "input_audio_buffer.append", "audio": "[4800 bytes of audio]"}
    delta = next(
        e["event"] for e in entry.session.events if e["event"]["type"].endswith("audio.delta")
    )
    assert delta["delta"].endswith("bytes of audio]")


def test_rules_answer_turns_by_input_instructions_and_modality(server: MockServer) -> None:
    server.realtime.when(input="weather").reply("Sunny and 21 degrees.", audio=False)
    server.realtime.when(instructions="pirate", output="audio").reply("Arr!", times=None)

    with session(server) as ws:
        opened(ws)
        say(ws, "How is the weather?")
        until(ws, "conversation.item.done")
        send(ws, {"type": "response.create"})
        weather = turn(until(ws, "response.done"))
        send(ws, {"type": "response.create", "response": {"instructions": "Talk like a pirate"}})
        pirate = turn(until(ws, "response.done"))

    assert (weather["text"], weather["audio"]) == ("Sunny and 21 degrees.", b"")
    assert weather["done"]["response"]["output_modalities"] == ["text"]
    assert pirate["text"] == "Arr!" and len(pirate["audio"]) > 0
    assert [r.call_count for r in server.rules] == [1, 1]


def test_scripted_errors_are_error_events_and_may_close(server: MockServer) -> None:
    server.realtime.fail("insufficient_quota", "No credit left.")
    server.realtime.error(429, retry_after=2)
    server.realtime.fail("idle_timeout", "Bye.", type="server_error", close=1011)

    with session(server) as ws:
        opened(ws)
        events = []
        for _ in range(3):
            send(ws, {"type": "response.create", "event_id": "evt_go"})
            events.append(error_of(ws))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)

    quota, limited, idle = (e["error"] for e in events)
    assert (quota["code"], quota["message"], quota["event_id"]) == (
        "insufficient_quota",
        "No credit left.",
        "evt_go",
    )
    assert limited["code"] == "rate_limit_exceeded"
    assert (idle["code"], idle["type"]) == ("idle_timeout", "server_error")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
    assert server.requests[-1].error_code == "idle_timeout"


def test_strict_mode_refuses_an_unscripted_turn(server: MockServer) -> None:
    server.strict = True
    with session(server) as ws:
        opened(ws)
        send(ws, {"type": "response.create"})
        error = error_of(ws)["error"]
    assert error["code"] == "no_matching_rule" and "No rules are scripted" in error["message"]


def test_a_timed_response_can_be_cancelled(server: MockServer) -> None:
    server.realtime.timing(first_chunk=30).reply("never finished")
    with session(server) as ws:
        opened(ws)
        send(ws, {"type": "response.create"})
        started = until(ws, "response.content_part.added")
        send(ws, {"type": "response.create"})
        busy = error_of(ws)["error"]
        send(ws, {"type": "response.cancel"})
        done = receive(ws)

    assert started[0]["type"] == "response.created"
    assert busy["code"] == "conversation_already_has_active_response"
    assert done["type"] == "response.done" and done["response"]["status"] == "cancelled"
    assert done["response"]["status_details"]["reason"] == "client_cancelled"


def test_a_response_cancelled_in_its_delay_is_created_then_done(server: MockServer) -> None:
    """A client sees every response begin: one cancelled before its scripted delay ran
    out still gets `response.created` ahead of its cancelled `response.done`."""
    # A regex criterion is matched off the event loop: the cancel is read while the rule
    # is still being chosen, before the response exists.
    rule = server.realtime.when(instructions={"regex": ".*"}).timing(delay=30)
    rule.reply("never started", times=None)
    pairs = []
    with session(server) as ws:
        opened(ws)
        for _ in range(2):  # the second pair must not see the first response again
            send(ws, {"type": "response.create"})
            send(ws, {"type": "response.cancel"})
            pairs.append((receive(ws), receive(ws)))

    for created, done in pairs:
        assert created["type"] == "response.created"
        assert created["response"]["status"] == "in_progress"
        assert done["type"] == "response.done" and done["response"]["status"] == "cancelled"
        assert done["response"]["id"] == created["response"]["id"]
    assert pairs[0][0]["response"]["id"] != pairs[1][0]["response"]["id"]


def test_faults_break_a_response(server: MockServer) -> None:
    server.realtime.with_fault("error_frame", after_chunks=1).reply("one two three")
    server.realtime.with_fault("disconnect", after_chunks=2).reply("one two three")
    with session(server) as ws:
        opened(ws)
        send(ws, {"type": "session.update", "session": {"output_modalities": ["text"]}})
        receive(ws)
        send(ws, {"type": "response.create"})
        events = until(ws, "error")
        send(ws, {"type": "response.create"})
        with pytest.raises(ConnectionClosed) as closed:
            until(ws, "response.done")

    deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
    assert deltas == ["one "] and events[-1]["error"]["code"] == "upstream_error"
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
    assert server.requests[-1].delivery is not None
    assert server.requests[-1].delivery.outcome == "fault"


def test_the_journal_bounds_a_sessions_events() -> None:
    with MockServer(ServerConfig(journal_body_bytes=2048)) as server:
        with session(server) as ws:
            opened(ws)
            for index in range(40):
                send(ws, {"type": "input_audio_buffer.clear", "event_id": f"evt_{index}"})
                receive(ws)
        log = server.requests[-1].session
        assert log is not None and log.dropped > 0 and log.held <= 2048
        assert len(log.events) + log.dropped == 81


class H11Server(MockServer):
    http = "h11"


class HttpToolsServer(MockServer):
    http = "httptools"


@pytest.fixture(params=[H11Server, HttpToolsServer], ids=["h11", "httptools"])
def deadline_server(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    if request.param is HttpToolsServer:
        pytest.importorskip("httptools")
    with request.param(ServerConfig(request_timeout=0.2)) as server:
        yield server


def test_the_request_deadline_leaves_an_upgraded_connection_alone(
    deadline_server: MockServer,
) -> None:
    """The deadline guards a request's head and body; a session idle longer than it,
    right after the upgrade and between turns, is no slow request."""
    with session(deadline_server) as ws:
        time.sleep(0.35)
        opened(ws)
        say(ws, "Hello")
        time.sleep(0.35)
        until(ws, "conversation.item.done")
        send(ws, {"type": "response.create"})
        assert turn(until(ws, "response.done"))["status"] == "completed"


# --------------------------------------------------------------------------- bundled SDK


def test_bundled_sdk_sync_session(server: MockServer) -> None:
    server.realtime.when(input="joke").reply("Why did the duck cross the road?")
    with (
        MeshAPI(base_url=server.url, token=TOKEN) as client,
        client.realtime.connect(model=MODEL) as rt,
    ):
        assert rt.receive().event["type"] == "session.created"  # type: ignore[index]
        rt.send_audio(pcm(50))
        rt.send(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "Tell me a joke"}],
                },
            }
        )
        rt.send({"type": "response.create"})
        audio, transcript = b"", ""
        for message in rt:
            assert message.event is not None
            if message.audio is not None:
                audio += message.audio
            if message.event["type"] == "response.output_audio_transcript.delta":
                transcript += message.event["delta"]
            if message.event["type"] == "response.done":
                break
        rt.send({"type": "input_audio_buffer.commit"})  # 50 ms is too little
        with pytest.raises(RealtimeError) as caught:
            while True:
                rt.receive()

    assert transcript == "Why did the duck cross the road?"
    assert len(audio) > 0 and len(audio) % 2 == 0
    assert caught.value.code == "input_audio_buffer_commit_empty"
    assert caught.value.request_id == server.requests[-1].request_id


def test_bundled_sdk_async_session_and_a_refused_key(server: MockServer) -> None:
    async def main() -> tuple[str, str, int]:
        text_only = {"type": "session.update", "session": {"output_modalities": ["text"]}}
        async with (
            AsyncMeshAPI(base_url=server.url, token=TOKEN) as client,
            client.realtime.connect(model=MODEL) as rt,
        ):
            await rt.receive()
            await rt.send(text_only)
            await rt.send_audio(pcm(200))
            await rt.send({"type": "input_audio_buffer.commit"})
            await rt.send({"type": "response.create"})
            text = ""
            async for message in rt:
                assert message.event is not None
                if message.event["type"] == "response.output_text.delta":
                    text += message.event["delta"]
                if message.event["type"] == "response.done":
                    break
        async with AsyncMeshAPI(base_url=server.url, token="bad") as client:
            rt = await client.realtime.connect(model=MODEL)
            try:
                await rt.receive()
            except RealtimeError as error:
                code = error.code
            after = [m async for m in rt]  # the socket is closed: iteration just ends
            await rt.close()
        return text, code, len(after)

    text, code, after = asyncio.run(main())
    assert "0.20 seconds of audio" in text
    assert (code, after) == ("unauthorized", 0)


def test_audio_deltas_are_base64_pcm_the_sdk_decodes(server: MockServer) -> None:
    with (
        MeshAPI(base_url=server.url, token=TOKEN) as client,
        client.realtime.connect(model=MODEL) as rt,
    ):
        rt.receive()
        rt.send({"type": "response.create"})
        deltas = []
        for message in rt:
            assert message.event is not None
            if message.event["type"] == "response.output_audio.delta":
                assert message.audio == base64.b64decode(message.event["delta"])
                deltas.append(message.audio)
            if message.event["type"] == "response.done":
                break
    assert deltas and all(len(d) % 2 == 0 for d in deltas)


def test_refused_handshakes_are_not_logged_as_errors() -> None:
    """A refused socket is an answer (a 403 or 404 with the error envelope), not a crash:
    uvicorn's own "returned without completing handshake" error must not follow it."""
    command = [sys.executable, "-m", "meshapi_mock", "serve", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()  # "... serving on http://127.0.0.1:PORT (...)"
        assert "serving on" in banner, banner
        port = int(banner.split("serving on http://127.0.0.1:", 1)[1].split()[0])
        statuses = []
        for origin, path in (
            ("http://evil.example", f"/v1/realtime?model={MODEL}"),
            (None, "/v1/no-such-socket"),
        ):
            with pytest.raises(InvalidStatus) as refused:
                connect(f"ws://127.0.0.1:{port}{path}", origin=Origin(origin) if origin else None)
            statuses.append(refused.value.response.status_code)
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=10)

    assert statuses == [403, 404]
    assert "handshake" not in errors and "ERROR" not in errors, errors
