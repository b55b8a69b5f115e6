"""The fake's clock: real time as it passes, plus whatever a test has advanced by hand.

Stateful areas (background responses today; batches, files and video tomorrow) move
through their states by this clock, never by `time.time()`, so a test can jump a job
from queued to completed with `server.clock.advance(3)` instead of sleeping. It reads
in Unix seconds and starts at the server's fixed `created` epoch, so the timestamps it
stamps are as stable as the rest of the fake's output; elapsed time comes from a
monotonic source, so a wall-clock change on the machine never moves a job backwards.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from .ids import DEFAULT_CREATED

MAX_ADVANCE = 10 * 365 * 86_400
"""Seconds one `advance` may add: ten years is past any job a test would wait for."""


class Clock:
    """Unix seconds: `epoch` + real seconds since the last reset divided by the time scale
    + the manual offset.

    It runs at the server's time scale: at 0.01, where every scripted wait is a hundredth
    as long, a job scripted to take 2 s is done after 20 ms of real time, as in a demo at
    1 it is after 2 s.
    """

    def __init__(
        self,
        epoch: float = DEFAULT_CREATED,
        source: Callable[[], float] = time.monotonic,
        time_scale: float = 1.0,
    ) -> None:
        self.epoch = epoch
        self._source = source
        self._lock = threading.Lock()
        self._started = source()
        self._offset = 0.0
        self._folded = 0.0
        """Scaled seconds gone by before the last change of scale."""
        self._scale = time_scale

    def now(self) -> float:
        return self.epoch + self.elapsed()

    def elapsed(self) -> float:
        """Seconds since the clock started (or was reset), advances included."""
        with self._lock:
            return self._folded + (self._source() - self._started) / self._scale + self._offset

    @property
    def time_scale(self) -> float:
        return self._scale

    def set_time_scale(self, time_scale: float) -> None:
        """Run at another scale from now on; the time gone by so far stays as it was."""
        with self._lock:
            now = self._source()
            self._folded += (now - self._started) / self._scale
            self._started, self._scale = now, time_scale

    @property
    def offset(self) -> float:
        """Seconds added by `advance` since the last reset."""
        return self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by `seconds` (finite, not negative); returns `now()`."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise TypeError(f"seconds must be a number, not {type(seconds).__name__}")
        if not math.isfinite(seconds) or seconds < 0 or seconds > MAX_ADVANCE:
            raise ValueError(f"seconds must be between 0 and {MAX_ADVANCE}, got {seconds!r}")
        with self._lock:
            self._offset += float(seconds)
        return self.now()

    def reset(self) -> None:
        """Back to `epoch`, as when the fake started."""
        with self._lock:
            self._started = self._source()
            self._offset = self._folded = 0.0
