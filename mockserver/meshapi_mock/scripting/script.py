"""The Python scripting face every endpoint shares: narrow with `when`, then answer.

    mock.embeddings.when(model="openai/*").error(503, retry_after=1)
    mock.moderations.respond(lambda request: {"flagged": True})
    mock.chat.timing(first_chunk=0.2, interval=0.05).reply("slowly, word by word")
    mock.chat.when(stream=True).with_fault("disconnect", after_chunks=3).reply("cut short")
    mock.responses.fault("reset")

An endpoint's own script subclasses `Script`, adds a typed `when` and its reply verbs
(`mock.chat.reply("Paris")`). Every verb builds the same rule a scenario file or the
admin API would, adds it to the rule book and returns the live `Rule`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import TypeAdapter
from typing_extensions import Self

from ..delivery.spec import FaultKind, FaultSpec, TimingSpec
from .rulebook import Predicate, ReplyFunction, Rule, RuleBook
from .spec import BaseMatch, BaseReply, ErrorSpec, Priority, check_operation, parse_times
from .wire_values import EncodableText

M = TypeVar("M", bound=BaseMatch)
Times = int | None
_NAME: TypeAdapter[str | None] = TypeAdapter(EncodableText | None)
_PRIORITY: TypeAdapter[int] = TypeAdapter(Priority)


class Script(Generic[M]):
    """Scripts one endpoint. Each subclass adds a typed `when(...)` that narrows via `_narrow`,
    and the reply verbs of its vocabulary; `error`, `respond`, `reply_with`, `default` and
    `fault` are shared, as are the delivery modifiers `timing` and `with_fault`."""

    endpoint: ClassVar[str]
    match_model: ClassVar[type[BaseMatch]]
    reply_model: ClassVar[type[BaseReply]]
    operations: ClassVar[tuple[str, ...] | None] = None
    """The endpoint's operation names, which `when(operation=...)` must be one of: its
    declaration (`endpoints.base.Endpoint`) sets them, so this face needs no registry."""

    def __init__(
        self,
        book: RuleBook,
        match: M | None = None,
        predicate: Predicate | None = None,
        journal: Any = None,
        state: Any = None,
    ) -> None:
        self._book = book
        self._match: BaseMatch = match if match is not None else self.match_model()
        self._predicate = predicate
        self._journal = journal
        self._state = state
        """The fake's `MockState`, for faces of stateful areas (stored templates)."""
        self._timing: TimingSpec | None = None
        self._fault: FaultSpec | None = None

    def _narrow(self, criteria: Mapping[str, Any], predicate: Predicate | None) -> Self:
        merged = self._match.model_dump(exclude_defaults=True)
        merged.update({k: v for k, v in criteria.items() if v is not None})
        match = self.match_model.model_validate(merged)
        check_operation(self.endpoint, match.operation, self.operations)
        if predicate is not None and self._predicate is not None:
            first, second = self._predicate, predicate
            predicate = lambda request: first(request) and second(request)  # noqa: E731
        predicate = predicate or self._predicate
        narrowed = copy.copy(self)
        narrowed._match, narrowed._predicate = match, predicate
        return narrowed

    # ----------------------------------------------------------------- delivery

    def timing(
        self,
        *,
        delay: float = 0,
        first_chunk: float = 0,
        interval: float | None = None,
        tokens_per_second: float | None = None,
        jitter: float = 0,
        keep_alive: float | None = None,
    ) -> Self:
        """Rules added from here send their answer on this timing (seconds, scaled by the
        server's `time_scale`): `delay` before the headers, `first_chunk` after them, then
        `interval` between SSE frames (or `tokens_per_second`), varied by `jitter`."""
        timed = copy.copy(self)
        timed._timing = TimingSpec(
            delay=delay,
            first_chunk=first_chunk,
            interval=interval,
            tokens_per_second=tokens_per_second,
            jitter=jitter,
            keep_alive=keep_alive,
        )
        return timed

    def with_fault(self, kind: FaultKind, **options: Any) -> Self:
        """Rules added from here break their answer so (see `FAULTS`): `after_chunks`,
        `before_headers`, `seconds` (stall), `status`, `code`, `message`, `done_after`,
        `retry_after`."""
        faulty = copy.copy(self)
        faulty._fault = FaultSpec(kind=kind, **options)
        return faulty

    # ----------------------------------------------------------------- verbs

    def error(
        self,
        status: int,
        *,
        code: str | None = None,
        message: str | None = None,
        details: Sequence[Mapping[str, Any]] | None = None,
        retry_after: float | None = None,
        provider_error: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Answer with an HTTP error in the MeshAPI envelope."""
        error = ErrorSpec(
            status=status,
            code=code,
            message=message,
            details=[dict(d) for d in details] if details is not None else None,
            retry_after=retry_after,
            provider_error=dict(provider_error) if provider_error is not None else None,
            headers=dict(headers) if headers is not None else None,
        )
        return self._add({"error": error}, times, name, priority)

    def respond(
        self,
        function: ReplyFunction,
        *,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Build the reply from the request: return the reply's dict (or the reply model)."""
        return self._add_rule(function, times, name, priority)

    def reply_with(
        self, *, times: Times = 1, name: str | None = None, priority: int = 0, **reply: Any
    ) -> Rule:
        """Answer with the endpoint's reply fields, as a scenario file would spell them."""
        return self._add(reply, times, name, priority)

    def default(self, *, times: Times = 1, name: str | None = None, priority: int = 0) -> Rule:
        """Answer as default mode would, on this script's timing and fault:
        `mock.chat.timing(interval=0.05).default(times=None)` slows every answer."""
        return self._add_rule(None, times, name, priority)

    def fault(
        self,
        kind: FaultKind,
        *,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
        **options: Any,
    ) -> Rule:
        """Answer as default mode would, broken by this fault: `mock.chat.fault("reset")`.
        To break a scripted answer, `with_fault(kind).reply(...)`."""
        return self.with_fault(kind, **options).default(times=times, name=name, priority=priority)

    # ----------------------------------------------------------------- journal

    @property
    def requests(self) -> list[Any]:
        """Journal entries of this endpoint that got past authentication, oldest first."""
        if self._journal is None:
            return []
        return [e for e in self._journal.entries() if e.endpoint == self.endpoint and e.authorized]

    @property
    def call_count(self) -> int:
        return len(self.requests)

    def assert_called(self, times: int | None = None) -> None:
        """At least one request to this endpoint, or exactly `times`."""
        __tracebackhide__ = True
        count = self.call_count
        if (times is None and count == 0) or (times is not None and count != times):
            wanted = "at least one" if times is None else str(times)
            raise AssertionError(f"Expected {wanted} {self.endpoint} request(s); got {count}.")

    def assert_not_called(self) -> None:
        __tracebackhide__ = True
        self.assert_called(times=0)

    # ----------------------------------------------------------------- plumbing

    def _add(
        self, reply: Mapping[str, Any], times: Times, name: str | None, priority: int = 0
    ) -> Rule:
        spec = self.reply_model.model_validate({k: v for k, v in reply.items() if v is not None})
        return self._add_rule(spec, times, name, priority)

    def _add_rule(
        self,
        reply: BaseReply | ReplyFunction | None,
        times: Times,
        name: str | None,
        priority: int = 0,
    ) -> Rule:
        rule = Rule(
            match=self._match,
            reply=reply,
            times=parse_times(times),
            name=_NAME.validate_python(name),
            predicate=self._predicate,
            endpoint=self.endpoint,
            priority=_PRIORITY.validate_python(priority),
            timing=self._timing,
            fault=self._fault,
        )
        return self._book.add(rule)
