"""Auth, validation, routing errors, request ids, models and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from meshapi_mock import MockServer, ServerConfig
from meshapi_mock.contract import ModelInfo
from support.wire import chat, error_of

GOOD = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer sk-openai-style"},
        {"Authorization": "Bearer rsk_"},
        {"Authorization": "Basic cnNrX3g6"},
        {"Authorization": "Bearer"},
    ],
)
def test_bad_credentials_get_401(server: MockServer, headers: dict[str, str]) -> None:
    for path, method in (("/v1/chat/completions", "POST"), ("/v1/models", "GET")):
        response = httpx.request(method, server.url + path, json=GOOD, headers=headers)
        assert response.status_code == 401
        assert error_of(response)["code"] == "unauthorized"
    assert server.requests[-1].status == 401


def test_configured_tokens_replace_the_prefix_rule() -> None:
    with MockServer(ServerConfig(tokens=["rsk_only_this", "custom-key"])) as server:
        url = server.url + "/v1/chat/completions"
        for token, status in (("rsk_only_this", 200), ("custom-key", 200), ("rsk_other", 401)):
            response = httpx.post(url, json=GOOD, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == status, token


def test_malformed_json_is_400(http: httpx.Client) -> None:
    response = http.post("/v1/chat/completions", content=b'{"messages": [', headers={})
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_request"


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({}, ["body", "messages"], "missing"),
        ([], ["body"], "model_type"),
        ({"messages": []}, ["body", "messages"], "too_short"),
        ({"messages": [{"role": "robot", "content": "x"}]}, ["body", "messages", 0, "role"], None),
        ({"messages": [{"role": "tool", "content": "x"}]}, ["body", "messages", 0], "value_error"),
        ({**GOOD, "temperature": 3}, ["body", "temperature"], "less_than_equal"),
        ({**GOOD, "max_tokens": 1.5}, ["body", "max_tokens"], "int_from_float"),
        ({**GOOD, "stream": "maybe"}, ["body", "stream"], "bool_type"),
        ({**GOOD, "tool_choice": "sometimes"}, ["body", "tool_choice"], None),
        (
            {
                **GOOD,
                "messages": [
                    {
                        "role": "assistant",
                        "tool_calls": [
                            {
                                "id": "c",
                                "type": "function",
                                "function": {"name": "f", "arguments": {}},
                            }
                        ],
                    }
                ],
            },
            ["body", "messages", 0, "tool_calls", 0, "function", "arguments"],
            "string_type",
        ),
    ],
)
def test_validation_errors_are_422_with_details(
    http: httpx.Client, body: object, loc: list[object], kind: str | None
) -> None:
    response = http.post("/v1/chat/completions", json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    locs = [d["loc"] for d in error["details"]]
    assert any(found[: len(loc)] == loc for found in locs), locs
    for detail in error["details"]:
        assert set(detail) == {"type", "loc", "msg"}
    if kind is not None:
        assert kind in [d["type"] for d in error["details"]]


def test_empty_body_is_a_validation_error(http: httpx.Client) -> None:
    response = http.post("/v1/chat/completions", content=b"")
    assert response.status_code == 422
    assert error_of(response)["details"][0]["loc"] == ["body"]


def test_unknown_fields_and_stream_options_are_accepted(http: httpx.Client) -> None:
    body = {**GOOD, "stream_options": {"include_usage": True}, "parallel_tool_calls": False}
    assert http.post("/v1/chat/completions", json=body).status_code == 200


def test_oversized_body_is_413() -> None:
    with MockServer(ServerConfig(max_body_bytes=1000)) as server:
        big = {**GOOD, "messages": [{"role": "user", "content": "x" * 2000}]}
        headers = {"Authorization": "Bearer rsk_x"}
        response = httpx.post(server.url + "/v1/chat/completions", json=big, headers=headers)
        assert response.status_code == 413
        assert error_of(response)["code"] == "payload_too_large"

        def chunks() -> Iterator[
            bytes
        ]:  # no content-length: the limit still holds while streaming in
            yield b'{"messages": [{"role": "user", "content": "'
            yield b"y" * 5000
            yield b'"}]}'

        response = httpx.post(
            server.url + "/v1/chat/completions", content=chunks(), headers=headers
        )
        assert response.status_code == 413
        ok = httpx.post(server.url + "/v1/chat/completions", json=GOOD, headers=headers)
        assert ok.status_code == 200


def test_unknown_path_and_wrong_method_use_the_envelope(http: httpx.Client) -> None:
    missing = http.get("/v1/nothing-here")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "not_found"
    wrong = http.get("/v1/chat/completions")
    assert wrong.status_code == 405
    assert error_of(wrong)["code"] == "method_not_allowed"
    assert wrong.headers["allow"] == "POST"


def test_request_id_is_echoed_or_minted(server: MockServer, http: httpx.Client) -> None:
    echoed = http.post("/v1/chat/completions", json=GOOD, headers={"x-request-id": "req_mine"})
    assert echoed.headers["x-request-id"] == "req_mine"
    minted = {chat(http).headers["x-request-id"] for _ in range(3)}
    assert len(minted) == 3 and all(r.startswith("req_") for r in minted)
    for response in (http.get("/nope"), http.get("/_mock/health"), http.get("/openapi.json")):
        assert response.headers["x-request-id"].startswith("req_")
    assert server.requests[0].request_id == "req_mine"


def test_models_lists_are_bare_arrays_of_valid_models(http: httpx.Client) -> None:
    everything = http.get("/v1/models").json()
    free = http.get("/v1/models/free").json()
    paid = http.get("/v1/models/paid").json()
    assert isinstance(everything, list) and len(everything) >= 12
    assert len({m["provider"] for m in everything}) >= 5
    for model in everything:
        info = ModelInfo.model_validate(model)
        assert info.pricing is not None
        for price in (info.pricing.prompt_usd_per_1m, info.pricing.completion_usd_per_1m):
            assert isinstance(price, str) and Decimal(price) >= 0
    assert free and all(m["is_free"] for m in free)
    assert paid and not any(m["is_free"] for m in paid)
    assert {m["id"] for m in free} | {m["id"] for m in paid} == {m["id"] for m in everything}
    assert all(Decimal(m["pricing"]["prompt_usd_per_1m"]) == 0 for m in free)


def test_models_filters(http: httpx.Client) -> None:
    openai_models = http.get("/v1/models", params={"provider": "openai"}).json()
    assert openai_models and {m["provider"] for m in openai_models} == {"openai"}
    embeddings = http.get("/v1/models", params={"type": "embedding"}).json()
    assert embeddings and {m["model_type"] for m in embeddings} == {"embedding"}
    assert all(m["is_free"] for m in http.get("/v1/models", params={"free": "true"}).json())
    bad = http.get("/v1/models", params={"free": "perhaps"})
    assert bad.status_code == 422 and error_of(bad)["details"][0]["loc"] == ["query", "free"]


def test_model_by_id_keeps_slashes_and_colons(http: httpx.Client) -> None:
    found = http.get("/v1/models/meta-llama/llama-3.3-70b-instruct%3Afree")
    assert found.status_code == 200
    assert found.json()["id"] == "meta-llama/llama-3.3-70b-instruct:free"
    missing = http.get("/v1/models/acme/unknown")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "model_not_found"
    assert missing.json()["detail"] == "Model 'acme/unknown' not found."


def test_models_search_is_matched_before_model_by_id(http: httpx.Client) -> None:
    page = http.get("/v1/models/search", params={"q": "gpt", "limit": 2}).json()
    assert page["limit"] == 2 and page["offset"] == 0
    assert page["total"] >= 3 and len(page["items"]) == 2
    assert all("gpt" in m["id"] for m in page["items"])


def test_openapi_describes_the_public_endpoints(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert {"/v1/chat/completions", "/v1/models", "/v1/models/{model_id}"} <= set(document["paths"])
    assert not any(p.startswith("/_mock") for p in document["paths"])
    request = document["components"]["schemas"]["ChatCompletionRequest"]
    assert "messages" in request["required"]


def test_lone_surrogates_are_invalid_json_not_a_crash(http: httpx.Client) -> None:
    body = b'{"messages": [{"role": "user", "content": "\\ud800"}]}'
    response = http.post("/v1/chat/completions", content=body)
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_request"
