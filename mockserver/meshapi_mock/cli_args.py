"""Argument types for the CLI: each refuses a bad value with a message argparse prints as a
usage error naming the flag, so no mistake on the command line ends in a traceback."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable

PORT_ENV = "MESHAPI_MOCK_PORT"


def port_number(text: str) -> int:
    port = _integer(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a TCP port (0-65535; 0 picks a free one)"
        )
    return port


def env_port(default: int) -> int:
    """The default port: `$MESHAPI_MOCK_PORT` when set (and valid), else `default`."""
    value = os.environ.get(PORT_ENV, "").strip()
    if not value:
        return default
    try:
        return port_number(value)
    except argparse.ArgumentTypeError:
        return default


def at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        number = _integer(text)
        if number < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} must be at least {minimum}")
        return number

    parse.__name__ = f"integer >= {minimum}"
    return parse


positive_int = at_least(1)


def positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive, finite number of seconds")
    return seconds


def seconds_or_off(text: str) -> float:
    """Seconds, or 0 for no limit at all."""
    if text.strip() in ("0", "0.0"):
        return 0.0
    return positive_seconds(text)


def host_name(text: str) -> str:
    host = text.strip().removeprefix("[").removesuffix("]")
    if not host or any(c.isspace() or c in "/?#@" for c in host):
        raise argparse.ArgumentTypeError(f"{text!r} is not a host name or address")
    return host


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def plural(count: int, noun: str) -> str:
    """`1 rule`, `2 rules`, `0 files`: counts in messages read as English."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
