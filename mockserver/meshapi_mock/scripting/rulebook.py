"""Rules at run time: ordered, counted, thread-safe. First match wins."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..delivery.spec import FaultSpec, TimingSpec
from .context import CallContext
from .patterns import RegexTimeout, regex_budget, regexes_deferred, timeouts_reported
from .spec import BaseMatch, BaseReply, RuleSpec

Predicate = Callable[[Any], bool]
"""Python-only match criterion: called with the validated request model."""
ReplyResult = BaseReply | str | Mapping[str, Any] | list[Any] | tuple[Any, ...]
ReplyFunction = Callable[[Any], ReplyResult | Awaitable[ReplyResult]]
"""Python-only reply: called with the validated request model. It returns the endpoint's
reply, a mapping of its fields, a str where the reply has text (chat: `text`) or a list
where it has one (chat: `tool_calls`, embeddings: `embeddings`)."""

_ids = itertools.count(1)


SCRIPTED_SOURCES = ("python", "admin")
"""Sources of rules a test scripts itself; any other source is a scenario file's path."""


@dataclass(eq=False)
class Rule:
    """A scripted rule plus its counters. Returned by every scripting call.

    Rules are tried in precedence order: higher `priority` first (default 0; negative for
    fallbacks); at equal priority, rules a test scripts (Python, the admin API, a per-test
    `load`) before scenarios loaded at start (`loaded_at_start`); then in the order added.
    """

    match: BaseMatch
    reply: BaseReply | ReplyFunction | None
    """None: the answer default mode would give (a rule that only times or breaks it)."""
    times: int | None = 1
    name: str | None = None
    predicate: Predicate | None = None
    source: str = "python"
    endpoint: str = "chat"
    priority: int = 0
    loaded_at_start: bool = False
    timing: TimingSpec | None = None
    fault: FaultSpec | None = None
    id: str = field(default_factory=lambda: f"rule_{next(_ids)}")
    call_count: int = 0
    seen: int = 0

    @cached_property
    def matches_any_request(self) -> bool:
        """No criterion is set (`nth` aside, which selection counts apart): a catch-all,
        which selection need not ask about each request."""
        return all(value is None for name, value in self.match.__dict__.items() if name != "nth")

    @cached_property
    def uses_regex(self) -> bool:
        """Whether matching runs a regex (and so may take up to the regex budget)."""
        return self.match.uses_regex()

    @classmethod
    def from_spec(
        cls, spec: RuleSpec, source: str = "python", *, loaded_at_start: bool | None = None
    ) -> Rule:
        """The runtime rule of `spec`. Without `loaded_at_start`, a file path as `source`
        means a scenario loaded at start (`Mock.load` says otherwise for a test's files)."""
        times = spec.times if isinstance(spec.times, int) else None
        if loaded_at_start is None:
            loaded_at_start = source not in SCRIPTED_SOURCES
        return cls(
            match=spec.match,
            reply=spec.reply,
            times=times,
            name=spec.name,
            source=source,
            endpoint=spec.endpoint,
            priority=spec.priority,
            loaded_at_start=loaded_at_start,
            timing=spec.timing,
            fault=spec.fault,
        )

    @property
    def precedence(self) -> tuple[int, bool]:
        """Sort key of the order rules are tried in (ties keep the order added)."""
        return (-self.priority, self.loaded_at_start)

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

    def differences(self, ctx: CallContext, *, every: bool = False) -> list[str]:
        """Reasons this rule does not answer `ctx`, ignoring `nth` and usage counts.

        Selection decides cheaply first: the criteria without regexes, then the
        predicate, and only when all of those hold the regexes, sharing
        `ctx.regex_timeout`. With `every` (near-miss reports) all criteria are checked
        and a regex that runs out of time is one more difference.

        Raises `RuleError` when the rule cannot tell: its predicate raised, or (selecting)
        its regexes ran out of their budget.
        """
        if self.endpoint != ctx.endpoint:
            return [f"endpoint: expected {self.endpoint!r}, got {ctx.endpoint!r}"]
        if self.matches_any_request:
            return self._predicate_differences(ctx)
        if every:
            with regex_budget(ctx.regex_timeout), timeouts_reported():
                return self.match.differences(ctx) or self._predicate_differences(ctx)
        if not self.uses_regex:
            return self.match.differences(ctx) or self._predicate_differences(ctx)
        with regexes_deferred():
            cheap = self.match.differences(ctx)
        if cheap:
            return cheap
        if unmet := self._predicate_differences(ctx):
            return unmet
        try:
            with regex_budget(ctx.regex_timeout):
                return self.match.differences(ctx)
        except RegexTimeout as exc:
            raise RuleError(self, str(exc)) from None

    def _predicate_differences(self, ctx: CallContext) -> list[str]:
        if self.predicate is None:
            return []
        try:
            held = self.predicate(ctx.request)
        except Exception as exc:
            raise RuleError(self, f"its predicate raised {exc!r}") from exc
        return [] if held else ["predicate: returned False"]

    def to_wire(self) -> dict[str, Any]:
        """JSON view for the admin API; Python-only parts are described, not dumped."""
        reply: Any
        if self.reply is None:
            reply = None
        elif isinstance(self.reply, BaseReply):
            reply = self.reply.model_dump(mode="json", exclude_defaults=True, by_alias=True)
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
            **{
                name: spec.model_dump(mode="json", exclude_defaults=True)
                for name, spec in (("timing", self.timing), ("fault", self.fault))
                if spec is not None
            },
            "times": self.times,
            "priority": self.priority,
            "loaded_at_start": self.loaded_at_start,
            "call_count": self.call_count,
            "remaining": self.remaining,
        }


class RuleError(Exception):
    """A rule could not tell whether it matches: the test's bug, reported with the rule."""

    def __init__(self, rule: Rule, reason: str) -> None:
        self.rule, self.reason = rule, reason
        super().__init__(f"{rule.label}: {reason}")


@dataclass
class NearMiss:
    rule: Rule
    differences: list[str]


class RuleBook:
    """The rules in the order they are tried (`Rule.precedence`, then the order added);
    selection counts uses exactly under threads.

    The rules are an immutable tuple replaced on every change, so matching — which may
    run a rule's regexes for up to the budget — reads it without the lock; only deciding
    the winner and counting takes the lock, briefly (see `select`).
    """

    def __init__(self) -> None:
        self._rules: tuple[Rule, ...] = ()
        self._regex_endpoints: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def _replace(self, rules: Iterable[Rule]) -> None:
        """Install a new rule tuple in precedence order; call with the lock held."""
        self._rules = tuple(sorted(rules, key=lambda rule: rule.precedence))  # stable
        self._regex_endpoints = frozenset(r.endpoint for r in self._rules if r.uses_regex)

    def add(self, rule: Rule) -> Rule:
        self.extend([rule])
        return rule

    def extend(self, rules: Iterable[Rule]) -> list[Rule]:
        added = list(rules)
        with self._lock:
            self._replace((*self._rules, *added))
        return added

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            before = len(self._rules)
            self._replace(r for r in self._rules if r.id != rule_id)
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._replace(())

    def __len__(self) -> int:
        return len(self._rules)

    def snapshot(self) -> list[Rule]:
        return list(self._rules)

    def uses_regex(self, endpoint: str) -> bool:
        """Whether a rule of `endpoint` matches by regex, so selecting may take the budget."""
        return endpoint in self._regex_endpoints

    def select(self, ctx: CallContext) -> Rule | None:
        """Pick the first live rule that matches and count the use.

        `nth` counters advance for every rule whose other criteria hold, even when an
        earlier rule answers, so "the second weather question" means what it says.

        Matching runs outside the lock, each rule at most once per request; the lock is
        held only to decide and count. If another request used a rule up (or the rules
        changed) in between, the rules still needed are matched and the decision retried.
        Raises `RuleError` for a rule that cannot tell whether it matches.
        """
        verdicts: dict[Rule, bool] = {}
        while True:
            rules = self._rules
            self._match(rules, ctx, verdicts)
            with self._lock:
                if self._rules is not rules:
                    continue
                decision = _decide(rules, ctx, verdicts)
                if decision is None:
                    continue
                winner, counted = decision
                for rule in counted:
                    rule.seen += 1
                if winner is not None:
                    winner.call_count += 1
                return winner

    @staticmethod
    def _match(rules: tuple[Rule, ...], ctx: CallContext, verdicts: dict[Rule, bool]) -> None:
        """Match the rules the decision will ask about (a guess the lock then checks)."""
        answered = False
        for rule in rules:
            if rule.endpoint != ctx.endpoint:
                continue
            nth = rule.match.nth
            if nth is None and (answered or rule.exhausted):
                continue
            verdict = verdicts.get(rule)
            if verdict is None:
                verdict = verdicts[rule] = not rule.differences(ctx)
            if verdict and not rule.exhausted and (nth is None or rule.seen + 1 == nth):
                answered = True

    def near_misses(self, ctx: CallContext, limit: int = 3) -> list[NearMiss]:
        """The live rules closest to matching `ctx`, fewest differences first."""
        misses: list[NearMiss] = []
        for rule in self.snapshot():
            if rule.exhausted:
                diffs = [f"times: already used {rule.call_count} of {rule.times}"]
            else:
                try:
                    diffs = rule.differences(ctx, every=True)
                except RuleError as exc:
                    diffs = [exc.reason]
                if not diffs and rule.match.nth is not None:
                    diffs = [f"nth: answers request #{rule.match.nth}, this was #{rule.seen}"]
            misses.append(NearMiss(rule, diffs))
        # Rules of other endpoints come last: they are never the near miss a tester means.
        misses.sort(key=lambda m: (m.rule.endpoint != ctx.endpoint, len(m.differences)))
        return misses[:limit]


def _decide(
    rules: tuple[Rule, ...], ctx: CallContext, verdicts: dict[Rule, bool]
) -> tuple[Rule | None, list[Rule]] | None:
    """The winner and the `nth` rules to count, or None if a needed rule is unmatched.

    Called with the lock held, so use counts are exact; changes nothing itself.
    """
    winner: Rule | None = None
    counted: list[Rule] = []
    for rule in rules:
        if rule.endpoint != ctx.endpoint:
            continue
        nth = rule.match.nth
        if nth is None and (winner is not None or rule.exhausted):
            continue
        verdict = verdicts.get(rule)
        if verdict is None:
            return None
        if not verdict:
            continue
        if nth is not None:
            counted.append(rule)
            if rule.seen + 1 != nth:
                continue
        if winner is None and not rule.exhausted:
            winner = rule
    return winner, counted
