"""Transcriptions the fake made, for `GET /v1/audio/transcriptions/{id}`.

Every transcription and translation is kept with the id its answer carried, up to
`MAX_STORED` of them and `MAX_BYTES` of text; past either, the oldest are forgotten
first. The store lives on `Host` (`state.store`) and is emptied by a reset.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from ...errors import MeshError

if TYPE_CHECKING:
    from ..base import Host

MAX_STORED = 1000
MAX_BYTES = 16 * 1024 * 1024
"""Bytes of stored text (UTF-8) one fake keeps."""


class TranscriptionStore:
    def __init__(self, limit: int = MAX_STORED, max_bytes: int = MAX_BYTES) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._items: OrderedDict[str, tuple[dict[str, Any], int]] = OrderedDict()
        self._bytes = 0
        self._created = 0

    def next_number(self) -> int:
        with self._lock:
            self._created += 1
            return self._created

    def add(self, answer: dict[str, Any]) -> None:
        size = len(str(answer.get("text", "")).encode("utf-8", "replace")) + 256
        with self._lock:
            old = self._items.pop(answer["id"], None)
            if old is not None:
                self._bytes -= old[1]
            self._items[answer["id"]] = (answer, size)
            self._bytes += size
            while len(self._items) > self.limit or (
                self._bytes > self.max_bytes and len(self._items) > 1
            ):
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def find(self, transcription_id: str) -> dict[str, Any]:
        with self._lock:
            found = self._items.get(transcription_id)
        if found is None:
            raise MeshError(404, "not_found", f"No transcription with id {transcription_id!r}.")
        return found[0]

    def __len__(self) -> int:
        return len(self._items)


def transcriptions_of(state: Host) -> TranscriptionStore:
    return state.store("audio.transcriptions", TranscriptionStore)
