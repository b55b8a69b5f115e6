"""Credentials never reach the journal in clear: secret headers and query parameters.

The journal is read by humans (assertion failures, `GET /_mock/requests`, CI logs), so
anything that commonly carries a key, token, password or signature is replaced by
`[redacted]` there. Matchers still see the raw request.

A name is secret when, lower-cased with `-` read as `_` (and, in a query, percent-decoded),
it is one of `SECRET_NAMES`, or one of `SECRET_SUFFIXES` alone or at the end of the name.
The suffixes are specific on purpose: `idempotency_key`, `max_tokens` or
`next_page_token` stay readable.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

REDACTED = "[redacted]"

SECRET_NAMES = frozenset(
    {
        # HTTP authentication and sessions
        "authorization",
        "proxy_authorization",
        "cookie",
        "set_cookie",
        "session",
        "sessionid",
        "session_id",
        "jwt",
        # API keys, as headers (`x-api-key`, `api-key`) or query parameters (`?key=`)
        "key",
        "api_key",
        "apikey",
        "private_key",
        # tokens
        "token",
        "auth",
        "auth_token",
        "authtoken",
        "access_token",
        "accesstoken",
        "refresh_token",
        "id_token",
        "bearer",
        "x_token",
        # passwords, secrets and signatures (signed URLs: `?sig=`, `?signature=`)
        "password",
        "passwd",
        "pwd",
        "secret",
        "client_secret",
        "clientsecret",
        "sig",
        "signature",
        "credential",
        "credentials",
    }
)

SECRET_SUFFIXES = (
    "_api_key",  # x-api-key, x-goog-api-key, anthropic-api-key
    "_apikey",
    "_subscription_key",  # ocp-apim-subscription-key
    "_functions_key",
    "_auth_token",  # x-auth-token
    "_access_token",
    "_refresh_token",
    "_id_token",
    "_security_token",  # x-amz-security-token
    "_session_token",
    "_api_token",
    "_csrf_token",
    "_xsrf_token",
    "_secret",
    "_password",
    "_signature",  # x-amz-signature, x-goog-signature
    "_credential",  # x-amz-credential, x-goog-credential
)

# Credentials that start with a scheme keep it ("Bearer [redacted]"): it says what kind
# of credential was sent and is no secret. Any other first word might be the secret.
_SCHEMES = frozenset(
    {
        "basic",
        "bearer",
        "digest",
        "token",
        "apikey",
        "api-key",
        "key",
        "hmac",
        "negotiate",
        "ntlm",
        "aws4-hmac-sha256",
        "goog4-hmac-sha256",
        "hoba",
        "mutual",
        "scram-sha-1",
        "scram-sha-256",
        "vapid",
        "dpop",
        "gnap",
    }
)
_MESHAPI_KEY_PREFIX = "rsk_"
_SHORTEST_SCRUBBED = 4
"""Shorter values stay in free text: replacing every "abc" would garble it, and a
three-character credential protects nothing."""


def is_secret_name(name: str) -> bool:
    """Whether a header or query parameter named `name` carries a credential."""
    normal = "_" + name.strip().lower().replace("-", "_")
    return normal[1:] in SECRET_NAMES or normal.endswith(SECRET_SUFFIXES)


def redact_header(name: str, value: str) -> str:
    """`value` as the journal shows it: a secret keeps only its scheme and `rsk_` prefix."""
    if not is_secret_name(name):
        return value
    scheme, _, credential = value.strip().partition(" ")
    if credential and scheme.lower() in _SCHEMES:
        return f"{scheme} {_key_prefix(credential.strip())}{REDACTED}"
    return f"{_key_prefix(value.strip())}{REDACTED}"


def _key_prefix(credential: str) -> str:
    """A MeshAPI key keeps its `rsk_` prefix: whether the app sent one is worth seeing."""
    return _MESHAPI_KEY_PREFIX if credential.startswith(_MESHAPI_KEY_PREFIX) else ""


def redact_query(query: str) -> str:
    """The query with the value of every secret parameter replaced by `[redacted]`.

    Parameters are split on `&` as the server parses them; a name is compared after
    percent-decoding, so `API%5Fkey=` is caught too, and is shown as it was sent.
    """
    if "=" not in query:
        return query
    parts = query.split("&")
    changed = False
    for index, part in enumerate(parts):
        name, equals, value = part.partition("=")
        if equals and value and is_secret_name(unquote_plus(name)):
            parts[index] = f"{name}={REDACTED}"
            changed = True
    return "&".join(parts) if changed else query


def secret_values(headers: dict[str, str], query: str) -> list[str]:
    """The credentials a request carried, longest first, to scrub them from free text.

    Error messages may quote a request (a near-miss report shows the header it got); the
    journal removes these values from such text as well.
    """
    found: set[str] = set()
    for name, value in headers.items():
        if is_secret_name(name):
            found.add(value.strip())
            found.update(value.split())
    for part in query.split("&"):
        name, equals, value = part.partition("=")
        if equals and value and is_secret_name(unquote_plus(name)):
            found.update((value, unquote_plus(value)))
    kept = (s for s in found if len(s) >= _SHORTEST_SCRUBBED and s.lower() not in _SCHEMES)
    return sorted(kept, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    """`text` with every one of `secrets` replaced by `[redacted]`."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text
