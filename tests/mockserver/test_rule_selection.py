"""Which rule answers: order, `times`, `nth`, predicates, and what strict mode reports
(near misses: how many, in which order, what they say) — all seen over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from meshapi_mock import MatchSpec, MockServer, ReplySpec, Rule
from meshapi_mock.contract import ChatCompletionRequest
from support.wire import chat, error_of


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def ask(http: httpx.Client, text: str = "Hello", **body: Any) -> httpx.Response:
    return chat(http, messages=user(text), **body)


def text_of(response: httpx.Response) -> str | None:
    assert response.status_code == 200, response.text
    content: str | None = response.json()["choices"][0]["message"]["content"]
    return content


def no_match(response: httpx.Response) -> dict[str, Any]:
    """The strict-mode refusal, checked for shape."""
    assert response.status_code == 404, response.text
    error = error_of(response)
    assert error["code"] == "no_matching_rule"
    assert all(d["type"] == "near_miss" for d in error["details"])
    return error


def missed(error: dict[str, Any]) -> list[tuple[str, str]]:
    """(rule id, what differed) per near miss, in the order reported."""
    return [(d["loc"][1], d["msg"]) for d in error["details"]]


def listed(http: httpx.Client) -> list[dict[str, Any]]:
    response = http.get("/_mock/rules")
    assert response.status_code == 200
    rules: list[dict[str, Any]] = response.json()
    return rules


# --- nth ---------------------------------------------------------------------------------


def test_nth_rule_answers_only_the_nth_request_even_with_uses_left(
    server: MockServer, http: httpx.Client
) -> None:
    second = server.chat.when(nth=2).reply("second", times=3)
    server.chat.reply("other", times=None)

    answers = [text_of(ask(http)) for _ in range(5)]

    assert answers == ["other", "second", "other", "other", "other"]
    assert (second.call_count, second.remaining, second.called) == (1, 2, True)


def test_nth_rule_never_takes_a_request_an_earlier_rule_answers(
    server: MockServer, http: httpx.Client
) -> None:
    server.chat.when(last_user="weather").reply("sunny", times=None)
    late = server.chat.when(last_user="weather", nth=2).error(500)

    assert [text_of(ask(http, "weather?")) for _ in range(3)] == ["sunny"] * 3
    assert late.call_count == 0 and not late.called


def test_nth_counts_requests_an_earlier_rule_answered(
    server: MockServer, http: httpx.Client
) -> None:
    # "the second weather question" counts the first one even though another rule took it
    server.chat.when(last_user="weather").reply("first")
    second = server.chat.when(last_user="weather", nth=2).reply("second")
    server.chat.reply("fallback", times=None)

    answers = [text_of(ask(http, "weather?")) for _ in range(3)]

    assert answers == ["first", "second", "fallback"]
    assert second.call_count == 1


def test_nth_rule_waiting_for_its_turn_lets_later_rules_answer(
    server: MockServer, http: httpx.Client
) -> None:
    third = server.chat.when(nth=3).reply("third")
    server.chat.reply("sunny", times=None)

    answers = [text_of(ask(http)) for _ in range(4)]

    assert answers == ["sunny", "sunny", "third", "sunny"]
    assert third.call_count == 1


def test_nth_ignores_requests_failing_its_other_criteria(
    server: MockServer, http: httpx.Client
) -> None:
    server.chat.when(model="openai/*", nth=1).reply("first openai")
    server.chat.reply("fallback", times=None)

    answers = [
        text_of(ask(http, model="anthropic/claude")),
        text_of(ask(http, model="openai/gpt-4o")),
        text_of(ask(http, model="openai/gpt-4o")),
    ]

    assert answers == ["fallback", "first openai", "fallback"]


# --- first match, times, predicates ------------------------------------------------------


def test_used_up_rule_gives_way_to_the_next(server: MockServer, http: httpx.Client) -> None:
    once = server.chat.reply("once")
    twice = server.chat.reply("twice", times=2)

    answers = [text_of(ask(http)) for _ in range(4)]

    assert answers[:3] == ["once", "twice", "twice"]
    assert answers[3] not in {"once", "twice"}
    assert (once.call_count, once.remaining, twice.call_count, twice.remaining) == (1, 0, 2, 0)


def test_predicates_are_consulted_only_for_rules_that_could_answer(
    server: MockServer, http: httpx.Client
) -> None:
    calls: dict[str, int] = {"used": 0, "later": 0, "other_model": 0}

    def counting(name: str) -> Any:
        def predicate(request: ChatCompletionRequest) -> bool:
            calls[name] += 1
            return True

        return predicate

    server.chat.when(predicate=counting("used")).reply("once")
    server.chat.when(model="anthropic/*", predicate=counting("other_model")).reply("no")
    server.chat.reply("always", times=None)
    server.chat.when(predicate=counting("later")).reply("later")

    assert [text_of(ask(http)) for _ in range(3)] == ["once", "always", "always"]
    # used up after one call; never asked when its model differs; never asked for a
    # request an earlier rule already answers
    assert calls == {"used": 1, "later": 0, "other_model": 0}


def test_a_raising_predicate_after_the_winner_does_not_matter(
    server: MockServer, http: httpx.Client
) -> None:
    server.chat.reply("first")
    server.chat.when(predicate=lambda r: 1 / 0 > 0).reply("never")

    assert text_of(ask(http)) == "first"
    assert ask(http).status_code == 500, "once it is the candidate, its failure shows"


def test_rule_built_directly_answers_once_by_default(
    server: MockServer, http: httpx.Client
) -> None:
    rule = Rule(match=MatchSpec(), reply=ReplySpec(text="direct"))
    assert (rule.times, rule.call_count, rule.remaining, rule.called) == (1, 0, 1, False)
    server.state.rules.add(rule)

    assert text_of(ask(http)) == "direct"
    assert text_of(ask(http)) != "direct"
    assert (rule.call_count, rule.remaining, rule.called) == (1, 0, True)


def test_rules_are_distinct_hashable_objects(server: MockServer) -> None:
    a = server.chat.reply("same")
    b = server.chat.reply("same")
    assert a != b and a.id != b.id
    assert len({a, b}) == 2
    assert server.rules == [a, b]


def test_rules_added_as_a_document_keep_order_and_times(
    server: MockServer, http: httpx.Client
) -> None:
    added = server.add_rules(
        {
            "rules": [
                {"name": "twice", "reply": {"text": "twice"}, "times": 2},
                {"name": "forever", "reply": {"text": "forever"}, "times": "unlimited"},
            ]
        }
    )

    assert [(r.name, r.times, r.source) for r in added] == [
        ("twice", 2, "python"),
        ("forever", None, "python"),
    ]
    assert server.rules == added
    answers = [text_of(ask(http)) for _ in range(4)]
    assert answers == ["twice", "twice", "forever", "forever"]
    assert [r.call_count for r in added] == [2, 2]


# --- removing rules ----------------------------------------------------------------------


def test_remove_one_rule_keeps_the_others_in_order(server: MockServer, http: httpx.Client) -> None:
    first = server.chat.reply("first", times=None)
    middle = server.chat.reply("middle")
    last = server.chat.reply("last")

    assert http.delete(f"/_mock/rules/{middle.id}").status_code == 204
    assert [r.id for r in server.rules] == [first.id, last.id]
    assert [r["id"] for r in listed(http)] == [first.id, last.id]
    again = http.delete(f"/_mock/rules/{middle.id}")
    assert again.status_code == 404, "a rule is removed once"
    assert http.delete(f"/_mock/rules/{first.id}").status_code == 204

    assert text_of(ask(http)) == "last"
    assert text_of(ask(http)) not in {"first", "middle", "last"}
    assert [r.id for r in server.rules] == [last.id]


def test_clear_rules_from_python(server: MockServer, http: httpx.Client) -> None:
    server.chat.reply("gone", times=None)
    ask(http)

    server.clear_rules()

    assert server.rules == [] and listed(http) == []
    assert http.get("/_mock/health").json()["rules"] == 0
    assert text_of(ask(http)) != "gone"
    assert server.requests[-1].matched == "default"
    assert len(server.requests) == 2, "the journal is kept"
    server.chat.reply("new")
    assert text_of(ask(http)) == "new", "rules added after a clear work"


# --- the admin listing (to_wire) ---------------------------------------------------------


def test_listing_shows_only_what_was_scripted(server: MockServer, http: httpx.Client) -> None:
    rule = server.chat.when(last_user="capital").reply("Paris.", name="paris", times=2)

    [wire] = listed(http)

    assert wire == {
        "id": rule.id,
        "name": "paris",
        "source": "python",
        "endpoint": "chat",
        "match": {"last_user": {"contains": "capital"}},
        "reply": {"text": "Paris."},
        "times": 2,
        "priority": 0,
        "loaded_at_start": False,
        "call_count": 0,
        "remaining": 2,
    }
    ask(http, "the capital?")
    assert (listed(http)[0]["call_count"], listed(http)[0]["remaining"]) == (1, 1)
    ask(http, "the capital?")
    ask(http, "the capital?")
    assert (listed(http)[0]["call_count"], listed(http)[0]["remaining"]) == (2, 0)


def test_listing_describes_python_functions(server: MockServer, http: httpx.Client) -> None:
    def is_cold(request: ChatCompletionRequest) -> bool:
        return request.temperature == 0

    def build_reply(request: ChatCompletionRequest) -> str:
        return "built"

    rule = server.chat.when(model="openai/*", predicate=is_cold).respond(build_reply, times=None)
    plain = server.chat.reply("plain")

    by_id = {r["id"]: r for r in listed(http)}

    wire = by_id[rule.id]
    assert wire["match"] == {
        "model": "openai/*",
        "predicate": "test_listing_describes_python_functions.<locals>.is_cold",
    }
    assert wire["reply"] == {
        "python": "test_listing_describes_python_functions.<locals>.build_reply"
    }
    assert (wire["times"], wire["remaining"], wire["name"]) == (None, None, None)
    assert by_id[plain.id]["match"] == {}
    assert "predicate" not in by_id[plain.id]["match"]
    assert text_of(ask(http, temperature=0)) == "built"
    assert listed(http)[0]["call_count"] == 1


# --- strict mode: near misses ------------------------------------------------------------


def test_at_most_three_near_misses_are_listed(server: MockServer, http: httpx.Client) -> None:
    server.strict = True
    rules = [server.chat.when(last_user=f"topic {i}").reply(str(i)) for i in range(5)]

    error = no_match(ask(http, "unrelated"))

    assert [rule_id for rule_id, _ in missed(error)] == [r.id for r in rules[:3]]
    assert error["message"].count("\n- ") == 3
    assert rules[3].id not in error["message"]


def test_near_misses_fewest_differences_first(server: MockServer, http: httpx.Client) -> None:
    server.strict = True
    three = server.chat.when(model="x/*", stream=True, last_user="nope").reply("3")
    two = server.chat.when(model="x/*", stream=True).reply("2")
    one_a = server.chat.when(model="x/*").reply("1a")
    four = server.chat.when(model="x/*", stream=True, last_user="nope", tools=True).reply("4")
    one_b = server.chat.when(stream=True).reply("1b")

    error = no_match(ask(http))

    # closest first; ties keep the scripted order; the farthest is left off
    assert [rule_id for rule_id, _ in missed(error)] == [one_a.id, one_b.id, two.id]
    assert three.id not in error["message"] and four.id not in error["message"]


def test_exhausted_rule_is_a_near_miss_that_says_so(server: MockServer, http: httpx.Client) -> None:
    server.strict = True
    far = server.chat.when(model="x/*", last_user="nope").reply("far")
    twice = server.chat.reply("twice", times=2)

    assert [text_of(ask(http)) for _ in range(2)] == ["twice", "twice"]
    error = no_match(ask(http))

    assert missed(error)[0] == (twice.id, "times: already used 2 of 2")
    assert missed(error)[1][0] == far.id
    assert f"- {twice.id}: times: already used 2 of 2" in error["message"]


def test_nth_rule_waiting_for_its_turn_is_a_near_miss(
    server: MockServer, http: httpx.Client
) -> None:
    server.strict = True
    other = server.chat.when(model="x/*", stream=True).reply("far")
    third = server.chat.when(last_user="weather", nth=3).reply("third")

    first = no_match(ask(http, "weather?"))
    assert missed(first) == [
        (third.id, "nth: answers request #3, this was #1"),
        (
            other.id,
            "model: expected 'x/*', got 'openai/gpt-4o-mini'; stream: expected True, got False",
        ),
    ]
    # a request failing its other criteria does not count, and says what differed
    unrelated = no_match(ask(http, "news?"))
    assert missed(unrelated)[0] == (
        third.id,
        "last_user: expected text containing 'weather', got 'news?'",
    )
    second = no_match(ask(http, "weather?"))
    assert missed(second)[0] == (third.id, "nth: answers request #3, this was #2")
    assert text_of(ask(http, "weather?")) == "third"


def test_false_predicate_is_a_near_miss(server: MockServer, http: httpx.Client) -> None:
    server.strict = True
    rule = server.chat.when(predicate=lambda r: False).reply("never")

    error = no_match(ask(http))

    assert missed(error) == [(rule.id, "predicate: returned False")]


def test_rules_are_named_by_id_and_name_in_reports(server: MockServer, http: httpx.Client) -> None:
    server.strict = True
    named = server.chat.when(last_user="capital").reply("Paris", name="capital")
    unnamed = server.chat.when(last_user="weather").reply("Sunny")

    message = no_match(ask(http, "hi"))["message"]

    assert f"\n- {named.id} (capital): last_user:" in message
    assert f"\n- {unnamed.id}: last_user:" in message
    assert "(None)" not in message

    def broken(request: ChatCompletionRequest) -> str:
        raise RuntimeError("boom")

    server.chat.respond(broken, name="broken")
    assert text_of(ask(http, "capital?")) == "Paris"
    failed = ask(http, "anything")
    assert failed.status_code == 500
    assert "(broken) raised" in error_of(failed)["message"]


def test_no_rules_in_strict_mode(server: MockServer, http: httpx.Client) -> None:
    server.strict = True

    error = no_match(ask(http))

    assert error["details"] == []
    assert "No rules are scripted" in error["message"]


@pytest.mark.parametrize("times", [1, 2])
def test_strict_refusal_is_journaled_and_counts_nothing(
    server: MockServer, http: httpx.Client, times: int
) -> None:
    server.strict = True
    rule = server.chat.when(last_user="weather").reply("sunny", times=times)

    no_match(ask(http, "hi"))

    assert (rule.call_count, rule.remaining) == (0, times)
    assert server.unmatched_requests() == server.requests
    assert server.requests[-1].matched is None
