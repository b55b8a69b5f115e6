"""What the middlewares tell each other about one request, kept in ASGI `scope["state"]`.

`RequestEnvelope` puts the request id and the journal entry there; whoever refuses or
fails the request records why; the request log reads it all back at the end.
"""

from __future__ import annotations

from typing import Any

from starlette.types import Scope

from .errors import MeshError
from .journal import JournalEntry


def _state(scope: Scope) -> dict[str, Any]:
    state: dict[str, Any] = scope.setdefault("state", {})
    return state


def start(scope: Scope, request_id: str, entry: JournalEntry | None) -> None:
    _state(scope).update(request_id=request_id, journal_entry=entry)


def request_id(scope: Scope) -> str | None:
    rid: str | None = _state(scope).get("request_id")
    return rid


def journal_entry(scope: Scope) -> JournalEntry | None:
    entry: JournalEntry | None = _state(scope).get("journal_entry")
    return entry


def record_error(scope: Scope, error: MeshError) -> None:
    """Note the error a response carries, in the journal entry when there is one."""
    entry = journal_entry(scope)
    if entry is not None:
        entry.error_code, entry.error_message = error.code, error.message
    _state(scope)["error_code"] = error.code


def error_code(scope: Scope) -> str | None:
    """The code of the error this request got (from the pipeline too), else None."""
    entry = journal_entry(scope)
    if entry is not None and entry.error_code is not None:
        return entry.error_code
    code: str | None = _state(scope).get("error_code")
    return code
