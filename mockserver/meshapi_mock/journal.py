"""The request journal: what clients sent and what the fake did about it.

Bounded, thread-safe and cheap to append to: the server thread writes, the test
thread reads. Bounded twice: in entries (`journal_limit`, the oldest go first) and in
bytes, so a test that sends large bodies, queries or headers cannot take the machine's
memory:

- a body longer than `journal_body_bytes` is kept as its first bytes only, and
- when the requests kept add up to more than `journal_max_bytes` (bodies and heads: the
  path, query and headers), the oldest lose their bodies and heads first.

An entry whose body was cut says so (`body_truncated`, `body_truncated_by`), one whose
head was dropped too (`head_truncated_by`: its query and headers read empty, a long path
is cut), on the wire and in Python; it keeps counting as a request.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .delivery.plan import DeliveryRecord
from .headers import RawHeaders, header_map
from .jsonbody import InvalidJson, dumps, loads
from .redaction import redact_header, redact_query, scrub, secret_values
from .validation import NOT_JSON

__all__ = ["Journal", "JournalEntry", "SessionLog", "TruncatedBody", "redact_query"]

DEFAULT_LIMIT = 1000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_BODY_BYTES = 1024 * 1024

BODY_LIMIT = "journal_body_bytes"
"""`body_truncated_by` of a body longer than one body may be."""
TOTAL_LIMIT = "journal_max_bytes"
"""`body_truncated_by` of a body dropped to keep the journal's total within bounds."""

_PATH_KEPT = 1024
"""Characters of its path an entry keeps once its head is dropped (the path names the
call; a longer one is cut, marked with `…`)."""

_CACHED_PARSE_BYTES = 64 * 1024
"""Parsed views of bodies up to this size are kept: assertions read them again and again.
Larger ones are parsed on each read, since a parsed body can take ten times its bytes and
only the bytes are bounded."""

_UNPARSED: Any = object()
_SHOWN = (
    "seq",
    "method",
    "path",
    "request_id",
    "time",
    "endpoint",
    "operation",
    "authorized",
    "matched",
    "status",
    "stream",
    "stream_completed",
    "error_code",
    "error_message",
    "body_bytes",
    "body_truncated_by",
    "head_truncated_by",
)
"""What `repr()` shows of an entry: never the raw request, which may hold credentials."""
_OBJECT_START = re.compile(rb"[ \t\r\n]*\{")


class TruncatedBody(dict[str, Any]):
    """The body of a request the journal did not keep whole, when it was a JSON object.

    It is an empty dict, so code asking "did this request send a JSON object?" (such as
    `Mock.chat_requests`) still counts the request; reading a key says why it is missing.
    `size` is what the client sent, `kept` what the journal holds of it, `limit` the
    setting that cut it (`journal_body_bytes` or `journal_max_bytes`).
    """

    def __init__(self, size: int, kept: int, limit: str) -> None:
        super().__init__()
        self.size = size
        self.kept = kept
        self.limit = limit

    def __missing__(self, key: str) -> Any:
        raise KeyError(f"{key!r}: {self.explain()}")

    def explain(self) -> str:
        what = "dropped it" if self.kept == 0 else f"kept only its first {self.kept} bytes"
        return (
            f"this request body of {self.size} bytes is not in the journal whole: "
            f"{self.limit} {what} (raise {self.limit} to keep it)"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TruncatedBody):
            return False
        return (self.size, self.kept, self.limit) == (other.size, other.kept, other.limit)

    def __repr__(self) -> str:
        return f"<request body of {self.size} bytes, truncated by {self.limit}>"


@dataclass(eq=False)
class SessionLog:
    """A WebSocket session's frames, client's and server's, in the order they went.

    Each event is `{"from": "client" | "server", "event": {...}}`, as the endpoint chose to
    show it (realtime shows audio by its size, not its bytes). Bounded like a body: a
    session keeps at most `journal_body_bytes` of events and the journal's total counts
    them; past that they are counted in `dropped`, not kept.
    """

    events: list[dict[str, Any]] = field(default_factory=list)
    dropped: int = 0
    """Events not kept (over the session's bytes, or dropped for the journal's total)."""
    closed: dict[str, Any] | None = None
    """How the socket ended: `{"by": "client" | "server", "code": 1000, "reason": ""}`."""
    held: int = 0
    """Bytes of the events kept, as the journal counts them."""

    def to_wire(self) -> dict[str, Any]:
        return {"events": self.events, "events_dropped": self.dropped, "closed": self.closed}


@dataclass(eq=False, repr=False)
class JournalEntry:
    """One request. `body` is the parsed JSON (None when there was none or it did not parse).

    `raw_body` is what the journal holds of the body: all of it, its first
    `journal_body_bytes`, or None (not read, or dropped); `body_bytes` is what was sent.
    """

    seq: int
    method: str
    path: str
    raw_query: str
    raw_headers: RawHeaders
    request_id: str = ""
    time: float = field(default_factory=time.time)
    endpoint: str | None = None
    """The endpoint the path belongs to (`chat`, `embeddings`, …); None for unknown paths."""
    operation: str | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    authorized: bool = False
    """The request got past authentication: a call the app made to the endpoint."""
    matched: str | None = None
    """The id of the rule that answered, `"default"` for a synthetic reply, else None."""
    status: int | None = None
    stream: bool = False
    stream_completed: bool | None = None
    error_code: str | None = None
    _error_message: str | None = field(default=None, init=False)
    body_bytes: int = 0
    """Bytes of body the client sent (0 when none was read)."""
    body_truncated_by: str | None = None
    """None when the journal holds the whole body; else the setting that cut it."""
    model_status: str | None = None
    """`"catalogue"` when every model the request names is in the catalogue, `"unknown"`
    when one is not but was answered, `"rejected"` when one got 404 `model_not_found`
    (`ServerConfig.models`); None when it names none."""
    delivery: DeliveryRecord | None = None
    """How the answer was sent, when a rule timed it or a fault (scripted or drawn by
    chaos) broke it: intended and actual timings, the fault and the outcome."""
    rendered: dict[str, Any] | None = None
    """The request as rules matched it and the model would see it, when the fake filled in
    a stored prompt template (its system prompt, messages, model and params); else None."""
    session: SessionLog | None = None
    """A WebSocket session's events (`record_event`); None for a plain HTTP request."""
    head_bytes: int = 0
    """Characters of path, query and headers the request came with."""
    head_truncated_by: str | None = None
    """None while the journal holds the head (query and headers); else the setting that
    dropped it to keep the journal within its bytes."""
    _head_held: int = field(default=0, init=False)
    """The head's bytes the journal counts: `head_bytes`, then 0 once it is dropped."""
    _secrets: list[str] | None = field(default=None, init=False)
    """The credentials of a head dropped while its request was still being answered, to
    scrub them from the error message that may follow."""
    _kept: bytes | None = field(default=None, init=False)
    _parsed: Any = field(default=_UNPARSED, init=False)
    _object: bool = field(default=False, init=False)
    """The body starts as a JSON object: known for truncated bodies, whose view needs it."""
    _journal: Journal | None = field(default=None, init=False)
    """The journal that bounds this entry's body; None for an entry made by hand."""
    _books: _Books | None = field(default=None, init=False)
    """The books that count this entry's body bytes, if any."""

    @property
    def error_message(self) -> str | None:
        """What the fake answered with, less any credential of the request it quotes."""
        return self._error_message

    @error_message.setter
    def error_message(self, message: str | None) -> None:
        # A near-miss report quotes the headers the request had; scrub on the (error) write
        # so every reader, from the wire form to a pytest report, gets the clean text.
        if message:
            secrets = self._secrets
            if secrets is None:
                secrets = secret_values(header_map(self.raw_headers), self.raw_query)
            message = scrub(message, secrets)
        self._error_message = message
        self._secrets = None

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _SHOWN)
        return f"JournalEntry({shown})"

    @property
    def raw_body(self) -> bytes | None:
        """The body bytes the journal holds (see the class docstring)."""
        return self._kept

    @raw_body.setter
    def raw_body(self, raw: bytes | None) -> None:
        """Set once by the pipeline when the body has been read; the journal bounds it."""
        if self._journal is not None:
            self._journal._keep(self, raw)
        else:
            self._hold(raw, None)

    def record_event(self, side: str, event: dict[str, Any]) -> None:
        """Add a WebSocket frame (`side` "client" or "server") to this entry's session."""
        log = self.session
        if log is None:
            log = self.session = SessionLog()
        encoded = dumps({"from": side, "event": event})
        record = loads(encoded)  # a copy: the session may change what it sent later
        size = len(encoded)
        if self._journal is not None:
            self._journal._keep_event(self, log, record, size)
        elif log.held + size <= DEFAULT_BODY_BYTES:
            log.events.append(record)
            log.held += size
        else:
            log.dropped += 1

    @property
    def body_truncated(self) -> bool:
        """The journal does not hold this request's whole body (see `body_truncated_by`)."""
        return self.body_truncated_by is not None

    # Decoding and redacting happen on read: requests are many, reads of the journal few.
    @cached_property
    def headers(self) -> dict[str, str]:
        """Lower-cased names, repeated headers joined by ', ', credentials redacted."""
        raw = header_map(self.raw_headers)
        return {name: redact_header(name, value) for name, value in raw.items()}

    @property
    def body(self) -> Any:
        """The parsed JSON body; None when there was none (yet) or it was not standard JSON.

        A body the journal did not keep whole is a `TruncatedBody` if it was a JSON object.
        """
        kept = self._kept
        if self.body_truncated_by is not None:
            return self._truncated_view()
        if kept is None:
            return None  # not read yet: parse later, not cache a None
        parsed = self._parsed
        if parsed is _UNPARSED:
            parsed = _parse(kept)
            if len(kept) <= _CACHED_PARSE_BYTES and self._kept is kept:
                self._parsed = parsed
        return parsed

    def _truncated_view(self) -> TruncatedBody | None:
        refused = self._error_message is not None and self._error_message.startswith(NOT_JSON)
        if not self._object or refused:
            return None
        held = len(self._kept) if self._kept is not None else 0
        return TruncatedBody(self.body_bytes, held, self.body_truncated_by or BODY_LIMIT)

    @cached_property
    def query(self) -> str:
        return redact_query(self.raw_query)

    @property
    def is_complete(self) -> bool:
        return self.status is not None

    def to_wire(self) -> dict[str, Any]:
        """The entry as `GET /_mock/requests` shows it: standard JSON, no credentials."""
        truncated = self.body_truncated_by is not None
        wire: dict[str, Any] = {
            "seq": self.seq,
            "time": self.time,
            "request_id": self.request_id,
            "method": self.method,
            "path": self.path,
            "endpoint": self.endpoint,
            "operation": self.operation,
            "query": self.query,
            "headers": self.headers,
            "body": None if truncated else self.body,
            "body_bytes": self.body_bytes,
            "body_truncated": truncated,
            "body_truncated_by": self.body_truncated_by,
            "body_prefix": self._prefix_text() if truncated else None,
            "rendered": self.rendered,
            "model_status": self.model_status,
            "head_truncated_by": self.head_truncated_by,
            "matched": self.matched,
            "status": self.status,
            "stream": self.stream,
            "stream_completed": self.stream_completed,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "delivery": None if self.delivery is None else self.delivery.to_wire(),
        }
        if self.session is not None:  # only WebSocket entries have the key
            wire["session"] = self.session.to_wire()
        return wire

    def _prefix_text(self) -> str | None:
        """What the journal holds of a truncated body, as text (None once dropped)."""
        kept = self._kept
        return kept.decode("utf-8", "replace") if kept is not None else None

    def summary(self) -> str:
        """One readable line (plus messages) for assertion failures."""
        head = f"#{self.seq} {self.method} {self.path}"
        if self.query:
            head += f"?{self.query}"
        head += f" -> {self.status}"
        if self.error_code:
            head += f" {self.error_code}"
        body = self.rendered if self.rendered is not None else self.body
        if not isinstance(body, dict):
            body = {}
        if body.get("model"):
            head += f" model={body['model']!r}"
        if body.get("stream"):
            head += " stream"
        if self.body_truncated_by is not None:
            head += f" [body of {self.body_bytes} bytes truncated by {self.body_truncated_by}]"
        if self.head_truncated_by is not None:
            head += f" [query and headers dropped by {self.head_truncated_by}]"
        lines = [head]
        for message in body.get("messages") or ():
            if isinstance(message, dict):
                lines.append(f"    {message.get('role')}: {_message_text(message)}")
        for key in ("input", "query", "prompt"):  # what other endpoints are asked
            if key in body:
                lines.append(f"    {key}: {_clip(repr(body[key]))}")
        return "\n".join(lines)

    # ---------------------------------------------------------------- body storage

    def _hold(self, raw: bytes | None, cap: int | None) -> int:
        """Keep `raw` (its first `cap` bytes if longer); return the bytes now held."""
        self._parsed = _UNPARSED
        if raw is None:
            self._kept, self.body_bytes, self.body_truncated_by = None, 0, None
            return 0
        size = self.body_bytes = len(raw)
        if cap is not None and size > cap:
            kept = raw[: _utf8_boundary(raw, cap)]
            self._object = _OBJECT_START.match(raw) is not None
            self.body_truncated_by = BODY_LIMIT
        else:
            kept, self.body_truncated_by = raw, None
        self._kept = kept
        return len(kept)

    def _drop(self) -> None:
        """Let go of the body to keep the journal's total within bounds."""
        kept = self._kept
        if kept is not None and self.body_truncated_by is None:
            self._object = _OBJECT_START.match(kept) is not None
        self.body_truncated_by = TOTAL_LIMIT  # before the bytes go: `body` reads in this order
        self._kept = None
        self._parsed = _UNPARSED

    def _drop_head(self) -> None:
        """Let go of the query and headers (and most of a long path), for the same reason."""
        if self.status is None:  # still being answered: an error message may quote them
            self._secrets = secret_values(header_map(self.raw_headers), self.raw_query)
        self.head_truncated_by = TOTAL_LIMIT
        self._head_held = 0
        self.raw_headers, self.raw_query = [], ""
        if len(self.path) > _PATH_KEPT:
            self.path = self.path[:_PATH_KEPT] + "…"
        self.__dict__.pop("headers", None)  # the cached, redacted views go with them
        self.__dict__.pop("query", None)

    def _drop_events(self) -> None:
        """Let go of a session's events, for the same reason (they stay counted)."""
        log = self.session
        if log is not None:
            log.dropped += len(log.events)
            log.events, log.held = [], 0


def _parse(raw: bytes) -> Any:
    try:
        return loads(raw) if raw else None
    except InvalidJson:
        return None


def _utf8_boundary(raw: bytes, cut: int) -> int:
    """`cut`, moved back so the kept prefix does not end inside a UTF-8 character."""
    back = 0
    while back < 3 and cut - back > 0 and (raw[cut - back] & 0xC0) == 0x80:
        back += 1
    return cut - back


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        content = " ".join(
            str(p.get("text", f"[{p.get('type')}]")) for p in content if isinstance(p, dict)
        )
    text = repr(content) if content is not None else ""
    if message.get("tool_calls"):
        names = [
            c.get("function", {}).get("name") for c in message["tool_calls"] if isinstance(c, dict)
        ]
        text += f" tool_calls={names}"
    if message.get("tool_call_id"):
        text += f" (tool_call_id={message['tool_call_id']!r})"
    return _clip(text)


def _clip(text: str) -> str:
    return text if len(text) <= 200 else text[:199] + "…"


class _Books:
    """The bytes a journal counts, from one `clear()` to the next."""

    __slots__ = ("first_seq", "held", "holding")

    def __init__(self, first_seq: int) -> None:
        self.first_seq = first_seq
        """Entries opened before the clear that started these books are not counted."""
        self.holding: deque[JournalEntry] = deque()
        """Entries whose bytes are counted, oldest first."""
        self.held = 0


def head_size(path: str, query: str, raw_headers: RawHeaders) -> int:
    """Characters of a request's head as the journal holds it."""
    return len(path) + len(query) + sum(len(name) + len(value) for name, value in raw_headers)


class Journal:
    """The last `limit` requests, holding at most `max_bytes` of their heads and bodies.

    Appending stays a deque append plus a sum over the headers: the byte accounting
    happens when a request opens (its head) and when its body arrives (the pipeline sets
    `entry.raw_body`). Entries pushed out by newer ones leave the accounting at the next
    step, oldest first, so an eviction costs nothing when it happens and the total still
    never passes `max_bytes`. An entry that lost its head and body to the total stays
    without them: a body arriving later is dropped as well, so what is dropped is always
    older than what is kept.

    No lock: only the server thread appends and accounts, and each step that the test
    thread can race with is one C call under the GIL (`next()` on a count, deque append,
    clear and copy, an attribute swap). `clear()` starts new books rather than editing
    the ones the server thread may be writing.
    """

    def __init__(
        self,
        limit: int = DEFAULT_LIMIT,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        body_bytes: int = DEFAULT_BODY_BYTES,
    ) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=max(limit, 0))
        self._seq = itertools.count(1)
        self._last_seq = 0
        self._books = _Books(first_seq=1)
        self.max_bytes = max(max_bytes, 0)
        self.body_bytes = min(max(body_bytes, 0), self.max_bytes)
        """The longest body kept whole: `journal_body_bytes`, but never above the total."""

    @property
    def limit(self) -> int:
        return self._entries.maxlen or 0

    @property
    def held_bytes(self) -> int:
        """Bytes of heads and bodies the journal counts now: never more than `max_bytes`."""
        return self._books.held

    def open(
        self,
        method: str,
        path: str,
        query: str,
        raw_headers: RawHeaders,
        request_id: str,
    ) -> JournalEntry:
        entry = JournalEntry(next(self._seq), method, path, query, raw_headers, request_id)
        entry._journal = self
        entry.head_bytes = entry._head_held = head_size(path, query, raw_headers)
        self._last_seq = entry.seq
        self._entries.append(entry)
        books = self._books
        if entry.seq >= books.first_seq:
            books.holding.append(entry)
            books.held += entry._head_held
            entry._books = books
        self._settle()
        return entry

    def _keep(self, entry: JournalEntry, raw: bytes | None) -> None:
        """Hold `entry`'s body within the limits; the oldest requests go past the total."""
        books = entry._books
        if books is not None:  # a second body for the same entry replaces the first
            books.held -= len(entry._kept or b"")
        if entry.head_truncated_by is not None:  # it lost its head to the total already
            entry._hold(raw, None)
            if raw is not None:
                entry._drop()
            return
        room = max(self.max_bytes - entry._head_held, 0)  # a body never pushes out its own head
        held = entry._hold(raw, min(self.body_bytes, room))
        if books is not None:
            books.held += held
            self._settle()

    def _keep_event(
        self, entry: JournalEntry, log: SessionLog, record: dict[str, Any], size: int
    ) -> None:
        """Hold one more event of `entry`'s session within its bytes and the total."""
        books = entry._books
        if entry.head_truncated_by is not None or log.held + size > self.body_bytes:
            log.dropped += 1
            return
        log.events.append(record)
        log.held += size
        if books is not None:
            books.held += size
            self._settle()

    def _settle(self) -> None:
        """Drop what is no longer in the journal, then the oldest heads and bodies, until
        the total is within `max_bytes`."""
        books = self._books
        holding = books.holding
        oldest = self._oldest_seq()
        while holding and (holding[0].seq < oldest or books.held > self.max_bytes):
            gone = holding.popleft()
            gone._books = None
            held_events = gone.session.held if gone.session is not None else 0
            books.held -= gone._head_held + len(gone._kept or b"") + held_events
            if gone.seq >= oldest:  # still in the journal: it loses its head and body
                gone._drop_head()
                if gone._kept:
                    gone._drop()
                gone._drop_events()

    def _oldest_seq(self) -> int:
        """The `seq` of the oldest entry in the journal (of the next one when empty)."""
        try:
            return self._entries[0].seq
        except IndexError:
            return self._last_seq + 1

    def entries(self) -> list[JournalEntry]:
        return list(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._books = _Books(first_seq=self._last_seq + 1)
        self._entries.clear()
