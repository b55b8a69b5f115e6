"""A rule the fake accepts always renders a complete response.

Every rule is checked in full when it is added — from Python, a scenario file or the admin
API — so nothing scripted can later answer 500 `mock_internal_error`, drop the connection
or cut a reply short. Each case here was accepted once and then broke the request using it.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from meshapi_mock import MockServer, ScenarioError
from pydantic import ValidationError
from support.wire import chat, error_of, sse_payloads

CHAT = "/v1/chat/completions"


def post_rules(http: httpx.Client, document: Any) -> httpx.Response:
    """POST rules as JSON that may hold NaN and Infinity, as `json.dumps` writes them."""
    body = json.dumps(document, allow_nan=True)
    return http.post("/_mock/rules", content=body, headers={"content-type": "application/json"})


def refused(response: httpx.Response, fragment: str) -> str:
    """The admin API's 422 for an invalid rule; returns its messages, one per line."""
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "validation_error"
    messages = "\n".join(f"{'.'.join(map(str, d['loc']))}: {d['msg']}" for d in error["details"])
    assert fragment in messages, messages
    return messages


def load_file(server: MockServer, tmp_path: Path, rule: dict[str, Any]) -> list[Any]:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"rules": [rule]}, allow_nan=True), encoding="utf-8")
    return server.load(path)


# --- numbers: finite and in range --------------------------------------------------------

BAD_NUMBERS = [
    pytest.param({"error": {"status": 429, "retry_after": math.inf}}, "retry_after", id="inf"),
    pytest.param({"error": {"status": 429, "retry_after": math.nan}}, "retry_after", id="nan"),
    pytest.param({"error": {"status": 429, "retry_after": 86_401}}, "retry_after", id="2days"),
    pytest.param({"text": "x", "usage": {"prompt_tokens": 10**30}}, "prompt_tokens", id="big"),
    pytest.param({"text": "x", "usage": {"total_tokens": 2**31}}, "total_tokens", id="2**31"),
    pytest.param({"text": "x", "created": -1}, "created", id="created<0"),
    pytest.param({"text": "x", "created": 2**64}, "created", id="created-huge"),
    pytest.param({"text": "x", "cost": "1e999999"}, "cost", id="cost-huge"),
    pytest.param({"text": "x", "cost": "1e-999999"}, "cost", id="cost-tiny"),
    pytest.param({"text": "x", "stream": {"chunks": 2**40}}, "chunks", id="chunks"),
    pytest.param(
        {"error": {"status": 500, "details": [{"at": math.nan}]}}, "details", id="nan-detail"
    ),
    pytest.param(
        {"error": {"status": 502, "provider_error": {"x": math.inf}}},
        "provider_error",
        id="inf-provider-error",
    ),
    pytest.param(
        {"tool_calls": [{"name": "f", "arguments": {"x": math.nan}}]}, "arguments", id="nan-args"
    ),
]


@pytest.mark.parametrize(("reply", "field"), BAD_NUMBERS)
def test_numbers_out_of_range_are_refused_by_the_admin_api(
    server: MockServer, http: httpx.Client, reply: dict[str, Any], field: str
) -> None:
    refused(post_rules(http, {"reply": reply}), field)
    assert server.rules == []
    assert chat(http).status_code == 200, "nothing was added, default mode answers"


@pytest.mark.parametrize(("reply", "field"), BAD_NUMBERS)
def test_numbers_out_of_range_are_refused_in_scenario_files(
    server: MockServer, tmp_path: Path, reply: dict[str, Any], field: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_file(server, tmp_path, {"name": "bad", "reply": reply})
    assert "rules[0] (bad).reply" in str(caught.value) and field in str(caught.value)
    assert server.rules == []


def test_numbers_out_of_range_are_refused_from_python(server: MockServer) -> None:
    with pytest.raises(ValidationError, match="retry_after"):
        server.chat.error(429, retry_after=math.inf)
    with pytest.raises(ValidationError, match="retry_after"):
        server.embeddings.error(429, retry_after=2 * 86_400)
    with pytest.raises(ValidationError, match="prompt_tokens"):
        server.chat.reply("x", usage={"prompt_tokens": 10**30})
    with pytest.raises(ValidationError, match="total_tokens"):
        server.embeddings.reply([[1.0]], usage={"total_tokens": 2**31})
    with pytest.raises(ValidationError, match="details"):
        server.chat.error(500, details=[{"when": math.nan}])
    assert server.rules == []


def test_numbers_at_the_bounds_answer(server: MockServer, http: httpx.Client) -> None:
    server.chat.reply(
        "edge",
        usage={"prompt_tokens": 2**31 - 1, "completion_tokens": 0},
        created=0,
        cost="999999.999999999999",
    )
    server.chat.error(429, retry_after=86_400)

    tail = sse_payloads(chat(http, stream=True).content)[-1]
    assert tail["usage"]["prompt_tokens"] == 2**31 - 1 and tail["created"] == 0
    assert tail["cost"] == "999999.999999999999"
    limited = chat(http)
    assert limited.status_code == 429 and limited.headers["retry-after"] == "86400"
    assert error_of(limited)["retry_after_seconds"] == 86_400


def test_a_tiny_retry_after_is_sent_as_plain_delta_seconds(
    server: MockServer, http: httpx.Client
) -> None:
    server.chat.error(503, retry_after=0.00001)

    response = chat(http)

    assert response.status_code == 503
    assert re.fullmatch(r"\d+(\.\d+)?", response.headers["retry-after"]), response.headers
    assert float(response.headers["retry-after"]) >= 0.00001
    assert error_of(response)["retry_after_seconds"] == 1


def test_embedding_values_must_fit_float32_for_base64(
    server: MockServer, http: httpx.Client
) -> None:
    refused(post_rules(http, {"endpoint": "embeddings", "reply": {"embedding": [1e300]}}), "1e+300")
    with pytest.raises(ValidationError, match="float32"):
        server.embeddings.reply([[3.5e38]])
    server.embeddings.reply_vector([3.4e38, -1.0])

    response = http.post("/v1/embeddings", json={"input": "x", "encoding_format": "base64"})

    assert response.status_code == 200, response.text


# --- error headers -----------------------------------------------------------------------

BAD_HEADERS = [
    pytest.param({"x-a": "b\r\nx-injected: 1"}, "CR", id="crlf"),
    pytest.param({"x-a": "b\nc"}, "LF", id="lf"),
    pytest.param({"x-a": "b\x00"}, "NUL", id="nul"),
    pytest.param({"x a": "b"}, "'x a'", id="space-in-name"),
    pytest.param({"": "b"}, "empty", id="empty-name"),
    pytest.param({"x:a": "b"}, "'x:a'", id="colon-in-name"),
    pytest.param({"x-a": "€"}, "latin-1", id="not-latin-1"),
    pytest.param({"x-a": " padded "}, "whitespace", id="padded"),
    pytest.param({"content-length": "2"}, "content-length", id="content-length"),
    pytest.param({"Transfer-Encoding": "chunked"}, "transfer-encoding", id="transfer-encoding"),
    pytest.param({"connection": "close"}, "connection", id="connection"),
    pytest.param({"content-encoding": "gzip"}, "content-encoding", id="content-encoding"),
    pytest.param({"x-request-id": "mine"}, "x-request-id", id="x-request-id"),
    pytest.param({"X-Dup": "1", "x-dup": "2"}, "x-dup", id="duplicate"),
]


@pytest.mark.parametrize(("headers", "fragment"), BAD_HEADERS)
def test_bad_error_headers_are_refused_by_the_admin_api(
    server: MockServer, http: httpx.Client, headers: dict[str, str], fragment: str
) -> None:
    rule = {"reply": {"error": {"status": 500, "headers": headers}}}
    refused(post_rules(http, rule), fragment)
    assert server.rules == []
    assert chat(http).status_code == 200


@pytest.mark.parametrize(("headers", "fragment"), BAD_HEADERS)
def test_bad_error_headers_are_refused_from_python_and_files(
    server: MockServer, tmp_path: Path, headers: dict[str, str], fragment: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        server.web_search.error(500, headers=headers)
    with pytest.raises(ScenarioError, match=re.escape(fragment)):
        load_file(server, tmp_path, {"reply": {"error": {"status": 500, "headers": headers}}})
    assert server.rules == []


def test_good_error_headers_arrive_as_scripted(server: MockServer, http: httpx.Client) -> None:
    server.chat.error(
        429,
        retry_after=2,
        headers={"X-RateLimit-Remaining": "0", "Retry-After": "7", "x-note": "a\tb é"},
    )

    response = chat(http)

    assert response.status_code == 429
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert response.headers.get_list("retry-after") == ["7"], "the scripted header wins, once"
    assert response.headers["x-note"] == "a\tb é"
    assert response.headers.get_list("x-request-id") == [response.json()["request_id"]]


# --- empty replies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [{}, {"finish_reason": "length"}, {"usage": {"prompt_tokens": 1}}, {"tool_calls": []}],
)
def test_a_chat_reply_must_say_something(
    server: MockServer, http: httpx.Client, tmp_path: Path, reply: dict[str, Any]
) -> None:
    refused(post_rules(http, {"reply": reply}), "text")
    with pytest.raises(ScenarioError, match="text"):
        load_file(server, tmp_path, {"reply": reply})
    with pytest.raises(ValidationError, match="text"):
        server.chat.reply_with(**reply)
    assert server.rules == []


def test_an_empty_chat_reply_from_python_is_refused(server: MockServer) -> None:
    with pytest.raises(ValidationError, match=r"text \(\"\" for an empty message\)"):
        server.chat.reply()
    assert server.rules == []


def test_an_explicitly_empty_text_is_a_reply(server: MockServer, http: httpx.Client) -> None:
    server.chat.reply("")
    server.add_rules({"reply": {"stream": {"chunks": ["a", "b"]}}})

    assert chat(http).json()["choices"][0]["message"]["content"] == ""
    assert chat(http).json()["choices"][0]["message"]["content"] == "ab"


# --- text and JSON values ----------------------------------------------------------------


def test_text_must_be_encodable(server: MockServer, http: httpx.Client) -> None:
    with pytest.raises(ValidationError, match="surrogate"):
        server.chat.reply("half a pair: \ud800")
    with pytest.raises(ValidationError, match="surrogate"):
        server.web_search.answer("\udfff")
    with pytest.raises(ValidationError, match="surrogate"):
        server.chat.reply("fine", name="\ud83d")
    with pytest.raises(ValidationError, match="surrogate"):
        server.chat.when(last_user="\ud800").reply("fine")
    assert server.rules == []
    assert http.get("/_mock/rules").json() == []


def test_python_values_that_are_not_json_are_refused(server: MockServer) -> None:
    with pytest.raises(ValidationError, match="JSON"):
        server.chat.error(500, details=[{"when": object()}])
    with pytest.raises(ValidationError, match="JSON"):
        server.chat.tool_call("f", {"tags": {"a", "b"}})
    with pytest.raises(ValidationError, match="JSON"):
        server.moderations.error(502, provider_error={"raw": b"bytes"})
    assert server.rules == []


# --- scripted catalogues -----------------------------------------------------------------


def test_scripted_models_must_be_model_objects(server: MockServer, http: httpx.Client) -> None:
    messages = refused(
        post_rules(http, {"endpoint": "models", "reply": {"models": [{"id": "acme/x"}]}}),
        "models[0].name",
    )
    assert "is_free" in messages
    refused(
        post_rules(
            http,
            {
                "endpoint": "models",
                "reply": {"models": [{"id": "a", "name": "A", "is_free": "yes"}]},
            },
        ),
        "is_free",
    )
    with pytest.raises(ValidationError, match="context_length"):
        server.models.reply([{"id": "a", "name": "A", "is_free": True, "context_length": "big"}])
    assert server.rules == []
