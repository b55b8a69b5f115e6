"""A rule's regexes get a time budget per request, and never hold up other clients.

`(a|aa)+$` against `"a" * 60 + "b"` backtracks for longer than any test runs (the `regex`
module is fast on `(a+)+$`, not on this). Unbudgeted, that request blocked the whole fake.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import regex
from meshapi_mock import MockServer
from meshapi_mock.contract import ChatCompletionRequest
from meshapi_mock.endpoints.chat.context import ChatContext
from meshapi_mock.endpoints.chat.script import ChatScript
from meshapi_mock.scripting.patterns import RegexTimeout, regex_budget, search
from meshapi_mock.scripting.rulebook import RuleBook
from pydantic import ValidationError
from support.wire import chat, error_of

CATASTROPHIC = r"(a|aa)+$"
HOSTILE = "a" * 60 + "b"
GENEROUS = 10.0
"""Seconds a budgeted answer may take on a busy machine; unbudgeted ones take minutes."""


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


@pytest.fixture
def budgeted() -> Iterator[tuple[MockServer, httpx.Client]]:
    """A fake of its own whose rules may spend 0.2 s of regex per request."""
    headers = {"Authorization": "Bearer rsk_regex"}
    with (
        MockServer(regex_timeout=0.2) as server,
        httpx.Client(base_url=server.url, headers=headers, timeout=60) as http,
    ):
        yield server, http


def test_a_regex_over_its_budget_is_that_rule_s_error(
    budgeted: tuple[MockServer, httpx.Client],
) -> None:
    server, http = budgeted
    rule = server.chat.when(last_user={"regex": CATASTROPHIC}).reply("all a", name="greedy")

    started = time.monotonic()
    response = chat(http, messages=user(HOSTILE))
    elapsed = time.monotonic() - started

    assert response.status_code == 500, response.text
    error = error_of(response)
    assert error["code"] == "mock_rule_error"
    assert error["message"] == (
        f"Rule {rule.id} (greedy) cannot be matched: "
        "last_user: regex '(a|aa)+$' timed out after 0.2 s."
    )
    assert error["details"] == [
        {
            "type": "rule_error",
            "loc": ["rules", rule.id],
            "msg": "last_user: regex '(a|aa)+$' timed out after 0.2 s",
        }
    ]
    assert elapsed < GENEROUS
    assert rule.call_count == 0
    assert server.requests[-1].error_code == "mock_rule_error"
    # the same rule still answers the prompts its regex decides in time
    assert chat(http, messages=user("aaaa")).json()["choices"][0]["message"]["content"] == "all a"


def test_the_budget_covers_header_and_any_message_regexes(
    budgeted: tuple[MockServer, httpx.Client],
) -> None:
    server, http = budgeted
    server.chat.when(any_message={"regex": CATASTROPHIC}).reply("never")

    error = error_of(chat(http, messages=user("fine") + user(HOSTILE)))
    assert "any_message: regex '(a|aa)+$' timed out" in error["message"]

    server.clear_rules()
    server.embeddings.when(headers={"X-Tag": {"regex": CATASTROPHIC}}).reply_vector([1.0])
    response = http.post("/v1/embeddings", json={"input": "x"}, headers={"x-tag": HOSTILE})
    assert "header X-Tag: regex '(a|aa)+$' timed out" in error_of(response)["message"]


def test_other_clients_are_served_while_a_regex_runs() -> None:
    headers = {"Authorization": "Bearer rsk_regex"}
    started = threading.Event()

    def signal(request: Any) -> bool:
        started.set()  # selection reached the rules; the greedy one is next
        return False

    with (
        MockServer(regex_timeout=1.5) as server,
        httpx.Client(base_url=server.url, headers=headers, timeout=60) as slow_client,
        httpx.Client(base_url=server.url, headers=headers, timeout=60) as other,
    ):
        server.chat.when(last_user="a", predicate=signal).reply("never")
        server.chat.when(last_user={"regex": CATASTROPHIC}).reply("all a", times=None)
        server.chat.reply("hello back", times=None)
        slow: dict[str, Any] = {}
        done = threading.Event()

        def send_hostile() -> None:
            slow["response"] = chat(slow_client, messages=user(HOSTILE))
            done.set()

        thread = threading.Thread(target=send_hostile)
        thread.start()
        assert started.wait(GENEROUS)
        started.clear()

        answers = [
            chat(other, messages=user("hello")).json()["choices"][0]["message"]["content"],
            other.get("/v1/models").status_code,
            chat(other, messages=user("aa")).json()["choices"][0]["message"]["content"],
        ]
        served_meanwhile = not done.is_set()
        thread.join(GENEROUS * 3)

    assert answers == ["hello back", 200, "all a"]
    assert served_meanwhile, "the other client waited for the hostile request"
    assert error_of(slow["response"])["code"] == "mock_rule_error"


def test_use_counts_stay_exact_when_regex_rules_match_in_threads(
    server: MockServer, http: httpx.Client
) -> None:
    second = server.chat.when(last_user={"regex": "ping"}, nth=2).reply("second", times=5)
    limited = server.chat.when(last_user={"regex": r"^ping \d+$"}).reply("pong", times=150)
    server.chat.reply("fallback", times=None)

    def ask(i: int) -> str:
        body = chat(http, messages=user(f"ping {i}")).json()
        assert "choices" in body, body
        content: str = body["choices"][0]["message"]["content"]
        return content

    with ThreadPoolExecutor(8) as pool:
        answers = Counter(pool.map(ask, range(400)))

    assert answers == {"pong": 150, "fallback": 249, "second": 1}
    assert (limited.call_count, second.call_count, second.seen) == (150, 1, 400)


def test_the_budget_is_cpu_time_so_waiting_for_a_core_does_not_spend_it() -> None:
    """A loaded CI machine made a cheap pattern fail: its wall-clock budget ran out while
    its thread waited. Waiting (here: sleeping) inside the budget must cost nothing."""
    with regex_budget(0.05):
        time.sleep(0.2)
        assert search(r"^ping \d+$", False, "ping 7")
        time.sleep(0.2)
        assert not search(r"pong", False, "ping 7")


def test_a_real_runaway_still_ends_within_its_budget_of_cpu() -> None:
    started = time.monotonic()
    with regex_budget(0.1), pytest.raises(RegexTimeout):
        search(CATASTROPHIC, False, HOSTILE)
    assert time.monotonic() - started < GENEROUS


def test_selection_is_atomic_under_eight_threads() -> None:
    """The rule book itself, without HTTP: 8 threads x 2000 selections, counts exact."""
    book = RuleBook()
    face = ChatScript(book)
    third = face.when(last_user="q", nth=3).reply("third")
    limited = face.when(last_user={"regex": r"\d$"}).reply("digit", times=5000)
    rest = face.reply("rest", times=None)
    request = ChatCompletionRequest.model_validate({"model": "m", "messages": user("q 7")})
    # No regex budget: under 8 threads on a loaded machine, waiting for the GIL counts too.
    ctx = ChatContext(request, endpoint="chat", operation="create", regex_timeout=None)

    def select_many(_: int) -> Counter[str]:
        picked = Counter[str]()
        for _ in range(2000):
            rule = book.select(ctx)
            picked[rule.id if rule else "none"] += 1
        return picked

    with ThreadPoolExecutor(8) as pool:
        totals = sum(pool.map(select_many, range(8)), Counter[str]())

    assert totals == {limited.id: 5000, third.id: 1, rest.id: 10_999}
    assert (limited.call_count, third.call_count, third.seen, rest.call_count) == (
        5000,
        1,
        16_000,
        10_999,
    )


# --- patterns from Python keep their meaning ---------------------------------------------


def test_compiled_re_patterns_keep_their_flags(server: MockServer, http: httpx.Client) -> None:
    server.chat.when(last_user=re.compile(r"^weather\b", re.IGNORECASE | re.MULTILINE)).reply(
        "multiline", times=None
    )
    server.chat.when(last_user=re.compile(r"start.end", re.DOTALL)).reply("dotall", times=None)
    server.chat.when(last_user=re.compile(r"v e r b o s e  # spaced", re.VERBOSE)).reply(
        "verbose", times=None
    )

    def answer(text: str) -> str:
        content: str = chat(http, messages=user(text)).json()["choices"][0]["message"]["content"]
        return content

    assert answer("Hi.\nWeather today?") == "multiline"
    assert answer("start\nend") == "dotall"
    assert answer("so verbose") == "verbose"
    listed = {r["reply"]["text"]: r["match"] for r in http.get("/_mock/rules").json()}
    assert listed["multiline"] == {"last_user": {"regex": "(?m)^weather\\b", "ignore_case": True}}


def test_regex_module_patterns_and_syntax_work(server: MockServer, http: httpx.Client) -> None:
    server.chat.when(last_user=regex.compile(r"\p{Greek}+")).reply("greek")
    server.add_rules(
        {
            "match": {"last_user": {"regex": r"(?V1)[[a-z]--[aeiou]]{3}$"}},
            "reply": {"text": "consonants"},
        }
    )

    assert chat(http, messages=user("λόγος")).json()["choices"][0]["message"]["content"] == "greek"
    body = chat(http, messages=user("xyz")).json()
    assert body["choices"][0]["message"]["content"] == "consonants"


def test_invalid_patterns_are_refused(server: MockServer, http: httpx.Client) -> None:
    refused = http.post(
        "/_mock/rules", json={"match": {"last_user": {"regex": "(a"}}, "reply": {"text": "x"}}
    )
    assert refused.status_code == 422
    assert "invalid regex '(a'" in refused.text
    with pytest.raises(ValidationError, match="bytes"):
        server.chat.when(last_user=re.compile(b"x"))  # type: ignore[arg-type]
    assert server.rules == []


def test_the_unused_rule_report_shows_a_timed_out_regex(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import httpx

        def test_hostile_prompt(meshapi_mock):
            greedy = meshapi_mock.chat.when(last_user={{"regex": {CATASTROPHIC!r}}})
            greedy.reply("x", name="greedy")
            response = httpx.post(
                meshapi_mock.url + "/v1/chat/completions",
                headers={{"Authorization": "Bearer rsk_x"}},
                json={{"messages": [{{"role": "user", "content": {HOSTILE!r}}}]}},
            )
            assert response.json()["error"]["code"] == "mock_rule_error"
        """
    )
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function"
    )

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*1 scripted rule(s) were never used*",
            "*(greedy): match*",
            "*request #1: last_user: regex '(a|aa)+$' timed out after 0.1 s*",
        ]
    )
