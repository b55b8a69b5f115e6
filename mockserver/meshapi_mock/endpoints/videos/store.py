"""Stored video tasks: what get and list find, and whose video the fake serves.

A task is stored with everything it will report; what a client sees depends on the
fake's clock (`clock.py`): `queued`, then `running`, then how it ends — `succeeded` (with
`content.video_url`), `failed` (with `error`) or `expired` (a run longer than its
`execution_expires_after` expires at that limit). Up to `MAX_STORED` tasks are kept; past
that the oldest is forgotten. A reset empties the store, with the clock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ...errors import MeshError
from .media import Video

MAX_STORED = 1000


@dataclass(frozen=True)
class StoredTask:
    id: str
    started: float
    """Clock time (Unix seconds) when it was created."""
    created_at: int
    queued_for: float
    running_for: float
    outcome: str
    """succeeded, failed or expired."""
    fields: dict[str, Any]
    """What the task reports whatever its status: model, seed, resolution, …"""
    video: Video
    error: dict[str, Any] | None
    usage: dict[str, int]
    video_url: str | None
    """A scripted URL; None: the fake's own."""
    last_frame_url: str | None
    last_frame: bool
    """Whether `content.last_frame_url` is sent."""
    expires_after: float | None

    @property
    def running_from(self) -> float:
        return self.started + self.queued_for

    @property
    def ends_at(self) -> float:
        end = self.running_from + self.running_for
        if self.expires_after is not None:
            return min(end, self.started + self.expires_after)
        return end

    @property
    def final_status(self) -> str:
        limit = self.expires_after
        if limit is not None and self.queued_for + self.running_for > limit:
            return "expired"
        return self.outcome

    def status_at(self, now: float) -> str:
        if now >= self.ends_at:
            return self.final_status
        return "queued" if now < self.running_from else "running"

    def view(self, now: float, origin: str) -> dict[str, Any]:
        """The task at clock time `now`; its files are served under `origin`."""
        status = self.status_at(now)
        changed = {"queued": self.started, "running": self.running_from}.get(status, self.ends_at)
        content = None
        if status == "succeeded":
            own = f"{origin}/v1/video/generations/{self.id}"
            content = {"video_url": self.video_url or own + "/content"}
            if self.last_frame_url is not None or self.last_frame:
                content["last_frame_url"] = self.last_frame_url or own + "/last_frame"
        return {
            "id": self.id,
            "status": status,
            **self.fields,
            "error": self.error if status == "failed" else None,
            "created_at": self.created_at,
            "updated_at": self.created_at + max(0, int(changed - self.started)),
            "content": content,
            "usage": self.usage if status == "succeeded" else None,
        }


class TaskStore:
    def __init__(self, limit: int = MAX_STORED) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._items: OrderedDict[str, StoredTask] = OrderedDict()
        self._created = 0

    def next_number(self) -> int:
        with self._lock:
            self._created += 1
            return self._created

    def add(self, task: StoredTask) -> None:
        with self._lock:
            self._items.pop(task.id, None)
            self._items[task.id] = task
            while len(self._items) > self.limit:
                self._items.popitem(last=False)

    def find(self, task_id: str) -> StoredTask:
        with self._lock:
            found = self._items.get(task_id)
        if found is None:
            raise MeshError(404, "not_found", f"No video generation task with id {task_id!r}.")
        return found

    def __len__(self) -> int:
        return len(self._items)

    def newest_first(self) -> list[StoredTask]:
        with self._lock:
            return list(reversed(self._items.values()))
