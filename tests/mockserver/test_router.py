"""`POST /v1/router/select` over a real port: the default choice per kind of prompt,
`exclude_models` and the fail-soft fallback, scripting from Python, scenario files and
the admin API, errors, validation and the journal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshapi_mock import MockServer
from meshapi_mock.catalogue import DEFAULT_MODEL, MODELS

PATH = "/v1/router/select"
TEXT_MODELS = [m.id for m in MODELS if m.model_type == "text"]
EMBEDDING_MODELS = [m.id for m in MODELS if m.model_type == "embedding"]
VISION_MODELS = {m.id for m in MODELS if "image" in m.input_modalities}
IMAGE_PART = {"type": "image_url", "image_url": {"url": "https://images.example.com/a.png"}}


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def select(http: httpx.Client, messages: Any, **extra: Any) -> dict[str, Any]:
    if isinstance(messages, str):
        messages = user(messages)
    response = http.post(PATH, json={"messages": messages, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def chosen(http: httpx.Client, messages: Any, **extra: Any) -> str:
    body = select(http, messages, **extra)
    assert body["auto_router"] == {"fallback_used": False}
    model: str = body["model"]
    return model


# --------------------------------------------------------------------------- default mode


def test_the_catalogue_is_the_one_served(http: httpx.Client) -> None:
    served = {m["id"] for m in http.get("/v1/models").json()}
    assert set(TEXT_MODELS) | set(EMBEDDING_MODELS) <= served


def test_short_chit_chat_gets_a_small_cheap_model(http: httpx.Client) -> None:
    body = select(http, "hi there!")
    assert body == {"model": "openai/gpt-4o-mini", "auto_router": {"fallback_used": False}}


@pytest.mark.parametrize(
    "prompt",
    [
        "Why does my Python function raise a KeyError when I read the config?",
        "def add(a, b): return a + b",
        "```\nconsole.log(x)\n```",
        "Please refactor this class to remove the duplication",
    ],
)
def test_code_gets_a_strong_coder(http: httpx.Client, prompt: str) -> None:
    assert chosen(http, prompt) == "anthropic/claude-sonnet-4"


def test_reasoning_gets_a_reasoning_model_and_an_effort(http: httpx.Client) -> None:
    arithmetic = select(http, "What is 17 * 23?")
    assert arithmetic["model"] == "openai/o3-mini"
    assert arithmetic["reasoning_effort"] == "medium"
    proof = select(http, "Prove that there are infinitely many primes.")
    assert proof["model"] == "openai/o3-mini" and proof["reasoning_effort"] == "high"


def test_long_reasoning_prompts_get_high_effort(http: httpx.Client) -> None:
    base = "Solve for x: 2x + 3 = 7."
    at_limit = base + " " * (600 - len(base) - 1) + "!"
    assert len(at_limit) == 600
    assert select(http, at_limit)["reasoning_effort"] == "medium"
    assert select(http, at_limit + "!")["reasoning_effort"] == "high"


def test_chit_chat_is_at_most_80_characters_and_12_words(http: httpx.Client) -> None:
    twelve = "one two three four five six seven eight nine ten eleven twelve"
    assert chosen(http, twelve) == "openai/gpt-4o-mini"
    assert chosen(http, twelve + " thirteen") == "openai/gpt-4o"
    eighty = "Tell me something nice about the sea and the sky " + "o" * 31
    assert len(eighty) == 80
    assert chosen(http, eighty) == "openai/gpt-4o-mini"
    assert chosen(http, eighty + "o") == "openai/gpt-4o"


def test_longer_general_prompts_get_a_strong_general_model(http: httpx.Client) -> None:
    prompt = "Tell me about the history of the Roman Empire and its most influential emperors."
    body = select(http, prompt)
    assert body["model"] == "openai/gpt-4o"
    assert "reasoning_effort" not in body


def test_images_get_a_vision_model(http: httpx.Client) -> None:
    messages = [{"role": "user", "content": [{"type": "text", "text": "hi"}, IMAGE_PART]}]
    assert chosen(http, messages) in VISION_MODELS
    excluded = ["openai/*", "google/*"]
    assert chosen(http, messages, exclude_models=excluded) == "anthropic/claude-sonnet-4"


def test_embeddings_get_an_embedding_model(http: httpx.Client) -> None:
    assert chosen(http, "def f(): pass", api_type="embeddings") == EMBEDDING_MODELS[0]


def test_the_last_user_message_is_what_counts(http: httpx.Client) -> None:
    messages = [
        {"role": "user", "content": "Fix this Python bug please"},
        {"role": "assistant", "content": "Done."},
        {"role": "user", "content": "thanks!"},
    ]
    assert chosen(http, messages) == "openai/gpt-4o-mini"
    assert chosen(http, [{"role": "system", "content": "debug the python code"}]) == (
        "anthropic/claude-sonnet-4"
    )


def test_tool_conversations_avoid_models_without_tools(http: httpx.Client) -> None:
    messages = [
        {"role": "user", "content": "Prove it"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "ok"},
    ]
    excluded = ["openai/o3-mini", "google/gemini-2.5-pro"]
    assert chosen(http, messages, exclude_models=excluded) != "deepseek/deepseek-r1:free"
    assert chosen(http, "Prove it", exclude_models=excluded) == "deepseek/deepseek-r1:free"
    tool = {"type": "function", "function": {"name": "f", "parameters": {}}}
    offered = chosen(http, "Prove it", exclude_models=excluded, tools=[tool])
    assert offered != "deepseek/deepseek-r1:free"  # tools offered (an extra field) count too


def test_exclude_models_moves_to_the_next_candidate(http: httpx.Client) -> None:
    assert chosen(http, "hi", exclude_models=["openai/gpt-4o-mini"]) == (
        "google/gemini-2.0-flash-001"
    )
    assert chosen(http, "hi", exclude_models=["openai/*"]) == "google/gemini-2.0-flash-001"
    proof = select(http, "Prove it", exclude_models=["openai/o3-mini"])
    assert proof["model"] == "google/gemini-2.5-pro" and proof["reasoning_effort"] == "high"


def test_everything_excluded_fails_soft_to_the_default(http: httpx.Client) -> None:
    body = select(http, "hi", exclude_models=TEXT_MODELS)
    assert body == {
        "model": DEFAULT_MODEL,
        "auto_router": {"fallback_used": True, "fallback_reason": "all_candidates_excluded"},
    }
    embeddings = select(http, "hi", api_type="embeddings", exclude_models=["*"])
    assert embeddings["model"] == EMBEDDING_MODELS[0]
    assert embeddings["auto_router"]["fallback_used"] is True


_PROMPTS = st.one_of(
    st.text(min_size=0, max_size=150),
    st.sampled_from(["hi", "fix my python bug", "prove 2 + 2 = 4", "write an essay " * 8]),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prompt=_PROMPTS,
    api_type=st.sampled_from(["completions", "responses", "embeddings"]),
    exclude=st.lists(st.sampled_from(TEXT_MODELS + EMBEDDING_MODELS), max_size=20),
)
def test_any_request_gets_a_catalogue_model_not_excluded(
    http: httpx.Client, prompt: str, api_type: str, exclude: list[str]
) -> None:
    payload = {"messages": user(prompt), "api_type": api_type, "exclude_models": exclude}
    first = http.post(PATH, json=payload)
    assert first.status_code == 200, first.text
    assert http.post(PATH, json=payload).content == first.content
    body = first.json()
    kind = EMBEDDING_MODELS if api_type == "embeddings" else TEXT_MODELS
    meta = body["auto_router"]
    if meta["fallback_used"]:
        assert set(kind) <= set(exclude)
        assert body["model"] == (EMBEDDING_MODELS[0] if api_type == "embeddings" else DEFAULT_MODEL)
        assert meta["fallback_reason"] == "all_candidates_excluded"
    else:
        assert body["model"] in kind and body["model"] not in exclude
        assert "fallback_reason" not in meta
    if "reasoning_effort" in body:
        assert body["reasoning_effort"] in ("medium", "high")


# --------------------------------------------------------------------------- scripting


def test_select_and_fallback_verbs(server: MockServer, http: httpx.Client) -> None:
    server.router.select("openai/gpt-4.1", reasoning_effort="low")
    assert select(http, "hi") == {
        "model": "openai/gpt-4.1",
        "auto_router": {"fallback_used": False},
        "reasoning_effort": "low",
    }
    server.router.fallback()
    assert select(http, "Prove it") == {
        "model": DEFAULT_MODEL,
        "auto_router": {"fallback_used": True, "fallback_reason": "router_unavailable"},
    }
    server.router.fallback("quota", model="x/y")
    assert select(http, "hi")["model"] == "x/y"
    server.router.when(api_type="embeddings").fallback()
    assert select(http, "hi", api_type="embeddings")["model"] == EMBEDDING_MODELS[0]


def test_omitted_reply_parts_follow_the_default_choice(
    server: MockServer, http: httpx.Client
) -> None:
    server.router.reply(reasoning_effort="minimal")
    body = select(http, "Prove it")
    assert body["model"] == "openai/o3-mini" and body["reasoning_effort"] == "minimal"
    server.router.reply(fallback_reason="budget")  # a reason implies the fallback
    assert select(http, "hi")["auto_router"] == {"fallback_used": True, "fallback_reason": "budget"}
    server.router.reply(model="openai/gpt-4o")  # another model: no borrowed effort
    assert "reasoning_effort" not in select(http, "Prove it")
    server.router.reply(fallback_used=True)
    body = select(http, "Prove it")
    assert body == {"model": DEFAULT_MODEL, "auto_router": {"fallback_used": True}}


def test_when_last_user_and_api_type(server: MockServer, http: httpx.Client) -> None:
    server.router.when(last_user="poem", api_type="responses").select("anthropic/claude-sonnet-4")
    assert chosen(http, "write a poem") == "openai/gpt-4o-mini"  # api_type completions
    assert chosen(http, "write a poem", api_type="responses") == "anthropic/claude-sonnet-4"


def test_model_headers_and_nth_narrow(server: MockServer, http: httpx.Client) -> None:
    server.router.when(headers={"x-app": "batch"}).select("meta-llama/llama-3.1-8b-instruct")
    server.router.when(last_user="again", nth=2).select("openai/gpt-4.1")
    server.router.when(model="custom/*").select("qwen/qwen-2.5-72b-instruct")
    assert chosen(http, "hi") == "openai/gpt-4o-mini"
    response = http.post(PATH, json={"messages": user("hi")}, headers={"x-app": "batch"})
    assert response.json()["model"] == "meta-llama/llama-3.1-8b-instruct"
    assert chosen(http, "again") == "openai/gpt-4o-mini"
    assert chosen(http, "again") == "openai/gpt-4.1"
    # the request names no model; `model` matches one a client sends as an extra field
    assert chosen(http, "hi", model="custom/x") == "qwen/qwen-2.5-72b-instruct"


def test_predicate_narrows(server: MockServer, http: httpx.Client) -> None:
    server.router.when(predicate=lambda r: len(r.messages) > 1).select("openai/gpt-4.1")
    assert chosen(http, "hi") == "openai/gpt-4o-mini"
    two = [{"role": "system", "content": "s"}, {"role": "user", "content": "hi"}]
    assert chosen(http, two) == "openai/gpt-4.1"


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ({"fallback_used": False, "fallback_reason": "x"}, "needs 'fallback_used: true'"),
        ({"reasoning_effort": "hgih"}, "reasoning_effort"),
        ({"model": ""}, "at least 1 character"),
        ({"error": {"status": 503}, "model": "x"}, "error reply cannot"),
        ({"models": ["x"]}, "Extra inputs"),
    ],
)
def test_nonsense_replies_are_refused_when_scripted(
    server: MockServer, reply: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        server.router.reply_with(**reply)
    assert server.rules == []


def test_respond_builds_the_reply_from_the_request(server: MockServer, http: httpx.Client) -> None:
    server.router.respond(
        lambda request: {"model": f"count/{len(request.messages)}-{request.api_type}"}
    )
    assert select(http, "hi", api_type="responses")["model"] == "count/1-responses"


def test_error_with_retry_after(server: MockServer, http: httpx.Client) -> None:
    server.router.error(429, retry_after=2)
    response = http.post(PATH, json={"messages": user("hi")})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    body = response.json()
    assert body["error"]["code"] == "rate_limit_exceeded"
    assert body["error"]["retry_after_seconds"] == 2
    assert body["request_id"] == response.headers["x-request-id"]


def test_scenario_file(server: MockServer, http: httpx.Client, tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(
        "rules:\n"
        "  - endpoint: router\n"
        "    match: {api_type: embeddings}\n"
        "    reply: {fallback_reason: no embedding router}\n"
        "  - endpoint: router\n"
        "    match: {last_user: {regex: '^sql'}}\n"
        "    reply: {model: deepseek/deepseek-chat}\n"
        "    times: unlimited\n"
    )
    server.load(path)
    meta = select(http, "x", api_type="embeddings")["auto_router"]
    assert meta == {"fallback_used": True, "fallback_reason": "no embedding router"}
    assert chosen(http, "sql join") == "deepseek/deepseek-chat"
    assert chosen(http, "sql join") == "deepseek/deepseek-chat"


def test_admin_api_rules(server: MockServer, http: httpx.Client) -> None:
    rule = {"endpoint": "router", "match": {"last_user": "hi"}, "reply": {"model": "a/b"}}
    added = http.post("/_mock/rules", json=rule)
    assert added.status_code == 201, added.text
    assert added.json()[0]["match"] == {"last_user": {"contains": "hi"}}
    assert chosen(http, "hi") == "a/b"
    bad = http.post("/_mock/rules", json={**rule, "match": {"api_type": "chat"}})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]


def test_strict_mode_reports_the_near_miss(server: MockServer, http: httpx.Client) -> None:
    server.strict = True
    server.router.when(api_type="embeddings").select("x/y", name="embed rule")
    response = http.post(PATH, json={"messages": user("hello")})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "no_matching_rule"
    assert "embed rule" in error["message"]
    assert "last user message='hello'" in error["message"]
    assert "exclude_models" not in error["message"]
    excluding = http.post(PATH, json={"messages": user("hello"), "exclude_models": ["a/b"]})
    assert "exclude_models=['a/b']" in excluding.json()["error"]["message"]
    assert error["details"][0]["msg"] == "api_type: expected 'embeddings', got 'completions'"


def test_unauthorized_without_a_key(server: MockServer) -> None:
    response = httpx.post(server.url + PATH, json={"messages": user("hi")})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "messages"]),
        ({"messages": []}, ["body", "messages"]),
        ({"messages": user("x"), "api_type": "chat"}, ["body", "api_type"]),
        ({"messages": user("x"), "exclude_models": "a"}, ["body", "exclude_models"]),
        ({"messages": [{"role": "robot", "content": "x"}]}, ["body", "messages", 0, "role"]),
        ({"messages": [{"role": "tool", "content": "x"}]}, ["body", "messages", 0]),
    ],
)
def test_bad_bodies_get_422_with_details(
    http: httpx.Client, body: dict[str, Any], loc: list[Any]
) -> None:
    response = http.post(PATH, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [d["loc"] for d in error["details"]] == [loc]


def test_journal_records_the_call(server: MockServer, http: httpx.Client) -> None:
    rule = server.router.select("a/b")
    select(http, "one")
    select(http, "two", api_type="embeddings", stream=True)  # an extra field: no stream
    face = server.router
    face.assert_called(times=2)
    first, second = face.requests
    assert (first.endpoint, first.operation, first.path) == ("router", "select", PATH)
    assert first.matched == rule.id and second.matched == "default"
    assert second.body == {"messages": user("two"), "api_type": "embeddings", "stream": True}
    assert second.stream is False and second.stream_completed is None
    assert [e["endpoint"] for e in http.get("/_mock/requests").json()] == ["router", "router"]


def test_openapi_documents_the_operation(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    operation = document["paths"][PATH]["post"]
    statuses = {"200", "400", "401", "403", "404", "422", "429", "501", "503"}
    assert statuses <= set(operation["responses"])  # feature flag off: 403/404/501
    success = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert success == {"$ref": "#/components/schemas/RouterSelectResponse"}
    assert set(document["components"]["schemas"]["RouterSelectResponse"]["required"]) == {
        "model",
        "auto_router",
    }
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RouterSelectRequest"
    }
