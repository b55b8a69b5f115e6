"""`/_mock/…`: script, inspect and reset the fake from any process or language.

Rules posted here use the scenario-file shape: one rule, a list, or `{"rules": [...]}`.
Who may call these routes at all is the edge guard's business (`guard.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from . import config as config_checks
from ._version import __version__
from .delivery.chaos import ChaosSpec
from .errors import MeshError
from .jsonbody import dumps
from .registry import BY_NAME, ENDPOINTS
from .responses import JSONBytes
from .scripting.rulebook import Rule
from .scripting.scenarios import ScenarioError, parse_rules
from .state import MockState
from .validation import parse_json, read_body, validation_details

PREFIX = "/_mock"


def is_admin_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def _state(request: Request) -> MockState:
    state: MockState = request.app.state.mock
    return state


async def _read_body(request: Request, state: MockState) -> bytes:
    limit = state.config.max_body_bytes
    return await read_body(request.receive, request.headers.get("content-length"), limit)


def _no_content() -> Response:
    return Response(status_code=204)


async def health(request: Request) -> ASGIApp:
    state = _state(request)
    return JSONBytes(
        dumps(
            {
                "status": "ok",
                "version": __version__,
                "rules": len(state.rules),
                "requests": len(state.journal),
                "journal_bytes": state.journal.held_bytes,
            }
        )
    )


async def list_rules(request: Request) -> ASGIApp:
    return JSONBytes(dumps([rule.to_wire() for rule in _state(request).rules.snapshot()]))


async def add_rules(request: Request) -> ASGIApp:
    state = _state(request)
    document = parse_json(await _read_body(request, state))
    if isinstance(document, dict) and document.get("models"):
        raise MeshError(
            422,
            "validation_error",
            "The admin API adds rules only; add models with server.models.add(...), "
            "--model-catalogue or a scenario file's `models:` loaded at start.",
            details=[{"type": "value_error", "loc": ["body", "models"], "msg": "not taken here"}],
        )
    try:  # checking many rules (their regexes) takes a while: off the loop, others go on
        specs = await run_in_threadpool(parse_rules, document, "request body")
    except ScenarioError as exc:
        raise MeshError(
            422,
            "validation_error",
            "Rules failed validation.",
            details=[
                {"type": "rule_invalid", "loc": ["body", *p.where.split(".")], "msg": p.message}
                for p in exc.problems
            ],
        ) from None
    added = state.rules.extend(Rule.from_spec(spec, source="admin") for spec in specs)
    return JSONBytes(dumps([rule.to_wire() for rule in added]), status=201)


async def clear_rules(request: Request) -> Response:
    _state(request).rules.clear()
    return _no_content()


async def delete_rule(request: Request) -> Response:
    rule_id = request.path_params["rule_id"]
    if not _state(request).rules.remove(rule_id):
        raise MeshError(404, "not_found", f"No rule with id {rule_id!r}.")
    return _no_content()


async def list_requests(request: Request) -> ASGIApp:
    """The journal, oldest first; `?endpoint=chat&operation=create` keeps those calls only."""
    wanted = _journal_filters(request.query_params)
    entries = [
        entry
        for entry in _state(request).journal.entries()
        if all(getattr(entry, name) in values for name, values in wanted.items())
    ]
    return JSONBytes(dumps([entry.to_wire() for entry in entries]))


JOURNAL_FILTERS = ("endpoint", "operation")


def _journal_filters(query: QueryParams) -> dict[str, set[str]]:
    """Each filter's accepted values (a repeated key means any of them); 422 for typos,
    since an unknown name or value would otherwise answer with a silent empty list."""
    problems: list[dict[str, Any]] = []
    wanted = {name: set(query.getlist(name)) for name in JOURNAL_FILTERS if name in query}
    for name in sorted(set(query) - set(JOURNAL_FILTERS)):
        problems.append(_query_problem(name, f"unknown filter; use {' or '.join(JOURNAL_FILTERS)}"))
    endpoints = wanted.get("endpoint") or set(BY_NAME)
    for name in sorted(endpoints - set(BY_NAME)):
        problems.append(
            _query_problem("endpoint", f"no endpoint {name!r}; one of {sorted(BY_NAME)}")
        )
    operations = {op.name for ep in ENDPOINTS if ep.name in endpoints for op in ep.operations}
    for name in sorted(wanted.get("operation", set()) - operations):
        problems.append(
            _query_problem("operation", f"no operation {name!r} there; one of {sorted(operations)}")
        )
    if problems:
        raise MeshError(
            422, "validation_error", "Journal filters failed validation.", details=problems
        )
    return wanted


def _query_problem(name: str, message: str) -> dict[str, Any]:
    return {"type": "value_error", "loc": ["query", name], "msg": message}


async def clear_requests(request: Request) -> Response:
    _state(request).journal.clear()
    return _no_content()


async def reset(request: Request) -> Response:
    _state(request).reset()
    return _no_content()


def _clock_body(state: MockState) -> bytes:
    clock = state.clock
    return dumps({"now": clock.now(), "elapsed": clock.elapsed(), "offset": clock.offset})


async def get_clock(request: Request) -> ASGIApp:
    """The fake's clock: Unix seconds now, seconds since start or reset, and the offset."""
    return JSONBytes(_clock_body(_state(request)))


async def advance_clock(request: Request) -> ASGIApp:
    """`{"seconds": n}`: move the fake's clock (and so background jobs) on by n seconds."""
    state = _state(request)
    body = parse_json(await _read_body(request, state))
    try:
        if not isinstance(body, dict) or set(body) != {"seconds"}:
            raise ValueError("expected {'seconds': a number}")
        state.clock.advance(body["seconds"])
    except (TypeError, ValueError) as exc:
        raise MeshError(
            422,
            "validation_error",
            "The clock moves forward by {'seconds': n}, n a number from 0.",
            details=[{"type": "value_error", "loc": ["body", "seconds"], "msg": str(exc)}],
        ) from None
    return JSONBytes(_clock_body(state))


def _chaos_body(state: MockState) -> bytes:
    chaos = state.delivery.chaos
    return dumps(chaos.to_wire() if chaos is not None else {"active": False})


async def get_chaos(request: Request) -> ASGIApp:
    """The chaos in force: its probabilities, seed and draws so far; or `active: false`."""
    return JSONBytes(_chaos_body(_state(request)))


async def put_chaos(request: Request) -> ASGIApp:
    """Chaos from now on (`ChaosSpec`'s shape); its draws start afresh from its seed."""
    state = _state(request)
    body = parse_json(await _read_body(request, state))
    try:
        spec = ChaosSpec.model_validate(body)
    except ValidationError as exc:
        raise MeshError(
            422,
            "validation_error",
            "Chaos settings failed validation.",
            details=validation_details(exc),
        ) from None
    state.delivery.set_chaos(spec)
    return JSONBytes(_chaos_body(state))


async def delete_chaos(request: Request) -> Response:
    _state(request).delivery.set_chaos(None)
    return _no_content()


async def get_config(request: Request) -> ASGIApp:
    state = _state(request)
    config = state.config
    return JSONBytes(
        dumps(
            {
                "strict": config.strict,
                "models": config.models,
                "model_catalogue": list(config.model_catalogue),
                "seed": config.seed,
                "journal_limit": config.journal_limit,
                "journal_max_bytes": config.journal_max_bytes,
                "journal_body_bytes": config.journal_body_bytes,
                "max_body_bytes": config.max_body_bytes,
                "responses_max_bytes": config.responses_max_bytes,
                "request_timeout": config.request_timeout,
                "regex_timeout": config.regex_timeout,
                "time_scale": state.delivery.time_scale,
                "allowed_hosts": list(config.allowed_hosts),
                "log_requests": config.log_requests,
                "fixtures": list(config.fixtures),
                "tokens_configured": len(config.tokens),
                "admin_token_configured": config.admin_token is not None,
            }
        )
    )


async def patch_config(request: Request) -> ASGIApp:
    state = _state(request)
    body = parse_json(await _read_body(request, state))
    usage = "Only {'strict': true|false} and {'time_scale': a factor} change at run time."
    if not isinstance(body, dict) or set(body) - {"strict", "time_scale"}:
        raise MeshError(
            422,
            "validation_error",
            usage,
            details=[
                {"type": "value_error", "loc": ["body"], "msg": "expected strict, time_scale"}
            ],
        )
    checks: dict[str, Callable[[object], Any]] = {
        "strict": config_checks.flag,
        "time_scale": config_checks.time_scale,
    }
    try:
        changes = {name: checks[name](value) for name, value in body.items()}
    except (TypeError, ValueError) as exc:
        raise MeshError(
            422,
            "validation_error",
            usage,
            details=[{"type": "value_error", "loc": ["body"], "msg": str(exc)}],
        ) from None
    if "strict" in changes:
        state.config.strict = changes["strict"]
    if "time_scale" in changes:
        state.set_time_scale(changes["time_scale"])
    return await get_config(request)
