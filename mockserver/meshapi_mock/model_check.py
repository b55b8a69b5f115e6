"""Model ids a request names, checked against the fake's catalogue as the gateway would.

The real gateway answers 404 `model_not_found` for a model it does not know, and 501
where it says a model does not support the operation (the Responses API, contract §4):
an operation that declares the kinds it serves (`Operation.model_kinds`) refuses a
catalogue model of another kind with 501 `model_capability_not_supported`. The fake
catches what is certainly wrong (no `provider/` prefix, whitespace in the id, a provider no
catalogue model has) without failing an app that names a real model the catalogue lacks:
that one is answered and marked `model_status="unknown"` in the journal.
`ServerConfig.models` tightens this (`strict`: only catalogue ids) or turns it off (`any`).

An operation declares where its request holds model ids (`Operation.model_fields`); the
pipeline calls `check_request_models` for every operation the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal, Protocol

from .catalogue import KINDS, Catalogue, Model, well_formed
from .errors import MeshError

if TYPE_CHECKING:
    from .config import ServerConfig

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


class NamesModels(Protocol):
    """Where a request names models and which kinds it serves: an `Operation`'s fields
    (a protocol, so this check sits below the endpoints that declare them)."""

    @property
    def model_fields(self) -> tuple[str, ...]: ...
    @property
    def model_kinds(self) -> tuple[str, ...]: ...


class ServesModels(Protocol):
    """The fake's catalogue and its `models` mode (an endpoint's `Host`)."""

    @property
    def catalogue(self) -> Catalogue: ...
    @property
    def config(self) -> ServerConfig: ...


def check_request_models(
    request: Any, operation: NamesModels, state: ServesModels
) -> tuple[ModelStatus | None, MeshError | None]:
    """`check_models` for `operation`'s request, as the fake is set up (its catalogue and
    `models` mode): where the operation's request names models, and which kinds it serves."""
    return check_models(
        request,
        operation.model_fields,
        state.catalogue,
        state.config.models,
        operation.model_kinds,
    )


def check_models(
    request: Any,
    paths: tuple[str, ...],
    catalogue: Catalogue,
    mode: str,
    kinds: tuple[str, ...] = (),
) -> tuple[ModelStatus | None, MeshError | None]:
    """The request's model status (None when it names no model) and, when `mode` refuses
    one of its ids, the error to answer: 404 `model_not_found` for an id the catalogue
    cannot serve, 501 `model_capability_not_supported` for a catalogue model whose kind is
    not among the operation's `kinds` (`Operation.model_kinds`; empty: any kind)."""
    status: ModelStatus | None = None
    for field, model_id in model_ids(request, paths):
        model = catalogue.find(model_id)
        if model is not None:
            kind = model.model_type
            if kinds and mode != "any" and kind in KINDS and kind not in kinds:
                return "rejected", unsupported(catalogue, field, model, kinds)
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


def unsupported(
    catalogue: Catalogue, field: str, model: Model, kinds: tuple[str, ...]
) -> MeshError:
    """The gateway's 501 for a model the operation does not support (contract §4)."""
    served = " or ".join(kinds)
    closest = catalogue.closest(model.id, kinds=kinds)
    message = (
        f"Model {model.id!r} is not supported here: it is {_a(model.model_type)} model and "
        f"this endpoint serves {served} models. Closest {served} models: {', '.join(closest)}."
    )
    return MeshError(
        501,
        "model_capability_not_supported",
        message,
        details=[
            {
                "type": "model_capability_not_supported",
                "loc": ["body", *field.split(".")],
                "msg": message,
            }
        ],
    )


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun
