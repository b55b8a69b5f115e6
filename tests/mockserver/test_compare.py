"""`POST /v1/chat/compare` over real HTTP: legs answered by chat rules, a judge, events.

Each compared model is a chat request to the fake (chat rules, else default mode); a
failing one is reported in `results` and the answer stays a 200; the judge's text is a
compare rule's or made up from the answers; streamed, the same answer arrives as named
events that clients can read without ever meeting a top-level `error`.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshapi.types.compare import CompareResponse, CompareStreamEvent
from meshapi_mock import MockServer
from support.wire import error_of

COMPARE = "/v1/chat/compare"
MODELS = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4.5", "google/gemini-2.5-flash"]
CHAT_MODELS = [*MODELS, "meta-llama/llama-3.1-8b-instruct"]
ASK = [{"role": "user", "content": "Name three primes."}]


def compare(http: httpx.Client, **body: Any) -> httpx.Response:
    body.setdefault("models", MODELS)
    body.setdefault("messages", ASK)
    return http.post(COMPARE, json=body)


def answered(http: httpx.Client, **body: Any) -> dict[str, Any]:
    response = compare(http, **body)
    assert response.status_code == 200, response.text
    parsed: dict[str, Any] = response.json()
    CompareResponse.model_validate(parsed)
    return parsed


def events(body: bytes) -> list[tuple[str, dict[str, Any]]]:
    """Strict SSE reading: LF-only frames of `event:` then one `data:` line, then [DONE]."""
    assert b"\r" not in body
    frames = body.decode().split("\n\n")
    assert frames[-2:] == ["data: [DONE]", ""], frames[-3:]
    out = []
    for frame in frames[:-2]:
        name_line, data_line = frame.split("\n")
        assert name_line.startswith("event: ") and data_line.startswith("data: "), frame
        name, payload = name_line[len("event: ") :], json.loads(data_line[len("data: ") :])
        assert payload["event"] == name
        assert payload.get("error") is None, "a top-level error would end the stream in clients"
        CompareStreamEvent.model_validate(payload)
        out.append((name, payload))
    return out


def without_request_ids(body: dict[str, Any]) -> dict[str, Any]:
    """The answer less what names this very request (ids follow the request's bytes)."""
    results = []
    for result in body["results"]:
        result = {k: v for k, v in result.items() if k != "request_id"}
        if result.get("response_body"):
            result["response_body"] = {**result["response_body"], "id": None}
        results.append(result)
    return {**body, "results": results, "comparison_id": None}


# --------------------------------------------------------------------------- the answer


def test_each_model_answers_by_its_chat_rule(server: MockServer, http: httpx.Client) -> None:
    server.chat.when(model="openai/*").reply("2, 3 and 5.")
    server.chat.when(model="anthropic/*").reply("Two, three, five.")

    body = answered(http)

    assert body["models"] == MODELS and body["object"] == "chat.comparison"
    assert [r["model"] for r in body["results"]] == MODELS
    first, second, third = body["results"]
    assert first["content"] == "2, 3 and 5." and second["content"] == "Two, three, five."
    assert third["content"].startswith("google/gemini-2.5-flash: "), "default mode answers it"
    for result in body["results"]:
        assert result["response_body"]["choices"][0]["message"]["content"] == result["content"]
        assert result["response_body"]["model"] == result["model"]
        assert result["usage"]["total_tokens"] == (
            result["usage"]["prompt_tokens"] + result["usage"]["completion_tokens"]
        )
        assert result["request_id"].startswith(body["results"][0]["request_id"][:-2])
        assert "error" not in result
    assert body["partial"] is False and body["comparison_fallback_used"] is False
    assert body["total_latency_ms"] >= max(r["latency_ms"] for r in body["results"])
    assert server.compare.call_count == 1 and server.chat.call_count == 0, "legs are not chats"


def test_a_failing_model_is_reported_in_its_result(server: MockServer, http: httpx.Client) -> None:
    server.chat.when(model="anthropic/*").error(503, message="Claude is resting")

    def divide_by_zero(request: Any) -> str:
        raise ZeroDivisionError("division by zero")

    server.chat.when(model="google/*").respond(divide_by_zero, name="broken")

    body = answered(http)

    ok, resting, broken = body["results"]
    assert ok["content"] and "error" not in ok
    assert resting["error"] == "Claude is resting" and resting["error_code"] == "upstream_error"
    assert broken["error_code"] == "mock_reply_error" and "(broken)" in broken["error"]
    for failed in (resting, broken):
        assert failed.get("content") is None and failed.get("response_body") is None
    assert body["partial"] is True
    assert "Failed: anthropic/claude-sonnet-4.5 (upstream_error)" in body["comparison"]


def test_default_mode_is_deterministic_and_tells_the_models_apart(
    server: MockServer, http: httpx.Client
) -> None:
    first, second = answered(http), answered(http)

    assert without_request_ids(first) == without_request_ids(second)
    assert first["comparison_id"] == second["comparison_id"]
    contents = [r["content"] for r in first["results"]]
    assert len(set(contents)) == len(MODELS)
    assert first["comparison"].startswith("Compared 3 answers to “Name three primes.”")
    assert first["comparison_model"] == "openai/gpt-4o-mini"
    usage = first["comparison_usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0


def test_overrides_reach_each_model(server: MockServer, http: httpx.Client) -> None:
    seen: dict[str, Any] = {}

    def remember(request: Any) -> str:
        seen[request.model] = request
        return "ok"

    server.chat.respond(remember, times=None)

    answered(
        http,
        messages=[{"role": "system", "content": "Be helpful."}, *ASK],
        temperature=0.7,
        max_tokens=100,
        model_overrides=[
            {"model": MODELS[1], "temperature": 0.1, "system_prompt": "Be terse."},
            {"model": MODELS[2], "max_tokens": 5},
        ],
    )

    plain, terse, short = (seen[m] for m in MODELS)
    assert (plain.temperature, plain.max_tokens) == (0.7, 100)
    assert [m.content for m in plain.messages] == ["Be helpful.", "Name three primes."]
    assert (terse.temperature, terse.max_tokens) == (0.1, 100)
    assert [(m.role, m.content) for m in terse.messages] == [
        ("system", "Be terse."),
        ("user", "Name three primes."),
    ]
    assert (short.temperature, short.max_tokens) == (0.7, 5)


def test_an_override_s_max_tokens_cuts_a_default_answer(
    server: MockServer, http: httpx.Client
) -> None:
    body = answered(http, model_overrides=[{"model": MODELS[0], "max_tokens": 3}])

    cut = body["results"][0]
    assert len(cut["content"]) <= 12
    assert cut["response_body"]["choices"][0]["finish_reason"] == "length"


def test_the_default_judge_weighs_answers_of_one_length_as_such(
    server: MockServer, http: httpx.Client
) -> None:
    """Different answers of the same length have no shortest or longest: the judge says
    so rather than naming one model as both."""
    server.chat.when(model="openai/*").reply("Two, three, five.")
    server.chat.when(model="anthropic/*").reply("Primes are 2,3,5.")

    judged = answered(http, models=MODELS[:2])["comparison"]

    assert "They differ in wording, each 3 words long." in judged
    assert "shortest" not in judged and "longest" not in judged


def test_skip_comparison_has_no_judge(server: MockServer, http: httpx.Client) -> None:
    server.compare.comparison("never read")

    body = answered(http, skip_comparison=True, comparison_model="openai/gpt-4o")

    assert body["skip_comparison"] is True
    assert body["comparison"] is None and body["comparison_model"] is None
    assert body["comparison_usage"] is None


def test_the_judge_is_scripted_by_compare_rules(server: MockServer, http: httpx.Client) -> None:
    server.compare.when(models=["anthropic/*"], last_user="primes").comparison(
        "Claude wins.", comparison_model="openai/o3"
    )
    server.compare.fallback()

    judged = answered(http, comparison_model="openai/gpt-4o")
    fell_back = answered(http, comparison_model="openai/gpt-4o")

    assert judged["comparison"] == "Claude wins." and judged["comparison_model"] == "openai/o3"
    assert fell_back["comparison"] is None and fell_back["comparison_fallback_used"] is True
    assert fell_back["comparison_model"] == "openai/gpt-4o"
    default = answered(http, comparison_model="openai/gpt-4o", comparison_instructions="Be fair")
    assert default["comparison_model"] == "openai/gpt-4o"
    assert "Judged as asked: “Be fair”." in default["comparison"]


def test_no_answer_means_no_comparison(server: MockServer, http: httpx.Client) -> None:
    server.chat.error(502, times=None)

    body = answered(http)

    assert all(r["error_code"] == "upstream_error" for r in body["results"])
    assert body["partial"] is True and body["comparison"] is None


def test_the_whole_compare_can_be_scripted_to_fail(server: MockServer, http: httpx.Client) -> None:
    server.compare.when(stream=True).error(429, retry_after=3)
    server.compare.error(503)

    streamed = compare(http, stream=True)
    plain = compare(http)

    assert streamed.status_code == 429 and streamed.headers["retry-after"] == "3"
    assert plain.status_code == 503 and error_of(plain)["code"] == "upstream_error"


def test_legs_count_as_chat_rule_uses(server: MockServer, http: httpx.Client) -> None:
    once = server.chat.reply("only the first")
    second = server.chat.when(nth=2).reply("the second")

    body = answered(http)

    assert [r["content"] for r in body["results"][:2]] == ["only the first", "the second"]
    assert once.call_count == second.call_count == 1


def test_requests_are_validated(server: MockServer, http: httpx.Client) -> None:
    bad: dict[str, Any]
    for bad in (
        {"models": []},
        {"models": ["a"] * 17},
        {"messages": []},
        {"temperature": 3},
        {"max_tokens": 0},
        {"model_overrides": [{"temperature": 1}]},
    ):
        response = compare(http, **bad)
        assert response.status_code == 422, bad
        assert error_of(response)["code"] == "validation_error"


def test_strict_mode_refuses_a_model_no_rule_answers(
    server: MockServer, http: httpx.Client
) -> None:
    server.strict = True
    server.chat.when(model="openai/*").reply("scripted", times=None)

    response = compare(http, models=["openai/gpt-4o", "anthropic/claude-sonnet-4.5"])

    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "no_matching_rule"
    assert "compare leg 2 (anthropic/claude-sonnet-4.5)" in error["message"]
    assert server.unmatched_requests()[-1].endpoint == "compare"
    assert answered(http, models=["openai/gpt-4o"])["results"][0]["content"] == "scripted"


# --------------------------------------------------------------------------- the stream


def test_the_stream_is_named_events_ending_with_the_whole_answer(
    server: MockServer, http: httpx.Client
) -> None:
    server.chat.when(model="openai/*").reply(
        "Two three five", stream={"chunks": ["Two", " three", " five"]}
    )
    server.chat.when(model="anthropic/*").error(503)

    response = compare(http, stream=True, comparison_instructions="Pick one")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    stream = events(response.content)
    names = [name for name, _ in stream]
    assert names[0] == "start" and names[-1] == "summary"
    assert set(names) == {"start", "delta", "model_done", "comparison_delta", "summary"}
    start = stream[0][1]
    assert start["models"] == MODELS and start["data"]["comparison_id"] == start["comparison_id"]

    deltas = [p for n, p in stream if n == "delta" and p["model"] == MODELS[0]]
    assert [p["delta"] for p in deltas] == ["Two", " three", " five"]
    assert all(p["data"] == {"model": p["model"], "delta": p["delta"]} for p in deltas)
    done = {p["model"]: p for n, p in stream if n == "model_done"}
    assert set(done) == set(MODELS)
    assert done[MODELS[0]]["finish_reason"] == "stop" and done[MODELS[0]]["usage"]
    failed = done[MODELS[1]]
    assert failed["error_code"] == "upstream_error" and failed["data"]["error"]
    assert names.index("model_done") < max(i for i, n in enumerate(names) if n == "delta"), (
        "models answer side by side, not one after another"
    )

    summary = stream[-1][1]
    whole = summary["data"]
    CompareResponse.model_validate(whole)
    assert whole["results"][0]["content"] == "Two three five"
    assert whole["partial"] is True and summary["partial"] is True
    judged = "".join(p["delta"] for n, p in stream if n == "comparison_delta")
    assert judged == whole["comparison"] and "Judged as asked: “Pick one”." in judged
    assert summary["usage"] == whole["comparison_usage"]


def test_the_stream_and_the_body_say_the_same(server: MockServer, http: httpx.Client) -> None:
    body = answered(http)
    whole = events(compare(http, stream=True).content)[-1][1]["data"]

    assert without_request_ids(whole) == without_request_ids(body)


def test_a_skipped_comparison_streams_no_judge(server: MockServer, http: httpx.Client) -> None:
    names = [n for n, _ in events(compare(http, stream=True, skip_comparison=True).content)]

    assert "comparison_delta" not in names and names[-1] == "summary"


# --------------------------------------------------------------------------- templates


def test_a_template_is_filled_in_before_the_models_answer(
    server: MockServer, http: httpx.Client
) -> None:
    server.templates.add(
        "tutor", system="You teach {{subject}}.", params={"temperature": 0.2, "max_tokens": 40}
    )
    server.chat.when(system="You teach maths.", model="openai/*").reply("Primes: 2, 3, 5.")
    seen: list[Any] = []

    def remember(request: Any) -> str:
        seen.append(request)
        return "ok"

    server.chat.when(model="anthropic/*").respond(remember)

    body = answered(http, models=MODELS[:2], template="tutor", variables={"subject": "maths"})

    assert body["results"][0]["content"] == "Primes: 2, 3, 5."
    assert (seen[0].temperature, seen[0].max_tokens) == (0.2, 40)
    entry = server.compare.requests[-1]
    assert entry.rendered is not None
    assert entry.rendered["messages"][0] == {"role": "system", "content": "You teach maths."}
    missing = compare(http, template="tutor")
    assert missing.status_code == 422 and "'subject'" in error_of(missing)["message"]
    assert compare(http, template="nope").status_code == 404


# --------------------------------------------------------------------------- the property

leg_outcomes = st.one_of(
    st.tuples(st.just("text"), st.text(max_size=30), st.sampled_from(["words", 1, 4])),
    st.tuples(st.just("error"), st.sampled_from([400, 429, 500, 503]), st.just(None)),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    outcomes=st.lists(leg_outcomes, min_size=1, max_size=4),
    skip=st.booleans(),
)
def test_streamed_deltas_rebuild_each_answer(
    session_server: MockServer,
    session_http: httpx.Client,
    outcomes: list[tuple[str, Any, Any]],
    skip: bool,
) -> None:
    """Whatever each model answers, its deltas join to its content, every model is done
    once, failures are never top-level errors, and the summary is the JSON answer."""
    session_server.reset()
    models = CHAT_MODELS[: len(outcomes)]
    for model, (kind, value, chunks) in zip(models, outcomes, strict=True):
        face = session_server.chat.when(model=model)
        if kind == "text":
            face.reply(value, stream={"chunks": chunks}, times=None)
        else:
            face.error(value, times=None)

    body = answered(session_http, models=models, skip_comparison=skip)
    stream = events(compare(session_http, models=models, skip_comparison=skip, stream=True).content)

    for model, result in zip(models, body["results"], strict=True):
        joined = "".join(p["delta"] for n, p in stream if n == "delta" and p["model"] == model)
        assert joined == (result.get("content") or "")
        (done,) = [p for n, p in stream if n == "model_done" and p["model"] == model]
        assert done.get("error_code") == result.get("error_code")
    assert without_request_ids(stream[-1][1]["data"]) == without_request_ids(body)
    assert body["partial"] == any(kind == "error" for kind, _, _ in outcomes)


@pytest.mark.parametrize("stream", [False, True])
def test_the_journal_records_one_compare(
    server: MockServer, http: httpx.Client, stream: bool
) -> None:
    compare(http, stream=stream)

    (entry,) = server.requests
    assert (entry.endpoint, entry.operation, entry.stream) == ("compare", "create", stream)
    assert entry.matched == "default" and entry.status == 200
    assert entry.rendered is None, "no template: the request is as sent"
