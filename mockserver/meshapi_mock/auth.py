"""Step 1 of the pipeline: the bearer token."""

from __future__ import annotations

from .errors import MeshError

TOKEN_PREFIX = "rsk_"


def require_token(header: str | None, accepted: frozenset[str]) -> str:
    """Check the `Authorization` header's value; return the token or fail with 401.

    With no configured tokens any `rsk_`-prefixed key passes, so tests need no secret.
    """
    if not header:
        raise MeshError(401, "unauthorized", "Missing 'Authorization: Bearer <key>' header.")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise MeshError(401, "unauthorized", "Authorization header must be 'Bearer <key>'.")
    if accepted:
        if token not in accepted:
            raise MeshError(401, "unauthorized", "API key is invalid or has been revoked.")
    elif not token.startswith(TOKEN_PREFIX) or len(token) == len(TOKEN_PREFIX):
        raise MeshError(
            401, "unauthorized", f"API key is invalid: MeshAPI keys start with '{TOKEN_PREFIX}'."
        )
    return token
