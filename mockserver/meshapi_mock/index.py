"""`GET /`: what this server is and where to look next, for whoever opens its URL.

Not an API endpoint (it is in no registry and not in `/openapi.json`): JSON for tools,
and a small page for a browser that asks for HTML.
"""

from __future__ import annotations

from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ._version import __version__
from .admin import PREFIX
from .jsonbody import dumps
from .state import MockState

LINKS = {
    "openapi": "/openapi.json",
    "health": f"{PREFIX}/health",
    "requests": f"{PREFIX}/requests",
    "rules": f"{PREFIX}/rules",
    "models": "/v1/models",
}


def describe(state: MockState) -> dict[str, Any]:
    config = state.config
    keyed = bool(config.tokens)
    return {
        "name": "meshapi-mock",
        "version": __version__,
        "description": (
            "A scripted fake of the MeshAPI gateway for offline tests: OpenAI-compatible "
            "endpoints under /v1 that answer deterministically, with synthetic replies or "
            "with what a test scripted."
        ),
        "usage": {
            "meshapi": "MeshAPI(base_url=<this URL>, token=<key>)",
            "openai": "OpenAI(base_url=<this URL>/v1, api_key=<key>)",
            "keys": "one of the configured keys" if keyed else "any key starting with rsk_",
            "scripting": (
                f"POST {PREFIX}/rules with rules in the scenario-file shape; read what "
                f"clients sent with GET {PREFIX}/requests; start over with POST {PREFIX}/reset."
            ),
            "admin_key_required": keyed or config.admin_token is not None,
        },
        "strict": config.strict,
        "links": LINKS,
    }


VARY = {"vary": "Accept"}


async def index(request: Request) -> Response:
    about = describe(request.app.state.mock)
    if prefers_html(request.headers.get("accept", "")):
        return HTMLResponse(_page(about), headers=VARY)
    return Response(dumps(about), media_type="application/json", headers=VARY)


def prefers_html(accept: str) -> bool:
    """Whether `Accept` ranks HTML above JSON (q-values and specificity as RFC 9110 §12.5.1
    says); on a tie, JSON: tools send `*/*`, browsers name text/html."""
    ranges = [_media_range(part) for part in accept.split(",") if part.strip()]
    return _quality(ranges, "text", "html") > _quality(ranges, "application", "json")


MediaRange = tuple[str, str, float]


def _media_range(text: str) -> MediaRange:
    kind, *parameters = (piece.strip().lower() for piece in text.split(";"))
    main, _, sub = kind.partition("/")
    quality = 1.0
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip() == "q":
            try:
                quality = min(max(float(value), 0.0), 1.0)
            except ValueError:
                quality = 0.0
            if quality != quality:  # NaN
                quality = 0.0
    return main, sub or "*", quality


def _quality(ranges: list[MediaRange], main: str, sub: str) -> float:
    """The q of the most specific range naming `main/sub`; 0 when none does (and with no
    `Accept` at all, every type is as good: 1)."""
    if not ranges:
        return 1.0
    best = (-1, 0.0)
    for range_main, range_sub, quality in ranges:
        if (range_main, range_sub) == (main, sub):
            specificity = 2
        elif (range_main, range_sub) == (main, "*"):
            specificity = 1
        elif (range_main, range_sub) == ("*", "*"):
            specificity = 0
        else:
            continue
        best = max(best, (specificity, quality), key=lambda b: b[0])
    return best[1]


def _page(about: dict[str, Any]) -> str:
    usage = about["usage"]
    links = "".join(
        f'<li><a href="{escape(path)}">{escape(path)}</a> ({escape(name)})</li>'
        for name, path in about["links"].items()
    )
    return (
        "<!doctype html><meta charset=utf-8>"
        f"<title>meshapi-mock {escape(about['version'])}</title>"
        f"<h1>meshapi-mock {escape(about['version'])}</h1>"
        f"<p>{escape(about['description'])}</p>"
        f"<p>Clients: <code>{escape(usage['meshapi'])}</code> or "
        f"<code>{escape(usage['openai'])}</code>, with {escape(usage['keys'])}.</p>"
        f"<p>{escape(usage['scripting'])}</p>"
        f"<ul>{links}</ul>"
    )
