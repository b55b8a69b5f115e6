"""`GET /v1/models…`: the built-in catalogue, as bare JSON arrays (contract §7)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp

from .. import catalogue
from ..auth import require_token
from ..errors import MeshError
from ..jsonbody import dumps
from ..responses import JSONBytes
from ..state import MockState

_TYPES = {"text", "embedding", "image", "audio", "video"}
_SORTS = {"brand", "name", "id", "context_length"}


def _authorize(request: Request) -> None:
    state: MockState = request.app.state.mock
    require_token(request.headers.get("authorization"), state.tokens)


def _bool(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise _query_error(name, "bool_parsing", "Input should be a valid boolean")


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _query_error(name, "int_parsing", "Input should be a valid integer") from None
    if not low <= value <= high:
        raise _query_error(name, "value_error", f"Input should be between {low} and {high}")
    return value


def _query_error(name: str, kind: str, msg: str) -> MeshError:
    return MeshError(
        422,
        "validation_error",
        "Request query failed validation.",
        details=[{"type": kind, "loc": ["query", name], "msg": msg}],
    )


async def list_models(request: Request) -> ASGIApp:
    _authorize(request)
    free = _bool(request, "free")
    kind = request.query_params.get("type")
    if kind is not None and kind not in _TYPES:
        raise _query_error("type", "literal_error", f"Input should be one of {sorted(_TYPES)}")
    provider = request.query_params.get("provider")
    models = [
        m.as_wire()
        for m in catalogue.MODELS
        if (free is None or m.is_free == free)
        and (kind is None or m.model_type == kind)
        and (provider is None or m.provider == provider)
    ]
    return JSONBytes(dumps(models))


async def free_models(request: Request) -> ASGIApp:
    _authorize(request)
    return JSONBytes(dumps([m.as_wire() for m in catalogue.MODELS if m.is_free]))


async def paid_models(request: Request) -> ASGIApp:
    _authorize(request)
    return JSONBytes(dumps([m.as_wire() for m in catalogue.MODELS if not m.is_free]))


async def search_models(request: Request) -> ASGIApp:
    _authorize(request)
    q = (request.query_params.get("q") or "").lower()
    free = _bool(request, "free")
    brands = request.query_params.getlist("brand")
    sort = request.query_params.get("sort", "id")
    if sort not in _SORTS:
        raise _query_error("sort", "literal_error", f"Input should be one of {sorted(_SORTS)}")
    order = request.query_params.get("order", "asc")
    if order not in ("asc", "desc"):
        raise _query_error("order", "literal_error", "Input should be 'asc' or 'desc'")
    limit = _int(request, "limit", 20, 1, 100)
    offset = _int(request, "offset", 0, 0, 10_000)
    hits = [
        m
        for m in catalogue.MODELS
        if (not q or q in m.id.lower() or q in m.name.lower() or q in m.brand.lower())
        and (free is None or m.is_free == free)
        and (not brands or m.brand in brands)
    ]
    hits.sort(key=lambda m: getattr(m, sort), reverse=order == "desc")
    page = {
        "items": [m.as_wire() for m in hits[offset : offset + limit]],
        "total": len(hits),
        "limit": limit,
        "offset": offset,
        "brands": sorted({m.brand for m in hits}),
    }
    return JSONBytes(dumps(page))


async def get_model(request: Request) -> ASGIApp:
    _authorize(request)
    model_id = request.path_params["model_id"]
    model = catalogue.find(model_id)
    if model is None:
        message = f"Model '{model_id}' not found."
        # `detail` too: the live gateway answers FastAPI-style here (contract §7).
        raise MeshError(404, "model_not_found", message, extra={"detail": message})
    return JSONBytes(dumps(model.as_wire()))
