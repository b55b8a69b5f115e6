"""Settings of one fake server, shared by the app, the CLI and the runner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .ids import DEFAULT_CREATED


@dataclass
class ServerConfig:
    """What a test or the CLI can tune; everything has a sensible default."""

    tokens: Sequence[str] = ()
    """Accepted bearer tokens; empty means any `rsk_`-prefixed token."""
    strict: bool = False
    """Unmatched requests get a `no_matching_rule` error instead of a synthetic reply."""
    seed: int = 0
    created: int = DEFAULT_CREATED
    journal_limit: int = 1000
    max_body_bytes: int = 32 * 1024 * 1024
    fixtures: Sequence[str] = field(default_factory=tuple)
    """Scenario files, folders or bundled names loaded at start and on every reset."""
