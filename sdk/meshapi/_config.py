"""Client settings: explicit arguments first, then the environment, then defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from meshapi._version import __version__

DEFAULT_BASE_URL = "https://api.meshapi.ai"
DEFAULT_TIMEOUT = 60.0
"""Seconds per phase (connect, read, write, pool): an idle limit, so long streams are fine."""
DEFAULT_MAX_RETRIES = 3

BASE_URL_ENV = "MESHAPI_BASE_URL"
TOKEN_ENVS = ("MESHAPI_API_KEY", "MESHAPI_TOKEN")
SDK_HEADER = "X-MeshAPI-SDK"
SDK_HEADER_VALUE = f"python/{__version__}"


@dataclass
class MeshAPIConfig:
    """What a transport needs to know; the official SDK's dataclass, field for field.

    ``timeout`` may also be an ``httpx.Timeout``, or None to leave timeouts to a caller-supplied
    ``httpx`` client. A trailing ``/`` on ``base_url`` is dropped.
    """

    base_url: str
    token: str
    timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    httpx_client: httpx.Client | None = field(default=None, repr=False)
    async_httpx_client: httpx.AsyncClient | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")

    def url(self, path: str) -> str:
        """Absolute URL for an API path; an absolute URL (a signed upload URL) is kept as is."""
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + path

    def headers(self) -> dict[str, str]:
        """Headers for every JSON call (contract §1.3); ``Accept`` stays JSON even for SSE."""
        return {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            SDK_HEADER: SDK_HEADER_VALUE,
        }

    @property
    def httpx_timeout(self) -> httpx.Timeout | None:
        return None if self.timeout is None else httpx.Timeout(self.timeout)


def resolve_config(
    base_url: str | None,
    token: str | None,
    timeout: float | httpx.Timeout | None,
    *,
    max_retries: int,
    has_own_http_client: bool,
    httpx_client: httpx.Client | None = None,
    async_httpx_client: httpx.AsyncClient | None = None,
    environ: Mapping[str, str] | None = None,
) -> MeshAPIConfig:
    """Fill the gaps: environment, then the public gateway and 60 s.

    With a caller-supplied client and no ``timeout``, that client's own timeout applies.
    """
    env = os.environ if environ is None else environ
    resolved_token = token or next((env[name] for name in TOKEN_ENVS if env.get(name)), None)
    if not resolved_token:
        raise ValueError(
            "no MeshAPI token: pass token=... or set MESHAPI_API_KEY (or MESHAPI_TOKEN)"
        )
    if timeout is None and not has_own_http_client:
        timeout = DEFAULT_TIMEOUT
    return MeshAPIConfig(
        base_url=base_url or env.get(BASE_URL_ENV) or DEFAULT_BASE_URL,
        token=resolved_token,
        timeout=timeout,
        max_retries=max_retries,
        httpx_client=httpx_client,
        async_httpx_client=async_httpx_client,
    )
