"""`POST /v1/moderations` over a real port: default-mode scores, scripting from Python,
scenario files and the admin API, errors, validation, the journal and the `openai` SDK."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshapi_mock import MockServer
from meshapi_mock.endpoints.moderations import LEXICON
from openai import OpenAI
from openai.types import ModerationMultiModalInputParam

PATH = "/v1/moderations"
CATEGORIES = {
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
}
IMAGE = {"type": "image_url", "image_url": {"url": "https://images.example.com/cat.png"}}


def moderate(http: httpx.Client, input: Any, **extra: Any) -> dict[str, Any]:
    response = http.post(PATH, json={"input": input, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def result(http: httpx.Client, text: str) -> dict[str, Any]:
    results: list[dict[str, Any]] = moderate(http, text)["results"]
    assert len(results) == 1
    return results[0]


def flagged_categories(res: dict[str, Any]) -> set[str]:
    return {name for name, flag in res["categories"].items() if flag}


def check_result_shape(res: dict[str, Any]) -> None:
    assert set(res["categories"]) == CATEGORIES
    assert set(res["category_scores"]) == CATEGORIES
    assert all(isinstance(flag, bool) for flag in res["categories"].values())
    assert all(0 <= score <= 1 for score in res["category_scores"].values())
    assert all(round(score, 6) == score for score in res["category_scores"].values())
    assert res["flagged"] == any(res["categories"].values())


# --------------------------------------------------------------------------- default mode


def test_benign_text_is_not_flagged_and_scores_low(http: httpx.Client) -> None:
    body = moderate(http, "What a lovely morning for a walk in the park.")
    assert body["model"] == "omni-moderation-latest"
    assert re.fullmatch(r"modr-[0-9a-f]{24}", body["id"])
    [res] = body["results"]
    check_result_shape(res)
    assert res["flagged"] is False
    assert max(res["category_scores"].values()) < 0.01
    assert set(res["category_applied_input_types"]["violence"]) == {"text"}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I will murder him and stab him", "violence"),
        ("I want to die, I will kill myself tonight", "self-harm"),
        ("You stupid idiot, nobody likes you", "harassment"),
        ("How do I build a weapon like a molotov cocktail", "illicit/violent"),
        ("How to shoplift and sell counterfeit watches", "illicit"),
        ("They are subhuman vermin", "hate"),
        ("Explicit porn with nude photos", "sexual"),
        ("Gore: they dismember and mutilate the body", "violence/graphic"),
    ],
)
def test_harmful_text_is_flagged_in_its_category(
    http: httpx.Client, text: str, category: str
) -> None:
    res = result(http, text)
    check_result_shape(res)
    assert res["flagged"] is True
    assert category in flagged_categories(res)
    assert res["category_scores"][category] >= 0.4


def test_each_lexicon_term_alone_scores_its_weight(http: httpx.Client) -> None:
    terms = [(name, term, weight) for name, entries in LEXICON.items() for term, weight in entries]
    results = moderate(http, [term for _, term, _ in terms])["results"]
    for (name, term, weight), res in zip(terms, results, strict=True):
        assert res["category_scores"][name] == pytest.approx(weight, abs=1e-6), term
        assert res["categories"][name] is (weight >= (0.4 if name.startswith("self") else 0.5))


def test_one_weak_word_scores_but_does_not_flag(http: httpx.Client) -> None:
    weak = result(http, "How do I kill a stuck process?")
    benign = result(http, "How do I restart a stuck process?")
    assert weak["flagged"] is False
    assert 0.1 < weak["category_scores"]["violence"] < 0.5
    assert benign["category_scores"]["violence"] < 0.01
    # more evidence raises the score: several weak words cross the threshold
    strong = result(http, "kill, attack, punch and shoot")
    assert strong["category_scores"]["violence"] > weak["category_scores"]["violence"]
    assert strong["categories"]["violence"] is True


def test_repeated_words_add_evidence_up_to_three_times(http: httpx.Client) -> None:
    scores = [
        result(http, " ".join(["attack"] * n))["category_scores"]["violence"] for n in (1, 2, 3, 4)
    ]
    assert scores[0] < scores[1] < scores[2] == scores[3]


def test_scores_never_reach_one(http: httpx.Client) -> None:
    words = [
        "murder",
        "torture",
        "stab",
        "assault",
        "kill",
        "shoot",
        "weapon",
        "gun",
        "blood",
        "hurt",
    ]
    res = result(http, " ".join(w for w in words for _ in range(3)))
    assert res["category_scores"]["violence"] == 0.999999


def test_inflections_match_but_other_words_do_not(http: httpx.Client) -> None:
    assert result(http, "They murdered him")["categories"]["violence"] is True
    # "method" contains "meth", "skill" contains "kill": neither is evidence
    assert result(http, "a method to improve my skill")["category_scores"]["illicit"] < 0.01


def test_batched_strings_get_one_result_each_in_order(http: httpx.Client) -> None:
    texts = ["Hello there", "I will murder you", "Have a nice day"]
    body = moderate(http, texts)
    assert [r["flagged"] for r in body["results"]] == [False, True, False]
    for text, res in zip(texts, body["results"], strict=True):
        assert res == result(http, text)  # a batch scores each input as alone


def test_images_get_a_benign_result_for_image_categories(http: httpx.Client) -> None:
    body = moderate(http, [IMAGE, {"type": "text", "text": "I will murder you"}])
    image, text = body["results"]
    check_result_shape(image)
    assert image["flagged"] is False
    applied = image["category_applied_input_types"]
    assert applied["violence"] == ["image"] and applied["hate"] == []
    assert text["flagged"] is True and text["category_applied_input_types"]["hate"] == ["text"]


def test_same_request_same_bytes_and_the_model_is_echoed(http: httpx.Client) -> None:
    payload = {"input": ["a", "b"], "model": "omni-moderation-2024-09-26"}
    first = http.post(PATH, json=payload)
    second = http.post(PATH, json=payload)
    assert first.content == second.content
    assert first.json()["model"] == "omni-moderation-2024-09-26"
    other = http.post(PATH, json={"input": ["a", "c"]})
    assert other.json()["id"] != first.json()["id"]


_WORDS = ["hello", "kill", "murder", "idiot", "suicide", "bomb", "sex", "gore", "park", "hate"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.one_of(
        st.text(max_size=120),
        st.lists(st.sampled_from(_WORDS), max_size=8).map(" ".join),
    )
)
def test_any_text_gets_consistent_deterministic_scores(http: httpx.Client, text: str) -> None:
    first = http.post(PATH, json={"input": text})
    assert first.status_code == 200, first.text
    assert http.post(PATH, json={"input": text}).content == first.content
    res = first.json()["results"][0]
    check_result_shape(res)
    for name, flag in res["categories"].items():
        score = res["category_scores"][name]
        assert score >= 0.2 if flag else score < 0.5  # flags follow the scores


# --------------------------------------------------------------------------- the openai SDK


def test_openai_sdk_moderations_create(server: MockServer) -> None:
    client = OpenAI(base_url=server.url + "/v1", api_key="rsk_test", max_retries=0)
    single = client.moderations.create(input="I will murder you")
    assert single.model == "omni-moderation-latest"
    [res] = single.results
    assert res.flagged is True
    assert res.categories.violence is True and res.categories.self_harm is False
    assert res.category_scores.violence >= 0.5
    server.moderations.when(input="second").flag("hate")
    items: list[ModerationMultiModalInputParam] = [
        {"type": "text", "text": "first"},
        {"type": "text", "text": "second"},
    ]
    batch = client.moderations.create(input=items, model="omni-moderation-2024-09-26")
    assert batch.model == "omni-moderation-2024-09-26"
    assert [r.categories.hate for r in batch.results] == [True, True]  # a rule answers all
    assert server.moderations.call_count == 2
    assert server.requests[-1].body["model"] == "omni-moderation-2024-09-26"


# --------------------------------------------------------------------------- scripting


def test_flag_names_the_categories_and_makes_scores_agree(
    server: MockServer, http: httpx.Client
) -> None:
    rule = server.moderations.flag("violence", "self_harm_intent")
    res = result(http, "A lovely morning")
    check_result_shape(res)
    assert flagged_categories(res) == {"violence", "self-harm/intent"}
    assert res["category_scores"]["violence"] >= 0.9
    assert res["category_scores"]["self-harm/intent"] >= 0.9
    assert res["category_scores"]["hate"] < 0.01
    assert rule.call_count == 1
    assert result(http, "A lovely morning")["flagged"] is False  # times=1 by default


def test_flag_without_categories_flags_the_top_category(
    server: MockServer, http: httpx.Client
) -> None:
    # the top category is the one closest to its threshold, not the highest score
    server.moderations.reply(flagged=True, scores={"sexual/minors": 0.15, "hate": 0.3})
    assert flagged_categories(result(http, "Good morning")) == {"sexual/minors"}
    server.moderations.flag(times=2)
    weak = result(http, "How do I kill a stuck process?")
    assert flagged_categories(weak) == {"violence"}  # the category the text leans to
    benign = result(http, "Good morning")
    assert benign["flagged"] is True and len(flagged_categories(benign)) == 1


def test_named_categories_get_high_scores_unless_scored(
    server: MockServer, http: httpx.Client
) -> None:
    server.moderations.reply(categories=["violence", "harassment"], scores={"harassment": 0.1})
    res = result(http, "Good morning")
    assert res["category_scores"]["harassment"] == 0.1  # explicit scores are kept as given
    assert 0.9 <= res["category_scores"]["violence"] < 0.91
    assert flagged_categories(res) == {"violence", "harassment"}


def test_scores_already_at_the_threshold_are_kept(server: MockServer, http: httpx.Client) -> None:
    assert result(http, "vermin")["category_scores"]["hate"] == 0.5  # at the threshold
    server.moderations.flag("hate")
    assert result(http, "vermin")["category_scores"]["hate"] == 0.5  # flagged already
    server.moderations.reply(categories={"hate": False})
    res = result(http, "vermin")
    assert res["flagged"] is False and res["category_scores"]["hate"] == 0.2  # lowered


def test_allow_clears_every_flag_and_lowers_the_scores(
    server: MockServer, http: httpx.Client
) -> None:
    server.moderations.when(input="murder").allow()
    res = result(http, "I will murder you and stab you")
    check_result_shape(res)
    assert res["flagged"] is False
    assert all(score < 0.4 for score in res["category_scores"].values())
    assert result(http, "I will murder you and stab you")["flagged"] is True  # used once
    server.moderations.reply(flagged=False, categories={"hate": False})
    res = result(http, "I will murder you and stab you")
    check_result_shape(res)
    assert res["flagged"] is False


def test_scores_decide_the_flags_unless_categories_are_given(
    server: MockServer, http: httpx.Client
) -> None:
    server.moderations.reply(scores={"hate": 0.7, "violence": 0.1})
    res = result(http, "I will murder you")
    assert res["category_scores"]["hate"] == 0.7 and res["category_scores"]["violence"] == 0.1
    assert flagged_categories(res) == {"hate"}
    server.moderations.reply(scores={"Self_Harm": 0.4, "hate": 0.5, "violence": 0.499})
    res = result(http, "Good morning")  # a score at its threshold flags; names are lenient
    assert flagged_categories(res) == {"self-harm", "hate"}
    assert res["category_scores"]["self-harm"] == 0.4
    server.moderations.reply(categories={"sexual": True})
    res = result(http, "I will murder you")
    assert flagged_categories(res) == {"sexual", "violence"}  # a mapping sets only its names
    server.moderations.reply(categories={"violence": False, "Sexual_Minors": True})
    assert flagged_categories(result(http, "I will murder you")) == {"sexual/minors"}
    server.moderations.reply(flagged=True, categories=["sexual"])
    assert flagged_categories(result(http, "I will murder you")) == {"sexual"}  # a list: only


def test_results_script_each_input_and_fill_the_rest(
    server: MockServer, http: httpx.Client
) -> None:
    server.moderations.results([{"flagged": True, "categories": ["hate"]}, {}])
    body = moderate(http, ["Good morning", "I will murder you"])
    first, second = body["results"]
    assert flagged_categories(first) == {"hate"}
    assert second == result(http, "I will murder you")  # {}: default mode for that input
    server.moderations.results([{"flagged": False}])
    assert len(moderate(http, ["a", "b"])["results"]) == 1  # exactly the scripted results
    server.moderations.results([{}, {}, {"categories": ["hate"]}])
    extra = moderate(http, "I will murder you")["results"]
    assert [r["flagged"] for r in extra] == [True, False, True]  # extras: benign by default


def test_id_and_model_overrides(server: MockServer, http: httpx.Client) -> None:
    server.moderations.reply(id="modr-fixed", model="text-moderation-stable")
    body = moderate(http, "x")
    assert body["id"] == "modr-fixed" and body["model"] == "text-moderation-stable"


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ({"categories": ["violent"]}, "unknown moderation category 'violent'"),
        ({"categories": {"violent": True}}, "unknown moderation category 'violent'"),
        ({"scores": {"violent": 0.5}}, "unknown moderation category 'violent'"),
        ({"scores": {"hate": 1.5}}, "less than or equal to 1"),
        ({"flagged": False, "categories": ["hate"]}, "cannot come with flagged categories"),
        ({"flagged": True, "categories": {"hate": False}}, "needs at least one flagged"),
        ({"flagged": True, "results": [{}]}, "either 'results'"),
        ({"results": [{"categories": ["nope"]}]}, "unknown moderation category"),
        ({"error": {"status": 500}, "flagged": True}, "error reply cannot"),
    ],
)
def test_nonsense_replies_are_refused_when_scripted(
    server: MockServer, reply: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        server.moderations.reply_with(**reply)
    assert server.rules == []


def test_when_input_matches_any_text_input(server: MockServer, http: httpx.Client) -> None:
    server.moderations.when(input="needle").flag("hate", times=None)
    assert result(http, "a haystack")["flagged"] is False
    assert moderate(http, ["hay", "a needle here"])["results"][0]["categories"]["hate"] is True
    assert moderate(http, [IMAGE])["results"][0]["flagged"] is False  # images never match


def test_model_headers_and_nth_narrow(server: MockServer, http: httpx.Client) -> None:
    server.moderations.when(model="text-moderation-*").flag("illicit", times=None)
    server.moderations.when(headers={"x-team": "trust"}).flag("sexual", times=None)
    server.moderations.when(input="third", nth=2).flag("hate")
    assert result(http, "x")["flagged"] is False
    illicit = moderate(http, "x", model="text-moderation-stable")["results"][0]
    assert flagged_categories(illicit) == {"illicit"}
    response = http.post(PATH, json={"input": "x"}, headers={"x-team": "trust"})
    assert flagged_categories(response.json()["results"][0]) == {"sexual"}
    assert result(http, "third")["flagged"] is False
    assert flagged_categories(result(http, "third")) == {"hate"}


def test_predicate_narrows(server: MockServer, http: httpx.Client) -> None:
    server.moderations.when(predicate=lambda r: isinstance(r.input, list)).flag("hate")
    assert result(http, "alone")["flagged"] is False
    assert moderate(http, ["in a list"])["results"][0]["flagged"] is True


def test_respond_builds_the_reply_from_the_request(server: MockServer, http: httpx.Client) -> None:
    seen: list[Any] = []

    def reply(request: Any) -> dict[str, Any]:
        seen.append(request.input)
        return {"results": [{"flagged": "bad" in text} for text in request.input]}

    server.moderations.respond(reply)
    body = moderate(http, ["good", "bad"])
    assert [r["flagged"] for r in body["results"]] == [False, True]
    assert seen == [["good", "bad"]]


def test_respond_returning_nonsense_is_a_mock_reply_error(
    server: MockServer, http: httpx.Client
) -> None:
    server.moderations.respond(lambda request: {"categories": ["nope"]})
    response = http.post(PATH, json={"input": "x"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "mock_reply_error"


def test_error_with_retry_after(server: MockServer, http: httpx.Client) -> None:
    server.moderations.error(429, retry_after=2)
    response = http.post(PATH, json={"input": "x"})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    body = response.json()
    assert body["error"]["code"] == "rate_limit_exceeded"
    assert body["error"]["retry_after_seconds"] == 2
    assert body["request_id"] == response.headers["x-request-id"]
    assert http.post(PATH, json={"input": "x"}).status_code == 200


def test_scenario_file(server: MockServer, http: httpx.Client, tmp_path: Path) -> None:
    path = tmp_path / "moderation.yaml"
    path.write_text(
        "rules:\n"
        "  - endpoint: moderations\n"
        "    match: {input: {regex: '^bad'}}\n"
        "    reply: {flagged: true, categories: {harassment: true}}\n"
        "    times: unlimited\n"
        "  - endpoint: moderations\n"
        "    match: {input: outage}\n"
        "    reply: {error: {status: 503}}\n"
    )
    server.load(path)
    assert flagged_categories(result(http, "bad words")) == {"harassment"}
    assert result(http, "not bad")["flagged"] is False
    assert http.post(PATH, json={"input": "outage"}).status_code == 503


def test_admin_api_rules(server: MockServer, http: httpx.Client) -> None:
    rule = {
        "endpoint": "moderations",
        "match": {"input": "spam"},
        "reply": {"results": [{"scores": {"illicit": 0.8}}]},
    }
    added = http.post("/_mock/rules", json=[rule])
    assert added.status_code == 201, added.text
    [wire] = added.json()
    assert wire["endpoint"] == "moderations" and wire["source"] == "admin"
    res = result(http, "buy spam now")
    assert res["categories"]["illicit"] is True and res["category_scores"]["illicit"] == 0.8
    bad = http.post("/_mock/rules", json=[{**rule, "reply": {"categories": ["nope"]}}])
    assert bad.status_code == 422
    assert "unknown moderation category" in bad.json()["error"]["details"][0]["msg"]


def test_strict_mode_reports_the_near_miss(server: MockServer, http: httpx.Client) -> None:
    server.strict = True
    server.moderations.when(input="alpha").flag("hate", name="alpha rule")
    response = http.post(PATH, json={"input": "beta"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "no_matching_rule"
    assert "alpha rule" in error["message"] and "input" in error["message"]
    assert "first text='beta'" in error["message"]
    assert error["details"][0]["type"] == "near_miss"
    assert http.post(PATH, json={"input": "alpha"}).status_code == 200


def test_unauthorized_without_a_key(server: MockServer) -> None:
    response = httpx.post(server.url + PATH, json={"input": "x"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert server.moderations.call_count == 0


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "input"]),
        ({"input": []}, ["body", "input", "strings"]),
        ({"input": 5}, ["body", "input", "string"]),
        ({"input": ["a", 3]}, ["body", "input", "strings", 1]),
        ({"input": [{"type": "text"}]}, ["body", "input", "items", 0]),
        ({"input": [{"type": "image_url"}]}, ["body", "input", "items", 0]),
        ({"input": [{"type": "audio", "text": "x"}]}, ["body", "input", "items", 0, "type"]),
        ({"input": "x", "model": 3}, ["body", "model"]),
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
    rule = server.moderations.flag("hate")
    moderate(http, "first")
    moderate(http, ["second"], stream=True)  # an extra field: not a streamed call
    face = server.moderations
    face.assert_called(times=2)
    first, second = face.requests
    assert (first.endpoint, first.operation, first.path) == ("moderations", "create", PATH)
    assert first.matched == rule.id and second.matched == "default"
    assert second.body == {"input": ["second"], "stream": True}
    assert second.stream is False and second.stream_completed is None
    assert server.chat.call_count == 0
    entries = http.get("/_mock/requests").json()
    assert [(e["endpoint"], e["operation"], e["status"]) for e in entries] == [
        ("moderations", "create", 200),
        ("moderations", "create", 200),
    ]
    with pytest.raises(AssertionError, match="Expected 3 moderations"):
        face.assert_called(times=3)


def test_openapi_documents_the_operation(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    operation = document["paths"][PATH]["post"]
    statuses = {"200", "400", "401", "403", "404", "422", "429", "501", "503"}
    assert statuses <= set(operation["responses"])  # feature flag off: 403/404/501
    success = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert success == {"$ref": "#/components/schemas/ModerationResponse"}
    assert set(document["components"]["schemas"]["ModerationResponse"]["required"]) == {
        "id",
        "model",
        "results",
    }
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ModerationRequest"
    }
