"""`POST /v1/moderations` (contract §11): deterministic categories and scores per input.

Default mode scores each text against a small keyword lexicon per OpenAI category
(the same text always gets the same scores); a category is flagged when its score
reaches its threshold, and an input is flagged when any category is. Images get a
benign result. Rules script `flagged`, `categories`, `scores` or whole `results`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)
from starlette.types import ASGIApp

from ..contract import WireModel, required_when, with_conditions
from ..jsonbody import dumps
from ..memo import cached_attribute, small_key_cache
from ..responses import JSONBytes
from ..scripting.context import CallContext, clip
from ..scripting.matching import any_text_difference
from ..scripting.rulebook import Predicate, Rule
from ..scripting.script import Script, Times
from ..scripting.spec import BaseMatch, BaseReply, Spec, TextCriterion, TextMatch, string_shorthand
from .base import Endpoint, Operation, Response

if TYPE_CHECKING:
    from .base import Host

DEFAULT_MODEL = "omni-moderation-latest"

CATEGORIES: tuple[str, ...] = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
"""OpenAI's omni-moderation categories, in the order they are rendered."""

THRESHOLDS: dict[str, float] = {name: 0.5 for name in CATEGORIES} | {
    "self-harm": 0.4,
    "self-harm/intent": 0.4,
    "self-harm/instructions": 0.4,
    "sexual/minors": 0.2,
}
"""A category is flagged when its score reaches its threshold."""

IMAGE_CATEGORIES = frozenset(
    {
        "self-harm",
        "self-harm/intent",
        "self-harm/instructions",
        "sexual",
        "violence",
        "violence/graphic",
    }
)
"""The categories OpenAI also scores on images (`category_applied_input_types`)."""

# The default-mode vocabulary: one (term, weight) list per category. A one-word term
# matches the word and its regular inflections ("kill" → "killed", "killing"); a term
# with a space is a phrase. Weights combine as independent evidence: 1 - Π(1 - w). One
# weak word stays below the threshold ("kill the process"); a strong word or several
# weak ones cross it.
LEXICON: dict[str, tuple[tuple[str, float], ...]] = {
    "harassment": (
        ("idiot", 0.35),
        ("stupid", 0.3),
        ("moron", 0.4),
        ("loser", 0.3),
        ("pathetic", 0.3),
        ("worthless", 0.4),
        ("shut up", 0.3),
        ("nobody likes you", 0.6),
        ("you are ugly", 0.6),
        ("harass", 0.55),
        ("bully", 0.45),
    ),
    "harassment/threatening": (
        ("i will hurt you", 0.85),
        ("i will find you", 0.75),
        ("watch your back", 0.7),
        ("you will regret", 0.55),
        ("threaten", 0.55),
    ),
    "hate": (
        ("hate", 0.3),
        ("inferior", 0.35),
        ("subhuman", 0.75),
        ("vermin", 0.5),
        ("bigot", 0.4),
        ("racist", 0.45),
        ("go back to your country", 0.75),
    ),
    "hate/threatening": (
        ("exterminate", 0.7),
        ("wipe them out", 0.7),
        ("genocide", 0.6),
        ("ethnic cleansing", 0.75),
    ),
    "illicit": (
        ("steal", 0.35),
        ("shoplift", 0.6),
        ("cocaine", 0.45),
        ("heroin", 0.45),
        ("meth", 0.35),
        ("counterfeit", 0.5),
        ("launder", 0.5),
        ("smuggle", 0.5),
        ("smuggling", 0.5),
        ("hack into", 0.55),
        ("pick a lock", 0.45),
        ("fake passport", 0.7),
    ),
    "illicit/violent": (
        ("bomb", 0.45),
        ("explosive", 0.45),
        ("detonate", 0.5),
        ("molotov", 0.7),
        ("build a weapon", 0.7),
        ("untraceable gun", 0.8),
    ),
    "self-harm": (
        ("suicide", 0.45),
        ("suicidal", 0.55),
        ("self-harm", 0.5),
        ("kill myself", 0.8),
        ("hurt myself", 0.7),
        ("cut myself", 0.75),
        ("end my life", 0.8),
    ),
    "self-harm/intent": (
        ("i want to die", 0.8),
        ("kill myself", 0.7),
        ("end my life", 0.7),
        ("i will hurt myself", 0.8),
    ),
    "self-harm/instructions": (
        ("how to kill myself", 0.85),
        ("ways to commit suicide", 0.85),
        ("how to cut myself", 0.85),
    ),
    "sexual": (
        ("sex", 0.3),
        ("sexual", 0.3),
        ("nude", 0.45),
        ("naked", 0.4),
        ("porn", 0.65),
        ("erotic", 0.55),
        ("explicit", 0.25),
    ),
    "sexual/minors": (),
    "violence": (
        ("kill", 0.3),
        ("murder", 0.6),
        ("attack", 0.25),
        ("stab", 0.55),
        ("stabbed", 0.55),
        ("stabbing", 0.55),
        ("shoot", 0.35),
        ("punch", 0.25),
        ("assault", 0.45),
        ("torture", 0.6),
        ("weapon", 0.25),
        ("gun", 0.2),
        ("blood", 0.2),
        ("hurt", 0.2),
    ),
    "violence/graphic": (
        ("gore", 0.55),
        ("dismember", 0.75),
        ("mutilate", 0.75),
        ("decapitate", 0.8),
        ("decapitation", 0.8),
        ("entrails", 0.7),
        ("blood everywhere", 0.6),
    ),
}


_INFLECTIONS = r"(?:s|es|d|ed|ing|er|ers|ment|ful)?"


def _compile(entries: tuple[tuple[str, float], ...]) -> list[tuple[re.Pattern[str], float]]:
    out = []
    for term, weight in entries:
        body = re.escape(term) if " " in term else re.escape(term) + _INFLECTIONS
        out.append((re.compile(r"(?<![a-z])" + body + r"(?![a-z])"), weight))
    return out


_PATTERNS = {name: _compile(entries) for name, entries in LEXICON.items()}
_MAX_HITS = 3
"""Repeating a word adds evidence, up to this many times."""


def _noise(category: str, text: str) -> float:
    """A small, stable background score in [0.000001, 0.001)."""
    digest = hashlib.blake2b(f"{category}\x00{text}".encode(), digest_size=4).digest()
    return 1e-6 + int.from_bytes(digest, "big") / 2**32 * 0.000999


@small_key_cache(maxsize=1024)
def text_scores(text: str) -> dict[str, float]:
    """Deterministic scores in [0, 1] for every category."""
    normal = " ".join(text.casefold().replace("\u2019", "'").split())
    scores: dict[str, float] = {}
    for name in CATEGORIES:
        keep = 1.0
        for pattern, weight in _PATTERNS[name]:
            hits = min(len(pattern.findall(normal)), _MAX_HITS)
            keep *= (1 - weight) ** hits
        score = max(1 - keep, _noise(name, normal))
        scores[name] = round(min(score, 0.999999), 6)
    return scores


@small_key_cache(maxsize=256)
def image_scores(url: str) -> dict[str, float]:
    """Images are benign in default mode: background scores only."""
    return {name: round(_noise(name, "image:" + url), 6) for name in CATEGORIES}


# --------------------------------------------------------------------------- request


_Wire = WireModel


class ModerationImageURL(_Wire):
    url: str


class ModerationInputItem(_Wire):
    """One multimodal input: `{type: "text", text}` or `{type: "image_url", image_url}`."""

    model_config = ConfigDict(
        json_schema_extra=with_conditions(
            required_when("type", "text", ("text", {"type": "string"})),
            required_when("type", "image_url", ("image_url", {"type": "object"})),
        )
    )

    type: Literal["text", "image_url"]
    text: str | None = None
    image_url: ModerationImageURL | None = None

    @model_validator(mode="after")
    def _has_its_payload(self) -> ModerationInputItem:
        if self.type == "text" and self.text is None:
            raise ValueError("an input of type 'text' needs 'text'")
        if self.type == "image_url" and self.image_url is None:
            raise ValueError("an input of type 'image_url' needs 'image_url'")
        return self


def _input_shape(value: Any) -> str:
    """Which of the three input shapes `value` is meant to be, so a 422 names one."""
    if isinstance(value, list):
        return "items" if value and isinstance(value[0], dict) else "strings"
    return "string"


ModerationInput = Annotated[
    Annotated[str, Tag("string")]
    | Annotated[list[str], Field(min_length=1), Tag("strings")]
    | Annotated[list[ModerationInputItem], Field(min_length=1), Tag("items")],
    Discriminator(_input_shape),
]


class ModerationRequest(_Wire):
    """Body of `POST /v1/moderations` (contract §11)."""

    input: ModerationInput = Field(
        description="A string, an array of strings or an array of text/image items."
    )
    model: str = DEFAULT_MODEL


@dataclass(frozen=True)
class Input:
    """One input to classify: its kind and its text (or image URL)."""

    kind: Literal["text", "image"]
    value: str

    def default_scores(self) -> dict[str, float]:
        return text_scores(self.value) if self.kind == "text" else image_scores(self.value)


@dataclass
class ModerationContext(CallContext):
    request: ModerationRequest

    @property
    def model(self) -> str | None:
        return self.request.model

    @cached_attribute
    def inputs(self) -> list[Input]:
        given = self.request.input
        if isinstance(given, str):
            return [Input("text", given)]
        out = []
        for item in given:
            if isinstance(item, str):
                out.append(Input("text", item))
            elif item.type == "text":
                out.append(Input("text", item.text or ""))
            else:
                out.append(Input("image", item.image_url.url if item.image_url else ""))
        return out

    @cached_attribute
    def texts(self) -> list[str]:
        return [i.value for i in self.inputs if i.kind == "text"]

    def summary(self) -> str:
        parts = [f"model={self.model!r}", f"inputs={len(self.inputs)}"]
        if self.texts:
            parts.append(f"first text={clip(self.texts[0])!r}")
        return ", ".join(parts)


# --------------------------------------------------------------------------- vocabulary


class ModerationsMatch(BaseMatch):
    """Which moderation requests a rule answers."""

    input: TextMatch | None = Field(
        default=None,
        description="Any text input (a plain string means 'contains'); images never match.",
        json_schema_extra=string_shorthand,
    )

    def differences(self, ctx: CallContext) -> list[str]:
        assert isinstance(ctx, ModerationContext)
        out = super().differences(ctx)
        out.extend(any_text_difference("input", self.input, ctx.texts))
        return out


def canonical_category(name: str) -> str:
    """`self_harm_intent`, `Self-Harm/Intent` and `self-harm/intent` name one category."""
    key = name.strip().casefold()
    for candidate in CATEGORIES:
        if key in (candidate, candidate.replace("/", "_").replace("-", "_")):
            return candidate
    raise ValueError(f"unknown moderation category {name!r}; known: {', '.join(CATEGORIES)}")


Score = Annotated[float, Field(ge=0, le=1)]


class ModerationResultSpec(Spec):
    """One input's result. Omitted parts follow default mode, made consistent with the rest."""

    flagged: bool | None = Field(
        default=None,
        description="true: flagged (the text's top category if none is named); "
        "false: nothing flagged. Defaults to whether any category is flagged.",
    )
    categories: list[str] | dict[str, bool] | None = Field(
        default=None,
        description="A list names the flagged categories (all others false); "
        "a mapping sets only the named ones.",
    )
    scores: dict[str, Score] | None = Field(
        default=None, description="Category scores in [0, 1]; others follow default mode."
    )

    @field_validator("categories", mode="after")
    @classmethod
    def _known_categories(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [canonical_category(name) for name in value]
        if isinstance(value, dict):
            return {canonical_category(name): flag for name, flag in value.items()}
        return value

    @field_validator("scores", mode="after")
    @classmethod
    def _known_scores(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {canonical_category(name): score for name, score in value.items()}
        return value

    @model_validator(mode="after")
    def _flags_agree(self) -> ModerationResultSpec:
        named = self.categories
        flags = dict.fromkeys(named, True) if isinstance(named, list) else dict(named or {})
        if self.flagged is False and any(flags.values()):
            raise ValueError("'flagged: false' cannot come with flagged categories")
        if self.flagged is True and named is not None and not any(flags.values()):
            raise ValueError("'flagged: true' needs at least one flagged category")
        return self

    def resolve(self, item: Input) -> dict[str, Any]:
        """The rendered result for `item`: this spec over the item's default scores."""
        scores = dict(item.default_scores())
        explicit_scores = self.scores or {}
        scores.update(explicit_scores)
        flags = {name: scores[name] >= THRESHOLDS[name] for name in CATEGORIES}
        if isinstance(self.categories, list):
            flags = {name: name in self.categories for name in CATEGORIES}
        elif isinstance(self.categories, dict):
            flags.update(self.categories)
        if self.flagged is False:
            flags = dict.fromkeys(CATEGORIES, False)
        if self.flagged is True and not any(flags.values()):
            flags[max(CATEGORIES, key=lambda n: scores[n] / THRESHOLDS[n])] = True
        for name in CATEGORIES:
            if name in explicit_scores:
                continue
            if flags[name] and scores[name] < THRESHOLDS[name]:
                scores[name] = round(0.9 + scores[name] * 0.09, 6)
            elif not flags[name] and scores[name] >= THRESHOLDS[name]:
                scores[name] = round(THRESHOLDS[name] * 0.4, 6)
        flagged = any(flags.values()) if self.flagged is None else self.flagged
        return render_result(item, flagged, flags, scores)


class ModerationsReply(BaseReply, ModerationResultSpec):
    """What a moderation rule answers: `flagged`/`categories`/`scores` for every input,
    or `results` one per input."""

    list_field = "results"

    results: list[ModerationResultSpec] | None = Field(
        default=None,
        description="Exactly these results, in input order; each one's omitted parts follow "
        "default mode for the input at its position.",
    )
    id: str | None = None
    model: str | None = Field(default=None, description="Defaults to the request's model.")

    @model_validator(mode="after")
    def _one_shape(self) -> ModerationsReply:
        shorthand = [k for k in ("flagged", "categories", "scores") if getattr(self, k) is not None]
        if self.results is not None and shorthand:
            raise ValueError(f"give either 'results' or {shorthand} (for every input), not both")
        if self.error is not None and (shorthand or self.results is not None):
            raise ValueError("an error reply cannot also carry moderation results")
        return self


# --------------------------------------------------------------------------- render


def render_result(
    item: Input, flagged: bool, flags: Mapping[str, bool], scores: Mapping[str, float]
) -> dict[str, Any]:
    if item.kind == "text":
        applied = {name: ["text"] for name in CATEGORIES}
    else:
        applied = {name: ["image"] if name in IMAGE_CATEGORIES else [] for name in CATEGORIES}
    return {
        "flagged": flagged,
        "categories": {name: flags[name] for name in CATEGORIES},
        "category_scores": {name: scores[name] for name in CATEGORIES},
        "category_applied_input_types": applied,
    }


def _answer(ctx: ModerationContext, state: Host) -> ModerationsReply:
    return _DEFAULT_REPLY


_DEFAULT_REPLY = ModerationsReply()


def _render(ctx: ModerationContext, reply: ModerationsReply, state: Host) -> ASGIApp:
    inputs = ctx.inputs
    if reply.results is not None:
        benign = Input("text", "")
        results = [
            spec.resolve(inputs[i] if i < len(inputs) else benign)
            for i, spec in enumerate(reply.results)
        ]
    else:
        results = [reply.resolve(item) for item in inputs]
    body = {
        "id": reply.id or "modr-" + state.ids.digest(b"moderation", ctx.raw_body)[:24],
        "model": reply.model or ctx.request.model,
        "results": results,
    }
    return JSONBytes(dumps(body))


# --------------------------------------------------------------------------- script

ResultLike = ModerationResultSpec | Mapping[str, Any]


class ModerationsScript(Script[ModerationsMatch]):
    """Scripts `POST /v1/moderations`.

    mock.moderations.when(input="attack").flag("violence")
    mock.moderations.allow()
    mock.moderations.results([{"flagged": True, "categories": ["hate"]}, {"flagged": False}])
    """

    endpoint = "moderations"
    match_model = ModerationsMatch
    reply_model = ModerationsReply

    def when(
        self,
        *,
        input: TextCriterion | None = None,
        model: str | None = None,
        headers: Mapping[str, str | TextCriterion] | None = None,
        nth: int | None = None,
        predicate: Predicate | None = None,
    ) -> ModerationsScript:
        """Only requests meeting every given criterion; `input` matches any text input."""
        criteria = {
            "input": input,
            "model": model,
            "headers": dict(headers) if headers is not None else None,
            "nth": nth,
        }
        return self._narrow(criteria, predicate)

    def flag(
        self,
        *categories: str,
        scores: Mapping[str, float] | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Flag every input: in these categories, or in each text's top category."""
        return self._add(
            {
                "flagged": True,
                "categories": list(categories) or None,
                "scores": dict(scores) if scores is not None else None,
            },
            times,
            name,
            priority,
        )

    def allow(self, *, times: Times = 1, name: str | None = None, priority: int = 0) -> Rule:
        """Flag nothing: every category false, every score below its threshold."""
        return self._add({"flagged": False}, times, name, priority)

    def results(
        self,
        results: Sequence[ResultLike],
        *,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Answer exactly these results, one per input in order."""
        return self._add({"results": list(results)}, times, name, priority)

    def reply(
        self,
        *,
        flagged: bool | None = None,
        categories: Sequence[str] | Mapping[str, bool] | None = None,
        scores: Mapping[str, float] | None = None,
        results: Sequence[ResultLike] | None = None,
        id: str | None = None,
        model: str | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Answer with any of the reply fields, as a scenario file spells them."""
        if categories is not None and not isinstance(categories, Mapping):
            categories = list(categories)
        return self._add(
            {
                "flagged": flagged,
                "categories": categories,
                "scores": dict(scores) if scores is not None else None,
                "results": list(results) if results is not None else None,
                "id": id,
                "model": model,
            },
            times,
            name,
            priority,
        )


# --------------------------------------------------------------------------- OpenAPI


class ModerationResult(_Wire):
    flagged: bool
    categories: dict[str, bool]
    category_scores: dict[str, float]
    category_applied_input_types: dict[str, list[str]]


class ModerationResponse(_Wire):
    id: str
    model: str
    results: list[ModerationResult]


ENDPOINT = Endpoint(
    name="moderations",
    match=ModerationsMatch,
    reply=ModerationsReply,
    script=ModerationsScript,
    context=ModerationContext,
    description="Moderation: categories and scores per input, text or image.",
    operations=(
        Operation(
            name="create",
            method="POST",
            path="/v1/moderations",
            summary="Classify inputs for harmful content",
            request=ModerationRequest,
            answer=_answer,
            render=_render,
            response=Response("One result per input", ModerationResponse),
            errors=(400, 401, 403, 404, 422, 429, 501, 503),
        ),
    ),
)
