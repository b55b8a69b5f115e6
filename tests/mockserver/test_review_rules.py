"""Rules that were accepted and then hurt the fake or its users, found by review.

Each case failed before its fix: a value nested too deep to send, a regex that took
gigabytes to compile, globs that filled a module cache, a regex run although the rule
could not match, a Retry-After clients cannot parse, credentials in reports, and values
accepted that no client can use.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from meshapi_mock import MockServer, ScenarioError
from pydantic import ValidationError
from support.wire import chat, error_of


def post_rules(http: httpx.Client, document: Any) -> httpx.Response:
    return http.post("/_mock/rules", json=document)


def refusal(response: httpx.Response) -> str:
    """The admin API's 422 for an invalid rule, as one message per line."""
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "validation_error"
    return "\n".join(f"{'.'.join(map(str, d['loc']))}: {d['msg']}" for d in error["details"])


def nested(levels: int) -> Any:
    """`levels` objects, each holding the next: {"a": {"a": ... 1}}."""
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


# --- free-form values nest at most 64 levels ---------------------------------------------

TOO_DEEP = 65


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param({"error": {"status": 400, "details": [nested(TOO_DEEP)]}}, id="details"),
        pytest.param({"error": {"status": 502, "provider_error": nested(TOO_DEEP)}}, id="provider"),
        pytest.param({"tool_calls": [{"name": "f", "arguments": nested(TOO_DEEP)}]}, id="args"),
    ],
)
def test_values_nested_too_deep_are_refused_by_the_admin_api(
    server: MockServer, http: httpx.Client, reply: dict[str, Any]
) -> None:
    messages = refusal(post_rules(http, {"reply": reply}))

    assert "nests arrays and objects deeper than 64 levels" in messages
    assert server.rules == []
    assert chat(http).status_code == 200, "nothing was added: default mode answers"


def test_scripted_model_fields_nested_too_deep_are_refused(
    server: MockServer, http: httpx.Client
) -> None:
    model = {"id": "acme/x", "name": "X", "is_free": True, "extra": nested(TOO_DEEP)}
    messages = refusal(post_rules(http, {"endpoint": "models", "reply": {"models": [model]}}))

    assert "deeper than 64 levels" in messages
    assert http.get("/v1/models").status_code == 200


def test_values_nested_too_deep_are_refused_from_python(server: MockServer) -> None:
    # 1000 levels used to raise RecursionError out of the check itself.
    with pytest.raises(ValidationError, match="deeper than 64 levels"):
        server.chat.tool_call("f", nested(1000))
    with pytest.raises(ValidationError, match="deeper than 64 levels"):
        server.chat.error(400, details=[nested(300)])
    with pytest.raises(ValidationError, match="deeper than 64 levels"):
        server.embeddings.error(502, provider_error={"list": [nested(TOO_DEEP)]})
    assert server.rules == []


def test_a_scenario_file_nested_too_deep_is_refused(server: MockServer, tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    # Flow style, as the reviewer's file: 260 levels of {a: ...} inside `details`.
    path.write_text(
        "rules:\n  - reply: {error: {status: 400, details: ["
        + "{a: " * 260
        + "1"
        + "}" * 260
        + "]}}\n",
        encoding="utf-8",
    )

    with pytest.raises(ScenarioError, match=r"rules\[0\]\.reply\.error\.details.*deeper than 64"):
        server.load(path)
    assert server.rules == []


def test_sixty_four_levels_still_reach_every_client(server: MockServer, http: httpx.Client) -> None:
    deepest = nested(64)
    server.chat.error(400, details=[deepest], provider_error=deepest)
    server.chat.tool_call("f", deepest)

    error = error_of(chat(http))
    assert error["details"] == [deepest] and error["provider_error"] == deepest
    call = chat(http).json()["choices"][0]["message"]["tool_calls"][0]
    assert json.loads(call["function"]["arguments"]) == deepest
