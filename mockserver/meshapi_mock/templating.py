"""Stored prompt templates, filled in: what `template` + `variables` mean in a request.

A request names a template (by name or id) and gives `variables`; the fake fills every
`{{name}}` slot of the template's `system` prompt and message contents with the values,
verbatim (a value is never expanded again). An unknown template is 404 `not_found`; a
slot with no value is 422 `validation_error` naming the variable.

`expand` is the one place that does it. `apply_template` puts the result into a request
as an operation's `prepare` step, so rules match, default mode answers and the journal's
`rendered` view show what the model would see; `apply_to_conversation` is that step for
requests that carry `messages` (chat, compare):

- the template's `system` becomes the first message, then the template's messages, then
  the request's own messages (`messages: []` is fine when the template holds the whole
  conversation; an empty result is the template's 422);
- the template's `model` is used when the request names none;
- each of the template's `params` (e.g. `temperature`) is used when the request leaves
  that field unset or null; `messages`, `input`, `stream`, `model(s)`, `template` and
  `variables` are never taken from `params`.

`apply_to_input` is the same for requests with an `input` conversation (responses): the
template's system prompt and messages go ahead of the input items. Another request shape
passes its own placement: `prepare=lambda ctx, state: apply_template(ctx, state, place)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from .endpoints.templates.store import StoredTemplate, TemplateStore, templates_of
from .errors import MeshError
from .scripting.context import CallContext

if TYPE_CHECKING:
    from .endpoints.base import Host

SLOT = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}\}")
"""`{{company}}` or `{{ company }}`: a name of letters, digits, `_`, `.` and `-`."""

NOT_FROM_PARAMS = frozenset(
    {"messages", "input", "stream", "model", "models", "template", "variables"}
)
"""Request fields a template's `params` never set: the request's own shape, not defaults."""


@dataclass(frozen=True)
class Expansion:
    """A template with its slots filled: the parts a request takes from it."""

    template: StoredTemplate
    system: str | None
    messages: list[dict[str, Any]]
    """The template's own messages (not its system prompt), filled."""
    model: str | None
    params: dict[str, Any]

    def conversation(self) -> list[dict[str, Any]]:
        """The system prompt as the first message, then the template's messages."""
        head = [{"role": "system", "content": self.system}] if self.system is not None else []
        return head + self.messages


def expand(store: TemplateStore, reference: str, variables: Mapping[str, str] | None) -> Expansion:
    """The template named `reference` (a name or an id), its slots filled from `variables`."""
    template = store.find(reference)
    if template is None:
        raise MeshError(
            404, "not_found", f"Template {reference!r} not found (neither a name nor an id)."
        )
    values = dict(variables or {})
    missing = [name for name in slots_of(template) if name not in values]
    if missing:
        raise _missing(template, missing)
    return Expansion(
        template=template,
        system=_fill(template.system, values) if template.system is not None else None,
        messages=[_fill_message(m, values) for m in template.messages or ()],
        model=template.model,
        params=dict(template.params or {}),
    )


def slots_of(template: StoredTemplate) -> list[str]:
    """Every slot name the template's system prompt and messages use, once, in order."""
    texts = [template.system or ""]
    for message in template.messages or ():
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(p["text"] for p in content if isinstance(p, dict) and "text" in p)
    names = (match.group(1) for text in texts for match in SLOT.finditer(text))
    return list(dict.fromkeys(names))


Placement = Callable[[Expansion, dict[str, Any]], None]
"""Puts a template's system prompt and messages into a request's fields (a dict to edit)."""


def apply_template(ctx: CallContext, state: Host, place: Placement) -> CallContext:
    """A `prepare` step: the request with its template filled in (`place` says where the
    system prompt and messages go; the model and params defaults are merged here), or
    `ctx` itself when the request names no template."""
    request = ctx.request
    reference = getattr(request, "template", None)
    if reference is None:
        return ctx
    expansion = expand(templates_of(state), reference, getattr(request, "variables", None))
    data = request.model_dump(exclude_unset=True)
    place(expansion, data)
    fields = type(request).model_fields
    if "model" in fields and data.get("model") is None and expansion.model is not None:
        data["model"] = expansion.model
    for name, value in expansion.params.items():
        if name not in NOT_FROM_PARAMS and data.get(name) is None:
            data[name] = value
    return replace(ctx, request=_validated(type(request), data, expansion))


def before_the_messages(expansion: Expansion, data: dict[str, Any]) -> None:
    """The template's conversation goes ahead of the request's `messages` (which may be
    `[]` when the template holds the whole conversation, but not both)."""
    data["messages"] = [*expansion.conversation(), *data["messages"]]
    if not data["messages"]:
        raise _invalid(
            expansion,
            [
                {
                    "type": "too_short",
                    "loc": ["template", expansion.template.name, "messages"],
                    "msg": "the template has no system prompt or messages and the request no "
                    "messages, so the conversation is empty",
                }
            ],
        )


def apply_to_conversation(ctx: CallContext, state: Host) -> CallContext:
    """The `prepare` step of requests with `messages` (chat, compare)."""
    return apply_template(ctx, state, before_the_messages)


def before_the_input(expansion: Expansion, data: dict[str, Any]) -> None:
    """The template's conversation goes ahead of a Responses `input` (a string is one user
    message); the request's own `instructions` stay as they are."""
    items = data["input"]
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    data["input"] = [*expansion.conversation(), *items]


def apply_to_input(ctx: CallContext, state: Host) -> CallContext:
    """The `prepare` step of requests with an `input` conversation (responses)."""
    return apply_template(ctx, state, before_the_input)


def _validated(model: type[BaseModel], data: dict[str, Any], expansion: Expansion) -> Any:
    """The filled-in request, checked like one a client sent; a bad param is the template's."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        name = expansion.template.name
        details = [
            {
                "type": e["type"],
                "loc": ["template", name, *e["loc"]],
                "msg": e["msg"].removeprefix("Value error, "),
            }
            for e in exc.errors()
        ]
        raise _invalid(expansion, details) from None


def _invalid(expansion: Expansion, details: list[dict[str, Any]]) -> MeshError:
    """The 422 for a request the template makes invalid; `details` locate each fault as
    `["template", name, *field]`."""
    first = details[0]
    where = ".".join(str(part) for part in first["loc"][2:])
    return MeshError(
        422,
        "validation_error",
        f"Template {expansion.template.name!r} makes the request invalid: {where}: {first['msg']}",
        details=details,
    )


def _fill(text: str, values: Mapping[str, str]) -> str:
    return SLOT.sub(lambda match: values[match.group(1)], text)


def _fill_message(message: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    filled = dict(message)
    content = message.get("content")
    if isinstance(content, str):
        filled["content"] = _fill(content, values)
    elif isinstance(content, list):
        filled["content"] = [
            {**part, "text": _fill(part["text"], values)}
            if isinstance(part, dict) and isinstance(part.get("text"), str)
            else part
            for part in content
        ]
    return filled


def _missing(template: StoredTemplate, names: list[str]) -> MeshError:
    first = names[0]
    more = f" (and {', '.join(repr(n) for n in names[1:])})" if len(names) > 1 else ""
    return MeshError(
        422,
        "validation_error",
        f"Template {template.name!r} needs the variable {first!r}{more}, which `variables` "
        "does not give.",
        details=[
            {
                "type": "missing",
                "loc": ["body", "variables", name],
                "msg": f"Template {template.name!r} has a {{{{{name}}}}} slot",
            }
            for name in names
        ],
    )
