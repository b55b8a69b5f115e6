"""`POST /v1/router/select` (contract §13): pick a catalogue model for a prompt, no inference.

Default mode reads the conversation and picks deterministically: an embedding model for
`api_type: embeddings`, a vision model when images are attached, a strong coder for
code, a reasoning model (with `reasoning_effort`) for maths and logic, a small cheap
model for short chit-chat, a strong general model otherwise. `exclude_models` is
honoured; when every candidate is excluded the answer fails soft, as the gateway does:
the default model with `fallback_used: true` and a `fallback_reason`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, model_validator
from starlette.types import ASGIApp

from .. import catalogue
from ..contract import ImagePart, Message, WireModel
from ..jsonbody import dumps
from ..memo import cached_attribute
from ..responses import JSONBytes
from ..scripting.context import CallContext, clip
from ..scripting.conversation import ConversationContext, LastUserCriterion
from ..scripting.globs import glob_matches
from ..scripting.matching import text_difference
from ..scripting.rulebook import Predicate, Rule
from ..scripting.script import Script, Times
from ..scripting.spec import BaseMatch, BaseReply, TextCriterion
from .base import Endpoint, Operation, Response

if TYPE_CHECKING:
    from .base import Host

ApiType = Literal["completions", "responses", "embeddings"]
ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh"]
Task = Literal["embeddings", "vision", "code", "reasoning", "chit-chat", "general"]

ALL_EXCLUDED = "all_candidates_excluded"
"""The `fallback_reason` when `exclude_models` leaves no candidate."""
SCRIPTED_FALLBACK = "router_unavailable"
"""The `fallback_reason` of `mock.router.fallback()` when none is given."""

# --------------------------------------------------------------------------- request


_Wire = WireModel


class RouterSelectRequest(_Wire):
    """Body of `POST /v1/router/select` (contract §13)."""

    messages: Annotated[list[Message], Field(min_length=1)]
    api_type: ApiType = "completions"
    exclude_models: list[str] | None = None


@dataclass
class RouterContext(ConversationContext):
    request: RouterSelectRequest

    @cached_attribute
    def prompt(self) -> str:
        """What the choice reads: the last user message, else every message's text."""
        if self.last_user is not None:
            return self.last_user
        return "\n".join(m.text() for m in self.request.messages)

    @cached_attribute
    def has_images(self) -> bool:
        return any(
            isinstance(part, ImagePart)
            for m in self.request.messages
            if isinstance(m.content, list)
            for part in m.content
        )

    @cached_attribute
    def uses_tools(self) -> bool:
        extra = self.request.model_extra or {}
        return bool(extra.get("tools")) or any(
            m.role == "tool" or m.tool_calls for m in self.request.messages
        )

    def summary(self) -> str:
        parts = [f"api_type={self.request.api_type}"]
        if self.last_user is not None:
            parts.append(f"last user message={clip(self.last_user)!r}")
        if self.request.exclude_models:
            parts.append(f"exclude_models={self.request.exclude_models}")
        return ", ".join(parts)


# --------------------------------------------------------------------------- vocabulary


class RouterMatch(BaseMatch):
    """Which router requests a rule answers. (`model` matches only a `model` a client sent
    as an extra field: the request names none.)"""

    last_user: LastUserCriterion = None
    api_type: ApiType | None = Field(
        default=None, description="completions, responses or embeddings."
    )

    def differences(self, ctx: CallContext) -> list[str]:
        assert isinstance(ctx, RouterContext)
        out = super().differences(ctx)
        if self.api_type is not None and self.api_type != ctx.request.api_type:
            out.append(f"api_type: expected {self.api_type!r}, got {ctx.request.api_type!r}")
        out.extend(text_difference("last_user", self.last_user, ctx.last_user, "no user message"))
        return out


class RouterReply(BaseReply):
    """What a router rule answers; omitted parts follow default mode's choice."""

    text_field = "model"

    model: Annotated[str, Field(min_length=1)] | None = Field(
        default=None,
        description="The model to answer (any id). Defaults to default mode's choice, or "
        "the default model when `fallback_used` is scripted.",
    )
    fallback_used: bool | None = Field(
        default=None, description="Defaults to true when a `fallback_reason` is given."
    )
    fallback_reason: Annotated[str, Field(min_length=1)] | None = None
    reasoning_effort: ReasoningEffort | None = Field(
        default=None, description="Defaults to default mode's, for the model it chose."
    )

    @model_validator(mode="after")
    def _consistent(self) -> RouterReply:
        if self.fallback_reason is not None and self.fallback_used is False:
            raise ValueError("a 'fallback_reason' needs 'fallback_used: true' (or leave it out)")
        given = (self.model, self.fallback_used, self.fallback_reason, self.reasoning_effort)
        if self.error is not None and any(v is not None for v in given):
            raise ValueError("an error reply cannot also carry a selection")
        return self


# --------------------------------------------------------------------------- default mode

_PREFERENCES: dict[Task, tuple[str, ...]] = {
    "vision": (
        "openai/gpt-4o",
        "google/gemini-2.0-flash-001",
        "anthropic/claude-sonnet-4",
        "openai/gpt-4o-mini",
        "google/gemini-2.5-pro",
        "openai/gpt-4.1",
    ),
    "code": (
        "anthropic/claude-sonnet-4",
        "openai/gpt-4.1",
        "deepseek/deepseek-chat",
        "qwen/qwen-2.5-72b-instruct",
        "openai/gpt-4o",
    ),
    "reasoning": ("openai/o3-mini", "google/gemini-2.5-pro", "deepseek/deepseek-r1:free"),
    "chit-chat": (
        "openai/gpt-4o-mini",
        "google/gemini-2.0-flash-001",
        "meta-llama/llama-3.1-8b-instruct",
        "anthropic/claude-3.5-haiku",
        "mistralai/mistral-small-3.1-24b-instruct:free",
    ),
    "general": (
        "openai/gpt-4o",
        "anthropic/claude-sonnet-4",
        "google/gemini-2.0-flash-001",
        "mistralai/mistral-large",
        "openai/gpt-4o-mini",
    ),
}
REASONING_MODELS = frozenset(
    {"openai/o3-mini", "google/gemini-2.5-pro", "deepseek/deepseek-r1:free"}
)

_CODE_WORDS = re.compile(
    r"\b(code|coding|program(?:ming)?|function|bug|debug(?:ging)?|refactor|compiler?|"
    r"python|javascript|typescript|java|rust|golang|kotlin|swift|sql|regex|script|"
    r"traceback|exception|stack ?trace|segfault|algorithm|api|endpoint|git|docker|"
    r"kubernetes|bash|html|css|json|yaml|unit tests?)\b",
    re.IGNORECASE,
)
_CODE_SYNTAX = re.compile(
    r"```|\b(?:def|class|import|return|const|let|var|fn|func|public|private)\s+\w"
    r"|[;{}]\s*$|=>|\w+\(\)",
    re.MULTILINE,
)
_REASONING_WORDS = re.compile(
    r"\b(prove|proof|theorem|lemma|derive|derivation|calculate|compute|solve|equation|"
    r"integral|derivative|probability|step[- ]by[- ]step|riddle|puzzle|logic(?:al)?|"
    r"optimi[sz]e|how many|deduce)\b",
    re.IGNORECASE,
)
_ARITHMETIC = re.compile(r"\d+(?:\.\d+)?\s*[-+*/^\u00d7\u00f7]\s*\d")
_CHIT_CHAT_MAX_CHARS = 80
_CHIT_CHAT_MAX_WORDS = 12
_HIGH_EFFORT = re.compile(r"\b(prove|proof|theorem|lemma|derive|derivation)\b", re.IGNORECASE)


def classify(ctx: RouterContext) -> Task:
    """The kind of task the conversation is, as the choice reads it."""
    if ctx.request.api_type == "embeddings":
        return "embeddings"
    if ctx.has_images:
        return "vision"
    prompt = ctx.prompt
    if _CODE_SYNTAX.search(prompt) or _CODE_WORDS.search(prompt):
        return "code"
    if _REASONING_WORDS.search(prompt) or _ARITHMETIC.search(prompt):
        return "reasoning"
    if len(prompt) <= _CHIT_CHAT_MAX_CHARS and len(prompt.split()) <= _CHIT_CHAT_MAX_WORDS:
        return "chit-chat"
    return "general"


@dataclass(frozen=True)
class Selection:
    model: str
    task: Task
    fallback_used: bool = False
    fallback_reason: str | None = None
    reasoning_effort: str | None = None


def fallback_model(api_type: str) -> str:
    """The model a fail-soft answer names: the catalogue's default for the API."""
    if api_type == "embeddings":
        return next(
            (m.id for m in catalogue.MODELS if m.model_type == "embedding"),
            catalogue.DEFAULT_MODEL,
        )
    return catalogue.DEFAULT_MODEL


def candidates(task: Task, needs_tools: bool) -> list[str]:
    """Catalogue ids for `task`, best first: its preferences, then the rest that fit."""
    if task == "embeddings":
        return [m.id for m in catalogue.MODELS if m.model_type == "embedding"]

    def fits(model: catalogue.Model) -> bool:
        if model.model_type != "text" or (needs_tools and not model.tools):
            return False
        return task != "vision" or "image" in model.input_modalities

    fitting = [m.id for m in catalogue.MODELS if fits(m)]
    preferred = [mid for mid in _PREFERENCES[task] if mid in fitting]
    return preferred + [mid for mid in fitting if mid not in preferred]


def _excluded(model_id: str, patterns: Sequence[str]) -> bool:
    return any(glob_matches(model_id, p) for p in patterns)


def select(ctx: RouterContext) -> Selection:
    """Default mode's choice for the request."""
    task = classify(ctx)
    excluded = ctx.request.exclude_models or []
    pool = [m for m in candidates(task, ctx.uses_tools) if not _excluded(m, excluded)]
    if not pool:
        return Selection(
            fallback_model(ctx.request.api_type),
            task,
            fallback_used=True,
            fallback_reason=ALL_EXCLUDED,
        )
    model = pool[0]
    effort = None
    if model in REASONING_MODELS:
        effort = "high" if _HIGH_EFFORT.search(ctx.prompt) or len(ctx.prompt) > 600 else "medium"
    return Selection(model, task, reasoning_effort=effort)


def _answer(ctx: RouterContext, state: Host) -> RouterReply:
    return _DEFAULT_REPLY


_DEFAULT_REPLY = RouterReply()


# --------------------------------------------------------------------------- render


def selection_body(ctx: RouterContext, reply: RouterReply) -> dict[str, Any]:
    chosen = select(ctx)
    fallback_used = reply.fallback_used
    if fallback_used is None:
        fallback_used = True if reply.fallback_reason is not None else chosen.fallback_used
    if reply.model is not None:
        model = reply.model
    elif fallback_used and not chosen.fallback_used:
        model = fallback_model(ctx.request.api_type)
    else:
        model = chosen.model
    meta: dict[str, Any] = {"fallback_used": fallback_used}
    reason = reply.fallback_reason or (chosen.fallback_reason if chosen.fallback_used else None)
    if fallback_used and reason is not None:
        meta["fallback_reason"] = reason
    body: dict[str, Any] = {"model": model, "auto_router": meta}
    effort = reply.reasoning_effort or (chosen.reasoning_effort if model == chosen.model else None)
    if effort is not None:
        body["reasoning_effort"] = effort
    return body


def _render(ctx: RouterContext, reply: RouterReply, state: Host) -> ASGIApp:
    return JSONBytes(dumps(selection_body(ctx, reply)))


# --------------------------------------------------------------------------- script


class RouterScript(Script[RouterMatch]):
    """Scripts `POST /v1/router/select`.

    mock.router.when(last_user="prove").select("openai/o3-mini", reasoning_effort="high")
    mock.router.when(api_type="embeddings").fallback("embeddings router down")
    """

    endpoint = "router"
    match_model = RouterMatch
    reply_model = RouterReply

    def when(
        self,
        *,
        last_user: TextCriterion | None = None,
        api_type: ApiType | None = None,
        model: str | None = None,
        headers: Mapping[str, str | TextCriterion] | None = None,
        nth: int | None = None,
        predicate: Predicate | None = None,
    ) -> RouterScript:
        """Only requests meeting every given criterion; strings in messages mean 'contains'."""
        criteria = {
            "last_user": last_user,
            "api_type": api_type,
            "model": model,
            "headers": dict(headers) if headers is not None else None,
            "nth": nth,
        }
        return self._narrow(criteria, predicate)

    def select(
        self,
        model: str,
        *,
        reasoning_effort: ReasoningEffort | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Pick `model` (no fallback), optionally with a `reasoning_effort`."""
        return self._add(
            {"model": model, "fallback_used": False, "reasoning_effort": reasoning_effort},
            times,
            name,
            priority,
        )

    def fallback(
        self,
        reason: str = SCRIPTED_FALLBACK,
        *,
        model: str | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Fail soft: the default model (or `model`) with `fallback_used: true` and `reason`."""
        return self._add(
            {"model": model, "fallback_used": True, "fallback_reason": reason},
            times,
            name,
            priority,
        )

    def reply(
        self,
        *,
        model: str | None = None,
        fallback_used: bool | None = None,
        fallback_reason: str | None = None,
        reasoning_effort: ReasoningEffort | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Answer with any of the reply fields, as a scenario file spells them."""
        return self._add(
            {
                "model": model,
                "fallback_used": fallback_used,
                "fallback_reason": fallback_reason,
                "reasoning_effort": reasoning_effort,
            },
            times,
            name,
            priority,
        )


# --------------------------------------------------------------------------- OpenAPI


class AutoRouterMeta(_Wire):
    fallback_used: bool
    fallback_reason: str | None = None


class RouterSelectResponse(_Wire):
    model: str
    auto_router: AutoRouterMeta
    reasoning_effort: str | None = None


ENDPOINT = Endpoint(
    name="router",
    match=RouterMatch,
    reply=RouterReply,
    script=RouterScript,
    context=RouterContext,
    description="The auto router: picks a catalogue model for a conversation.",
    operations=(
        Operation(
            name="select",
            method="POST",
            path="/v1/router/select",
            summary="Pick a model for a conversation",
            request=RouterSelectRequest,
            answer=_answer,
            render=_render,
            response=Response("The chosen model", RouterSelectResponse),
            errors=(400, 401, 403, 404, 422, 429, 501, 503),
        ),
    ),
)
