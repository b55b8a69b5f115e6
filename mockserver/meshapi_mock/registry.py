"""Every endpoint the fake serves, one line each.

Routes (`app.py`), `/openapi.json` (`openapi.py`), the rule shape of scenario files and
the admin API (`rule_adapter`), the Python scripting faces (`Mock`) and the reports all
read this tuple, so adding an endpoint is its module plus one line here.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    create_model,
)

from .delivery.chaos import ChaosSpec
from .endpoints import (
    audio,
    batches,
    chat,
    compare,
    embeddings,
    files,
    images,
    models,
    moderations,
    realtime,
    responses,
    router,
    templates,
    videos,
    web_search,
)
from .endpoints.base import Endpoint
from .scripting.spec import RuleSpec, ScenarioFileBase

ENDPOINTS: tuple[Endpoint, ...] = (
    chat.ENDPOINT,
    models.ENDPOINT,
    embeddings.ENDPOINT,
    moderations.ENDPOINT,
    web_search.ENDPOINT,
    router.ENDPOINT,
    responses.ENDPOINT,
    templates.ENDPOINT,
    compare.ENDPOINT,
    images.ENDPOINT,
    files.ENDPOINT,
    audio.ENDPOINT,
    realtime.ENDPOINT,
    batches.ENDPOINT,
    videos.ENDPOINT,
)

BY_NAME: dict[str, Endpoint] = {endpoint.name: endpoint for endpoint in ENDPOINTS}
ChaosSpec.known_endpoints = tuple(BY_NAME)  # chaos may be limited to these endpoints
DEFAULT_ENDPOINT = "chat"
"""The endpoint of a rule that names none, so scenario files written for chat keep working."""


def endpoint(name: str) -> Endpoint:
    return BY_NAME[name]


def _rule_tag(value: Any) -> str:
    if isinstance(value, dict):
        match = value.get("match")
        legacy = match.get("endpoint") if isinstance(match, dict) else None
        tag = value.get("endpoint", legacy)
    else:
        tag = getattr(value, "endpoint", None)
    return tag if isinstance(tag, str) else DEFAULT_ENDPOINT


def _rule_model(ep: Endpoint) -> type[RuleSpec]:
    name = "".join(part.capitalize() for part in ep.name.split("_")) + "Rule"
    tag: Any = Literal[ep.name]
    reply: Any = ep.reply | None

    model: type[RuleSpec] = create_model(
        name,
        __base__=RuleSpec,
        __doc__=f"A rule for the `{ep.name}` endpoint. {ep.description}",
        endpoint=(tag, ep.name) if ep.name == DEFAULT_ENDPOINT else (tag, ...),
        match=(ep.match, Field(default_factory=ep.match)),
        reply=(reply, None),
    )
    model.operations = ep.operation_names  # what `match.operation` may name
    return model


@cache
def rule_models() -> dict[str, type[RuleSpec]]:
    return {ep.name: _rule_model(ep) for ep in ENDPOINTS}


def _known_endpoint(value: Any) -> Any:
    """Name an unknown `endpoint` and the known ones, before the union says it in its
    own words (which name `_rule_tag()`)."""
    if isinstance(value, dict):
        match = value.get("match")
        given = value.get("endpoint", match.get("endpoint") if isinstance(match, dict) else None)
        if given is not None and given not in BY_NAME:
            known = ", ".join(repr(name) for name in BY_NAME)
            raise ValueError(f"unknown endpoint {given!r}; expected one of {known}")
    return value


@cache
def rule_type() -> Any:
    """The union of every endpoint's rule, told apart by `endpoint` (chat when absent)."""
    variants = tuple(Annotated[m, Tag(name)] for name, m in rule_models().items())
    return Annotated[
        Union[variants],  # noqa: UP007
        Discriminator(_rule_tag),
        BeforeValidator(_known_endpoint),
    ]


@cache
def rule_adapter() -> TypeAdapter[RuleSpec]:
    return TypeAdapter(rule_type())


@cache
def scenario_file_model() -> type[ScenarioFileBase]:
    rules: Any = list[rule_type()]  # type: ignore[misc]
    model: type[ScenarioFileBase] = create_model(
        "ScenarioFile",
        __base__=ScenarioFileBase,
        __doc__="A scenario file: a list of rules, optionally named and described.",
        rules=(rules, ...),
    )
    return model
