"""Stored batches: what get, list and cancel find.

A batch is stored with every answer it will give (its requests are answered when it is
created) and the clock time it started; what a client sees depends on the fake's clock
(`clock.py`): `validating`, then `in_progress` while its requests finish one by one,
evenly, then `finalizing`, then `completed` (or `failed` after validating, or `expired`
after its run, as a rule scripts). A cancel freezes the requests done so far: the batch
is `cancelling`, then `cancelled`. Up to `MAX_STORED` batches and `MAX_BYTES` of answers
are kept; past that the oldest are forgotten. A reset empties the store, with the clock.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any

from ...errors import MeshError
from ..bounded import BoundedItems

MAX_STORED = 1000
MAX_BYTES = 64 * 1024 * 1024
"""Bytes of answers the store holds, all batches together."""
HOUR = 3600


@dataclass(frozen=True)
class ItemAnswer:
    """One request's answer: what the operation it named rendered."""

    custom_id: str
    status_code: int
    body: Any
    request_id: str
    result_id: str
    size: int

    @property
    def failed(self) -> bool:
        return self.status_code >= 400

    def result(self) -> dict[str, Any]:
        response = {
            "status_code": self.status_code,
            "request_id": self.request_id,
            "body": self.body,
        }
        return {
            "id": self.result_id,
            "custom_id": self.custom_id,
            "response": response,
            "error": None,
        }


@dataclass
class StoredBatch:
    id: str
    started: float
    """Clock time (Unix seconds) when it was created."""
    endpoint: str
    model: str | None
    completion_window: str
    metadata: dict[str, Any] | None
    answers: tuple[ItemAnswer, ...]
    total: int
    validating: float = 1.0
    running: float = 2.0
    finalizing: float = 1.0
    cancelling: float = 1.0
    failure: list[dict[str, Any]] | None = None
    """`errors_detail` of a batch that fails validation."""
    expire_after: int | None = None
    """For a batch that expires: how many requests it answers first."""
    cancelled_at: float | None = field(default=None)
    """Clock time of the cancel, once asked."""

    @property
    def size(self) -> int:
        return sum(answer.size for answer in self.answers) + 512

    @property
    def provider(self) -> str | None:
        if self.model is None:
            return None
        return self.model.split("/", 1)[0] if "/" in self.model else "openai"

    # The timeline, in clock seconds.
    @property
    def running_from(self) -> float:
        return self.started + self.validating

    @property
    def running_until(self) -> float:
        return self.running_from + self.running

    @property
    def finished_at(self) -> float:
        """When it reaches its final state, cancels aside."""
        if self.failure is not None:
            return self.running_from
        if self.expire_after is not None:
            return self.running_until
        return self.running_until + self.finalizing

    def _planned(self) -> int:
        if self.failure is not None:
            return 0
        if self.expire_after is not None:
            return min(self.expire_after, self.total)
        return self.total

    def done_at(self, now: float) -> int:
        """Requests answered by clock time `now` (a cancel freezes the count)."""
        if self.cancelled_at is not None:
            now = min(now, self.cancelled_at)
        planned = self._planned()
        if now < self.running_from:
            return 0
        if now >= self.running_until or self.running <= 0:
            return planned
        return min(planned, math.floor(planned * (now - self.running_from) / self.running))

    def status_at(self, now: float) -> str:
        if self.cancelled_at is not None and now >= self.cancelled_at:
            return "cancelled" if now >= self.cancelled_at + self.cancelling else "cancelling"
        if now < self.running_from:
            return "validating"
        if self.failure is not None:
            return "failed"
        if now < self.running_until:
            return "in_progress"
        if self.expire_after is not None:
            return "expired"
        return "finalizing" if now < self.finished_at else "completed"

    def cancel(self, now: float) -> None:
        """Ask to cancel at `now`: only a batch still validating or running can be."""
        status = self.status_at(now)
        if status in ("cancelling", "cancelled"):
            return  # asked again: nothing changes
        if status not in ("validating", "in_progress"):
            raise MeshError(
                409,
                "conflict",
                f"Batch {self.id!r} is {status}; only a validating or in-progress batch can "
                "be cancelled.",
            )
        self.cancelled_at = now

    def view(self, now: float) -> dict[str, Any]:
        """The batch as a client sees it at clock time `now`."""
        status = self.status_at(now)
        done = self.answers[: self.done_at(now)]
        failed = sum(1 for answer in done if answer.failed)
        over = status in ("completed", "cancelled", "expired", "failed")
        cancel = self.cancelled_at

        def stamp(at: float | None, reached: bool = True) -> int | None:
            return int(at) if at is not None and reached and now >= at else None

        ran = cancel is None or cancel >= self.running_from
        plain = cancel is None
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "input_file_id": None,
            "output_file_id": None,
            "error_file_id": None,
            "completion_window": self.completion_window,
            "status": status,
            "model": self.model,
            "provider": self.provider,
            "created_at": int(self.started),
            "in_progress_at": stamp(self.running_from, ran and self.failure is None),
            "expires_at": int(self.started) + _hours(self.completion_window) * HOUR,
            "finalizing_at": stamp(self.running_until, plain and self._completes),
            "completed_at": stamp(self.finished_at, plain and self._completes),
            "failed_at": stamp(self.finished_at, plain and self.failure is not None),
            "expired_at": stamp(self.finished_at, plain and self.expire_after is not None),
            "cancelling_at": stamp(cancel),
            "cancelled_at": stamp(None if cancel is None else cancel + self.cancelling),
            "usage_synced": over,
            "request_counts": {
                "total": self.total,
                "completed": len(done) - failed,
                "failed": failed,
            },
            "results": [a.result() for a in done] if over and status != "failed" else None,
            "errors_detail": self.failure if status == "failed" else None,
            "metadata": self.metadata,
        }

    @property
    def _completes(self) -> bool:
        return self.failure is None and self.expire_after is None


def _hours(window: str) -> int:
    return int(window.removesuffix("h"))


class BatchStore:
    def __init__(self, limit: int = MAX_STORED, max_bytes: int = MAX_BYTES) -> None:
        self._lock = threading.Lock()
        self._items: BoundedItems[StoredBatch] = BoundedItems(limit, max_bytes)
        self._created = 0

    def next_number(self) -> int:
        """How many batches this fake created, this one included (ids derive from it)."""
        with self._lock:
            self._created += 1
            return self._created

    def add(self, batch: StoredBatch) -> None:
        with self._lock:
            self._items.put(batch.id, batch, batch.size)

    def find(self, batch_id: str) -> StoredBatch:
        with self._lock:
            found = self._items.get(batch_id)
        if found is None:
            raise MeshError(404, "not_found", f"No batch with id {batch_id!r}.")
        return found

    def cancel(self, batch_id: str, now: float) -> StoredBatch:
        batch = self.find(batch_id)
        with self._lock:
            batch.cancel(now)
        return batch

    def __len__(self) -> int:
        return len(self._items)

    def page(self, after: str | None, limit: int, now: float) -> dict[str, Any]:
        """Batches, newest first, after the batch `after` (404 if unknown)."""
        with self._lock:
            batches = self._items.newest_first()
        start = 0
        if after is not None:
            ids = [batch.id for batch in batches]
            if after not in ids:
                raise MeshError(
                    404,
                    "not_found",
                    f"No batch with id {after!r} to list after; `after` takes the `last_id` "
                    "of the previous page.",
                )
            start = ids.index(after) + 1
        data = [batch.view(now) for batch in batches[start : start + limit]]
        return {
            "object": "list",
            "data": data,
            "has_more": start + limit < len(batches),
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
        }
