"""The official `meshapi` 0.1.11 SDK's realtime session (sync and async, in its own venv with
the `realtime` extra) against the fake over a real port: one subprocess runs every check."""

from __future__ import annotations

import textwrap

from meshapi_mock import MockServer
from support.official_sdk import official_python, run_script
from support.realtime import MODEL, TOKEN

SCRIPT = textwrap.dedent(
    """
    import asyncio, base64
    from meshapi import MeshAPI, AsyncMeshAPI
    from meshapi.resources.realtime import RealtimeError
    import websockets

    def user(text):
        return {"type": "conversation.item.create", "item": {"type": "message", "role": "user",
                "content": [{"type": "input_text", "text": text}]}}

    out = {}
    with MeshAPI(base_url=base_url, token=token) as client:
        with client.realtime.connect(model=model) as rt:
            out["first"] = rt.receive().event["type"]
            rt.send(user("Tell me a joke"))
            rt.send({"type": "response.create"})
            audio, transcript, kinds = b"", "", []
            for message in rt:
                kinds.append(message.event["type"])
                if message.audio is not None:
                    audio += message.audio
                if message.event["type"] == "response.output_audio_transcript.delta":
                    transcript += message.event["delta"]
                if message.event["type"] == "response.done":
                    break
            out["sync"] = {"transcript": transcript, "audio": len(audio), "kinds": kinds}
            rt.send({"type": "response.create"})
            try:
                rt.receive()
            except RealtimeError as error:
                out["quota"] = [error.code, str(error), error.request_id]
        bad = MeshAPI(base_url=base_url, token="nope")
        rt = bad.realtime.connect(model=model)
        try:
            rt.receive()
        except RealtimeError as error:
            out["refused"] = error.code
        try:
            rt.receive()
        except websockets.exceptions.ConnectionClosed as closed:
            out["closed"] = closed.rcvd.code
        out["after"] = len(list(rt))

    async def main():
        async with AsyncMeshAPI(base_url=base_url, token=token) as client:
            async with client.realtime.connect(model=model) as rt:
                await rt.receive()
                await rt.send({"type": "session.update",
                               "session": {"output_modalities": ["text"]}})
                await rt.send_audio(bytes(9600))
                await rt.send({"type": "input_audio_buffer.commit"})
                await rt.send({"type": "response.create"})
                text = ""
                async for message in rt:
                    if message.event["type"] == "response.output_text.delta":
                        text += message.event["delta"]
                    if message.event["type"] == "response.done":
                        break
            session = await client.realtime.connect(model=model)
            await session.send({"type": "bogus"})
            await session.receive()
            try:
                await session.receive()
            except RealtimeError as error:
                code = error.code
            await session.close()
            return text, code

    out["async"] = asyncio.run(main())
    emit(out)
    """
)


def test_official_sdk_realtime_sync_and_async(server: MockServer) -> None:
    server.realtime.when(input="joke").reply("Why did the duck cross the road?")
    server.realtime.fail("insufficient_quota", "No credit left.")

    out = run_script(official_python(), SCRIPT, base_url=server.url, token=TOKEN, model=MODEL)

    assert out["first"] == "session.created"
    sync = out["sync"]
    assert sync["transcript"] == "Why did the duck cross the road?"
    assert sync["audio"] > 0 and sync["audio"] % 2 == 0
    assert sync["kinds"][0] == "conversation.item.added" and sync["kinds"][-1] == "response.done"
    code, text, request_id = out["quota"]
    assert (code, text) == ("insufficient_quota", "realtime[insufficient_quota]: No credit left.")
    assert request_id.startswith("req_")
    # A bad key: the first read raises RealtimeError, then the socket is closed (1008),
    # and iterating just ends.
    assert (out["refused"], out["closed"], out["after"]) == ("unauthorized", 1008, 0)
    text, code = out["async"]
    assert "0.20 seconds of audio" in text
    assert code == "invalid_value"
    sessions = [e for e in server.requests if e.endpoint == "realtime"]
    assert len(sessions) == 4
    assert sessions[0].headers["x-meshapi-sdk"] == "python/0.1.11"
