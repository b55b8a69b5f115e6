"""Deterministic identifiers and timestamps.

Completion ids are derived from the request bytes and the seed, so the same request
always renders the same bytes; request ids come from a seeded counter so two identical
calls can still be told apart in the journal.
"""

from __future__ import annotations

import hashlib
import itertools
import threading

DEFAULT_CREATED = 1767225600  # 2026-01-01T00:00:00Z; a fixed clock keeps bytes stable

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class IdFactory:
    def __init__(self, seed: int = 0, created: int = DEFAULT_CREATED) -> None:
        self.seed = seed
        self.created = created
        self._key = seed.to_bytes(16, "big", signed=True)
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def digest(self, *parts: bytes | str) -> str:
        h = hashlib.blake2b(key=self._key, digest_size=16)
        for part in parts:
            h.update(part.encode() if isinstance(part, str) else part)
            h.update(b"\x00")
        return h.hexdigest()

    def completion_id(self, request_body: bytes) -> str:
        return "chatcmpl-" + self.digest(b"completion", request_body)[:24]

    def tool_call_id(self, request_body: bytes, index: int) -> str:
        return "call_" + self.digest(b"tool-call", request_body, str(index))[:24]

    def request_id(self) -> str:
        with self._lock:
            n = next(self._counter)
        raw = int(self.digest(b"request", str(n)), 16)
        chars = []
        for _ in range(26):
            raw, r = divmod(raw, 32)
            chars.append(_CROCKFORD[r])
        return "req_" + "".join(chars)
