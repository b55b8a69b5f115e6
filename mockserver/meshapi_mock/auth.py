"""Bearer tokens: step 1 of the pipeline, and the key to the admin API."""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from .config import ServerConfig
from .errors import MeshError

TOKEN_PREFIX = "rsk_"


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value; None for anything else."""
    scheme, _, token = (header or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def require_token(header: str | None, accepted: frozenset[str]) -> str:
    """Check the `Authorization` header's value; return the token or fail with 401.

    With no configured tokens any `rsk_`-prefixed key passes, so tests need no secret.
    """
    if not header:
        raise MeshError(401, "unauthorized", "Missing 'Authorization: Bearer <key>' header.")
    token = bearer_token(header)
    if token is None:
        raise MeshError(401, "unauthorized", "Authorization header must be 'Bearer <key>'.")
    return check_key(token, accepted)


def check_key(token: str, accepted: frozenset[str]) -> str:
    """A key as `require_token` checks it, however it came (realtime's `api_key` query)."""
    if accepted:
        if token not in accepted:
            raise MeshError(401, "unauthorized", "API key is invalid or has been revoked.")
    elif not token.startswith(TOKEN_PREFIX) or len(token) == len(TOKEN_PREFIX):
        raise MeshError(
            401, "unauthorized", f"API key is invalid: MeshAPI keys start with '{TOKEN_PREFIX}'."
        )
    return token


def admin_keys(config: ServerConfig) -> tuple[bytes, ...]:
    """The keys that open `/_mock/*`: the data-plane tokens and the admin token, if any.

    None configured means an open admin API: tests and the plugin script the fake with no
    secret, and a fake that checks no keys on its API has nothing to protect behind one.
    """
    keys: Iterable[str] = [*config.tokens, *([config.admin_token] if config.admin_token else [])]
    return tuple(as_sent(key) for key in keys)


def as_sent(token: str) -> bytes:
    """A key as the bytes of a header: headers are read as Latin-1 on both auth paths, and
    configured keys are printable ASCII (`config.api_key`), the same bytes in any reading."""
    return token.encode("latin-1")


def require_admin_key(header: str | None, keys: tuple[bytes, ...]) -> None:
    """Fail with 401 unless the header carries one of `keys` (compared in constant time)."""
    token = bearer_token(header)
    if token is None:
        raise _admin_unauthorized(
            "The admin API needs 'Authorization: Bearer <key>' with one of the fake's keys "
            "(a --token key or the --admin-token)."
        )
    offered = as_sent(token)  # the header's own bytes, as a client sent them
    # Compare with every key, so the time taken says nothing about which one came close.
    if not sum(hmac.compare_digest(offered, key) for key in keys):
        raise _admin_unauthorized(
            "The admin API key is not one of the fake's keys: send 'Authorization: Bearer "
            "<key>' with a --token key or the --admin-token."
        )


def _admin_unauthorized(message: str) -> MeshError:
    challenge = 'Bearer realm="meshapi-mock admin"'
    return MeshError(401, "unauthorized", message, headers={"www-authenticate": challenge})
