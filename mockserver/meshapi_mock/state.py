"""Everything one fake server remembers, shared by the app and the Python handle.

`MockState` is the `Host` every endpoint is handed (`endpoints/base.py`): it sits above
the endpoints and the registry, whose endpoints it serves and whose scenario files it
loads at start."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from .catalogue import MODELS, Catalogue, load_file
from .clock import Clock
from .config import ServerConfig
from .delivery.control import DeliveryControl
from .ids import IdFactory
from .journal import Journal
from .registry import ENDPOINTS
from .scripting.rulebook import Rule, RuleBook
from .scripting.scenarios import load_files, rules_of
from .scripting.spec import RuleSpec

T = TypeVar("T")


class MockState:
    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self.endpoints = ENDPOINTS
        self.rules = RuleBook()
        self.journal = Journal(
            self.config.journal_limit,
            max_bytes=self.config.journal_max_bytes,
            body_bytes=self.config.journal_body_bytes,
        )
        self.ids = IdFactory(self.config.seed, self.config.created)
        self.tokens = frozenset(self.config.tokens)
        self.clock = Clock(self.config.created, time_scale=self.config.time_scale)
        self.delivery = DeliveryControl(self.config.time_scale, self.config.seed, self.config.chaos)
        self._stores: dict[str, Any] = {}
        self._startup_strict = self.config.strict
        # Validate the boot scenarios now, so a bad file fails at start, not per request.
        boot_files = load_files(self.config.fixtures)
        self._boot: list[tuple[str, RuleSpec]] = rules_of(boot_files)
        self._catalogue_files = [
            *(m for path in self.config.model_catalogue for m in load_file(path)),
            *(m for file in boot_files for m in file.models),
        ]
        self.catalogue = Catalogue((*MODELS, *self._catalogue_files))
        self._load_boot_rules()

    def _load_boot_rules(self) -> None:
        self.rules.extend(
            Rule.from_spec(spec, source=path, loaded_at_start=True) for path, spec in self._boot
        )

    def store(self, name: str, factory: Callable[[], T]) -> T:
        """The in-memory store of a stateful area (made on first use); reset empties it."""
        found = self._stores.get(name)
        if found is None:
            found = self._stores.setdefault(name, factory())
        return cast(T, found)

    def set_time_scale(self, time_scale: float) -> None:
        """Scripted waits and the clock run at this scale until the next reset."""
        self.delivery.time_scale = time_scale
        self.clock.set_time_scale(time_scale)

    def reseed(self, seed: int) -> None:
        """Derive ids from another seed until the next reset (a per-test seed)."""
        self.ids = IdFactory(seed, self.config.created)

    def reset(self) -> None:
        """Back to how the server started: boot scenarios, strictness, empty journal and
        stores, fresh ids, the clock at its epoch, chaos as configured; answers still
        waiting (a stall) end."""
        self.config.strict = self._startup_strict
        self.rules.clear()
        self.journal.clear()
        self.ids = IdFactory(self.config.seed, self.config.created)
        self.delivery.reset()
        self.clock.set_time_scale(self.delivery.time_scale)
        self.clock.reset()
        self._stores.clear()
        self.catalogue = Catalogue((*MODELS, *self._catalogue_files))
        self._load_boot_rules()
