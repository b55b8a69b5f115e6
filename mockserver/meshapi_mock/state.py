"""Everything one fake server remembers, shared by the app and the Python handle."""

from __future__ import annotations

from .config import ServerConfig
from .ids import IdFactory
from .journal import Journal
from .scripting.rulebook import Rule, RuleBook
from .scripting.scenarios import load_all
from .scripting.spec import RuleSpec


class MockState:
    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self.rules = RuleBook()
        self.journal = Journal(
            self.config.journal_limit,
            max_bytes=self.config.journal_max_bytes,
            body_bytes=self.config.journal_body_bytes,
        )
        self.ids = IdFactory(self.config.seed, self.config.created)
        self.tokens = frozenset(self.config.tokens)
        self._startup_strict = self.config.strict
        # Validate the boot scenarios now, so a bad file fails at start, not per request.
        self._boot: list[tuple[str, RuleSpec]] = load_all(self.config.fixtures)
        self._load_boot_rules()

    def _load_boot_rules(self) -> None:
        self.rules.extend(
            Rule.from_spec(spec, source=path, loaded_at_start=True) for path, spec in self._boot
        )

    def reseed(self, seed: int) -> None:
        """Derive ids from another seed until the next reset (a per-test seed)."""
        self.ids = IdFactory(seed, self.config.created)

    def reset(self) -> None:
        """Back to how the server started: boot scenarios, strictness, empty journal, fresh ids."""
        self.config.strict = self._startup_strict
        self.rules.clear()
        self.journal.clear()
        self.ids = IdFactory(self.config.seed, self.config.created)
        self._load_boot_rules()
