"""Client settings: explicit arguments first, then the environment, then defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from meshapi._version import __version__

DEFAULT_BASE_URL = "https://api.meshapi.ai"
DEFAULT_TIMEOUT = 60.0
"""Seconds per phase (connect, read, write, pool): an idle limit, so long streams are fine."""

BASE_URL_ENV = "MESHAPI_BASE_URL"
TOKEN_ENVS = ("MESHAPI_API_KEY", "MESHAPI_TOKEN")


@dataclass(frozen=True)
class ClientConfig:
    base_url: str
    token: str
    timeout: httpx.Timeout | None
    """None leaves timeouts to a caller-supplied ``httpx`` client."""

    def url(self, path: str) -> str:
        return self.base_url + path

    def headers(self) -> dict[str, str]:
        """Headers for every JSON call (contract §1.3); ``Accept`` stays JSON even for SSE."""
        return {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-MeshAPI-SDK": f"python/{__version__}",
        }


def resolve_config(
    base_url: str | None,
    token: str | None,
    timeout: float | httpx.Timeout | None,
    *,
    has_own_http_client: bool,
    environ: Mapping[str, str] | None = None,
) -> ClientConfig:
    env = os.environ if environ is None else environ
    resolved_token = token or next((env[name] for name in TOKEN_ENVS if env.get(name)), None)
    if not resolved_token:
        raise ValueError(
            "no MeshAPI token: pass token=... or set MESHAPI_API_KEY (or MESHAPI_TOKEN)"
        )
    resolved_url = (base_url or env.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
    if timeout is None and not has_own_http_client:
        timeout = DEFAULT_TIMEOUT
    return ClientConfig(
        base_url=resolved_url,
        token=resolved_token,
        timeout=None if timeout is None else httpx.Timeout(timeout),
    )
