"""Credentials never reach the journal in clear, whatever header or query parameter
carries them and however its name is spelled: not in `entry.headers` / `entry.query`, not
in `GET /_mock/requests`, not in assertion failures."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshapi_mock import MockServer
from meshapi_mock.journal import JournalEntry
from meshapi_mock.redaction import SECRET_WORDS, is_secret_name, redact_header, redact_query

SECRET = "S3cr3t-v4lue-Q9"

SECRET_HEADERS = [
    "Authorization",
    "Proxy-Authorization",
    "Cookie",
    "Set-Cookie",
    "X-API-Key",
    "api-key",
    "X-Auth-Token",
    "X-Goog-Api-Key",
    "X-Amz-Security-Token",
    "anthropic-api-key",
    "Ocp-Apim-Subscription-Key",
    "X-Access-Token",
    "X-CSRF-Token",
    "x-functions-key",
    "Private-Token",
    "X-Vault-Token",
    "X-Authorization",
    "X-Auth",
    "X-Hub-Signature-256",
    "X-Upstream-Authorization",
    "X-Forwarded-Authorization",
    "Authentication",
    "X-Key",
    "X-Session-Id",
]
SECRET_PARAMS = [
    "api_key",
    "api-key",
    "apikey",
    "apiKey",
    "key",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "auth",
    "password",
    "secret",
    "client_secret",
    "sig",
    "signature",
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
    "x-goog-api-key",
    "subscription-key",
    "refreshToken",
    "idToken",
    "sessionToken",
    "private_token",
    "hapikey",
    "api_key[]",
    "auth[token]",
    "user[password]",
    "accessToken",
    "clientSecret",
    "passwd",
    "code",
    "auth_code",
    "authorization_code",
    "authCode",
    "code_verifier",
]
PLAIN_NAMES = [
    "x-tenant",
    "idempotency-key",
    "x-request-id",
    "max_tokens",
    "tokens",
    "next_page_token",
    "monkey",
    "keyword",
    "provider",
    "total_tokens",
    "token_type",
    "x-amz-date",
    "x-cache-key",
    "page_token",
    "clientId",
    "x-api-key-id",
    "authentication-info",
    "country_code",
    "status_code",
    "error_code",
    "language_code",
    "codec",
    "code_interpreter",
    "x-code",
]


def everything_shown(server: MockServer, http: httpx.Client, entry: JournalEntry) -> str:
    """Every place the journal shows a request: Python views, wire form, failure report."""
    with pytest.raises(AssertionError) as failure:
        server.assert_called(times=99)
    return "\n".join(
        [
            repr(entry),
            json.dumps(entry.headers),
            entry.query,
            entry.summary(),
            json.dumps(entry.to_wire()),
            http.get("/_mock/requests").text,
            str(failure.value),
        ]
    )


@pytest.mark.parametrize("name", SECRET_HEADERS)
def test_secret_headers_are_redacted(server: MockServer, http: httpx.Client, name: str) -> None:
    http.get("/v1/models", headers={name: f"Bearer {SECRET}", "X-Tenant": "acme"})
    (entry,) = server.requests
    shown = everything_shown(server, http, entry)
    assert SECRET not in shown
    assert entry.headers[name.lower()].endswith("[redacted]")
    assert entry.headers[name.lower()].startswith("Bearer ")
    assert entry.headers["x-tenant"] == "acme"
    assert any(SECRET in v.decode() for _, v in entry.raw_headers)  # matchers still see it


@pytest.mark.parametrize("name", SECRET_PARAMS)
def test_secret_query_parameters_are_redacted(
    server: MockServer, http: httpx.Client, name: str
) -> None:
    http.get(f"/v1/models?provider=openai&{name}={SECRET}&limit=5")
    (entry,) = server.requests
    assert entry.query == f"provider=openai&{name}=[redacted]&limit=5"
    assert SECRET not in everything_shown(server, http, entry)
    assert SECRET in entry.raw_query


@pytest.mark.parametrize("name", PLAIN_NAMES)
def test_other_names_keep_their_values(server: MockServer, http: httpx.Client, name: str) -> None:
    http.get(f"/v1/models?{name}=visible-1", headers={name: "visible-2"})
    (entry,) = server.requests
    assert entry.query == f"{name}=visible-1"
    assert entry.headers[name.lower()] == "visible-2"


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("authorization", "Bearer rsk_live_1", "Bearer rsk_[redacted]"),
        ("authorization", "Basic dXNlcjpwYXNz", "Basic [redacted]"),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=ab",
            "AWS4-HMAC-SHA256 [redacted]",
        ),
        ("x-api-key", "rsk_live_2", "rsk_[redacted]"),
        ("x-api-key", "two words", "[redacted]"),  # "two" is no scheme: it may be secret
        ("cookie", "session=abc; theme=dark", "[redacted]"),
        ("x-tenant", "acme corp", "acme corp"),
    ],
)
def test_what_a_redacted_header_keeps(name: str, value: str, shown: str) -> None:
    assert redact_header(name, value) == shown


def test_a_near_miss_message_does_not_leak_the_header_it_quotes(
    server: MockServer, http: httpx.Client
) -> None:
    server.strict = True
    server.chat.when(headers={"x-api-key": "rsk_expected_key"}).reply("hi")
    response = http.post(
        "/v1/chat/completions",
        json={"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
        headers={"X-API-Key": f"rsk_{SECRET}"},
    )
    assert response.status_code == 404, response.text
    assert SECRET not in response.text  # near misses never quote credentials, even back
    (entry,) = server.requests
    (wire,) = http.get("/_mock/requests").json()
    assert wire["error_code"] == "no_matching_rule"
    assert "header x-api-key" in wire["error_message"]
    assert SECRET not in json.dumps(wire)
    assert SECRET not in everything_shown(server, http, entry)


# --- Properties: any spelling of a secret name, any value --------------------------------


def spellings(name: str, percent: bool = True) -> st.SearchStrategy[str]:
    """`name` with each character in either case, `_`/`-` swapped, or percent-encoded."""

    def one(char: str) -> st.SearchStrategy[str]:
        options = {char, char.upper(), char.lower()}
        if percent:
            options |= {f"%{ord(char):02X}", f"%{ord(char):02x}"}
        if char in "-_":
            options.add("-" if char == "_" else "_")
        return st.sampled_from(sorted(options))

    return st.tuples(*(one(c) for c in name)).map("".join)


SECRET_NAMES = st.sampled_from(SECRET_PARAMS).flatmap(spellings)
VALUES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="&#"), min_size=0, max_size=12
)
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(
    before=st.lists(st.sampled_from(PLAIN_NAMES), max_size=2),
    name=SECRET_NAMES,
    value=VALUES,
    after=st.lists(st.sampled_from(PLAIN_NAMES), max_size=2),
)
def test_a_secret_parameter_never_shows_however_spelled(
    session_server: MockServer,
    session_http: httpx.Client,
    before: list[str],
    name: str,
    value: str,
    after: list[str],
) -> None:
    session_server.reset()
    secret = f"Zq{value}{SECRET}"
    params = [f"{n}=kept" for n in before] + [f"{name}={quote(secret)}"]
    params += [f"{n}=kept" for n in after]
    session_http.get("/v1/models?" + "&".join(params))
    (entry,) = session_server.requests
    assert quote(secret) in entry.raw_query  # sent as such, so the test can fail
    shown = everything_shown(session_server, session_http, entry)
    for form in {secret, quote(secret), quote(secret, safe=""), SECRET}:
        assert form not in shown
    assert entry.query.count("=kept") == len(before) + len(after)


@SETTINGS
@given(
    name=st.sampled_from(SECRET_HEADERS).flatmap(lambda name: spellings(name, percent=False)),
    scheme=st.sampled_from(["", "Bearer ", "Basic ", "Token ", "rsk_", "Custom "]),
    value=st.text(alphabet="abcXYZ019-_=.:/+", max_size=12),
)
def test_a_secret_header_never_shows_however_spelled(
    session_server: MockServer, session_http: httpx.Client, name: str, scheme: str, value: str
) -> None:
    session_server.reset()
    secret = f"{scheme}{SECRET}{value}"
    session_http.get("/v1/models", headers={name: secret})
    (entry,) = session_server.requests
    shown = everything_shown(session_server, session_http, entry)
    assert SECRET not in shown
    assert entry.headers[name.lower()].endswith("[redacted]")


@given(
    parts=st.lists(
        st.tuples(st.booleans(), SECRET_NAMES, st.sampled_from(PLAIN_NAMES), VALUES),
        min_size=1,
        max_size=5,
    )
)
def test_redact_query_hides_secrets_and_keeps_the_rest_as_sent(
    parts: list[tuple[bool, str, str, str]],
) -> None:
    sent: list[str] = []
    expected: list[str] = []
    for secret, secret_name, plain_name, value in parts:
        if secret:
            sent.append(f"{secret_name}={quote(SECRET + value)}")
            expected.append(f"{secret_name}=[redacted]")
        else:
            sent.append(f"{plain_name}={quote(value)}")
            expected.append(sent[-1])
    assert redact_query("&".join(sent)) == "&".join(expected)


@given(name=st.sampled_from([*PLAIN_NAMES, "model", "limit", "brand", "stream"]).flatmap(spellings))
def test_plain_names_are_not_secret_in_any_spelling(name: str) -> None:
    assert not is_secret_name(unquote(name))


@given(name=SECRET_NAMES)
def test_secret_names_are_secret_in_any_spelling(name: str) -> None:
    assert is_secret_name(unquote(name))


WORDS = st.sampled_from(["x", "upstream", "forwarded", "vault", "hub", "my", "app", "v2", "gh"])
SEPARATORS = st.sampled_from(["-", "_", ".", "[", "]", "[]", " "])


def named(words: list[str], seps: list[str], last: str, version: str) -> str:
    parts = [w + s for w, s in zip(words, seps, strict=False)]
    return "".join(parts) + last + version


@given(
    words=st.lists(WORDS, max_size=3),
    seps=st.lists(SEPARATORS, min_size=3, max_size=3),
    last=st.sampled_from(sorted(SECRET_WORDS)).flatmap(lambda w: spellings(w, percent=False)),
    version=st.sampled_from(["", "-256", "_2", "[]"]),
)
def test_a_name_ending_in_a_credential_word_is_secret_whatever_comes_before(
    words: list[str], seps: list[str], last: str, version: str
) -> None:
    assert is_secret_name(named(words, seps, last, version))


@given(
    words=st.lists(WORDS, max_size=3),
    seps=st.lists(SEPARATORS, min_size=3, max_size=3),
    last=st.sampled_from(["id", "tokens", "type", "date", "count", "monkey", "keyword", "info"]),
)
def test_a_name_ending_in_another_word_is_not_secret(
    words: list[str], seps: list[str], last: str
) -> None:
    assert not is_secret_name(named(words, seps, last, ""))


def test_redaction_keeps_the_wire_form_json(server: MockServer, http: httpx.Client) -> None:
    http.get(f"/v1/models?token={SECRET}", headers={"x-auth-token": SECRET})
    (wire,) = http.get("/_mock/requests").json()
    expected: dict[str, Any] = {"query": "token=[redacted]"}
    assert {k: wire[k] for k in expected} == expected
    assert wire["headers"]["x-auth-token"] == "[redacted]"
