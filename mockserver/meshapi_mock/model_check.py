"""Model ids a request names, checked against the fake's catalogue as the gateway would.

The real gateway answers 404 `model_not_found` for a model it does not know. The fake
catches what is certainly wrong (no `provider/` prefix, whitespace in the id, a provider no
catalogue model has) without failing an app that names a real model the catalogue lacks:
that one is answered and marked `model_status="unknown"` in the journal.
`ServerConfig.models` tightens this (`strict`: only catalogue ids) or turns it off (`any`).

An operation declares where its request holds model ids (`Operation.model_fields`); the
pipeline calls `check_models` for every operation the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from .catalogue import Catalogue, well_formed
from .errors import MeshError

ModelStatus = Literal["catalogue", "unknown", "rejected"]
"""Journal mark: every id is in the catalogue; one is not but was answered; one was refused."""


def model_ids(request: Any, paths: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(field, id) for each model id the request holds at `paths`: dotted attribute
    names, where a list on the way (or at the end) is walked item by item."""
    for path in paths:
        yield from ((path, value) for value in _walk(request, path.split(".")))


def _walk(value: Any, names: list[str]) -> Iterator[str]:
    if value is None:
        return
    if isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item, names)
    elif not names:
        if isinstance(value, str):
            yield value
    else:
        yield from _walk(getattr(value, names[0], None), names[1:])


def check_models(
    request: Any, paths: tuple[str, ...], catalogue: Catalogue, mode: str
) -> tuple[ModelStatus | None, MeshError | None]:
    """The request's model status (None when it names no model) and, when `mode` refuses
    one of its ids, the 404 `model_not_found` to answer."""
    status: ModelStatus | None = None
    for field, model_id in model_ids(request, paths):
        if catalogue.find(model_id) is not None:
            status = status or "catalogue"
            continue
        if mode != "any" and (mode == "strict" or not _known_provider(catalogue, model_id)):
            return "rejected", not_found(catalogue, field, model_id)
        status = "unknown"
    return status, None


def _known_provider(catalogue: Catalogue, model_id: str) -> bool:
    provider = model_id.partition("/")[0]
    return well_formed(model_id) and catalogue.knows_provider(provider)


def not_found(catalogue: Catalogue, field: str, model_id: str) -> MeshError:
    closest = catalogue.closest("".join(model_id.split()))
    provider, slash, name = model_id.partition("/")
    if not (slash and provider and name):
        why = "model ids are `provider/name`"
    elif not well_formed(model_id):
        why = "model ids hold no whitespace"
    elif not catalogue.knows_provider(provider):
        why = f"no catalogue model is served by provider '{provider}'"
    else:
        why = "it is not in the catalogue (the fake runs with `--models strict`)"
    message = f"Model {model_id!r} not found: {why}. Closest models: {', '.join(closest)}."
    return MeshError(
        404,
        "model_not_found",
        message,
        details=[
            {"type": "model_not_found", "loc": ["body", *field.split(".")], "msg": message},
        ],
    )
