"""The rule model's shared parts: one shape for Python, scenario files and the admin API.

A rule is an `endpoint` (which area of the API; chat when absent), a `match` (which
requests), a `reply` (what to answer), `times` (how often; once by default,
`null`/"unlimited" for ever) and `priority` (which rules are tried first). Each endpoint
module extends `BaseMatch` and `BaseReply` with its own vocabulary; this module holds
what every endpoint shares. Python-only extras — a match predicate and a callable
reply — live on the runtime `Rule`, so that everything here round-trips through JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, Field, field_validator, model_validator
from typing_extensions import Self

from ..delivery.spec import FaultSpec, TimingSpec
from .base import Spec as Spec
from .matching import common_differences
from .text_match import TextCriterion as TextCriterion
from .text_match import TextMatch as TextMatch
from .wire_values import (
    RETRY_HEADERS,
    EncodableText,
    JsonObject,
    ResponseHeaders,
    RetryAfter,
    header_name_problem,
    model_text_problem,
)

if TYPE_CHECKING:
    from .context import CallContext


S = TypeVar("S", bound=Spec)


def string_shorthand(schema: dict[str, Any]) -> None:
    """Tell editors that a plain string is accepted too (see the before-validators)."""
    options = schema.get("anyOf")
    if isinstance(options, list):
        options.insert(0, {"type": "string"})


class ErrorSpec(Spec):
    status: Annotated[int, Field(ge=400, le=599)]
    code: str | None = None
    message: str | None = None
    details: list[JsonObject] | None = None
    retry_after: RetryAfter | None = Field(
        default=None,
        description="Seconds (at most a day). `Retry-After` and `retry_after_seconds` say "
        "it in whole seconds, rounded up; `retry-after-ms` in milliseconds.",
    )
    provider_error: JsonObject | None = None
    headers: ResponseHeaders | None = Field(
        default=None,
        description="Extra response headers. Names are HTTP tokens; values latin-1 without "
        "control characters; framing headers, `content-type`, `date`, `server` and "
        "`x-request-id` are the fake's own; `retry-after` only without `retry_after`.",
    )

    @model_validator(mode="after")
    def _one_retry_after(self) -> ErrorSpec:
        scripted = sorted(RETRY_HEADERS & set(self.headers or {}))
        if self.retry_after is not None and scripted:
            raise ValueError(
                f"give 'retry_after' or the header {scripted[0]!r}, not both: 'retry_after' "
                "sets Retry-After, retry-after-ms and retry_after_seconds to agree"
            )
        return self


class BaseMatch(Spec):
    """Criteria every endpoint understands. Every field given must hold; none matches all."""

    operation: str | None = Field(
        default=None, description="Only this operation of the endpoint (e.g. 'list', 'get')."
    )
    model: str | None = Field(
        default=None, description="Exact model id or a glob such as 'openai/*'."
    )
    headers: dict[str, str | TextMatch] | None = Field(
        default=None, description="Header values; a plain string must be equal (names ignore case)."
    )
    nth: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="Only the n-th request (1-based) that meets the other criteria."
    )

    @field_validator("headers", mode="after")
    @classmethod
    def _matchable_names(
        cls, headers: dict[str, str | TextMatch] | None
    ) -> dict[str, str | TextMatch] | None:
        """A name no request can carry would make the rule silently never match."""
        seen: set[str] = set()
        for name in headers or {}:
            if problem := header_name_problem(name):
                raise ValueError(f"{problem}: no request can have it")
            if name.lower() in seen:
                raise ValueError(f"header {name.lower()!r} is given twice (names ignore case)")
            seen.add(name.lower())
        return headers

    @model_validator(mode="after")
    def _encodable(self) -> Self:
        return _refuse_unsendable_text(self)

    def uses_regex(self) -> bool:
        """Whether any criterion is a regex: matching may then take up to the regex budget."""
        return _has_regex(self)

    def differences(self, ctx: CallContext) -> list[str]:
        """Why this match does not hold for `ctx`; empty when it does. Endpoints extend it."""
        return common_differences(self.operation, self.model, self.headers, ctx)


class BaseReply(Spec):
    """What every endpoint can answer: an error in the MeshAPI envelope."""

    text_field: ClassVar[str | None] = None
    """The field a Python reply function's returned `str` fills (chat: `text`); None: refused."""
    list_field: ClassVar[str | None] = None
    """The field a returned list fills (embeddings: `embeddings`); None: a list is refused."""

    error: ErrorSpec | None = None

    @model_validator(mode="after")
    def _encodable(self) -> Self:
        return _refuse_unsendable_text(self)


def _has_regex(value: Any) -> bool:
    if isinstance(value, TextMatch):
        return value.regex is not None
    if isinstance(value, BaseModel):
        return any(_has_regex(v) for v in value.__dict__.values())
    if isinstance(value, dict):
        return any(_has_regex(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_regex(v) for v in value)
    return False


def _refuse_unsendable_text(spec: S) -> S:
    """Every string of a rule reaches the wire somewhere (a reply, a listing, a report)."""
    if problem := model_text_problem(spec):
        raise ValueError(problem)
    return spec


MAX_PRIORITY = 1_000_000
Priority = Annotated[int, Field(strict=True, ge=-MAX_PRIORITY, le=MAX_PRIORITY)]
"""Higher is tried first; 0 by default; negative for fallbacks (see `Rule`)."""


def parse_times(value: Any) -> int | None:
    """`times`: a positive count, or `None`/'unlimited' for a rule that never runs out."""
    if value is None or value == "unlimited":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("times must be a positive integer, null or 'unlimited'")
    return value


def check_operation(endpoint: str, operation: str | None, known: tuple[str, ...] | None) -> None:
    """A rule's `match.operation` must name one of its endpoint's operations (`known`; None
    where they are not known, as on the base `RuleSpec`): a typo would otherwise make a rule
    that silently never matches."""
    if known is not None and operation is not None and operation not in known:
        names = ", ".join(repr(name) for name in known)
        raise ValueError(
            f"the {endpoint} endpoint has no operation {operation!r}; expected one of {names}"
        )


class RuleSpec(Spec):
    """One rule. Each endpoint has its own subclass (see `registry.rule_model`)."""

    operations: ClassVar[tuple[str, ...] | None] = None
    """The names of the endpoint's operations, which `match.operation` must be one of: the
    registry gives each endpoint's rule model its own, so this model needs no registry."""

    name: EncodableText | None = None
    endpoint: str = "chat"
    match: BaseMatch
    reply: BaseReply | None = Field(
        default=None,
        description="What to answer; absent: what default mode would (with `timing` or "
        "`fault`, a slow or broken default answer).",
    )
    timing: TimingSpec | None = Field(
        default=None, description="When the answer's parts are sent (delays, pace, jitter)."
    )
    fault: FaultSpec | None = Field(
        default=None, description="What goes wrong while the answer is sent."
    )
    times: int | Literal["unlimited"] | None = 1
    priority: Priority = Field(
        default=0,
        description="Higher is tried first (default 0; negative for fallbacks). At equal "
        "priority, rules a test scripts come before scenarios loaded at start, then in the "
        "order added.",
    )

    @field_validator("times", mode="before")
    @classmethod
    def _times(cls, value: Any) -> Any:
        return parse_times(value)

    @model_validator(mode="before")
    @classmethod
    def _lift_legacy_endpoint(cls, value: Any) -> Any:
        """`match: {endpoint: chat}` (the first file format) names the rule's endpoint."""
        match = value.get("match") if isinstance(value, dict) else None
        if isinstance(match, dict) and "endpoint" in match:
            match = dict(match)
            legacy = match.pop("endpoint")
            value = {**value, "match": match}
            value.setdefault("endpoint", legacy)
        return value

    @model_validator(mode="after")
    def _says_something(self) -> RuleSpec:
        if self.reply is None and self.timing is None and self.fault is None:
            raise ValueError("a rule needs a 'reply', a 'timing' or a 'fault'")
        return self

    @model_validator(mode="after")
    def _known_operation(self) -> RuleSpec:
        check_operation(self.endpoint, self.match.operation, self.operations)
        return self


class ScenarioFileBase(Spec):
    """A scenario file's header; `registry.scenario_file_model` adds the typed `rules`."""

    schema_: str | None = Field(default=None, alias="$schema")
    name: str | None = None
    description: str | None = None
    models: list[str | dict[str, Any]] | None = Field(
        default=None,
        description=(
            "Models added to the fake's catalogue while this file is loaded: an id such as "
            "'acme/house-model', or an object with `id` and catalogue fields "
            "(`prompt_per_1m`, `completion_per_1m` as decimal strings, `context_length`, …)."
        ),
    )
    rules: list[Any] = Field(default_factory=list)
