"""`/v1/templates` (contract §8): prompt templates the fake stores, CRUD over HTTP.

Create (201), list (a bare array), get, partial update and delete (204) work on the
fake's store (`store.py`), which resets with the fake; unknown or deleted ids are 404,
a name already taken is 409 `conflict`, a global template (added from Python) is
read-only (403). Requests use a template by `template` + `variables`: see
`templating.py`. Rules script errors: `mock.templates.when(operation="create").error(409)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import Response as StarletteResponse
from starlette.types import ASGIApp

from ...jsonbody import dumps
from ...responses import JSONBytes
from ...scripting.context import CallContext
from ..base import Endpoint, Response, held_data_operations
from .script import TemplatesMatch, TemplatesReply, TemplatesScript, stored_fields
from .store import MAX_TEMPLATES, StoredTemplate, templates_of
from .wire import CreateTemplateRequest, TemplateSummary, UpdateTemplateRequest

if TYPE_CHECKING:
    from ..base import Host

PATH = "/v1/templates"
ITEM = PATH + "/{template_id}"
FIRST_ID = "73ca9ae7-9b11-41cb-86ff-3e2792129884"
"""The id the first template created on a fake with seed 0 gets (ids follow the seed)."""

_PROCEED = TemplatesReply()


def _answer(ctx: CallContext, state: Host) -> TemplatesReply:
    return _PROCEED


def _summary(template: StoredTemplate, status: int = 200) -> ASGIApp:
    return JSONBytes(dumps(template.to_wire()), status=status)


def _create(ctx: CallContext, reply: TemplatesReply, state: Host) -> ASGIApp:
    return _summary(templates_of(state).create(stored_fields(ctx.request)), 201)


def _list(ctx: CallContext, reply: TemplatesReply, state: Host) -> ASGIApp:
    return JSONBytes(dumps([t.to_wire() for t in templates_of(state).all()]))


def _get(ctx: CallContext, reply: TemplatesReply, state: Host) -> ASGIApp:
    return _summary(templates_of(state).get(ctx.path_params["template_id"]))


def _update(ctx: CallContext, reply: TemplatesReply, state: Host) -> ASGIApp:
    changes = stored_fields(ctx.request, only_given=True)
    return _summary(templates_of(state).update(ctx.path_params["template_id"], changes))


def _delete(ctx: CallContext, reply: TemplatesReply, state: Host) -> ASGIApp:
    templates_of(state).delete(ctx.path_params["template_id"])
    return StarletteResponse(status_code=204)


_op = held_data_operations(_answer, "template_id", FIRST_ID)


GET = _op(
    "get",
    "GET",
    ITEM,
    "Get a template by id",
    render=_get,
    response=Response("The template", TemplateSummary),
    errors=(401, 403, 404),
)
UPDATE = _op(
    "update",
    "PATCH",
    ITEM,
    "Update a template: fields left out stay, null clears",
    render=_update,
    request=UpdateTemplateRequest,
    response=Response("The updated template", TemplateSummary),
    errors=(401, 403, 404, 409, 413, 422),
)
DELETE = _op(
    "delete",
    "DELETE",
    ITEM,
    "Delete a template",
    render=_delete,
    response=Response("Deleted (no body)", status=204),
    errors=(401, 403, 404),
)
_BY_ID = {"template_id": "$response.body#/id"}
CREATE = _op(
    "create",
    "POST",
    PATH,
    f"Create a template (names are unique; the fake holds up to {MAX_TEMPLATES})",
    render=_create,
    request=CreateTemplateRequest,
    response=Response(
        "The template, created",
        TemplateSummary,
        status=201,
        links={
            verb: {"operationId": op.operation_id, "parameters": _BY_ID}
            for verb, op in (
                ("GetTemplate", GET),
                ("UpdateTemplate", UPDATE),
                ("DeleteTemplate", DELETE),
            )
        },
    ),
    errors=(400, 401, 403, 409, 413, 422),
)
LIST = _op(
    "list",
    "GET",
    PATH,
    "List templates (a bare array)",
    render=_list,
    response=Response("Every template, oldest first", TemplateSummary, array=True),
)

ENDPOINT = Endpoint(
    name="templates",
    match=TemplatesMatch,
    reply=TemplatesReply,
    script=TemplatesScript,
    description="Prompt templates: create, list, get, update and delete, on the fake's store.",
    operations=(CREATE, LIST, GET, UPDATE, DELETE),
)
