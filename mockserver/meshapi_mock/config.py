"""Settings of one fake server, shared by the app, the CLI and the runner.

Every setting is checked when a `ServerConfig` is made, by the same checks the CLI's
argument types call (`cli_args.py`), so the command line and Python cannot drift apart
and no setting turns into a surprise at request time: a wrong type is a `TypeError`
(a bare string where a list belongs, too), a value out of range a `ValueError`.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from .ids import DEFAULT_CREATED

MAX_JOURNAL_LIMIT = 1_000_000
"""More entries than this is no test's journal; it would only hold memory."""
SEED_RANGE = (-(2**127), 2**127 - 1)
"""Seeds key a 16-byte hash (`ids.py`)."""


# --- the checks, one per kind of setting; the CLI's argument types call them too ------


def api_key(value: object) -> str:
    """A bearer key: printable ASCII without spaces, the bytes an `Authorization` header
    carries unchanged, so every client sends it and both auth paths read it alike."""
    if not isinstance(value, str):
        raise TypeError(f"a key is a string, not {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{value!r} is empty: a key needs at least one character")
    odd = sorted({c for c in value if not "!" <= c <= "~"})
    if odd:
        shown = ", ".join(repr(c) for c in odd[:5])
        raise ValueError(
            f"{value!r} has characters a bearer key cannot carry ({shown}): "
            "use printable ASCII without spaces"
        )
    return value


_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")


def host_pattern(value: object) -> str:
    """A name the `Host` header may carry (lower-cased): a DNS name, an IP address, `*`
    (any) or `*.example.com` (any name under example.com)."""
    if not isinstance(value, str):
        raise TypeError(f"a host name is a string, not {type(value).__name__}")
    name = value.strip().lower()
    if name == "*":
        return name
    wildcard = name.startswith("*.")
    bare = name.removeprefix("*.").removeprefix("[").removesuffix("]").rstrip(".")
    if not wildcard and _is_ip(bare):
        return bare
    labels = bare.split(".")
    if bare and len(bare) <= 253 and all(_LABEL.fullmatch(label) for label in labels):
        return f"*.{bare}" if wildcard else bare
    raise ValueError(
        f"{value!r} is not a host name: give a name or address alone, like example.com, "
        "192.168.1.5 or *.example.com (no scheme, port or path), or * for any"
    )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def whole_number(minimum: int, maximum: int | None = None) -> Callable[[object], int]:
    """A check for an `int` (not a bool) in `minimum..maximum`."""

    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"expected a whole number, not {type(value).__name__}")
        if value < minimum:
            raise ValueError(f"{value} must be at least {minimum}")
        if maximum is not None and value > maximum:
            raise ValueError(f"{value} must be at most {maximum}")
        return value

    return check


def seconds(*, off: bool = False) -> Callable[[object], float]:
    """A check for a positive, finite number of seconds; with `off`, 0 (no limit) too."""

    def check(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"expected a number of seconds, not {type(value).__name__}")
        if off and value == 0:
            return 0.0
        if not math.isfinite(value) or value <= 0:
            what = "0 (no limit) or a positive" if off else "a positive"
            raise ValueError(f"{value!r} must be {what}, finite number of seconds")
        return float(value)

    return check


def flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected True or False, not {type(value).__name__}")
    return value


def sequence_of(item: Callable[[object], Any], what: str) -> Callable[[object], tuple[Any, ...]]:
    """A check for a list (tuple, set…) of `what`, each passing `item`; a bare string is
    refused: iterating it would make every character an entry."""

    def check(value: object) -> tuple[Any, ...]:
        single = isinstance(value, str | bytes | os.PathLike | Mapping)
        if single or not isinstance(value, Iterable):
            raise TypeError(
                f"expected a list of {what}, not {type(value).__name__} (write [{value!r}] for one)"
            )
        return tuple(item(entry) for entry in value)

    return check


def optional(item: Callable[[object], Any]) -> Callable[[object], Any]:
    return lambda value: None if value is None else item(value)


def fixture_location(value: object) -> str:
    """A scenario file, folder or bundled name (a path object is taken as its text)."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise TypeError(f"a scenario location is a path or a name, not {type(value).__name__}")
    if not value.strip():
        raise ValueError("an empty scenario location names nothing")
    return value


def file_path(value: object) -> str:
    """A file's path (a path object is taken as its text)."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise TypeError(f"a file is named by a path, not {type(value).__name__}")
    if not value.strip():
        raise ValueError("an empty path names no file")
    return value


def one_of(*choices: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if not isinstance(value, str):
            raise TypeError(f"expected one of {', '.join(map(repr, choices))}, not {value!r}")
        if value not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(map(repr, choices))}")
        return value

    return check


MAX_TIME_SCALE = 1000.0
MIN_TIME_SCALE = 1e-4
"""Below this the fake's clock would run past dates a timestamp can hold within hours."""


def time_scale(value: object) -> float:
    """A factor for every scripted wait: positive and finite, at most `MAX_TIME_SCALE`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, not {type(value).__name__}")
    if not math.isfinite(value) or not MIN_TIME_SCALE <= value <= MAX_TIME_SCALE:
        raise ValueError(f"{value!r} must be from {MIN_TIME_SCALE:g} to {MAX_TIME_SCALE:g}")
    return float(value)


def chaos(value: object) -> Any:
    """Chaos settings: a `ChaosSpec`, its JSON shape as a mapping, the CLI's
    `disconnect=0.1,429=0.05` text, or None (no chaos)."""
    from pydantic import ValidationError

    from .delivery.chaos import ChaosSpec, parse_chaos  # rule vocabulary: imported late

    if value is None or isinstance(value, ChaosSpec):
        return value
    if not isinstance(value, str | Mapping):
        raise TypeError(f"expected chaos settings, not {type(value).__name__}")
    try:
        return parse_chaos(value) if isinstance(value, str) else ChaosSpec.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        raise ValueError(f"{where}: {message}" if where else message) from None


MODEL_MODES = ("strict", "known-providers", "any")
JOURNAL_LIMIT = whole_number(1, MAX_JOURNAL_LIMIT)
BYTE_COUNT = whole_number(0)
SEED = whole_number(*SEED_RANGE)
REQUEST_TIMEOUT = seconds(off=True)
REGEX_TIMEOUT = seconds()


@dataclass
class ServerConfig:
    """What a test or the CLI can tune; everything has a sensible default."""

    tokens: Collection[str] = ()
    """Accepted bearer tokens; empty means any `rsk_`-prefixed token."""
    admin_token: str | None = None
    """Bearer key for `/_mock/*`. With it or `tokens` set, the admin API requires one of them."""
    allowed_hosts: Collection[str] = ()
    """Extra `Host` names accepted besides the bound address and loopback names; `*` is
    any, `*.example.com` any name under example.com."""
    strict: bool = False
    """Unmatched requests get a `no_matching_rule` error instead of a synthetic reply."""
    models: Literal["strict", "known-providers", "any"] = "known-providers"
    """Which model ids requests may name (`model_check.py`): `known-providers` answers any
    `provider/name` of a catalogue provider (marking ids outside the catalogue in the
    journal) and rejects the rest with 404 `model_not_found`; `strict` rejects every id
    outside the catalogue; `any` accepts anything, as the fake did before."""
    model_catalogue: Sequence[str] = ()
    """Model catalogue files (YAML or JSON lists of ids or model objects) added to the
    built-in catalogue at start and on every reset."""
    seed: int = 0
    created: int = DEFAULT_CREATED
    journal_limit: int = 1000
    """Requests kept in the journal; the oldest go first."""
    journal_max_bytes: int = 64 * 1024 * 1024
    """Request bytes (heads and bodies) the journal keeps in all; the oldest requests lose
    their bodies and heads first."""
    journal_body_bytes: int = 1024 * 1024
    """Bytes of one request body the journal keeps; a longer body is kept truncated."""
    max_body_bytes: int = 32 * 1024 * 1024
    responses_max_bytes: int = 64 * 1024 * 1024
    """Bytes of created responses (with the input they continue) the fake keeps for
    `GET /v1/responses/{id}` and `previous_response_id`; the oldest are forgotten first."""
    request_timeout: float = 30.0
    """Seconds a client has to send a whole request (headers and body); then 408. 0: off."""
    regex_timeout: float = 0.1
    """Seconds one rule's regex may spend on one request before it counts as that rule's error."""
    log_requests: bool = False
    """Log one line per request (method, path, status, rule, time) to the `meshapi_mock` logger."""
    fixtures: Collection[str] = field(default_factory=tuple)
    """Scenario files, folders or bundled names loaded at start and on every reset."""
    time_scale: float = 1.0
    """Multiplies every scripted wait (`timing`): 0.01 runs a slow stream a hundred
    times faster in a suite, 1 keeps it as scripted for a demo."""
    chaos: Any = None
    """Faults and error statuses drawn at random for every request (`delivery/chaos.py`):
    a `ChaosSpec`, its JSON shape, or `disconnect=0.1,429=0.05`; None for none."""

    def __post_init__(self) -> None:
        for setting in fields(self):
            check = CHECKS[setting.name]
            try:
                setattr(self, setting.name, check(getattr(self, setting.name)))
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"ServerConfig.{setting.name}: {exc}") from None


CHECKS: dict[str, Callable[[object], Any]] = {
    "tokens": sequence_of(api_key, "keys"),
    "admin_token": optional(api_key),
    "allowed_hosts": sequence_of(host_pattern, "host names"),
    "strict": flag,
    "models": one_of(*MODEL_MODES),
    "model_catalogue": sequence_of(file_path, "model catalogue files"),
    "seed": SEED,
    "created": whole_number(0),
    "journal_limit": JOURNAL_LIMIT,
    "journal_max_bytes": BYTE_COUNT,
    "journal_body_bytes": BYTE_COUNT,
    "max_body_bytes": whole_number(1),
    "responses_max_bytes": BYTE_COUNT,
    "request_timeout": REQUEST_TIMEOUT,
    "regex_timeout": REGEX_TIMEOUT,
    "log_requests": flag,
    "fixtures": sequence_of(fixture_location, "scenario files, folders or names"),
    "time_scale": time_scale,
    "chaos": chaos,
}
"""How each setting is checked (and normalised: lists become tuples)."""
