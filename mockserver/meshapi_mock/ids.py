"""Deterministic identifiers and timestamps.

Completion ids are derived from the request bytes and the seed, so the same request
always renders the same bytes; request ids come from a seeded counter so two identical
calls can still be told apart in the journal.
"""

from __future__ import annotations

import hashlib
import itertools

DEFAULT_CREATED = 1767225600  # 2026-01-01T00:00:00Z; a fixed clock keeps bytes stable


class IdFactory:
    def __init__(self, seed: int = 0, created: int = DEFAULT_CREATED) -> None:
        self.seed = seed
        self.created = created
        self._key = seed.to_bytes(16, "big", signed=True)
        self._counter = itertools.count(1)  # next() on a count is atomic under the GIL
        self._request_prefix = "req_" + self.digest(b"request").upper()[:14]

    def digest(self, *parts: bytes) -> str:
        return hashlib.blake2b(b"\x00".join(parts), key=self._key, digest_size=16).hexdigest()

    def completion_id(self, request_body: bytes) -> str:
        return "chatcmpl-" + self.digest(b"completion", request_body)[:24]

    def tool_call_id(self, request_body: bytes, index: int) -> str:
        return "call_" + self.digest(b"tool-call", request_body, b"%d" % index)[:24]

    def request_id(self) -> str:
        """`req_` + 14 characters fixed by the seed + a 12-digit counter: unique and cheap."""
        return f"{self._request_prefix}{next(self._counter):012X}"
