"""`Mock`: the Python face of one fake — scripting, journal and reset in one object."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import config as config_checks
from .assertions import RequestAssertions
from .clock import Clock
from .delivery.chaos import Chaos, ChaosSpec
from .journal import Journal, JournalEntry
from .registry import BY_NAME
from .scripting.rulebook import Rule
from .scripting.scenarios import load_files, parse_rules, rules_of
from .scripting.script import Script
from .state import MockState

if TYPE_CHECKING:
    from .endpoints.audio.script import AudioScript
    from .endpoints.batches.script import BatchesScript
    from .endpoints.chat.script import ChatScript
    from .endpoints.compare.script import CompareScript
    from .endpoints.embeddings.script import EmbeddingsScript
    from .endpoints.files.script import FilesScript
    from .endpoints.images.script import ImagesScript
    from .endpoints.models import ModelsScript
    from .endpoints.moderations import ModerationsScript
    from .endpoints.realtime.script import RealtimeScript
    from .endpoints.responses.script import ResponsesScript
    from .endpoints.router import RouterScript
    from .endpoints.templates.script import TemplatesScript
    from .endpoints.videos.script import VideosScript
    from .endpoints.web_search import WebSearchScript


class Mock(RequestAssertions):
    """Script and inspect a fake server that runs in this process.

    Every registered endpoint has a scripting face named after it:
    `mock.chat.reply("Paris")`, `mock.models.when(operation="get").error(503)`, …
    """

    if TYPE_CHECKING:  # the faces `__getattr__` serves, spelled out for editors and mypy
        chat: ChatScript
        embeddings: EmbeddingsScript
        models: ModelsScript
        moderations: ModerationsScript
        web_search: WebSearchScript
        router: RouterScript
        responses: ResponsesScript
        templates: TemplatesScript
        compare: CompareScript
        images: ImagesScript
        files: FilesScript
        audio: AudioScript
        realtime: RealtimeScript
        batches: BatchesScript
        videos: VideosScript

    def __init__(self, state: MockState) -> None:
        self.state = state

    def __getattr__(self, name: str) -> Script[Any]:
        endpoint = BY_NAME.get(name)
        if endpoint is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return self.script(name)

    def script(self, endpoint: str) -> Script[Any]:
        """The scripting face of `endpoint` (a registry name such as 'chat')."""
        face = BY_NAME[endpoint].script
        return face(self.state.rules, journal=self.state.journal, state=self.state)

    @property
    def clock(self) -> Clock:
        """The fake's clock: `server.clock.advance(3)` moves background jobs on 3 seconds."""
        return self.state.clock

    @property
    def journal(self) -> Journal:
        """The request journal itself (limits, byte count); `requests` lists its entries."""
        return self.state.journal

    @property
    def requests(self) -> list[JournalEntry]:
        """The journal, oldest first (admin requests are not recorded)."""
        return self.state.journal.entries()

    @property
    def rules(self) -> list[Rule]:
        """Every rule, in the order they are tried (see `Rule` for precedence)."""
        return self.state.rules.snapshot()

    @property
    def strict(self) -> bool:
        return self.state.config.strict

    @strict.setter
    def strict(self, value: bool) -> None:
        self.state.config.strict = value

    @property
    def time_scale(self) -> float:
        """The factor every scripted wait is multiplied by: `ServerConfig.time_scale`,
        or what a test set until the next reset."""
        return self.state.delivery.time_scale

    @time_scale.setter
    def time_scale(self, value: float) -> None:
        scale = config_checks.time_scale(value)
        self.state.set_time_scale(scale)

    def chaos(
        self,
        faults: Mapping[str, float] | None = None,
        *,
        statuses: Mapping[int, float] | None = None,
        seed: int | None = None,
        endpoints: Sequence[str] | None = None,
        after_chunks: int | None = None,
        retry_after: float = 1,
    ) -> Chaos | None:
        """From now on, break answers at random: `server.chaos({"disconnect": 0.1},
        statuses={429: 0.05}, seed=7)`. Probabilities per request; the same seed gives
        the same faults in the same order. `server.chaos()` (nothing probable) ends it,
        as does a reset (back to the chaos the server started with)."""
        spec = ChaosSpec(
            faults=dict(faults or {}),
            statuses=dict(statuses or {}),
            seed=seed,
            endpoints=None if endpoints is None else list(endpoints),
            after_chunks=after_chunks,
            retry_after=retry_after,
        )
        return self.state.delivery.set_chaos(spec)

    def add_rules(self, document: Mapping[str, Any] | Sequence[Any]) -> list[Rule]:
        """Add rules given in the scenario-file shape (a dict or a list)."""
        specs = parse_rules(document, "add_rules()")
        return self.state.rules.extend(Rule.from_spec(s, source="python") for s in specs)

    def load(self, *locations: str | Path) -> list[Rule]:
        """Add the rules of scenario files, folders or bundled scenario names.

        They count as scripted by the test: at equal priority they come before the
        scenarios the server loaded at start (`ServerConfig.fixtures`). Models a file lists
        under `models:` join the catalogue until the next reset.
        """
        files = load_files(str(loc) for loc in locations)
        for file in files:  # a file's `models:` join the catalogue until reset
            for model in file.models:
                self.state.catalogue.add(model)
        return self.state.rules.extend(
            Rule.from_spec(s, source=p, loaded_at_start=False) for p, s in rules_of(files)
        )

    def clear_rules(self) -> None:
        self.state.rules.clear()

    def clear_requests(self) -> None:
        self.state.journal.clear()

    def reset(self) -> None:
        """Rules, journal, ids, clock and chaos back to how the server started; answers
        still waiting (a stall) end."""
        self.state.reset()

    def unused_rules(self) -> list[Rule]:
        """Rules scripted from Python or the admin API with uses left that never answered."""
        return [
            r
            for r in self.rules
            if r.source in ("python", "admin") and r.times is not None and r.call_count == 0
        ]

    def unmatched_requests(self) -> list[JournalEntry]:
        """Requests that strict mode refused because no rule matched."""
        return [e for e in self.requests if e.error_code == "no_matching_rule"]
