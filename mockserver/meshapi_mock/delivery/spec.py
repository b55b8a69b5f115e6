"""How an answer goes on the wire: the rule vocabulary of timing and faults.

A rule's `reply` says what the answer is; its `timing` and `fault` say how it is sent.
Both are the same for every endpoint, streamed or not, so they live here and not in any
endpoint's vocabulary: the delivery step (`wire.py`) works on the rendered bytes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from ..scripting.base import Spec
from ..scripting.wire_values import EncodableText, RetryAfter

MAX_DELAY = 3600.0
"""Seconds any one scripted wait may last: an hour outlasts every client's timeout."""
Delay = Annotated[float, Field(ge=0, le=MAX_DELAY, allow_inf_nan=False)]


class TimingSpec(Spec):
    """When the answer's parts leave the fake. Every value is scaled by the server's
    `time_scale` (0.01 in a fast suite, 1 in a demo)."""

    delay: Delay = Field(default=0, description="Seconds before the status line and headers.")
    first_chunk: Delay = Field(
        default=0,
        description="Seconds between the headers (sent at once) and the first chunk of the "
        "body: the first SSE frame, or a JSON body.",
    )
    interval: Delay | None = Field(
        default=None, description="Seconds between one SSE frame and the next."
    )
    tokens_per_second: Annotated[float, Field(gt=0, le=1_000_000, allow_inf_nan=False)] | None = (
        Field(
            default=None,
            description="Instead of `interval`: each frame waits for its text deltas at this "
            "rate (about four characters a token); frames without text go at once.",
        )
    )
    jitter: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = Field(
        default=0,
        description="Each wait varies by up to this fraction either way, drawn from the "
        "server's seeded generator (same seed, same waits).",
    )
    keep_alive: Annotated[float, Field(gt=0, le=MAX_DELAY, allow_inf_nan=False)] | None = Field(
        default=None,
        description="During a wait in an SSE stream longer than this many seconds, send an "
        "`: keep-alive` comment frame every this many seconds, as gateways do.",
    )

    @model_validator(mode="after")
    def _one_pace(self) -> TimingSpec:
        if self.interval is not None and self.tokens_per_second is not None:
            raise ValueError("give 'interval' or 'tokens_per_second', not both")
        return self


FaultKind = Literal[
    "error_frame",
    "disconnect",
    "no_done",
    "reset",
    "stall",
    "malformed_frame",
    "half_frame",
    "data_after_done",
    "non_json_error",
    "html_502",
]

FAULTS: dict[str, str] = {
    "error_frame": 'An SSE error frame `{"error": {code, message}}`, then the stream ends '
    "(no `[DONE]` unless `done_after`). Not streamed: 200 with the error envelope as body.",
    "disconnect": "The connection closes mid-body: an incomplete chunked stream, or a "
    "JSON body shorter than its Content-Length.",
    "no_done": "The stream ends cleanly but without `data: [DONE]` (by default just before "
    "it). Not streamed: 200 with an empty body.",
    "reset": "The connection is reset (TCP RST).",
    "stall": "Nothing more is sent for `seconds` (by default until the client gives up), "
    "then the answer carries on. At the body's start: headers, then a hang.",
    "malformed_frame": "A frame cut to data that is not valid JSON (its content is lost), "
    "then the rest of the stream. Not streamed: a truncated JSON body.",
    "half_frame": "Half of the next frame's bytes, then the connection closes. Not "
    "streamed: half of the body, then the connection closes.",
    "data_after_done": "One more data frame after `data: [DONE]`. Not streamed: extra "
    "bytes after the JSON body.",
    "non_json_error": "An error status (`status`, 500 by default) with a plain-text body, "
    "as a crashed upstream sends.",
    "html_502": "A 502 HTML page from a proxy in front of the gateway.",
}
"""Each fault and what the client sees: the catalogue `/openapi.json`, the schema and the
README table describe."""

WHOLE_RESPONSE = frozenset({"non_json_error", "html_502"})
"""Faults that replace the whole response, so they happen before anything is sent."""
CONNECTION = frozenset({"disconnect", "reset", "stall"})
"""Faults that can also strike before the status line (`before_headers`)."""
AT_THE_END = frozenset({"no_done", "data_after_done"})
"""Faults whose natural point is the end of the stream."""


class FaultSpec(Spec):
    """A failure injected while the answer is sent. Where it strikes: after `after_chunks`
    SSE frames (0: right after the headers), or `before_headers`; by default half-way
    through a stream (at its end for `no_done` and `data_after_done`; at the start for
    `stall`)."""

    kind: FaultKind = Field(description="; ".join(f"{k}: {v}" for k, v in FAULTS.items()))
    after_chunks: Annotated[int, Field(ge=0, le=1_000_000)] | None = Field(
        default=None,
        description="Frames sent before the fault strikes (a JSON body is one chunk).",
    )
    before_headers: bool = Field(
        default=False,
        description="disconnect, reset and stall only: strike before the status line, so "
        "the client gets no response at all.",
    )
    seconds: Delay | None = Field(
        default=None,
        description="stall only: how long (not scaled by `time_scale`: a stall is meant to "
        "outlast a client's timeout); by default until the client hangs up.",
    )
    status: Annotated[int, Field(ge=400, le=599)] | None = Field(
        default=None, description="non_json_error only: the status (500 by default)."
    )
    code: EncodableText | None = Field(
        default=None, description="error_frame only: the error code ('upstream_error')."
    )
    message: EncodableText | None = Field(
        default=None, description="error_frame and non_json_error: the error's words."
    )
    done_after: bool = Field(
        default=False, description="error_frame only: send `data: [DONE]` after the error frame."
    )
    retry_after: RetryAfter | None = Field(
        default=None, description="non_json_error and html_502: a `Retry-After` header."
    )

    @model_validator(mode="after")
    def _fits_the_kind(self) -> FaultSpec:
        kind = self.kind
        only: dict[str, frozenset[str]] = {
            "seconds": frozenset({"stall"}),
            "status": frozenset({"non_json_error"}),
            "code": frozenset({"error_frame"}),
            "message": frozenset({"error_frame", "non_json_error"}),
            "retry_after": WHOLE_RESPONSE,
        }
        for name, kinds in only.items():
            if getattr(self, name) is not None and kind not in kinds:
                raise ValueError(f"{name!r} does not apply to a {kind} fault")
        if self.done_after and kind != "error_frame":
            raise ValueError(f"'done_after' does not apply to a {kind} fault")
        if self.before_headers:
            if kind not in CONNECTION:
                raise ValueError(
                    f"'before_headers' applies to {', '.join(sorted(CONNECTION))}, not {kind}"
                )
            if self.after_chunks is not None:
                raise ValueError("give 'before_headers' or 'after_chunks', not both")
        if kind in WHOLE_RESPONSE and self.after_chunks:
            raise ValueError(f"a {kind} fault replaces the whole response: it has no chunks")
        return self

    def summary(self) -> dict[str, Any]:
        """The fault as the journal shows it."""
        return self.model_dump(mode="json", exclude_defaults=True)
