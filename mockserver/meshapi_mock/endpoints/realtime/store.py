"""What realtime keeps across sessions: only how many were opened, for their ids.

A session's own state (its configuration, conversation and audio buffer) lives and dies
with its connection (`session.py`), bounded there; this store is emptied by a reset, so
the n-th session after a reset gets the same id every run.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..base import Host

STORE = "realtime"


class SessionCounter:
    def __init__(self) -> None:
        self._count = itertools.count(1)  # next() on a count is atomic under the GIL

    def next_number(self) -> int:
        return next(self._count)


def store_of(state: Host) -> SessionCounter:
    return state.store(STORE, SessionCounter)
