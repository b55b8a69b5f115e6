"""Rules that were accepted and then hurt the fake or its users, found by review.

Each case failed before its fix: a value nested too deep to send, a regex that took
gigabytes to compile, globs that filled a module cache, a regex run although the rule
could not match, a Retry-After clients cannot parse, credentials in reports, and values
accepted that no client can use.
"""

from __future__ import annotations

import fnmatch
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import urllib3
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from meshapi import MeshAPI, RateLimitError
from meshapi_mock import MockServer, ScenarioError
from meshapi_mock.scripting import patterns, regex_cost
from meshapi_mock.scripting.globs import glob_matches
from meshapi_mock.scripting.patterns import MAX_CACHED, MAX_CACHED_SIZE, cache_stats
from pydantic import ValidationError
from support.wire import chat, error_of

GENEROUS = 10.0
"""Seconds to wait for something that happens at once unless the fake is stuck."""


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
    # Flow style, as the reviewer's file: 100 levels of {a: ...} inside `details` (past the
    # rules' 64, short of the 200 at which the file itself is refused as nested too deeply).
    path.write_text(
        "rules:\n  - reply: {error: {status: 400, details: ["
        + "{a: " * 100
        + "1"
        + "}" * 100
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


# --- a regex too costly to compile is refused before it is compiled --------------------

COSTLY = [
    pytest.param("(?:(?:(?:a{200}){200}){200})", "8,000,000 elements", id="nested-counts"),
    # Spaces inside braces are a repeat to `regex` in verbose mode (not to `re`).
    pytest.param("(?x)(?:(?:a{200 }){200 }){200 }", "8,000,000 elements", id="verbose"),
    pytest.param("(?V1)(?:[[a-z]--[aeiou]]{200}){200}", "40,000 elements", id="regex-only"),
    pytest.param(r"(?:\p{L}{1000}){100}", "100,000 elements", id="property"),
    pytest.param("a{10001}", "10,001 elements", id="one-count"),
    pytest.param("x" * 4097, "4097 characters long", id="long"),
    pytest.param("(" * 101 + ")" * 101, "deeper than 100 levels", id="deep-groups"),
]


@pytest.mark.parametrize(("pattern", "fragment"), COSTLY)
def test_a_regex_too_costly_to_compile_is_refused(
    server: MockServer, http: httpx.Client, tmp_path: Path, pattern: str, fragment: str
) -> None:
    rule = {"match": {"last_user": {"regex": pattern}}, "reply": {"text": "x"}}

    assert fragment in refusal(post_rules(http, rule))
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        server.chat.when(last_user={"regex": pattern})
    path = tmp_path / "costly.json"
    path.write_text(json.dumps({"rules": [rule]}), encoding="utf-8")
    with pytest.raises(ScenarioError, match=re.escape(fragment)):
        server.load(path)
    assert server.rules == []


def test_regexes_within_the_limits_work(server: MockServer, http: httpx.Client) -> None:
    server.chat.when(last_user={"regex": r"^(?:\w{100}){99}$"}).reply("ninety-nine hundred")
    server.chat.when(last_user={"regex": r"^x.{0,100000}y$"}).reply("a range is a loop")
    server.chat.when(last_user={"regex": r"(?V1)^[[a-z]--[aeiou]]{3}\p{N}{2}$"}).reply("sets")

    def answer(text: str) -> str:
        content: str = chat(http, messages=[{"role": "user", "content": text}]).json()["choices"][
            0
        ]["message"]["content"]
        return content

    assert answer("w" * 9900) == "ninety-nine hundred"
    assert answer("x" + "-" * 5000 + "y") == "a range is a loop"
    assert answer("xyz42") == "sets"


def test_the_compile_cache_is_bounded(server: MockServer) -> None:
    for index in range(MAX_CACHED + 20):
        server.chat.when(last_user={"regex": f"^{index}:a{{3000}}b{{3000}}"}).reply("x")

    kept, size = cache_stats()
    assert kept <= MAX_CACHED and size <= MAX_CACHED_SIZE


def test_when_the_parser_is_unavailable_a_cruder_bound_still_refuses(
    server: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def moved(pattern: str, flags: int) -> Any:
        raise AttributeError("the regex module's parser moved")

    monkeypatch.setattr(regex_cost, "_parse", moved)

    with pytest.raises(ValidationError, match="elements"):
        server.chat.when(last_user={"regex": "(?:(?:b{200}){200}){200}"})
    server.chat.when(last_user={"regex": r"^\d{4}-\d{2}$"}).reply("fine")
    assert len(server.rules) == 1


def test_other_clients_are_served_while_rules_are_checked(
    server: MockServer, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    checking, served = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}
    real_cost = regex_cost.compile_cost

    def slow_cost(pattern: str, ignore_case: bool = False) -> int:
        if pattern == "^slow check$":
            checking.set()
            seen["served meanwhile"] = served.wait(GENEROUS)
        return real_cost(pattern, ignore_case)

    monkeypatch.setattr(patterns, "compile_cost", slow_cost)
    rule = {"match": {"last_user": {"regex": "^slow check$"}}, "reply": {"text": "x"}}
    added: dict[str, httpx.Response] = {}
    poster = threading.Thread(target=lambda: added.update(response=post_rules(http, rule)))
    poster.start()
    assert checking.wait(GENEROUS)

    with httpx.Client(base_url=server.url, headers=http.headers, timeout=GENEROUS) as other:
        assert other.get("/v1/models").status_code == 200
    served.set()
    poster.join(GENEROUS)

    assert seen == {"served meanwhile": True}, "the other client waited for the rule check"
    assert added["response"].status_code == 201


# --- a regex runs only when everything else about the rule holds -------------------------

CATASTROPHIC = r"(a|aa)+$"
HOSTILE = "a" * 40 + "b"
"""Seconds of backtracking for `CATASTROPHIC`, far over the default budget of 0.1 s."""


def hostile_chat(http: httpx.Client, **body: Any) -> httpx.Response:
    return chat(http, messages=[{"role": "user", "content": HOSTILE}], **body)


@pytest.mark.parametrize(
    "criteria",
    [
        pytest.param({"model": "zzz/*"}, id="model"),
        pytest.param({"headers": {"x-tenant": "blue"}}, id="header"),
        pytest.param({"stream": True}, id="stream"),
        pytest.param({"system": "be brief"}, id="system"),
        pytest.param({"tool_result": True}, id="tool-result"),
        pytest.param({"any_message": {"equals": "hi"}}, id="other-text"),
    ],
)
def test_a_regex_rule_that_cannot_match_does_not_fail_the_request(
    server: MockServer, http: httpx.Client, criteria: dict[str, Any]
) -> None:
    rule = {"match": {**criteria, "last_user": {"regex": CATASTROPHIC}}, "reply": {"text": "x"}}
    assert post_rules(http, rule).status_code == 201

    response = hostile_chat(http)

    assert response.status_code == 200, response.text
    assert server.requests[-1].matched == "default"


def test_a_predicate_that_says_no_spares_the_regex(server: MockServer, http: httpx.Client) -> None:
    asked: list[Any] = []

    def never(request: Any) -> bool:
        asked.append(request)
        return False

    server.chat.when(last_user={"regex": CATASTROPHIC}, predicate=never).reply("x")
    server.chat.when(model="zzz/*", predicate=never).reply("y")

    assert hostile_chat(http).status_code == 200
    assert len(asked) == 1, "the predicate runs once the cheap criteria hold, not before"


def test_the_regex_still_decides_once_everything_else_holds(
    server: MockServer, http: httpx.Client
) -> None:
    rule = server.chat.when(model="openai/*", last_user={"regex": CATASTROPHIC}).reply("x")

    response = hostile_chat(http)

    assert response.status_code == 500 and error_of(response)["code"] == "mock_rule_error"
    assert rule.call_count == 0
    assert chat(http, messages=[{"role": "user", "content": "aaaa"}]).status_code == 200
    assert rule.call_count == 1


def test_a_strict_near_miss_lists_every_difference_and_the_timeout(
    server: MockServer, http: httpx.Client
) -> None:
    server.strict = True
    rule = server.chat.when(model="zzz/*", last_user={"regex": CATASTROPHIC}).reply("x")

    response = hostile_chat(http)

    assert response.status_code == 404, response.text
    error = error_of(response)
    assert error["code"] == "no_matching_rule"
    assert error["details"] == [
        {
            "type": "near_miss",
            "loc": ["rules", rule.id],
            "msg": "model: expected 'zzz/*', got 'openai/gpt-4o-mini'; "
            "last_user: regex '(a|aa)+$' timed out after 0.1 s",
        }
    ]


# --- globs are matched without fnmatch's cache ------------------------------------------


def fnmatch_cache_size() -> int:
    """How many patterns `fnmatch` keeps compiled (its module cache, up to 32,768)."""
    return int(fnmatch._compile_pattern.cache_info().currsize)  # type: ignore[attr-defined]


def test_huge_exclude_models_patterns_leave_nothing_behind(
    server: MockServer, http: httpx.Client
) -> None:
    before = fnmatch_cache_size()
    for index in range(6):
        body = {
            "messages": [{"role": "user", "content": "hi"}],
            "exclude_models": [f"{index}-" + "x" * (1 << 20), f"*{index}" + "[" * 1000],
        }
        response = http.post("/v1/router/select", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["auto_router"]["fallback_used"] is False

    assert fnmatch_cache_size() == before


def test_exclude_models_and_rule_models_still_match_globs(
    server: MockServer, http: httpx.Client
) -> None:
    server.chat.when(model="openai/gpt-4o-[!x]*").reply("glob")
    picked = http.post(
        "/v1/router/select",
        json={
            "messages": [{"role": "user", "content": "hi"}],
            "exclude_models": ["openai/*", "google/gemini-2.?-flash-001", "[m]eta-*"],
        },
    ).json()["model"]

    assert not picked.startswith(("openai/", "google/gemini-2.0-flash", "meta-"))
    assert (
        chat(http, model="openai/gpt-4o-mini").json()["choices"][0]["message"]["content"] == "glob"
    )


def has_reversed_range(pattern: str) -> bool:
    """`z-a`: where fnmatch's own reading of a set can differ (see `globs`)."""
    return any(low > high for low, high in re.findall(r"(?=(.)-(.))", pattern))


@settings(max_examples=500, deadline=None)
@given(name=st.text("ab-/", max_size=8), pattern=st.text("ab-/!]*?[", max_size=10))
def test_globs_mean_what_fnmatch_means(name: str, pattern: str) -> None:
    assume(not has_reversed_range(pattern))

    assert glob_matches(name, pattern) == fnmatch.fnmatchcase(name, pattern)


# --- Retry-After: whole seconds in the header and the body, milliseconds beside ---------

HALF_A_SECOND = {"error": {"status": 503, "retry_after": 0.5}}


def test_a_fractional_retry_after_is_whole_seconds_everywhere(
    server: MockServer, http: httpx.Client
) -> None:
    assert post_rules(http, {"reply": HALF_A_SECOND}).status_code == 201

    response = chat(http)

    assert response.status_code == 503
    assert response.headers.get_list("retry-after") == ["1"]
    assert response.headers.get_list("retry-after-ms") == ["500"]
    assert error_of(response)["retry_after_seconds"] == 1, "header and body agree"
    # urllib3 (requests' retries) reads only delta-seconds; "0.5" made it raise.
    assert urllib3.util.Retry().parse_retry_after(response.headers["retry-after"]) == 1


def test_the_openai_sdk_waits_the_scripted_fraction(
    server: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.chat.error(503, retry_after=0.5)
    server.chat.reply("after the wait")
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)  # what the openai SDK waits with

    client = openai.OpenAI(base_url=server.url + "/v1", api_key="rsk_test", max_retries=1)
    completion = client.chat.completions.create(
        model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )

    assert completion.choices[0].message.content == "after the wait"
    assert slept == [0.5], "read from retry-after-ms"


def test_the_bundled_sdk_waits_the_whole_seconds_it_is_told(server: MockServer) -> None:
    server.chat.error(503, retry_after=0.5)
    server.chat.error(429, retry_after=0.5)
    slept: list[float] = []

    with (
        MeshAPI(base_url=server.url, token="rsk_test", max_retries=1, sleep=slept.append) as sdk,
        pytest.raises(RateLimitError) as limited,
    ):
        sdk.chat.completions.create(
            {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
        )

    assert slept == [1.0]
    assert limited.value.retry_after_seconds == 1


def test_retry_after_and_a_scripted_retry_header_are_not_both_given(
    server: MockServer, http: httpx.Client
) -> None:
    for header in ("Retry-After", "retry-after-ms"):
        error = {"status": 429, "retry_after": 2, "headers": {header: "7"}}
        assert "not both" in refusal(post_rules(http, {"reply": {"error": error}}))
        with pytest.raises(ValidationError, match="not both"):
            server.chat.error(429, retry_after=2, headers={header: "7"})
    assert server.rules == []


@pytest.mark.parametrize("name", ["date", "Server"])
def test_the_server_s_own_headers_cannot_be_scripted_twice(
    server: MockServer, http: httpx.Client, name: str
) -> None:
    error = {"status": 500, "headers": {name: "x"}}
    assert "the server's own" in refusal(post_rules(http, {"reply": {"error": error}}))

    server.chat.error(500, headers={"x-fine": "1"})
    response = chat(http)
    assert len(response.headers.get_list(name)) == 1


# --- near misses never print credentials ----------------------------------------------

SECRET = "rsk_TOPSECRET123456"


def test_a_strict_near_miss_hides_credential_headers(
    server: MockServer, http: httpx.Client
) -> None:
    server.strict = True
    server.chat.when(
        headers={"Authorization": "Bearer rsk_other", "X-Api-Key": "k-expected-1", "x-tenant": "a"}
    ).reply("x")

    response = http.post(
        "/v1/chat/completions",
        json={"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
        headers={"Authorization": f"Bearer {SECRET}", "X-Api-Key": "k-sent-999", "x-tenant": "b"},
    )

    assert response.status_code == 404
    (miss,) = error_of(response)["details"]
    assert miss["msg"] == (
        "header Authorization: expected 'Bearer rsk_[redacted]', got 'Bearer rsk_[redacted]' "
        "(a credential: values not shown); "
        "header X-Api-Key: expected '[redacted]', got '[redacted]' "
        "(a credential: values not shown); "
        "header x-tenant: expected 'a', got 'b'"
    )
    for secret in (SECRET, "rsk_other", "k-expected-1", "k-sent-999"):
        assert secret not in response.text


def test_the_unused_rule_report_hides_credential_headers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import httpx

        def test_wrong_key(meshapi_mock):
            meshapi_mock.chat.when(headers={{"authorization": "Bearer rsk_other"}}).reply("x")
            httpx.post(
                meshapi_mock.url + "/v1/chat/completions",
                headers={{"Authorization": "Bearer {SECRET}"}},
                json={{"messages": [{{"role": "user", "content": "hi"}}]}},
            )
        """
    )

    result = pytester.runpytest(
        "-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function"
    )

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*match {'headers': {'authorization': 'Bearer rsk_[[]redacted[]]'}}*",
            "*request #1: header authorization: expected 'Bearer rsk_[[]redacted[]]', "
            "got 'Bearer rsk_[[]redacted[]]' (a credential: values not shown)*",
        ]
    )
    assert SECRET not in result.stdout.str() and "rsk_other" not in result.stdout.str()


# --- values no client can use are refused ----------------------------------------------


def scripted_model(**fields: Any) -> dict[str, Any]:
    return {
        "endpoint": "models",
        "reply": {"models": [{"id": "a", "name": "A", "is_free": False, **fields}]},
    }


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        pytest.param({"context_length": 10**40}, "context_length", id="huge-context"),
        pytest.param({"context_length": -5}, "context_length", id="negative-context"),
        pytest.param({"context_window": -1}, "context_window", id="negative-window"),
        pytest.param({"pricing": {"prompt_usd_per_1m": "NaN"}}, "non-negative", id="nan"),
        pytest.param({"pricing": {"prompt_usd_per_1m": "1e400"}}, "not below", id="1e400"),
        pytest.param({"pricing": {"completion_usd_per_1k": "-1"}}, "non-negative", id="neg"),
        pytest.param({"pricing": {"request_usd": "abc"}}, "not a decimal", id="abc"),
        pytest.param({"pricing": {"prompt_usd_per_1m": 0.5}}, "decimal string", id="number"),
        pytest.param({"pricing": {"discount_pct": "150"}}, "over 100", id="discount"),
    ],
)
def test_model_counts_and_prices_are_checked_like_chat_costs(
    server: MockServer, http: httpx.Client, fields: dict[str, Any], fragment: str
) -> None:
    assert fragment in refusal(post_rules(http, scripted_model(**fields)))
    with pytest.raises(ValidationError, match=fragment):
        server.models.reply([{"id": "a", "name": "A", "is_free": False, **fields}])
    assert server.rules == []


def test_scripted_prices_reach_the_sdk_as_plain_decimals(
    server: MockServer, http: httpx.Client
) -> None:
    pricing = {"prompt_usd_per_1m": "1e-3", "completion_usd_per_1m": "0.150", "notes": "x"}
    assert (
        post_rules(http, scripted_model(context_length=2**31 - 1, pricing=pricing)).status_code
        == 201
    )

    with MeshAPI(base_url=server.url, token="rsk_test", max_retries=0) as sdk:
        (model,) = sdk.models.list()

    assert model.context_length == 2**31 - 1
    assert model.pricing is not None
    assert (model.pricing.prompt_usd_per_1m, model.pricing.completion_usd_per_1m) == (
        "0.001",
        "0.150",
    )


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        pytest.param({"x a": "b"}, "not an HTTP token", id="space"),
        pytest.param({"": "b"}, "cannot be empty", id="empty"),
        pytest.param({"X-Tenant": "a", "x-tenant": "b"}, "given twice", id="twice"),
    ],
)
def test_header_matchers_no_request_can_meet_are_refused(
    server: MockServer, http: httpx.Client, headers: dict[str, str], fragment: str
) -> None:
    assert fragment in refusal(
        post_rules(http, {"match": {"headers": headers}, "reply": {"text": "x"}})
    )
    with pytest.raises(ValidationError, match=fragment):
        server.embeddings.when(headers=headers)
    assert server.rules == []


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param({"endpoint": "nope", "reply": {"text": "x"}}, id="endpoint"),
        pytest.param({"match": {"endpoint": "nope"}, "reply": {"text": "x"}}, id="legacy"),
    ],
)
def test_an_unknown_endpoint_is_named_with_the_known_ones(
    server: MockServer, http: httpx.Client, tmp_path: Path, rule: dict[str, Any]
) -> None:
    from meshapi_mock.registry import ENDPOINTS

    known = ", ".join(repr(endpoint.name) for endpoint in ENDPOINTS)
    assert known.startswith("'chat', 'models', 'embeddings'")
    expected = f"unknown endpoint 'nope'; expected one of {known}"
    assert refusal(post_rules(http, rule)) == f"body.rules[0]: {expected}"
    path = tmp_path / "typo.yaml"
    path.write_text(json.dumps({"rules": [rule]}), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        server.load(path)
    assert str(caught.value) == f"{path}: rules[0]: {expected}"


# --- a misspelt operation ---------------------------------------------------------------------


def test_a_misspelt_operation_is_refused_from_every_side(
    server: MockServer, http: httpx.Client, tmp_path: Path
) -> None:
    expected = "the models endpoint has no operation 'lst'; expected one of 'list', 'free'"
    rule = {
        "endpoint": "models",
        "match": {"operation": "lst"},
        "reply": {"error": {"status": 503}},
    }

    with pytest.raises(ValueError, match=expected):
        server.models.when(operation="lst")  # type: ignore[arg-type]  # as untyped code may
    refused = refusal(post_rules(http, rule))
    path = tmp_path / "typo.yaml"
    path.write_text(json.dumps({"rules": [rule]}), encoding="utf-8")
    with pytest.raises(ScenarioError, match=expected):
        server.load(path)

    assert expected in refused
    assert server.rules == []
    assert http.get("/v1/models").status_code == 200, "nothing was added"


def test_every_declared_operation_is_accepted(server: MockServer, http: httpx.Client) -> None:
    from meshapi_mock.registry import ENDPOINTS

    for endpoint in ENDPOINTS:
        for operation in endpoint.operations:
            rule = {
                "endpoint": endpoint.name,
                "match": {"operation": operation.name},
                "reply": {"error": {"status": 503}},
            }
            assert post_rules(http, rule).status_code == 201, (endpoint.name, operation.name)
