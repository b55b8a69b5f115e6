"""The templates scripting face: store templates from Python, script the API's errors.

mock.templates.add("support-agent", system="You help {{company}} customers.")
mock.templates.when(operation="create").error(409)
mock.templates.stored            # what the fake holds now
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from ...errors import MeshError
from ...scripting.rulebook import Predicate
from ...scripting.script import Script
from ...scripting.spec import BaseMatch, BaseReply, TextCriterion
from .store import StoredTemplate, TemplateStore, templates_of
from .wire import CreateTemplateRequest

Operation = Literal["create", "list", "get", "update", "delete"]


class TemplatesMatch(BaseMatch):
    """Which `/v1/templates` calls a rule answers: `operation` tells them apart."""


class TemplatesReply(BaseReply):
    """A templates rule scripts an error; without one the store answers as usual (the rule
    still counts the call)."""


class TemplatesScript(Script[TemplatesMatch]):
    """Scripts `/v1/templates` and holds the fake's templates."""

    endpoint = "templates"
    match_model = TemplatesMatch
    reply_model = TemplatesReply

    def when(
        self,
        *,
        operation: Operation | None = None,
        headers: Mapping[str, str | TextCriterion] | None = None,
        nth: int | None = None,
        predicate: Predicate | None = None,
    ) -> TemplatesScript:
        """Only calls meeting every given criterion (`operation`: create, list, get, …)."""
        criteria = {
            "operation": operation,
            "headers": dict(headers) if headers is not None else None,
            "nth": nth,
        }
        return self._narrow(criteria, predicate)

    # ----------------------------------------------------------------- the store

    @property
    def store(self) -> TemplateStore:
        if self._state is None:
            raise RuntimeError("this face is not bound to a fake (use server.templates)")
        return templates_of(self._state)

    def add(
        self,
        name: str,
        *,
        system: str | None = None,
        messages: Sequence[Mapping[str, Any]] | None = None,
        model: str | None = None,
        params: Mapping[str, Any] | None = None,
        variables: Sequence[str] | None = None,
        description: str | None = None,
        is_global: bool = False,
    ) -> StoredTemplate:
        """Store a template as `POST /v1/templates` would (checked the same way); a global
        one has no owner and is read-only over the API. Gone at the next reset."""
        fields = CreateTemplateRequest.model_validate(
            {
                "name": name,
                "system": system,
                "messages": [dict(m) for m in messages] if messages is not None else None,
                "model": model,
                "params": dict(params) if params is not None else None,
                "variables": list(variables) if variables is not None else None,
                "description": description,
            }
        )
        try:
            return self.store.create(stored_fields(fields), is_global=is_global)
        except MeshError as exc:
            raise ValueError(exc.message) from None

    @property
    def stored(self) -> list[StoredTemplate]:
        """Every template the fake holds, oldest first."""
        return self.store.all()

    def find(self, reference: str) -> StoredTemplate | None:
        """A stored template by name or id, as a request's `template` names it."""
        return self.store.find(reference)


def stored_fields(request: CreateTemplateRequest | Any, only_given: bool = False) -> dict[str, Any]:
    """A create or update body as the store keeps it: messages as JSON objects."""
    names = request.model_fields_set if only_given else type(request).model_fields
    fields: dict[str, Any] = {}
    for name in names:
        if name == "team_id" or name not in type(request).model_fields:
            continue
        value = getattr(request, name)
        if name == "messages" and value is not None:
            value = [m.model_dump(mode="json", exclude_unset=True) for m in value]
        fields[name] = value
    return fields
