"""Stored responses: what `GET /v1/responses/{id}` finds and `GET /v1/responses` lists.

Every response created with `store` not false is kept (background jobs always), up to
`MAX_STORED` of them and `ServerConfig.responses_max_bytes` (64 MiB) of what they hold:
the response as sent and the conversation that `previous_response_id` continues, which
carries the request's input. Past either bound the oldest are forgotten first
(`bounded.py`); a get of one is a 404, as for an id never created (the contract does not
promise that a synchronous response stays retrievable). A background job is stored with its final
form already rendered and the clock time it was created; what a client sees depends on
the fake's clock (`clock.py`): `queued` for `queued_for` seconds, then `in_progress` for
`running_for` seconds, then its final status. The store lives on `Host` and is
emptied by a reset, with the clock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ...errors import MeshError
from ...jsonbody import dumps
from ..bounded import BoundedItems, text_bytes
from .conversation import Turn

MAX_STORED = 1000
"""Responses one fake keeps; a long-running fake forgets the oldest first."""
MAX_BYTES = 64 * 1024 * 1024
"""Bytes of stored responses one fake keeps, unless `ServerConfig.responses_max_bytes`
says otherwise."""
TURN_BYTES = 64
"""What a turn costs besides its text, about: the object and its small fields."""


@dataclass(frozen=True)
class StoredResponse:
    final: dict[str, Any]
    """The response in its final status (completed, incomplete or failed), as sent."""
    turns: tuple[Turn, ...]
    """The conversation up to and including this response's output, for
    `previous_response_id`."""
    background: bool
    started: float
    """Clock time (Unix seconds) when it was created."""
    queued_for: float = 0.0
    running_for: float = 0.0
    provider: str = ""

    @property
    def id(self) -> str:
        return str(self.final["id"])

    @cached_property
    def size(self) -> int:
        """Bytes it counts against the store's bound, about: the response's JSON and the
        UTF-8 of its conversation. Turns continued from an earlier response count again
        here, though they share its text: the bound may forget a little early, never
        late."""
        turns = sum(
            text_bytes(turn.text + (turn.name or "") + (turn.call_id or "")) + TURN_BYTES
            for turn in self.turns
        )
        return len(dumps(self.final)) + turns

    @property
    def finished_at(self) -> float:
        return self.started + self.queued_for + self.running_for

    def status_at(self, now: float) -> str:
        if now < self.started + self.queued_for:
            return "queued"
        if now < self.finished_at:
            return "in_progress"
        return str(self.final["status"])

    def view(self, now: float) -> dict[str, Any]:
        """The response as a client sees it at clock time `now`."""
        status = self.status_at(now)
        if status == self.final["status"]:
            return self.final
        return pending(self.final, status)

    def list_item(self, now: float) -> dict[str, Any]:
        view = self.view(now)
        return {
            "id": self.id,
            "object": "response",
            "model": view["model"],
            "provider": self.provider,
            "status": view["status"],
            "created_at": view["created_at"],
            "completed_at": view.get("completed_at"),
            "usage_synced": view["status"] not in ("queued", "in_progress"),
        }


def pending(final: dict[str, Any], status: str) -> dict[str, Any]:
    """A response not finished yet: no output, usage, error or completion time."""
    return {
        **final,
        "status": status,
        "output": [],
        "usage": None,
        "error": None,
        "incomplete_details": None,
        "completed_at": None,
    }


class ResponseStore:
    def __init__(self, limit: int = MAX_STORED, max_bytes: int = MAX_BYTES) -> None:
        self._lock = threading.Lock()
        self._items: BoundedItems[StoredResponse] = BoundedItems(limit, max_bytes)
        self._created = 0

    @property
    def max_bytes(self) -> int:
        return self._items.max_bytes

    @property
    def held_bytes(self) -> int:
        """Bytes the stored responses count: at most `max_bytes`, unless the newest alone
        is larger (it is kept: a background job is read back at once)."""
        return self._items.held_bytes

    def next_number(self) -> int:
        """How many responses this fake created before this one (ids derive from it)."""
        with self._lock:
            self._created += 1
            return self._created

    def add(self, stored: StoredResponse) -> None:
        size = stored.size  # outside the lock: it encodes the response
        with self._lock:
            self._items.put(stored.id, stored, size)

    def get(self, response_id: str) -> StoredResponse | None:
        with self._lock:
            return self._items.get(response_id)

    def find(self, response_id: str) -> StoredResponse:
        found = self.get(response_id)
        if found is None:
            raise MeshError(404, "not_found", f"No response with id {response_id!r}.")
        return found

    def __len__(self) -> int:
        return len(self._items)

    def page(self, after: str | None, limit: int, now: float) -> dict[str, Any]:
        """Background jobs, newest first, after the job `after` (404 if unknown)."""
        with self._lock:
            jobs = [s for s in self._items.newest_first() if s.background]
        start = 0
        if after is not None:
            ids = [job.id for job in jobs]
            if after not in ids:
                raise MeshError(
                    404,
                    "not_found",
                    f"No background response with id {after!r} to list after; `after` takes "
                    "the `last_id` of the previous page.",
                )
            start = ids.index(after) + 1
        chosen = jobs[start : start + limit]
        data = [job.list_item(now) for job in chosen]
        return {
            "object": "list",
            "data": data,
            "has_more": start + limit < len(jobs),
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
        }
