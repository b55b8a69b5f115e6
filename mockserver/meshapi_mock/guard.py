"""The edge guard: which requests a fake on a developer's machine answers at all.

A fake listening on loopback is still reachable from every web page the developer opens.
A page can post a form to it, and a DNS-rebinding page (its own name, re-pointed at
127.0.0.1) can even read the answers. So, before anything else runs:

- `Host` must be well-formed (else 400) and name this fake: the address it was reached
  on, a loopback name, or a name the user allowed (`--allow-host`,
  `ServerConfig.allowed_hosts`, where `*.example.com` allows the names under
  example.com); else 421, on every path. A request target in absolute form
  (`GET http://host/path`) is served by its path, its authority standing for `Host`
  (RFC 9112 §3.2.2), so it passes the same check.
- `/_mock/*` refuses other origins (403), wants a key whenever keys are configured (401)
  and takes bodies only as `application/json` (415), which no page can send to another
  origin without a CORS preflight the fake never grants.
- A WebSocket handshake (`/v1/realtime`) gets the same `Host` check, and refuses other
  origins (403) on every path: the same-origin policy does not cover WebSockets, so any
  page could otherwise open a session and read it (cross-site WebSocket hijacking). The
  refusal is the error's envelope where the server can send one (the ASGI denial
  extension, as uvicorn's has), else a close before the handshake.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from . import request_scope
from .admin import is_admin_path
from .auth import admin_keys, require_admin_key
from .config import ServerConfig
from .errors import MeshError
from .headers import RawHeaders, header
from .sockets import deny

DEFAULT_PORTS = {"http": 80, "https": 443}
WEB_SCHEMES = {"ws": "http", "wss": "https"}
ADMIN_REFUSAL = "The admin API refuses requests"
SOCKET_REFUSAL = "The fake opens no WebSocket for requests"
BODY_METHODS = frozenset({"POST", "PATCH"})


class EdgeGuard:
    """ASGI middleware refusing what a loopback fake should never serve (see the module)."""

    KNOWN_HOSTS_LIMIT = 256

    def __init__(self, app: ASGIApp, config: ServerConfig) -> None:
        self.app = app
        self.any_host = "*" in config.allowed_hosts
        self.allowed_hosts = frozenset(config.allowed_hosts)  # checked and lower-cased
        self.admin_keys = admin_keys(config)
        # (Host, bound address) pairs already accepted: clients send the same few, and
        # parsing them on every request would cost more than the rest of the guard.
        self._known_hosts: set[tuple[str, str | None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind in ("http", "websocket"):
            try:
                self.check(scope)
            except MeshError as error:
                if kind == "websocket":
                    await deny(scope, receive, send, error)
                    return
                request_scope.record_error(scope, error)
                response = error.response(request_scope.request_id(scope))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def check(self, scope: Scope) -> None:
        """Raise the `MeshError` a request (or WebSocket handshake) is refused with."""
        headers: RawHeaders = scope["headers"]
        host = header(headers, b"host")
        # No Host at all is HTTP/1.0: browsers always send one, so no page is behind it.
        if host:
            server = scope.get("server")
            self.check_host(host, server[0] if server else None)
        if scope["type"] == "websocket":
            check_same_origin(scope, host, SOCKET_REFUSAL)
        if is_admin_path(scope["path"]):
            check_same_origin(scope, host)
            if self.admin_keys:
                require_admin_key(header(headers, b"authorization"), self.admin_keys)
            if scope.get("method") in BODY_METHODS:  # a WebSocket handshake has none
                check_json_body(headers)

    def check_host(self, host: str, server_address: str | None) -> None:
        known = (host, server_address)
        if known in self._known_hosts:
            return
        if not well_formed_host(host):
            raise MeshError(
                400,
                "invalid_request",
                f"The Host header is not a host name with an optional port: {host[:120]!r}.",
            )
        if not self.any_host and not host_allowed(host, server_address, self.allowed_hosts):
            raise misdirected(host)
        if len(self._known_hosts) < self.KNOWN_HOSTS_LIMIT:
            self._known_hosts.add(known)


_REG_NAME = r"(?:[a-z0-9\-._~!$&'()*+,;=]|%[0-9a-f]{2})*"
_HOST = re.compile(rf"(?:(?P<name>{_REG_NAME})|\[(?P<ip>[0-9a-z:.%\-_~]+)\])(?::[0-9]*)?", re.I)


def well_formed_host(value: str) -> bool:
    """Whether a `Host` value is `uri-host [":" port]` (RFC 9110 §7.2): no user info, no
    second port, nothing after an IPv6 literal's bracket."""
    found = _HOST.fullmatch(value.strip())
    if found is None:
        return False
    literal = found["ip"]
    return literal is None or _ip(literal.lower()) is not None


def take_absolute_form(scope: Scope) -> None:
    """Serve `GET http://authority/path` as `GET /path` with `Host: authority`, as RFC 9112
    §3.2.2 says a server must (h11 hands the whole target over as the path)."""
    target = scope["path"]
    if target.startswith("/") or "://" not in target:
        return
    raw: bytes = scope.get("raw_path") or target.encode("latin-1")
    try:
        parts = urlsplit(raw.decode("latin-1"))
    except ValueError:
        return
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.netloc:
        return
    path = parts.path or "/"
    scope["path"], scope["raw_path"] = unquote(path), path.encode("latin-1")
    authority = parts.netloc.encode("latin-1")
    scope["headers"] = [(b"host", authority)] + [
        (name, value) for name, value in scope["headers"] if name != b"host"
    ]


class WholeTarget(asyncio.Protocol):
    """Mixin for uvicorn's httptools protocol: keep an absolute-form target whole in the
    scope, as h11 does, so `take_absolute_form` checks its authority under either parser
    (httptools would hand over its path alone, and the authority would go unchecked)."""

    if TYPE_CHECKING:  # what uvicorn's HttpToolsProtocol provides
        url: bytes
        scope: Any

    def on_headers_complete(self) -> None:
        target = self.url
        super().on_headers_complete()  # type: ignore[misc]
        if target[:1] != b"/" and b"://" in target:
            raw_path = target.partition(b"?")[0]
            self.scope["raw_path"] = raw_path
            self.scope["path"] = unquote(raw_path.decode("latin-1"))


def split_host(value: str) -> tuple[str, int | None]:
    """`Host` → (lower-case name without brackets or trailing dot, port or None)."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        name, _, port = value.partition(":")
    return name.rstrip("."), int(port) if port.isdigit() else None


@lru_cache(maxsize=256)
def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def host_allowed(host: str, server_address: str | None, allowed: frozenset[str]) -> bool:
    """Whether `host` names this fake: loopback, the address the client reached it on
    (`scope["server"]`), or an allowed name."""
    name, _ = split_host(host)
    if name in allowed or name == "localhost" or name.endswith(".localhost"):
        return True
    if any(name.endswith(pattern[1:]) for pattern in allowed if pattern.startswith("*.")):
        return True
    address = _ip(name)
    if address is None:
        return False
    return address.is_loopback or (
        server_address is not None and address == _ip(server_address.lower())
    )


def misdirected(host: str) -> MeshError:
    name = split_host(host)[0][:100]
    return MeshError(
        421,
        "misdirected_request",
        f"This fake does not answer to the name {name!r} (Host: {host[:120]}). It answers to "
        "the address it listens on and to loopback names (localhost, 127.0.0.1, [::1]), so "
        "that a web page cannot reach it under a name of its own (DNS rebinding). To accept "
        f"the name, start it with --allow-host {name} (in Python: "
        f"ServerConfig(allowed_hosts=[{name!r}])).",
    )


def check_same_origin(scope: Scope, host: str | None, refusal: str = ADMIN_REFUSAL) -> None:
    """403 for a browser request from another origin (`Origin` or `Sec-Fetch-Site` says so)."""
    headers: RawHeaders = scope["headers"]
    origin = header(headers, b"origin")
    if origin is not None and origin_of(origin) != own_origin(scope, host):
        advice = (
            "a web page must not script the fake. Call /_mock/ from your tests or tools, "
            "which send no Origin header."
            if refusal == ADMIN_REFUSAL
            else "a web page must not open a session on the fake (cross-site WebSocket "
            "hijacking). Connect from your tests, tools or app server, which send no Origin "
            "header."
        )
        raise MeshError(
            403, "forbidden", f"{refusal} from another origin (Origin: {origin[:200]}): {advice}"
        )
    if header(headers, b"sec-fetch-site") == "cross-site":
        raise MeshError(
            403,
            "forbidden",
            f"{refusal} a browser made for another site (Sec-Fetch-Site: cross-site) and so "
            "from another origin.",
        )


Origin = tuple[str, str, int]


def origin_of(value: str) -> Origin | None:
    """(scheme, host, port) of an `Origin` header; None for `null` or anything unparsable."""
    try:
        parts = urlsplit(value.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.rstrip("."), port or DEFAULT_PORTS[parts.scheme]


def own_origin(scope: Scope, host: str | None) -> Origin | None:
    """The origin a browser gives this fake: the request's scheme and `Host` (a WebSocket's
    `ws`/`wss` is the `http`/`https` of the page that may open it)."""
    scheme: str = scope.get("scheme", "http")
    scheme = WEB_SCHEMES.get(scheme, scheme)
    if host:
        name, port = split_host(host)
    elif scope.get("server"):
        name, port = scope["server"][0].lower(), scope["server"][1]
    else:
        return None
    return scheme, name, port or DEFAULT_PORTS.get(scheme, 80)


def check_json_body(headers: RawHeaders) -> None:
    """415 unless a body (or a declared type) is `application/json`, parameters allowed."""
    content_type = header(headers, b"content-type")
    if content_type is None:
        length = header(headers, b"content-length")
        has_body = header(headers, b"transfer-encoding") is not None or (length or "0") != "0"
        if not has_body:
            return
    elif content_type.split(";", 1)[0].strip().lower() == "application/json":
        return
    raise MeshError(
        415,
        "unsupported_media_type",
        "The admin API takes JSON bodies only: send 'Content-Type: application/json' "
        f"(got {'no Content-Type' if content_type is None else repr(content_type[:100])}).",
    )
