"""Credentials never reach the journal in clear: secret headers and query parameters.

The journal is read by humans (assertion failures, `GET /_mock/requests`, CI logs), so
anything that commonly carries a key, token, password or signature is replaced by
`[redacted]` there. Matchers still see the raw request.

A name is secret by its words. It is lower-cased (and, in a query, percent-decoded) and
cut into words at anything not a letter or digit (`-`, `_`, brackets, spaces), and a
trailing version number is dropped (`X-Hub-Signature-256`). Then it is secret when its
last word is a credential word (`token`, `key`, `secret`, `password`, `signature`, `auth`,
`authorization`, `credential`, …: `Private-Token`, `auth[token]`, `api_key[]`), or is
one glued to a known prefix (`refreshToken`, `apikey`, `sessionid`), or its last two
words are `session id`, or the whole name is one that means a credential only alone: an
OAuth authorisation code (`?code=`, `auth_code`) or its PKCE verifier, while
`country_code`, `status_code` or `error_code` stay readable. Counts and paging stay
readable: `max_tokens` ends in `tokens`, and `idempotency-key`, `cache_key`,
`next_page_token` are named exceptions.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

REDACTED = "[redacted]"

SECRET_WORDS = frozenset(
    {
        # HTTP authentication and sessions
        "auth",
        "authorization",
        "authentication",
        "bearer",
        "cookie",
        "session",
        "sessionid",
        "jwt",
        # keys and tokens
        "key",
        "apikey",
        "hapikey",
        "token",
        # passwords, secrets and signatures (signed URLs: `?sig=`, `?signature=`)
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "signature",
        "sig",
        "credential",
        "credentials",
    }
)
"""A name whose last word is one of these carries a credential."""

_GLUED = re.compile(
    r"(?:access|refresh|id|session|auth|api|private|client|csrf|xsrf|security|oauth|bearer"
    r"|app|user|subscription|secret)(?:token|key|secret|password)"
)
"""One-word names that glue a prefix to a credential word: `accesstoken`, `apikey`,
`clientsecret` (camelCase reads so once lower-cased: `refreshToken`). Not `…id`:
`clientId` or `userId` name no secret."""

SECRET_ENDINGS = frozenset({("session", "id")})

SECRET_NAMES = frozenset(
    {
        # OAuth 2.0 (RFC 6749 §4.1.2): the redirect back carries `?code=`, which a client
        # trades for tokens; PKCE (RFC 7636) sends `code_verifier` with it.
        ("code",),
        ("authcode",),
        ("auth", "code"),
        ("authorization", "code"),
        ("oauth", "code"),
        ("code", "verifier"),
    }
)
"""Whole names (as words) that carry a credential, though their words alone do not:
`code` is one, `country_code` and `status_code` are not."""

NOT_SECRET = frozenset(
    {
        ("idempotency", "key"),
        ("idempotent", "key"),
        ("cache", "key"),
        ("sort", "key"),
        ("partition", "key"),
        ("primary", "key"),
        ("foreign", "key"),
        ("public", "key"),
        ("dedup", "key"),
        ("dedupe", "key"),
        ("deduplication", "key"),
        ("page", "token"),
        ("next", "token"),
        ("continuation", "token"),
        ("pagination", "token"),
        ("cursor", "token"),
        ("sync", "token"),
    }
)
"""Last two words that name no credential, though the last is a credential word."""

_WORD_BREAK = re.compile(r"[^a-z0-9]+")


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
    words = [word for word in _WORD_BREAK.split(name.lower()) if word]
    while words and words[-1].isdigit():  # a version: `X-Hub-Signature-256`
        words.pop()
    if not words:
        return False
    last = words[-1]
    ending = (words[-2], last) if len(words) > 1 else ("", last)
    if ending in NOT_SECRET:
        return False
    if tuple(words) in SECRET_NAMES:
        return True
    return last in SECRET_WORDS or _GLUED.fullmatch(last) is not None or ending in SECRET_ENDINGS


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
