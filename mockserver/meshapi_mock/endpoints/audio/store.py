"""Transcriptions the fake made, for `GET /v1/audio/transcriptions/{id}`.

Every transcription and translation is kept with the id its answer carried, up to
`MAX_STORED` of them and `MAX_BYTES` of text; past either, the oldest are forgotten
first. The store lives on `Host` (`state.store`) and is emptied by a reset.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ...errors import MeshError
from ..bounded import BoundedItems, text_bytes

if TYPE_CHECKING:
    from ..base import Host

MAX_STORED = 1000
MAX_BYTES = 16 * 1024 * 1024
"""Bytes of stored text (UTF-8) one fake keeps."""


class TranscriptionStore:
    def __init__(self, limit: int = MAX_STORED, max_bytes: int = MAX_BYTES) -> None:
        self._lock = threading.Lock()
        self._items: BoundedItems[dict[str, Any]] = BoundedItems(limit, max_bytes)
        self._created = 0

    @property
    def limit(self) -> int:
        """Transcriptions kept at most; a test may lower it until the next reset."""
        return self._items.limit

    @limit.setter
    def limit(self, limit: int) -> None:
        self._items.limit = limit

    def next_number(self) -> int:
        with self._lock:
            self._created += 1
            return self._created

    def add(self, answer: dict[str, Any]) -> None:
        size = text_bytes(str(answer.get("text", ""))) + 256
        with self._lock:
            self._items.put(answer["id"], answer, size)

    def find(self, transcription_id: str) -> dict[str, Any]:
        with self._lock:
            found = self._items.get(transcription_id)
        if found is None:
            raise MeshError(404, "not_found", f"No transcription with id {transcription_id!r}.")
        return found

    def __len__(self) -> int:
        return len(self._items)


def transcriptions_of(state: Host) -> TranscriptionStore:
    return state.store("audio.transcriptions", TranscriptionStore)
