"""Rules at run time: ordered, counted, thread-safe. First match wins."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .context import CallContext
from .spec import BaseMatch, BaseReply, RuleSpec

Predicate = Callable[[Any], bool]
"""Python-only match criterion: called with the validated request model."""
ReplyResult = BaseReply | str | Mapping[str, Any] | list[Any] | tuple[Any, ...]
ReplyFunction = Callable[[Any], ReplyResult | Awaitable[ReplyResult]]
"""Python-only reply: called with the validated request model. It returns the endpoint's
reply, a mapping of its fields, a str where the reply has text (chat: `text`) or a list
where it has one (chat: `tool_calls`, embeddings: `embeddings`)."""

_ids = itertools.count(1)


@dataclass(eq=False)
class Rule:
    """A scripted rule plus its counters. Returned by every scripting call."""

    match: BaseMatch
    reply: BaseReply | ReplyFunction
    times: int | None = 1
    name: str | None = None
    predicate: Predicate | None = None
    source: str = "python"
    endpoint: str = "chat"
    id: str = field(default_factory=lambda: f"rule_{next(_ids)}")
    call_count: int = 0
    seen: int = 0

    @classmethod
    def from_spec(cls, spec: RuleSpec, source: str = "python") -> Rule:
        times = spec.times if isinstance(spec.times, int) else None
        return cls(
            match=spec.match,
            reply=spec.reply,
            times=times,
            name=spec.name,
            source=source,
            endpoint=spec.endpoint,
        )

    @property
    def label(self) -> str:
        return f"{self.id} ({self.name})" if self.name else self.id

    @property
    def remaining(self) -> int | None:
        return None if self.times is None else max(self.times - self.call_count, 0)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.call_count >= self.times

    @property
    def called(self) -> bool:
        return self.call_count > 0

    def differences(self, ctx: CallContext) -> list[str]:
        """Reasons this rule does not answer `ctx`, ignoring `nth` and usage counts."""
        if self.endpoint != ctx.endpoint:
            return [f"endpoint: expected {self.endpoint!r}, got {ctx.endpoint!r}"]
        out = self.match.differences(ctx)
        if self.predicate is not None and not out and not self.predicate(ctx.request):
            out.append("predicate: returned False")
        return out

    def to_wire(self) -> dict[str, Any]:
        """JSON view for the admin API; Python-only parts are described, not dumped."""
        reply: Any
        if isinstance(self.reply, BaseReply):
            reply = self.reply.model_dump(mode="json", exclude_defaults=True)
        else:
            reply = {"python": getattr(self.reply, "__qualname__", repr(self.reply))}
        match = self.match.model_dump(mode="json", exclude_defaults=True)
        if self.predicate is not None:
            match["predicate"] = getattr(self.predicate, "__qualname__", repr(self.predicate))
        return {
            "id": self.id,
            "name": self.name,
            "source": self.source,
            "endpoint": self.endpoint,
            "match": match,
            "reply": reply,
            "times": self.times,
            "call_count": self.call_count,
            "remaining": self.remaining,
        }


@dataclass
class NearMiss:
    rule: Rule
    differences: list[str]


class RuleBook:
    def __init__(self) -> None:
        self._rules: list[Rule] = []
        self._lock = threading.Lock()

    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def extend(self, rules: Iterable[Rule]) -> list[Rule]:
        added = list(rules)
        with self._lock:
            self._rules.extend(added)
        return added

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules = []

    def __len__(self) -> int:
        return len(self._rules)

    def snapshot(self) -> list[Rule]:
        with self._lock:
            return list(self._rules)

    def select(self, ctx: CallContext) -> Rule | None:
        """Pick the first live rule that matches and count the use.

        `nth` counters advance for every rule whose other criteria hold, even when an
        earlier rule answers, so "the second weather question" means what it says.
        """
        with self._lock:
            winner: Rule | None = None
            for rule in self._rules:
                if rule.endpoint != ctx.endpoint:
                    continue
                if rule.match.nth is None and (winner is not None or rule.exhausted):
                    continue
                if rule.differences(ctx):
                    continue
                if rule.match.nth is not None:
                    rule.seen += 1
                    if rule.seen != rule.match.nth:
                        continue
                if winner is None and not rule.exhausted:
                    winner = rule
            if winner is not None:
                winner.call_count += 1
            return winner

    def near_misses(self, ctx: CallContext, limit: int = 3) -> list[NearMiss]:
        """The live rules closest to matching `ctx`, fewest differences first."""
        misses: list[NearMiss] = []
        for rule in self.snapshot():
            if rule.exhausted:
                diffs = [f"times: already used {rule.call_count} of {rule.times}"]
            elif not (diffs := rule.differences(ctx)) and rule.match.nth is not None:
                diffs = [f"nth: answers request #{rule.match.nth}, this was #{rule.seen}"]
            misses.append(NearMiss(rule, diffs))
        # Rules of other endpoints come last: they are never the near miss a tester means.
        misses.sort(key=lambda m: (m.rule.endpoint != ctx.endpoint, len(m.differences)))
        return misses[:limit]
