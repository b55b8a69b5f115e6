"""Settings of one fake server, shared by the app, the CLI and the runner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from .ids import DEFAULT_CREATED


@dataclass
class ServerConfig:
    """What a test or the CLI can tune; everything has a sensible default."""

    tokens: Sequence[str] = ()
    """Accepted bearer tokens; empty means any `rsk_`-prefixed token."""
    admin_token: str | None = None
    """Bearer key for `/_mock/*`. With it or `tokens` set, the admin API requires one of them."""
    allowed_hosts: Sequence[str] = ()
    """Extra `Host` names accepted besides the bound address and loopback names; `*` is any."""
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
    """Request-body bytes the journal keeps in all; older bodies are dropped first."""
    journal_body_bytes: int = 1024 * 1024
    """Bytes of one request body the journal keeps; a longer body is kept truncated."""
    max_body_bytes: int = 32 * 1024 * 1024
    request_timeout: float = 30.0
    """Seconds a client has to send a whole request (headers and body); then 408."""
    regex_timeout: float = 0.1
    """Seconds one rule's regex may spend on one request before it counts as that rule's error."""
    log_requests: bool = False
    """Log one line per request (method, path, status, rule, time) to the `meshapi_mock` logger."""
    fixtures: Sequence[str] = field(default_factory=tuple)
    """Scenario files, folders or bundled names loaded at start and on every reset."""
