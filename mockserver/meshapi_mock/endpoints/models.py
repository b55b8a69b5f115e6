"""`GET /v1/models…` (contract §7): the fake's catalogue, as bare JSON arrays.

The catalogue is the built-in models plus those added from files (`--model-catalogue`)
and from Python (`server.models.add`); requests that name a model are checked against it
(`model_check.py`). A rule may answer with `models: [...]` to serve its own list for the
call; the filters, search and lookup then run over those instead, but the check does not:
a rule changes what one call answers, not which models the fake knows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator
from starlette.types import ASGIApp

from .. import catalogue
from ..contract import ModelInfo, ModelPricing, ModelsPage
from ..errors import MeshError
from ..jsonbody import dumps
from ..responses import JSONBytes
from ..scripting.context import CallContext
from ..scripting.rulebook import Predicate, Rule
from ..scripting.script import Script, Times
from ..scripting.spec import BaseMatch, BaseReply
from ..scripting.wire_values import MAX_COUNT, TokenCount, decimal_text, json_problem
from .base import Endpoint, Operation, Response

if TYPE_CHECKING:
    from .base import Host

ModelType = Literal["text", "embedding", "image", "audio", "video"]


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    free: bool | None = None
    type: ModelType | None = None
    provider: str | None = None


class SearchQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    q: str | None = None
    free: bool | None = None
    discounted: bool | None = None
    input_modality: list[str] = []
    output_modality: list[str] = []
    brand: list[str] = []
    sort: Literal["brand", "name", "id", "context_length"] = "id"
    order: Literal["asc", "desc"] = "asc"
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    offset: Annotated[int, Field(ge=0, le=10_000)] = 0


class ModelsMatch(BaseMatch):
    """`model` matches the id asked for by `GET /v1/models/{id}`."""


CONTRACT_COUNTS = (
    "context_window",
    "standard_context_threshold",
    "realtime_session_max_tokens",
    "realtime_max_concurrent_per_owner",
)
"""ModelInfo's other integer fields (contract §7), sent as extras when scripted."""


class ScriptedPricing(ModelPricing):
    """Prices a rule serves: every `*usd*` field and `discount_pct` a decimal string,
    checked as chat's `cost` is (finite, non-negative, below a million; numbers are
    refused: the wire carries strings). Extra fields are sent as given."""

    model_config = ConfigDict(extra="allow", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _decimal_amounts(cls, value: Any) -> Any:
        if isinstance(value, BaseModel):
            value = value.model_dump(exclude_unset=True)
        if not isinstance(value, Mapping):
            return value
        checked = dict(value)
        for name, amount in value.items():
            if amount is None or not isinstance(name, str) or not _is_amount(name):
                continue
            if not isinstance(amount, str):
                raise ValueError(f"{name} must be a decimal string such as '0.15'")
            checked[name] = decimal_text(amount, name)
            if name == "discount_pct" and Decimal(checked[name]) > 100:
                raise ValueError(f"discount_pct {amount!r} is over 100")
        return checked

    @model_validator(mode="after")
    def _extras_are_json(self) -> ScriptedPricing:
        if problem := json_problem(self.model_extra or {}):
            raise ValueError(problem)
        return self


def _is_amount(name: str) -> bool:
    return "usd" in name or name == "discount_pct"


class ScriptedModel(ModelInfo):
    """A model a rule serves: a ModelInfo as clients parse it (types are not coerced, so
    `is_free: "yes"` is refused rather than sent; counts are below 2**31, prices decimal
    strings). Extra fields are sent as given."""

    model_config = ConfigDict(extra="allow", strict=True)

    context_length: TokenCount | None = None
    pricing: ScriptedPricing | None = None

    @model_validator(mode="after")
    def _extras_are_json(self) -> ScriptedModel:
        extra = self.model_extra or {}
        if problem := json_problem(extra):
            raise ValueError(problem)
        for name in CONTRACT_COUNTS:
            count = extra.get(name)
            if count is not None and (
                isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT
            ):
                raise ValueError(f"{name} must be a whole number from 0 to {MAX_COUNT}")
        return self


class ModelsReply(BaseReply):
    list_field = "models"

    models: list[ScriptedModel] | None = Field(
        default=None,
        description="Serve these models (ModelInfo objects) instead of the built-in catalogue.",
    )
    _wire: list[dict[str, Any]] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _encode_once(self) -> ModelsReply:
        if self.models is not None:
            self._wire = [m.model_dump(mode="json", exclude_unset=True) for m in self.models]
        return self

    def wire_models(self) -> list[dict[str, Any]]:
        """The scripted models as sent: the fields given, in the order given."""
        return self._wire if self._wire is not None else []


class ModelsScript(Script[ModelsMatch]):
    """Scripts the `/v1/models` family: `mock.models.when(operation="get").error(503)`."""

    endpoint = "models"
    match_model = ModelsMatch
    reply_model = ModelsReply

    def when(
        self,
        *,
        operation: Literal["list", "free", "paid", "search", "get"] | None = None,
        model: str | None = None,
        headers: dict[str, Any] | None = None,
        nth: int | None = None,
        predicate: Predicate | None = None,
    ) -> ModelsScript:
        criteria = {"operation": operation, "model": model, "headers": headers, "nth": nth}
        return self._narrow(criteria, predicate)

    def reply(
        self,
        models: Sequence[Mapping[str, Any] | ScriptedModel],
        *,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Serve `models` (ModelInfo objects) instead of the built-in catalogue.

        This answers `/v1/models` calls only; requests that name a model are checked
        against the fake's catalogue, which `add` extends."""
        return self._add({"models": list(models)}, times, name, priority)

    def add(self, *models: str | Mapping[str, Any]) -> None:
        """Add models to this fake's catalogue until its reset: listed by `/v1/models`,
        accepted by every request that names a model, priced from their own prices.
        Each is an id (`"openai/my-fine-tune"`) or a mapping with `id` and `Model` fields
        (`prompt_per_1m`, `completion_per_1m`, `model_type`, …)."""
        state: Host = self._state
        entries = [catalogue.model_from(m) for m in models]  # all checked before any is added
        for entry in entries:
            state.catalogue.add(entry)


def _answer(ctx: CallContext, state: Host) -> ModelsReply:
    return _CATALOGUE


_CATALOGUE = ModelsReply()


def _models(reply: ModelsReply, state: Host) -> list[dict[str, Any]]:
    if reply.models is not None:
        return reply.wire_models()
    return [m.as_wire() for m in state.catalogue.models]


def _render_list(ctx: CallContext, reply: ModelsReply, state: Host) -> ASGIApp:
    query: ListQuery = ctx.request
    models = [
        m
        for m in _models(reply, state)
        if (query.free is None or m.get("is_free") == query.free)
        and (query.type is None or m.get("model_type") == query.type)
        and (query.provider is None or m.get("provider") == query.provider)
    ]
    return JSONBytes(dumps(models))


def _render_free(ctx: CallContext, reply: ModelsReply, state: Host) -> ASGIApp:
    return JSONBytes(dumps([m for m in _models(reply, state) if m.get("is_free")]))


def _render_paid(ctx: CallContext, reply: ModelsReply, state: Host) -> ASGIApp:
    return JSONBytes(dumps([m for m in _models(reply, state) if not m.get("is_free")]))


def _render_search(ctx: CallContext, reply: ModelsReply, state: Host) -> ASGIApp:
    query: SearchQuery = ctx.request
    q = (query.q or "").lower()

    def hit(m: dict[str, Any]) -> bool:
        text = " ".join(str(m.get(k) or "") for k in ("id", "name", "brand")).lower()
        return (
            (not q or q in text)
            and (query.free is None or m.get("is_free") == query.free)
            and (not query.brand or m.get("brand") in query.brand)
            and all(x in (m.get("input_modalities") or ()) for x in query.input_modality)
            and all(x in (m.get("output_modalities") or ()) for x in query.output_modality)
        )

    hits = [m for m in _models(reply, state) if hit(m)]
    hits.sort(key=lambda m: _sort_key(m.get(query.sort)), reverse=query.order == "desc")
    page = {
        "items": hits[query.offset : query.offset + query.limit],
        "total": len(hits),
        "limit": query.limit,
        "offset": query.offset,
        "brands": sorted({str(m.get("brand")) for m in hits if m.get("brand")}),
    }
    return JSONBytes(dumps(page))


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, int | float):
        return (0, value)
    return (1, str(value or ""))


def _render_get(ctx: CallContext, reply: ModelsReply, state: Host) -> ASGIApp:
    model_id = ctx.path_params["model_id"]
    found = next((m for m in _models(reply, state) if m.get("id") == model_id), None)
    if found is None:
        message = f"Model '{model_id}' not found."
        # `detail` too: the live gateway answers FastAPI-style here (contract §7).
        raise MeshError(404, "model_not_found", message, extra={"detail": message})
    return JSONBytes(dumps(found))


_ARRAY = Response("Bare array", ModelInfo, array=True)


def _op(name: str, path: str, summary: str, render: Any, **extra: Any) -> Operation:
    return Operation(name, "GET", path, summary, _answer, render, synthetic=False, **extra)


ENDPOINT = Endpoint(
    name="models",
    match=ModelsMatch,
    reply=ModelsReply,
    script=ModelsScript,
    description="The model catalogue: list, free, paid, search and get.",
    operations=(
        _op("list", "/v1/models", "List models", _render_list, query=ListQuery, response=_ARRAY),
        _op("free", "/v1/models/free", "List free models", _render_free, response=_ARRAY),
        _op("paid", "/v1/models/paid", "List paid models", _render_paid, response=_ARRAY),
        _op(
            "search",
            "/v1/models/search",
            "Search models",
            _render_search,
            query=SearchQuery,
            response=Response("A page of models", ModelsPage),
            errors=(401, 422),
        ),
        _op(
            "get",
            "/v1/models/{model_id:path}",
            "Get one model",
            _render_get,
            response=Response("The model", ModelInfo),
            errors=(401, 404),
            path_examples={"model_id": "openai/gpt-4o-mini"},
        ),
    ),
)
