"""One realtime session: the OpenAI Realtime GA protocol, spoken by the fake.

    client                                 fake
    (handshake: ?model=…&api_key=…)  →     session.created
    session.update                   →     session.updated
    input_audio_buffer.append        →     (nothing: the buffer grows)
    input_audio_buffer.commit        →     input_audio_buffer.committed,
                                           conversation.item.added, conversation.item.done
    conversation.item.create         →     conversation.item.added, conversation.item.done
    response.create                  →     response.created, response.output_item.added,
                                           conversation.item.added, response.content_part.added,
                                           response.output_audio.delta + …transcript.delta
                                           (or response.output_text.delta) …, their .done
                                           events, response.output_item.done,
                                           conversation.item.done, response.done

Every client event gets its answer in order; a response is sent by a task of its own, so
`response.cancel` (and any other event) is read while it streams on a rule's timing. A
bad event gets an `error` event and the session carries on, as the real API's most
errors do; a bad key or model at the handshake gets one and the socket closes (1008).

Nothing is transcribed: input audio is kept only as its length and a digest, so a session
holds bounded memory however long it talks (`MAX_ITEMS` items of at most `MAX_TEXT`
characters each).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import math
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ...delivery.plan import DeliveryPlan, DeliveryRecord
from ...delivery.spec import FaultSpec
from ...errors import MeshError, default_message
from ...jsonbody import InvalidJson, dumps, loads
from ..base import POLICY_VIOLATION, Endpoint, Socket
from . import audio
from .default_mode import synthesize
from .store import store_of
from .vocabulary import RealtimeContext, RealtimeErrorSpec, RealtimeReply
from .wire import (
    SAMPLE_RATE,
    ConversationEntry,
    Item,
    RealtimeQuery,
    RealtimeTurn,
    ResponseParams,
    SessionUpdate,
)

SUBPROTOCOL = "openai-realtime"
DEFAULT_INSTRUCTIONS = (
    "You are a helpful assistant. (meshapi-mock: nothing here reaches a real model.)"
)
MAX_ITEMS = 256
"""Conversation items a session keeps; the oldest go first."""
MAX_TEXT = 16 * 1024
"""Characters of one item's text a session keeps (matching and default mode read them)."""
MIN_COMMIT_MS = 100
"""A commit needs at least this much audio, as the real API's does."""
SESSION_SECONDS = 3600
_CHUNKS = re.compile(r"\S+\s*|\s+")

CLIENT_EVENTS = (
    "session.update",
    "input_audio_buffer.append",
    "input_audio_buffer.commit",
    "input_audio_buffer.clear",
    "conversation.item.create",
    "conversation.item.retrieve",
    "conversation.item.truncate",
    "conversation.item.delete",
    "response.create",
    "response.cancel",
)


class ClientError(Exception):
    """A client event the fake refuses: told as an `error` event, the session goes on."""

    def __init__(self, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.param = code, message, param


@dataclass
class Outgoing:
    """One server event of a response, and how the journal shows it."""

    event: dict[str, Any]
    shown: dict[str, Any] | None = None
    chunk: bool = False
    """A delta: timing's `first_chunk`/`interval` apply before it, faults count it."""


def words(text: str) -> list[str]:
    """The deltas of `text`: each word with the whitespace after it (they join to `text`)."""
    return _CHUNKS.findall(text)


def audio_shown(size: int) -> str:
    return f"[{size} bytes of audio]"


def validation_problem(exc: ValidationError, prefix: str) -> ClientError:
    first = exc.errors()[0]
    param = ".".join([prefix, *(str(part) for part in first["loc"])])
    if first["type"] == "extra_forbidden":
        return ClientError("unknown_parameter", f"Unknown parameter: '{param}'.", param)
    if first["type"] == "missing":
        return ClientError(
            "missing_required_parameter", f"Missing required parameter: '{param}'.", param
        )
    detail = first["msg"].removeprefix("Value error, ")
    return ClientError("invalid_value", f"Invalid value for '{param}': {detail}.", param)


def event_error(error: MeshError) -> RealtimeErrorSpec:
    """An HTTP-style error (a scripted `error`, strict mode's refusal, a broken rule) as
    an error event says it."""
    kind = "server_error" if error.status >= 500 else "invalid_request_error"
    return RealtimeErrorSpec(code=error.code, message=error.message, type=kind)


def params_of(event: dict[str, Any], name: str, model: type[BaseModel]) -> Any:
    value = event.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ClientError("invalid_type", f"'{name}' must be an object.", name)
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise validation_problem(exc, name) from None


def merge(into: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value


class RealtimeSession:
    """The state of one session and the answers to its client's events."""

    def __init__(
        self, socket: Socket, endpoint: Endpoint, query: RealtimeQuery, number: int
    ) -> None:
        self.socket = socket
        self.endpoint = endpoint
        self.query = query
        self.state = socket.state
        ids = self.state.ids
        self.id = "sess_" + ids.digest(b"realtime", query.model.encode(), b"%d" % number)[:20]
        self._counter = 0
        self.items: list[tuple[str, ConversationEntry, dict[str, Any]]] = []
        self.buffer_bytes = 0
        self.responses = 0
        self.active: asyncio.Task[None] | None = None
        self.active_response: dict[str, Any] | None = None
        self.announced: str | None = None
        """The id of the last response whose `response.created` went out."""
        self.rendered = asyncio.Event()
        """Set once the active response is rendered (`active_response` holds it)."""
        now = int(self.state.clock.now())
        self.session: dict[str, Any] = {
            "type": "realtime",
            "object": "realtime.session",
            "id": self.id,
            "model": query.model,
            "output_modalities": ["audio"],
            "instructions": DEFAULT_INSTRUCTIONS,
            "tools": [],
            "tool_choice": "auto",
            "max_output_tokens": "inf",
            "tracing": None,
            "truncation": "auto",
            "prompt": None,
            "expires_at": now + SESSION_SECONDS,
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": SAMPLE_RATE},
                    "transcription": None,
                    "noise_reduction": None,
                    "turn_detection": None,
                },
                "output": {
                    "format": {"type": "audio/pcm", "rate": SAMPLE_RATE},
                    "voice": "marin",
                    "speed": 1.0,
                },
            },
            "include": None,
        }

    # ------------------------------------------------------------------ ids and sending

    def new_id(self, prefix: str) -> str:
        self._counter += 1
        digest = self.state.ids.digest(self.id.encode(), prefix.encode(), b"%d" % self._counter)
        return f"{prefix}_{digest[:20]}"

    async def send(self, event: dict[str, Any], shown: dict[str, Any] | None = None) -> bool:
        event = {"type": event["type"], "event_id": self.new_id("event"), **event}
        if shown is not None:
            shown = {**shown, "event_id": event["event_id"]}
        if event["type"] == "response.created":
            self.announced = event["response"]["id"]
        return await self.socket.send_event(event, shown)

    async def error(self, spec: RealtimeErrorSpec, client_event_id: str | None = None) -> None:
        message = spec.message or default_message(400)
        self.socket.note_error(MeshError(400, spec.code, message))
        await self.send(
            {
                "type": "error",
                "error": {
                    "type": spec.type,
                    "code": spec.code,
                    "message": message,
                    "param": spec.param,
                    "event_id": client_event_id,
                },
                "request_id": self.socket.request_id,
            }
        )

    # ------------------------------------------------------------------ the loop

    async def run(self) -> None:
        await self.send({"type": "session.created", "session": self.session})
        try:
            while (frame := await self.socket.receive()) is not None:
                await self.handle(frame)
        finally:
            task = self.active
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def handle(self, frame: str | bytes) -> None:
        event_id = None
        try:
            event = self.parse(frame)
            event_id = event.get("event_id") if isinstance(event.get("event_id"), str) else None
            kind = event["type"]
            if kind not in CLIENT_EVENTS:
                supported = ", ".join(f"'{name}'" for name in CLIENT_EVENTS)
                raise ClientError(
                    "invalid_value",
                    f"Invalid value: '{str(kind)[:100]}'. Supported values are: {supported}.",
                    "type",
                )
            handler = getattr(self, "on_" + kind.replace(".", "_"))
            await handler(event, event_id)
        except ClientError as problem:
            spec = RealtimeErrorSpec(
                code=problem.code, message=problem.message, param=problem.param
            )
            await self.error(spec, event_id)

    def parse(self, frame: str | bytes) -> dict[str, Any]:
        """The client event (journaled as the fake reads it); a `ClientError` if it is none."""
        if isinstance(frame, bytes):
            self.socket.record("client", {"binary_bytes": len(frame)})
            raise ClientError(
                "invalid_frame",
                "Binary frames are not accepted: send JSON text events (input audio as "
                "base64 in input_audio_buffer.append).",
            )
        try:
            event = loads(frame.encode("utf-8"))
        except InvalidJson as exc:
            self.socket.record("client", {"text": frame[:200]})
            raise ClientError("invalid_json", f"The event is not valid JSON: {exc}") from None
        if not isinstance(event, dict):
            self.socket.record("client", {"text": frame[:200]})
            raise ClientError("invalid_event", "An event is a JSON object with a 'type'.")
        shown = event
        if event.get("type") == "input_audio_buffer.append" and isinstance(event.get("audio"), str):
            shown = {**event, "audio": audio_shown(len(event["audio"]) * 3 // 4)}
        self.socket.record("client", shown)
        if not isinstance(event.get("type"), str):
            raise ClientError(
                "missing_required_parameter", "Missing required parameter: 'type'.", "type"
            )
        return event

    # ------------------------------------------------------------------ session

    async def on_session_update(self, event: dict[str, Any], event_id: str | None) -> None:
        update = params_of(event, "session", SessionUpdate)
        if update is None:
            raise ClientError(
                "missing_required_parameter", "Missing required parameter: 'session'.", "session"
            )
        merge(self.session, update.model_dump(mode="json", exclude_unset=True))
        await self.send({"type": "session.updated", "session": self.session})

    # ------------------------------------------------------------------ input audio

    async def on_input_audio_buffer_append(
        self, event: dict[str, Any], event_id: str | None
    ) -> None:
        data = event.get("audio")
        if not isinstance(data, str):
            raise ClientError(
                "missing_required_parameter", "Missing required parameter: 'audio'.", "audio"
            )
        try:
            pcm = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise ClientError(
                "invalid_value", "Invalid value for 'audio': not base64.", "audio"
            ) from None
        self.buffer_bytes += len(pcm)

    async def on_input_audio_buffer_clear(
        self, event: dict[str, Any], event_id: str | None
    ) -> None:
        self.buffer_bytes = 0
        await self.send({"type": "input_audio_buffer.cleared"})

    async def on_input_audio_buffer_commit(
        self, event: dict[str, Any], event_id: str | None
    ) -> None:
        heard = audio.duration_ms(self.buffer_bytes)
        if heard < MIN_COMMIT_MS:
            raise ClientError(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small. Expected at least "
                f"{MIN_COMMIT_MS}ms of audio, but buffer only has {heard:.2f}ms of audio.",
            )
        self.buffer_bytes = 0
        item_id = self.new_id("item")
        previous = self.last_item_id()
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        self.add_item(item_id, ConversationEntry(role="user", audio_ms=heard), item)
        await self.send(
            {
                "type": "input_audio_buffer.committed",
                "previous_item_id": previous,
                "item_id": item_id,
            }
        )
        await self.announce_item(item, previous)
        detection = self.session["audio"]["input"].get("turn_detection")
        if isinstance(detection, dict) and detection.get("create_response", True) is not False:
            await self.start_response(None, None)  # as server VAD does at the end of speech

    # ------------------------------------------------------------------ conversation

    def last_item_id(self) -> str | None:
        return self.items[-1][0] if self.items else None

    def add_item(self, item_id: str, entry: ConversationEntry, item: dict[str, Any]) -> None:
        if entry.text is not None and len(entry.text) > MAX_TEXT:
            entry = entry.model_copy(update={"text": entry.text[:MAX_TEXT]})
        self.items.append((item_id, entry, item))
        del self.items[:-MAX_ITEMS]

    def find_item(self, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        item_id = event.get("item_id")
        if not isinstance(item_id, str):
            raise ClientError(
                "missing_required_parameter", "Missing required parameter: 'item_id'.", "item_id"
            )
        for index, (known, _, item) in enumerate(self.items):
            if known == item_id:
                return index, item
        raise ClientError(
            "item_not_found", f"Item with item_id '{item_id[:100]}' not found.", "item_id"
        )

    async def announce_item(self, item: dict[str, Any], previous: str | None) -> None:
        shown = _item_shown(item)
        for kind in ("conversation.item.added", "conversation.item.done"):
            await self.send(
                {"type": kind, "previous_item_id": previous, "item": item},
                {"type": kind, "previous_item_id": previous, "item": shown},
            )

    async def on_conversation_item_create(
        self, event: dict[str, Any], event_id: str | None
    ) -> None:
        item = params_of(event, "item", Item)
        if item is None:
            raise ClientError(
                "missing_required_parameter", "Missing required parameter: 'item'.", "item"
            )
        entry = entry_of(item)
        item_id = item.id or self.new_id("item")
        previous = self.last_item_id()
        wire = {
            **item.model_dump(mode="json", exclude_none=True),
            "id": item_id,
            "object": "realtime.item",
            "status": "completed",
        }
        self.add_item(item_id, entry, wire)
        await self.announce_item(wire, previous)

    async def on_conversation_item_retrieve(
        self, event: dict[str, Any], event_id: str | None
    ) -> None:
        _, item = self.find_item(event)
        await self.send({"type": "conversation.item.retrieved", "item": item})

    async def on_conversation_item_delete(
        self, event: dict[str, Any], event_id: str | None
    ) -> None:
        index, item = self.find_item(event)
        del self.items[index]
        await self.send({"type": "conversation.item.deleted", "item_id": item["id"]})

    async def on_conversation_item_truncate(
        self, event: dict[str, Any], event_id: str | None
    ) -> None:
        _, item = self.find_item(event)
        end = event.get("audio_end_ms")
        if not isinstance(end, int) or isinstance(end, bool) or end < 0:
            raise ClientError(
                "invalid_value",
                "Invalid value for 'audio_end_ms': a whole number >= 0.",
                "audio_end_ms",
            )
        index = event.get("content_index", 0)
        await self.send(
            {
                "type": "conversation.item.truncated",
                "item_id": item["id"],
                "content_index": index if isinstance(index, int) else 0,
                "audio_end_ms": end,
            }
        )

    # ------------------------------------------------------------------ responses

    async def on_response_create(self, event: dict[str, Any], event_id: str | None) -> None:
        params = params_of(event, "response", ResponseParams)
        await self.start_response(params, event_id)

    async def start_response(self, params: ResponseParams | None, event_id: str | None) -> None:
        if self.active is not None and not self.active.done():
            raise ClientError(
                "conversation_already_has_active_response",
                "Conversation already has an active response in progress: "
                f"{(self.active_response or {}).get('id')}. Wait until the response is "
                "finished before creating a new one.",
            )
        self.responses += 1
        turn = self.turn(params)
        self.rendered = asyncio.Event()
        self.active_response = None  # the previous one may have been cancelled or failed
        self.active = asyncio.ensure_future(self.respond(turn, params, event_id))

    async def on_response_cancel(self, event: dict[str, Any], event_id: str | None) -> None:
        task = self.active
        if task is not None and not task.done() and self.active_response is None:
            await self.until_rendered(task)  # asked for, still choosing its rule
        response = self.active_response
        if task is None or task.done() or response is None:
            raise ClientError(
                "response_cancel_not_active", "Cancellation failed: no active response found."
            )
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if self.announced != response["id"]:  # cancelled in its scripted delay: say it began
            await self.send({"type": "response.created", "response": dict(response)})
        response.update(
            status="cancelled", status_details={"type": "cancelled", "reason": "client_cancelled"}
        )
        self.active_response = None
        await self.send({"type": "response.done", "response": response})

    async def until_rendered(self, task: asyncio.Task[None]) -> None:
        """Wait until the requested response exists (`active_response`) or its task ended
        (an error event instead): a cancel sent right behind `response.create` cancels it."""
        rendered = asyncio.ensure_future(self.rendered.wait())
        try:
            await asyncio.wait({task, rendered}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            rendered.cancel()

    def turn(self, params: ResponseParams | None) -> RealtimeTurn:
        session = self.session
        entries = [entry for _, entry, _ in self.items]
        if params is not None and params.input is not None:  # an out-of-band context
            entries = [entry_of(_item_or_none(raw)) for raw in params.input]
        last_user = next((e for e in reversed(entries) if e.role == "user"), None)
        voice = session["audio"]["output"].get("voice")
        return RealtimeTurn(
            model=self.query.model,
            instructions=(params.instructions if params and params.instructions else None)
            or session.get("instructions")
            or "",
            output_modalities=(params.output_modalities if params else None)
            or session["output_modalities"],
            voice=voice if isinstance(voice, str) else "custom",
            input=last_user.text if last_user is not None else None,
            input_audio_ms=last_user.audio_ms if last_user is not None else None,
            conversation=entries,
            number=self.responses,
            metadata=params.metadata if params else None,
        )

    def context(self, turn: RealtimeTurn) -> RealtimeContext:
        socket = self.socket
        ctx = RealtimeContext(
            turn,
            b"",
            socket.scope["headers"],
            self.endpoint.name,
            socket.operation.name,
        )
        ctx.regex_timeout = self.state.config.regex_timeout
        return ctx

    async def respond(
        self, turn: RealtimeTurn, params: ResponseParams | None, event_id: str | None
    ) -> None:
        ctx = self.context(turn)
        try:
            reply, rule = await self.socket.answer(ctx)
        except MeshError as error:
            await self.error(event_error(error), event_id)
            return
        assert isinstance(reply, RealtimeReply)
        plan = self.socket.plan(rule)
        failure = reply.error_event
        if reply.error is not None:
            failure = event_error(MeshError.from_spec(reply.error))
        elif plan is not None and plan.error is not None:  # chaos drew an error status
            failure = event_error(plan.error)
        if failure is not None:
            await self.error(failure, event_id)
            if reply.close is not None:
                await self.socket.close(reply.close, failure.code[:100])
            return
        if reply.text is None:
            reply = reply.model_copy(update={"text": synthesize(ctx).text})
        render = Render(self, turn, reply, params)
        deliver = Delivery(self, plan)
        await deliver.send(render.events())
        self.active_response = None
        if reply.close is not None:
            await self.socket.close(reply.close)


def _item_or_none(raw: Any) -> Item:
    try:
        return Item.model_validate(raw)
    except ValidationError as exc:
        raise validation_problem(exc, "response.input") from None


def entry_of(item: Item) -> ConversationEntry:
    """What a turn knows of an item: who, its text, how long its audio was."""
    role = item.role or ("assistant" if item.type == "function_call" else "tool")
    texts: list[str] = []
    audio_ms: float | None = None
    for part in item.content or ():
        if part.text is not None:
            texts.append(part.text)
        elif part.transcript is not None:
            texts.append(part.transcript)
        if part.type == "input_audio" and part.audio is not None:
            try:
                size = len(base64.b64decode(part.audio, validate=True))
            except (binascii.Error, ValueError):
                raise ClientError(
                    "invalid_value",
                    "Invalid value for 'item.content.audio': not base64.",
                    "item.content.audio",
                ) from None
            audio_ms = (audio_ms or 0) + audio.duration_ms(size)
    if item.output is not None:
        texts.append(item.output)
    text = "\n".join(texts) if texts else None
    return ConversationEntry(role=role, type=item.type, text=text, audio_ms=audio_ms)


def _item_shown(item: dict[str, Any]) -> dict[str, Any]:
    """An item as the journal shows it: audio by its size."""
    content = item.get("content")
    if not isinstance(content, list):
        return item
    parts = [
        {**part, "audio": audio_shown(len(part["audio"]) * 3 // 4)}
        if isinstance(part, dict) and isinstance(part.get("audio"), str)
        else part
        for part in content
    ]
    return {**item, "content": parts}


class Render:
    """The server events of one response, in order (see the module's diagram)."""

    def __init__(
        self,
        session: RealtimeSession,
        turn: RealtimeTurn,
        reply: RealtimeReply,
        params: ResponseParams | None,
    ) -> None:
        self.session = session
        self.turn = turn
        self.params = params
        spoken = reply.audio if reply.audio is not None else turn.output_modalities[0] == "audio"
        self.modality = "audio" if spoken else "text"
        text = reply.text or ""
        limit = (params.max_output_tokens if params else None) or session.session.get(
            "max_output_tokens"
        )
        self.incomplete = isinstance(limit, int) and len(text) > limit * 4
        self.text = text[: limit * 4] if isinstance(limit, int) and self.incomplete else text
        self.out_of_band = params is not None and params.conversation == "none"
        self.response_id = session.new_id("resp")
        self.item_id = session.new_id("item")
        self.audio_bytes = 0

    def response(self, status: str, output: list[dict[str, Any]]) -> dict[str, Any]:
        voice = self.session.session["audio"]["output"]
        return {
            "object": "realtime.response",
            "id": self.response_id,
            "status": status,
            "status_details": None,
            "output": output,
            "conversation_id": None if self.out_of_band else "conv_" + self.session.id[5:],
            "output_modalities": [self.modality],
            "max_output_tokens": self.session.session.get("max_output_tokens", "inf"),
            "audio": {"output": {"format": voice["format"], "voice": voice.get("voice")}},
            "usage": None,
            "metadata": self.turn.metadata,
        }

    def item(self, status: str, content: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": self.item_id,
            "object": "realtime.item",
            "type": "message",
            "status": status,
            "role": "assistant",
            "content": content,
        }

    def events(self) -> list[Outgoing]:
        audio_out = self.modality == "audio"
        where = {"response_id": self.response_id, "item_id": self.item_id, "output_index": 0}
        part_where = {**where, "content_index": 0}
        created = self.response("in_progress", [])
        self.session.active_response = created
        self.session.rendered.set()
        empty_part = (
            {"type": "audio", "transcript": ""} if audio_out else {"type": "text", "text": ""}
        )
        previous = self.session.last_item_id()
        events = [
            Outgoing({"type": "response.created", "response": created}),
            Outgoing(
                {
                    "type": "response.output_item.added",
                    "response_id": self.response_id,
                    "output_index": 0,
                    "item": self.item("in_progress", []),
                }
            ),
        ]
        if not self.out_of_band:
            events.append(
                Outgoing(
                    {
                        "type": "conversation.item.added",
                        "previous_item_id": previous,
                        "item": self.item("in_progress", []),
                    }
                )
            )
        events.append(
            Outgoing({"type": "response.content_part.added", **part_where, "part": empty_part})
        )
        pace = audio.pace(self.text)
        for chunk in words(self.text):
            if audio_out:
                pcm = audio.speak(chunk, pace)
                self.audio_bytes += len(pcm)
                delta = {"type": "response.output_audio.delta", **part_where}
                events.append(
                    Outgoing(
                        {**delta, "delta": base64.b64encode(pcm).decode("ascii")},
                        {**delta, "delta": audio_shown(len(pcm))},
                        chunk=True,
                    )
                )
                events.append(
                    Outgoing(
                        {
                            "type": "response.output_audio_transcript.delta",
                            **part_where,
                            "delta": chunk,
                        }
                    )
                )
            else:
                events.append(
                    Outgoing(
                        {"type": "response.output_text.delta", **part_where, "delta": chunk},
                        chunk=True,
                    )
                )
        if audio_out:
            part = {"type": "audio", "transcript": self.text}
            content = [{"type": "output_audio", "transcript": self.text}]
            events.append(Outgoing({"type": "response.output_audio.done", **part_where}))
            events.append(
                Outgoing(
                    {
                        "type": "response.output_audio_transcript.done",
                        **part_where,
                        "transcript": self.text,
                    }
                )
            )
        else:
            part = {"type": "text", "text": self.text}
            content = [{"type": "output_text", "text": self.text}]
            events.append(
                Outgoing({"type": "response.output_text.done", **part_where, "text": self.text})
            )
        status = "incomplete" if self.incomplete else "completed"
        item = self.item(status, content)
        events.append(Outgoing({"type": "response.content_part.done", **part_where, "part": part}))
        events.append(
            Outgoing(
                {
                    "type": "response.output_item.done",
                    "response_id": self.response_id,
                    "output_index": 0,
                    "item": item,
                }
            )
        )
        if not self.out_of_band:
            events.append(
                Outgoing(
                    {"type": "conversation.item.done", "previous_item_id": previous, "item": item}
                )
            )
            self.session.add_item(
                self.item_id, ConversationEntry(role="assistant", text=self.text), item
            )
        done = self.response(status, [item])
        if self.incomplete:
            done["status_details"] = {"type": "incomplete", "reason": "max_output_tokens"}
        done["usage"] = self.usage()
        events.append(Outgoing({"type": "response.done", "response": done}))
        return events

    def usage(self) -> dict[str, Any]:
        turn = self.turn
        text_in = _tokens(turn.instructions) + sum(_tokens(e.text or "") for e in turn.conversation)
        audio_in = sum(math.ceil((e.audio_ms or 0) / 100) for e in turn.conversation)
        text_out = _tokens(self.text)
        audio_out = math.ceil(audio.duration_ms(self.audio_bytes) / 50)
        return {
            "total_tokens": text_in + audio_in + text_out + audio_out,
            "input_tokens": text_in + audio_in,
            "output_tokens": text_out + audio_out,
            "input_token_details": {
                "text_tokens": text_in,
                "audio_tokens": audio_in,
                "cached_tokens": 0,
                "image_tokens": 0,
            },
            "output_token_details": {"text_tokens": text_out, "audio_tokens": audio_out},
        }


def _tokens(text: str) -> int:
    return -(-len(text) // 4)


class Delivery:
    """Sends a response's events on its rule's timing, broken by its fault (see the
    README: a fault at `after_chunks` deltas — half of them by default)."""

    def __init__(self, session: RealtimeSession, plan: DeliveryPlan | None) -> None:
        self.session = session
        self.plan = plan

    async def send(self, events: list[Outgoing]) -> None:
        plan, session = self.plan, self.session
        if plan is None:
            for out in events:
                if not await session.send(out.event, out.shown):
                    return
            return
        fault = plan.fault
        chunks = sum(1 for out in events if out.chunk)
        strike = _strike_point(fault, chunks)
        record = plan.record
        loop = asyncio.get_running_loop()
        last = loop.time()
        if fault is not None and fault.before_headers:
            await self.strike(fault, record)
            return
        if not await session.socket.pause(plan.headers_wait()):
            record.outcome = "released"
            return
        sent = 0
        for out in events:
            if out.chunk:
                if fault is not None and strike == sent and fault.kind not in _AT_THE_END:
                    if await self.strike(fault, record):
                        return
                    fault = None
                wait = (
                    plan.first_chunk_wait()
                    if sent == 0
                    else plan.gap_before(b"data: " + dumps(out.event))
                )
                if not await session.socket.pause(wait):
                    record.outcome = "released"
                    return
            is_done = out.event["type"] == "response.done"
            if is_done and fault is not None and fault.kind == "no_done":
                record.outcome = "fault"
                return
            if not await session.send(out.event, out.shown):
                record.outcome = "client_disconnected"
                return
            if out.chunk:
                now = loop.time()
                plan.sent_chunk(sent, now - last)
                last = now
                sent += 1
            if is_done and fault is not None and fault.kind == "data_after_done":
                stray = next(o for o in events if o.chunk) if chunks else out
                await session.send(stray.event, stray.shown)
                record.outcome = "fault"
                return
        record.outcome = "completed" if fault is None else "fault"

    async def strike(self, fault: FaultSpec, record: DeliveryRecord) -> bool:
        """Apply the fault here; True when the response ends with it."""
        session = self.session
        record.outcome = "fault"
        kind = fault.kind
        if kind == "stall":
            seconds = fault.seconds
            if not await session.socket.pause(seconds if seconds is not None else 86_400.0):
                record.outcome = "released"
                return True
            record.outcome = "pending"
            return False
        if kind == "error_frame":
            spec = RealtimeErrorSpec(
                code=fault.code or "upstream_error",
                message=fault.message or default_message(500),
                type="server_error",
            )
            await session.error(spec)
            return True
        if kind == "malformed_frame":
            await session.socket.send_text("{malformed")
            record.outcome = "pending"
            return False
        if kind in ("non_json_error", "html_502"):
            page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
            await session.socket.send_text(
                page if kind == "html_502" else (fault.message or "upstream error")
            )
        await session.socket.close(1011, "connection dropped by a scripted fault")
        return True


_AT_THE_END = frozenset({"no_done", "data_after_done"})


def _strike_point(fault: FaultSpec | None, chunks: int) -> int | None:
    if fault is None:
        return None
    if fault.after_chunks is not None:
        return min(fault.after_chunks, chunks)
    if fault.kind == "stall" or fault.kind in ("non_json_error", "html_502"):
        return 0
    return chunks // 2


async def serve(socket: Socket) -> None:
    """The realtime WebSocket: check the handshake, then run the session."""
    subprotocol = SUBPROTOCOL if SUBPROTOCOL in socket.subprotocols else None
    try:
        ctx = socket.open()
    except MeshError as error:  # told in the session's own words, then closed
        await socket.accept(subprotocol)
        refused = RealtimeSession(socket, socket.endpoint, _blank_query(), 0)
        param = _param_of(error)
        spec = RealtimeErrorSpec(
            code=error.code,
            message=error.message,
            param=param,
            type="server_error" if error.status >= 500 else "invalid_request_error",
        )
        await refused.error(spec)
        await socket.close(POLICY_VIOLATION, error.code[:100])
        return
    await socket.accept(subprotocol)
    query = ctx.request
    assert isinstance(query, RealtimeQuery)
    number = store_of(socket.state).next_number()
    await RealtimeSession(socket, socket.endpoint, query, number).run()


def _blank_query() -> RealtimeQuery:
    return RealtimeQuery.model_construct(model="-", api_key=None)


def _param_of(error: MeshError) -> str | None:
    for detail in error.details or ():
        loc = detail.get("loc")
        if isinstance(loc, list | tuple) and loc:
            return ".".join(str(part) for part in loc if part != "query")
    return None


__all__ = ["SUBPROTOCOL", "RealtimeSession", "serve"]
