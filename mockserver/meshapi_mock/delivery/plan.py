"""One request's delivery: its waits (scaled, with jitter drawn) and its fault, and the
record of what was meant and what happened, which the journal shows.

Waits are kept on a timeline: each part is due a fixed time after the one before was
due, not after it was sent, so small lateness never adds up over a long stream.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .spec import FaultSpec, TimingSpec

if TYPE_CHECKING:
    from ..errors import MeshError

UPSTREAM_TIMEOUT = 300.0
"""Seconds the gateway waits for the upstream model by default (contract §1.9)."""
MAX_RECORDED_GAPS = 1000
"""Waits between frames the journal keeps per request; a longer stream keeps the first."""
CHARACTERS_PER_TOKEN = 4


@dataclass
class DeliveryRecord:
    """What the journal shows of a delivery: intended and actual times in milliseconds
    (to the headers from the start of delivery, to the first chunk from the headers,
    and between chunks), the fault and how the delivery ended."""

    time_scale: float
    fault: dict[str, Any] | None = None
    intended: dict[str, Any] = field(default_factory=dict)
    actual: dict[str, Any] = field(default_factory=dict)
    chunks: int = 0
    outcome: str = "pending"
    """`completed`, `fault` (injected), `client_disconnected` or `released` (the fake was
    reset or stopped while the answer waited)."""

    def to_wire(self) -> dict[str, Any]:
        return {
            "time_scale": self.time_scale,
            "fault": self.fault,
            "intended": self.intended,
            "actual": self.actual,
            "chunks": self.chunks,
            "outcome": self.outcome,
        }


class DeliveryPlan:
    """The scaled, jittered waits and the fault of one answer."""

    def __init__(
        self,
        timing: TimingSpec | None,
        fault: FaultSpec | None,
        *,
        source: str,
        time_scale: float,
        seed: int,
        error: MeshError | None = None,
    ) -> None:
        self.timing = timing or TimingSpec()
        self.fault = fault
        self.error = error
        """An error status chaos drew: the answer is this error instead."""
        self.shapes_the_wire = timing is not None or fault is not None
        """False for a drawn error alone: it goes out as rendered."""
        self.time_scale = time_scale
        self._random = random.Random(seed)
        fault_view = None if fault is None else {**fault.summary(), "source": source}
        if error is not None:
            fault_view = {"status": error.status, "source": source}
        self.record = DeliveryRecord(time_scale, fault_view)
        if error is not None and not self.shapes_the_wire:
            self.record.outcome = "fault"
        keep_alive = self.timing.keep_alive
        self.keep_alive = None if keep_alive is None else max(keep_alive * time_scale, 0.01)
        """Seconds between keep-alive frames: scaled, but never under 10 ms, so a stall (not
        scaled) at a small time scale does not flood the client with them."""
        self.upstream_limit: float | None = None
        """Scripted seconds the gateway waits for the model (None: no limit applies)."""
        self.scripted = 0.0
        """Scripted seconds (jittered, not scaled) of the waits planned so far."""

    def limit_upstream(self, seconds: float | None) -> None:
        """The answer is the upstream model's: it must come within the request's
        `timeout` (or the gateway's default), judged in scripted time so a suite at
        0.01x times out exactly where a demo at 1x does."""
        self.upstream_limit = seconds if seconds is not None else UPSTREAM_TIMEOUT

    def overdue(self) -> float | None:
        """When the planned waits pass the upstream limit: the (scaled) seconds of the
        last wait to spend before the gateway gives up; else None."""
        limit = self.upstream_limit
        if limit is None or self.scripted <= limit:
            return None
        self.record.fault = {"code": "gateway_timeout", "source": "upstream_timeout"}
        return max(0.0, limit - (self.scripted - self._last)) * self.time_scale

    _last = 0.0

    def _scaled(self, seconds: float) -> float:
        if seconds <= 0:
            self._last = 0.0
            return 0.0
        jitter = self.timing.jitter
        if jitter:
            seconds *= 1 + jitter * (2 * self._random.random() - 1)
        self._last = seconds
        self.scripted += seconds
        return seconds * self.time_scale

    def headers_wait(self) -> float:
        wait = self._scaled(self.timing.delay)
        self.record.intended["headers_ms"] = _ms(wait)
        return wait

    def first_chunk_wait(self) -> float:
        wait = self._scaled(self.timing.first_chunk)
        self.record.intended["first_chunk_ms"] = _ms(wait)
        return wait

    def gap_before(self, frame: bytes) -> float:
        """The wait before a frame other than the first."""
        timing = self.timing
        if timing.tokens_per_second is not None:
            tokens = -(-delta_characters(frame) // CHARACTERS_PER_TOKEN)
            wait = self._scaled(tokens / timing.tokens_per_second)
        else:
            wait = self._scaled(timing.interval or 0.0)
        gaps: list[float] = self.record.intended.setdefault("gaps_ms", [])
        if len(gaps) < MAX_RECORDED_GAPS:
            gaps.append(_ms(wait))
        return wait

    def stall_wait(self) -> float | None:
        """A stall's length: as scripted, never scaled (it is meant to outlast a
        client's timeout, which the scale does not change); None until the client goes."""
        return None if self.fault is None else self.fault.seconds

    # --- what happened

    def sent_headers(self, elapsed: float) -> None:
        self.record.actual["headers_ms"] = _ms(elapsed)

    def sent_chunk(self, index: int, since: float) -> None:
        """Chunk `index` left `since` seconds after the headers (first) or the chunk before."""
        self.record.chunks = index + 1
        if index == 0:
            self.record.actual["first_chunk_ms"] = _ms(since)
            return
        gaps: list[float] = self.record.actual.setdefault("gaps_ms", [])
        if len(gaps) < MAX_RECORDED_GAPS:
            gaps.append(_ms(since))


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def delta_characters(frame: bytes) -> int:
    """Characters of text an SSE frame adds: the strings under its `delta` keys (chat's
    `delta.content` and tool `arguments`, the Responses API's `delta`), the role aside."""
    start = frame.find(b"data: ")
    if start < 0:
        return 0
    try:
        data = json.loads(frame[start + 6 :])
    except ValueError:
        return 0
    return _delta_length(data, inside=False)


def _delta_length(value: Any, *, inside: bool) -> int:
    if isinstance(value, str):
        return len(value) if inside else 0
    if isinstance(value, list):
        return sum(_delta_length(v, inside=inside) for v in value)
    if isinstance(value, dict):
        return sum(
            _delta_length(v, inside=inside or k == "delta")
            for k, v in value.items()
            if k not in ("role", "type", "id", "index")
        )
    return 0
