"""When to retry and how long to wait: pure decisions, so tests can check them without sleeping."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timezone
from email.utils import parsedate_to_datetime
from random import random as _uniform

import httpx

RETRY_STATUSES = frozenset({429, 502, 503, 504})
"""Statuses that mean "try again later"; not 500, where the request itself may be at fault."""

_RETRYABLE_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Failures before the request left: retrying cannot send it twice. A read timeout or a
broken answer is raised at once, as the official SDK does (contract 1.8): the gateway may
have run, and billed, the request already."""


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None.

    Fractions are rounded up so the client never comes back earlier than it was told.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return float(max(0, math.ceil(when.timestamp() - now())))
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return float(math.ceil(seconds))


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, honouring ``Retry-After``.

    ``random`` and ``clock`` are injectable so tests get exact delays; ``max_retries`` counts
    retries, not attempts (3 retries = up to 4 requests).
    """

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 30.0
    jitter: float = 0.2
    random: Callable[[], float] = field(default=_uniform, repr=False)
    clock: Callable[[], float] = field(default=time.time, repr=False)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number ``attempt`` (0-based) when the server gave no hint.

        Jitter spreads clients that failed together so they do not come back together.
        """
        delay: float = min(self.base_delay * 2.0**attempt, self.max_delay)
        return delay * (1 - self.jitter + 2 * self.jitter * self.random())

    def delay_after_status(
        self, attempt: int, status: int, retry_after: str | None
    ) -> float | None:
        """Seconds to wait before retrying a response with this status, or None to give up."""
        if status not in RETRY_STATUSES or attempt >= self.max_retries:
            return None
        told = parse_retry_after(retry_after, self.clock)
        if told is not None:
            return min(told, self.max_delay)
        return self.backoff(attempt)

    def delay_after_error(self, attempt: int, exc: httpx.TransportError) -> float | None:
        """Seconds to wait before retrying after a transport failure, or None to give up."""
        if not isinstance(exc, _RETRYABLE_ERRORS) or attempt >= self.max_retries:
            return None
        return self.backoff(attempt)
