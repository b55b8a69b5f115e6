"""Argument types for the CLI: each refuses a bad value with a message argparse prints as a
usage error naming the flag, so no mistake on the command line ends in a traceback.

The ranges and rules are `config.py`'s own checks, the ones `ServerConfig` applies in
Python: here the text is only turned into a number first.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

from . import config

PORT_ENV = "MESHAPI_MOCK_PORT"


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None


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


def checked(
    check: Callable[[object], Any], parse: Callable[[str], Any] = str
) -> Callable[[str], Any]:
    """An argument type: `parse` the text, then apply the setting's `check`."""

    def argument(text: str) -> Any:
        try:
            return check(parse(text))
        except (TypeError, ValueError) as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return argument


def whole(check: Callable[[object], int]) -> Callable[[str], int]:
    """An argument type for a whole-number setting checked by `check`."""
    return checked(check, _integer)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


positive_seconds = checked(config.REGEX_TIMEOUT, _seconds)
time_factor = checked(config.time_scale, _number)
chaos_settings = checked(config.chaos)
seconds_or_off = checked(config.REQUEST_TIMEOUT, _seconds)
"""Seconds, or 0 for no limit at all."""
api_key = checked(config.api_key)
allowed_host = checked(config.host_pattern)
scenario_location = checked(config.fixture_location)


def host_name(text: str) -> str:
    """The address to bind: a name or an IP address, brackets around IPv6 allowed."""
    host = text.strip().removeprefix("[").removesuffix("]")
    if not host or any(c.isspace() or c in "/?#@" for c in host):
        raise argparse.ArgumentTypeError(f"{text!r} is not a host name or address")
    return host


def plural(count: int, noun: str) -> str:
    """`1 rule`, `2 rules`, `0 files`: counts in messages read as English."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
