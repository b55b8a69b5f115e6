"""The prompt templates one fake holds: bounded, thread-safe, deterministic.

The server thread writes through `/v1/templates`; a test writes through
`server.templates.add(...)` and reads from its own thread, hence the lock. Ids are
UUIDs derived from the seed and the order of creation, and timestamps come from a
clock that starts at the fake's fixed `created` time and ticks one second per write,
so the same calls give the same bytes and an update is always later than the create.

Bounded in number and in bytes: a test that creates templates in a loop cannot take
the machine's memory (see `MAX_TEMPLATES`, `MAX_TEMPLATE_BYTES`, `MAX_TOTAL_BYTES`).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ...errors import MeshError
from ...ids import IdFactory
from ...jsonbody import dumps

if TYPE_CHECKING:
    from ..base import Host

MAX_TEMPLATES = 1000
MAX_TEMPLATE_BYTES = 256 * 1024
"""One template as JSON; a prompt longer than this is not what a test needs."""
MAX_TOTAL_BYTES = 32 * 1024 * 1024

EDITABLE = ("name", "description", "system", "messages", "model", "params", "variables")
"""The fields a create sets and an update may change (`team_id` is accepted, not kept)."""


@dataclass(frozen=True)
class StoredTemplate:
    """One template as the fake holds it: a snapshot, replaced (never changed) by updates."""

    id: str
    name: str
    owner: str | None
    is_global: bool
    description: str | None
    system: str | None
    messages: list[dict[str, Any]] | None
    model: str | None
    params: dict[str, Any] | None
    variables: list[str] | None
    created_at: str
    updated_at: str
    size: int = 0
    """Bytes of its JSON form: what it counts against the store's bounds."""

    def to_wire(self) -> dict[str, Any]:
        """The TemplateSummary clients parse (contract §8)."""
        return {
            "id": self.id,
            "name": self.name,
            "owner": self.owner,
            "is_global": self.is_global,
            "description": self.description,
            "system": self.system,
            "messages": self.messages,
            "model": self.model,
            "params": self.params,
            "variables": self.variables,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def iso_time(unix_seconds: int) -> str:
    """ISO-8601 in UTC with a `Z`, as the gateway writes template timestamps."""
    return datetime.fromtimestamp(unix_seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def derived_uuid(ids: IdFactory, *parts: bytes) -> str:
    """A version-4-shaped UUID fixed by the seed and `parts`."""
    return str(uuid.UUID(bytes=bytes.fromhex(ids.digest(*parts)), version=4))


class TemplateStore:
    """Templates by id, in the order they were created. Errors are MeshErrors the HTTP
    answer carries as they are (404, 403, 409, 400, 413)."""

    def __init__(self, ids: Callable[[], IdFactory]) -> None:
        self._ids = ids
        self._lock = threading.Lock()
        self._templates: dict[str, StoredTemplate] = {}
        self._bytes = 0
        self._created = 0
        self._ticks = 0

    # ------------------------------------------------------------------ reading

    def __iter__(self) -> Iterator[StoredTemplate]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self._templates)

    def all(self) -> list[StoredTemplate]:
        with self._lock:
            return list(self._templates.values())

    def get(self, template_id: str) -> StoredTemplate:
        """By id (what `/v1/templates/{id}` takes); unknown or deleted → 404."""
        found = self._templates.get(template_id)
        if found is None:
            raise not_found(template_id)
        return found

    def find(self, reference: str) -> StoredTemplate | None:
        """By id or by name, as chat, compare and responses name a template."""
        with self._lock:
            found = self._templates.get(reference)
            if found is not None:
                return found
            return next((t for t in self._templates.values() if t.name == reference), None)

    # ------------------------------------------------------------------ writing

    def create(self, fields: Mapping[str, Any], *, is_global: bool = False) -> StoredTemplate:
        """A new template of `fields` (see `EDITABLE`); a taken name → 409 `conflict`."""
        ids = self._ids()
        with self._lock:
            self._refuse_taken_name(fields["name"], None)
            if len(self._templates) >= MAX_TEMPLATES:
                raise _full(f"at most {MAX_TEMPLATES} templates")
            now = self._now(ids)
            owner = None if is_global else derived_uuid(ids, b"owner")
            template = _sized(
                StoredTemplate(
                    id=derived_uuid(ids, b"template", b"%d" % (self._created + 1)),
                    owner=owner,
                    is_global=is_global,
                    created_at=now,
                    updated_at=now,
                    name=fields["name"],
                    description=fields.get("description"),
                    system=fields.get("system"),
                    messages=fields.get("messages"),
                    model=fields.get("model"),
                    params=fields.get("params"),
                    variables=fields.get("variables"),
                )
            )
            self._admit(template, None)
            self._created += 1
            return template

    def update(self, template_id: str, changes: Mapping[str, Any]) -> StoredTemplate:
        """Change the fields given (None clears one); the rest stay as they were."""
        ids = self._ids()
        with self._lock:
            current = self._writable(template_id)
            if "name" in changes:
                self._refuse_taken_name(changes["name"], template_id)
            updated = replace(
                current,
                updated_at=self._now(ids),
                **{name: changes[name] for name in EDITABLE if name in changes},
            )
            updated = _sized(updated)
            self._admit(updated, current)
            return updated

    def delete(self, template_id: str) -> None:
        with self._lock:
            current = self._writable(template_id)
            del self._templates[template_id]
            self._bytes -= current.size

    # ------------------------------------------------------------------ rules

    def _writable(self, template_id: str) -> StoredTemplate:
        current = self._templates.get(template_id)
        if current is None:
            raise not_found(template_id)
        if current.is_global:
            raise MeshError(
                403,
                "forbidden",
                f"Template {current.name!r} is global, and global templates are read-only.",
            )
        return current

    def _refuse_taken_name(self, name: str, own_id: str | None) -> None:
        for template in self._templates.values():
            if template.name == name and template.id != own_id:
                raise MeshError(
                    409,
                    "conflict",
                    f"A template named {name!r} already exists (id {template.id}).",
                )

    def _admit(self, template: StoredTemplate, replacing: StoredTemplate | None) -> None:
        if template.size > MAX_TEMPLATE_BYTES:
            raise MeshError(
                413,
                "payload_too_large",
                f"The template is {template.size} bytes as JSON; meshapi-mock keeps "
                f"templates of up to {MAX_TEMPLATE_BYTES} bytes.",
            )
        total = self._bytes - (replacing.size if replacing else 0) + template.size
        if total > MAX_TOTAL_BYTES:
            raise _full(f"at most {MAX_TOTAL_BYTES} bytes of templates")
        self._templates[template.id] = template
        self._bytes = total
        self._ticks += 1

    def _now(self, ids: IdFactory) -> str:
        """The time of the next write; `_admit` moves the clock on once it is made."""
        return iso_time(ids.created + self._ticks)


def templates_of(state: Host) -> TemplateStore:
    """The fake's templates: made on first use, emptied (ids and clock too) by a reset."""
    return state.store("templates", lambda: TemplateStore(lambda: state.ids))


def _sized(template: StoredTemplate) -> StoredTemplate:
    return replace(template, size=len(dumps(template.to_wire())))


def not_found(template_id: str) -> MeshError:
    return MeshError(404, "not_found", f"Template {template_id!r} not found.")


def _full(limit: str) -> MeshError:
    return MeshError(
        400,
        "invalid_request",
        f"meshapi-mock holds {limit}; delete some templates or reset the fake.",
    )
