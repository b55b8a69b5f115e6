"""`POST /v1/web/search` over a real port: made-up results on fake hosts, the domain
filters, answers, scripting from Python, scenario files and the admin API, errors,
validation and the journal."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshapi_mock import MockServer

PATH = "/v1/web/search"
RESERVED = ("example.com", "example.org", "example.net", "test")


def search(http: httpx.Client, query: str, **extra: Any) -> dict[str, Any]:
    response = http.post(PATH, json={"query": query, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def host(url: str) -> str:
    parsed = httpx.URL(url)
    assert parsed.scheme == "https"
    return parsed.host


def under(name: str, domain: str) -> bool:
    return name == domain or name.endswith("." + domain)


def check_results(results: list[dict[str, Any]]) -> None:
    for r in results:
        assert r["title"] and isinstance(r["content"], str) and r["content"]
        assert 0 < r["score"] <= 1
        host(r["url"])
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)
    assert len({r["url"] for r in results}) == len(results)


# --------------------------------------------------------------------------- default mode


def test_default_results_come_from_the_query(http: httpx.Client) -> None:
    body = search(http, "Rust borrow checker lifetimes")
    assert body["query"] == "Rust borrow checker lifetimes"
    assert body["provider"] == "native"
    assert "answer" not in body
    results = body["results"]
    assert len(results) == 5  # max_results defaults to 5
    check_results(results)
    for r in results:
        assert "Rust borrow checker lifetimes" in r["title"]
        assert "Rust borrow checker lifetimes" in r["content"]
        assert "rust-borrow-checker-lifetimes" in r["url"]
        assert any(under(host(r["url"]), d) for d in RESERVED)
        assert "nothing was searched" in r["content"]


def test_stopwords_leave_the_topic(http: httpx.Client) -> None:
    body = search(http, "what is the capital of France", max_results=1)
    [r] = body["results"]
    assert "capital France" in r["title"]
    assert r["url"].split("/")[-1] == "capital-france"


def test_default_mode_is_stable_across_versions(http: httpx.Client) -> None:
    """A snapshot: users pin default-mode output in their own tests, so it must not drift."""
    headers = {"x-request-id": "req_golden"}
    payload = {"query": "tidal energy", "max_results": 3, "include_answer": True}
    body = http.post(PATH, json=payload, headers=headers).json()
    disclaimer = " (meshapi-mock made this result up from the query; nothing was searched.)"
    assert body == {
        "query": "tidal energy",
        "provider": "native",
        "answer": "In short: tidal energy is covered by “Latest news on tidal energy” and "
        "“Tidal energy — frequently asked questions”, which explain the background and the "
        "key facts." + disclaimer,
        "results": [
            {
                "title": "Latest news on tidal energy",
                "url": "https://blog.example.com/news/tidal-energy",
                "content": "Recent reporting on tidal energy, summarising what changed and why "
                "it matters." + disclaimer,
                "score": 0.9657,
                "published_date": "2025-08-09",
            },
            {
                "title": "Tidal energy — frequently asked questions",
                "url": "https://forum.example.org/faq/tidal-energy-2",
                "content": "Answers to the questions people most often ask about tidal energy."
                + disclaimer,
                "score": 0.9365,
            },
            {
                "title": "How tidal energy works",
                "url": "https://reference.test/wiki/tidal-energy-3",
                "content": "How tidal energy works, from first principles to the details."
                + disclaimer,
                "score": 0.8939,
            },
        ],
        "request_id": "req_golden",
    }
    payload = {"query": "tidal energy", "max_results": 3, "search_depth": "advanced"}
    advanced = http.post(PATH, json=payload).json()["results"]
    assert [(r["content"].split(". ")[1], r["published_date"]) for r in advanced] == [
        ("It lists the main points and where to find more", "2025-08-09"),
        ("Sources are cited at the end of the article", "2025-04-21"),
        ("The article was reviewed by the site's editors", "2025-08-25"),
    ]


def test_topic_and_slug_are_bounded(http: httpx.Client) -> None:
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet"
    [r] = search(http, words, max_results=1)["results"]
    assert "bravo charlie delta echo foxtrot golf hotel" in r["content"]
    assert "india" not in r["content"]  # the first eight words make the topic
    [long] = search(http, "x" * 100, max_results=1)["results"]
    assert long["url"].split("/")[-1] == "x" * 60
    [cjk] = search(http, "日本語", max_results=1)["results"]  # no ASCII slug: a stable one
    assert re.fullmatch(r"q-[0-9a-f]{10}", cjk["url"].split("/")[-1])
    assert "日本語" in cjk["title"]


def test_max_results_is_honoured(http: httpx.Client) -> None:
    assert len(search(http, "q", max_results=1)["results"]) == 1
    twenty = search(http, "q", max_results=20)["results"]
    assert len(twenty) == 20
    check_results(twenty)


def test_the_request_id_is_the_requests_own(http: httpx.Client) -> None:
    response = http.post(PATH, json={"query": "x"}, headers={"x-request-id": "req_mine"})
    assert response.json()["request_id"] == "req_mine"
    first = http.post(PATH, json={"query": "x"})
    second = http.post(PATH, json={"query": "x"})
    assert first.json()["request_id"] != second.json()["request_id"]
    assert first.json()["request_id"] == first.headers["x-request-id"]


def test_include_answer_adds_an_answer_citing_the_results(http: httpx.Client) -> None:
    body = search(http, "solar panels efficiency", include_answer=True, max_results=3)
    answer = body["answer"]
    assert "solar panels efficiency" in answer
    assert body["results"][0]["title"] in answer and body["results"][1]["title"] in answer
    assert body["results"][2]["title"] not in answer  # the top two are cited
    assert search(http, "solar panels efficiency", include_answer=False).get("answer") is None
    nothing = search(
        http, "solar", include_answer=True, include_domains=["a.test"], exclude_domains=["test"]
    )
    assert nothing["results"] == []
    assert nothing["answer"].startswith("No results were found for solar.")


def test_provider_is_echoed(http: httpx.Client) -> None:
    assert search(http, "x", provider="tavily")["provider"] == "tavily"
    assert search(http, "x", provider="native")["provider"] == "native"


def test_advanced_depth_dates_every_result_and_says_more(http: httpx.Client) -> None:
    basic = search(http, "ocean currents", search_depth="basic")["results"]
    advanced = search(http, "ocean currents", search_depth="advanced")["results"]
    assert all(r["published_date"] for r in advanced)
    for date in (r["published_date"] for r in advanced):
        year, month, day = date.split("-")
        assert year == "2025" and 1 <= int(month) <= 12 and 1 <= int(day) <= 28
    for b, a in zip(basic, advanced, strict=True):
        assert len(a["content"]) > len(b["content"])
        assert a["url"] == b["url"]
    # basic dates only news pages
    for r in basic:
        assert ("published_date" in r) == ("/news/" in r["url"])


def test_include_domains_are_the_only_hosts(http: httpx.Client) -> None:
    body = search(
        http,
        "python packaging",
        include_domains=["https://www.python.org/about", "PyPI.org"],
        max_results=6,
    )
    hosts = {host(r["url"]) for r in body["results"]}
    assert hosts == {"python.org", "pypi.org"}


def test_exclude_domains_are_never_used(http: httpx.Client) -> None:
    body = search(http, "q", exclude_domains=["example.com", "test"], max_results=20)
    hosts = {host(r["url"]) for r in body["results"]}
    assert hosts and not any(under(h, d) for h in hosts for d in ("example.com", "test"))
    every = ["example.com", "example.org", "example.net", "test"]
    assert search(http, "q", exclude_domains=every)["results"] == []
    mixed = search(http, "q", include_domains=["a.test", "b.example"], exclude_domains=["a.test"])
    assert {host(r["url"]) for r in mixed["results"]} == {"b.example"}


_DOMAIN = st.sampled_from(
    ["example.com", "example.org", "example.net", "test", "docs.example.org", "a.test"]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.text(min_size=1, max_size=200),
    max_results=st.integers(1, 20),
    include=st.none() | st.lists(_DOMAIN, min_size=1, max_size=3),
    exclude=st.none() | st.lists(_DOMAIN, max_size=3),
)
def test_any_search_is_plausible_and_deterministic(
    http: httpx.Client,
    query: str,
    max_results: int,
    include: list[str] | None,
    exclude: list[str] | None,
) -> None:
    payload = {
        "query": query,
        "max_results": max_results,
        "include_domains": include,
        "exclude_domains": exclude,
    }
    headers = {"x-request-id": "req_same"}
    first = http.post(PATH, json=payload, headers=headers)
    assert first.status_code == 200, first.text
    assert http.post(PATH, json=payload, headers=headers).content == first.content
    body = first.json()
    assert body["query"] == query
    results = body["results"]
    check_results(results)
    assert len(results) in (0, max_results)
    hosts = {host(r["url"]) for r in results}
    for name in hosts:
        assert not any(under(name, d) for d in exclude or ())
        assert any(under(name, d) for d in include or RESERVED)
    # no results only when the filters leave no host at all
    if include is None:
        nothing_left = set(RESERVED) <= set(exclude or ())
    else:
        nothing_left = all(any(under(i, e) for e in exclude or ()) for i in include)
    assert (results == []) == nothing_left


# --------------------------------------------------------------------------- scripting


def test_scripted_results_fill_what_they_omit(server: MockServer, http: httpx.Client) -> None:
    server.web_search.reply(
        [
            {"title": "Only", "url": "https://only.test/", "content": "exact", "score": 0.5},
            {"title": "Second"},
        ],
        answer="forty-two",
        provider="tavily",
    )
    body = search(http, "meaning of life", max_results=1)
    assert body["answer"] == "forty-two" and body["provider"] == "tavily"
    first, second = body["results"]  # scripted results are served as given: no truncation
    assert first == {"title": "Only", "url": "https://only.test/", "content": "exact", "score": 0.5}
    assert second["title"] == "Second"
    assert "meaning life" in second["content"] and second["score"] > 0
    host(second["url"])
    again = search(http, "meaning of life", max_results=1)  # the rule was used once
    assert again["provider"] == "native" and len(again["results"]) == 1


def test_scripted_results_fill_urls_within_the_domain_filters(
    server: MockServer, http: httpx.Client
) -> None:
    server.web_search.reply([{"title": "A"}, {"title": "B"}], times=2)
    body = search(http, "q", include_domains=["docs.python.org"])
    assert {host(r["url"]) for r in body["results"]} == {"docs.python.org"}
    every = ["example.com", "example.org", "example.net", "test"]
    body = search(http, "q", exclude_domains=every)  # nothing left: scripted results still
    assert [r["title"] for r in body["results"]] == ["A", "B"]
    assert all(host(r["url"]) for r in body["results"])


def test_no_results_and_answer_verbs(server: MockServer, http: httpx.Client) -> None:
    server.web_search.when(query="void").no_results()
    server.web_search.answer("Paris.")
    assert search(http, "into the void")["results"] == []
    body = search(http, "capital of France")
    assert body["answer"] == "Paris." and len(body["results"]) == 5
    assert len(search(http, "into the void")["results"]) == 5  # each rule was used once


def test_when_query_text_criteria(server: MockServer, http: httpx.Client) -> None:
    import re

    server.web_search.when(query=re.compile(r"^weather", re.IGNORECASE)).answer("Sunny", times=None)
    server.web_search.when(query={"equals": "exact"}).answer("Exact")
    assert search(http, "Weather in Oslo").get("answer") == "Sunny"
    assert search(http, "the weather").get("answer") is None
    assert search(http, "exact").get("answer") == "Exact"


def test_model_headers_and_nth_narrow(server: MockServer, http: httpx.Client) -> None:
    server.web_search.when(model="perplexity/*").answer("by model", times=None)
    server.web_search.when(headers={"x-tenant": "acme"}).answer("by header", times=None)
    server.web_search.when(query="again", nth=2).answer("second time")
    assert search(http, "x").get("answer") is None
    assert search(http, "x", model="perplexity/sonar")["answer"] == "by model"
    tenant = http.post(PATH, json={"query": "x"}, headers={"x-tenant": "acme"})
    assert tenant.json()["answer"] == "by header"
    assert search(http, "again").get("answer") is None
    assert search(http, "again")["answer"] == "second time"


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ({"results": [{"score": 2}]}, "less than or equal to 1"),
        ({"results": [{"title": ""}]}, "at least 1 character"),
        ({"results": [{"title": "x", "snippet": "y"}]}, "Extra inputs"),
        ({"provider": ""}, "at least 1 character"),
        ({"error": {"status": 503}, "answer": "x"}, "error reply cannot"),
    ],
)
def test_nonsense_replies_are_refused_when_scripted(
    server: MockServer, reply: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        server.web_search.reply_with(**reply)
    assert server.rules == []


def test_respond_builds_the_reply_from_the_request(server: MockServer, http: httpx.Client) -> None:
    server.web_search.respond(
        lambda request: {
            "results": [
                {"title": f"{request.query} #{i}", "url": f"https://r.test/{i}"}
                for i in range(request.max_results)
            ]
        }
    )
    body = search(http, "cats", max_results=2)
    assert [r["title"] for r in body["results"]] == ["cats #0", "cats #1"]


def test_error_with_retry_after(server: MockServer, http: httpx.Client) -> None:
    server.web_search.error(429, retry_after=2)
    response = http.post(PATH, json={"query": "x"})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    body = response.json()
    assert body["error"]["code"] == "rate_limit_exceeded"
    assert body["error"]["retry_after_seconds"] == 2
    assert body["request_id"] == response.headers["x-request-id"]


def test_feature_flag_off_can_be_scripted(server: MockServer, http: httpx.Client) -> None:
    server.web_search.error(403, code="forbidden", message="Web search is disabled.")
    response = http.post(PATH, json={"query": "x"})
    assert response.status_code == 403
    assert response.json()["error"] == {"code": "forbidden", "message": "Web search is disabled."}


def test_scenario_file(server: MockServer, http: httpx.Client, tmp_path: Path) -> None:
    path = tmp_path / "search.yaml"
    path.write_text(
        "rules:\n"
        "  - endpoint: web_search\n"
        "    match: {query: {contains: news, ignore_case: true}}\n"
        "    reply:\n"
        "      answer: Nothing happened.\n"
        "      results:\n"
        "        - {title: Quiet day, url: 'https://news.example.com/quiet'}\n"
    )
    server.load(path)
    body = search(http, "Today's NEWS")
    assert body["answer"] == "Nothing happened."
    assert [r["url"] for r in body["results"]] == ["https://news.example.com/quiet"]


def test_admin_api_rules(server: MockServer, http: httpx.Client) -> None:
    rule = {"endpoint": "web_search", "match": {"query": "x"}, "reply": {"results": []}}
    added = http.post("/_mock/rules", json=rule)
    assert added.status_code == 201, added.text
    assert added.json()[0]["endpoint"] == "web_search"
    assert search(http, "x")["results"] == []
    bad = http.post("/_mock/rules", json={**rule, "reply": {"results": [{"score": -1}]}})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]


def test_strict_mode_reports_the_near_miss(server: MockServer, http: httpx.Client) -> None:
    server.strict = True
    assert http.post(PATH, json={"query": "x"}).status_code == 404  # default mode is made up
    server.web_search.when(query="python").answer("snake", name="python rule")
    response = http.post(PATH, json={"query": "java"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "no_matching_rule"
    assert "python rule" in error["message"] and "query='java'" in error["message"]
    assert "query: expected text containing 'python'" in error["details"][0]["msg"]


def test_unauthorized_without_a_key(server: MockServer) -> None:
    response = httpx.post(server.url + PATH, json={"query": "x"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "query"]),
        ({"query": ""}, ["body", "query"]),
        ({"query": "x" * 2001}, ["body", "query"]),
        ({"query": "x", "max_results": 0}, ["body", "max_results"]),
        ({"query": "x", "max_results": 21}, ["body", "max_results"]),
        ({"query": "x", "provider": "google"}, ["body", "provider"]),
        ({"query": "x", "search_depth": "deep"}, ["body", "search_depth"]),
        ({"query": "x", "include_domains": "example.com"}, ["body", "include_domains"]),
        ({"query": "x", "include_answer": "maybe"}, ["body", "include_answer"]),
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


def test_the_longest_query_is_accepted(http: httpx.Client) -> None:
    assert search(http, "x" * 2000, max_results=1)["query"] == "x" * 2000


def test_journal_records_the_call(server: MockServer, http: httpx.Client) -> None:
    rule = server.web_search.answer("a")
    search(http, "one")
    search(http, "two", max_results=2, stream=True)  # an extra field: not a streamed call
    face = server.web_search
    face.assert_called(times=2)
    first, second = face.requests
    assert (first.endpoint, first.operation, first.path) == ("web_search", "search", PATH)
    assert first.matched == rule.id and second.matched == "default"
    assert second.body == {"query": "two", "max_results": 2, "stream": True}
    assert second.stream is False and second.stream_completed is None
    entries = http.get("/_mock/requests").json()
    assert [e["endpoint"] for e in entries] == ["web_search", "web_search"]
    assert entries[0]["request_id"] == first.request_id


def test_openapi_documents_the_operation(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    operation = document["paths"][PATH]["post"]
    statuses = {"200", "400", "401", "403", "404", "422", "429", "501", "503"}
    assert statuses <= set(operation["responses"])  # feature flag off: 403/404/501
    success = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert success == {"$ref": "#/components/schemas/WebSearchResponse"}
    assert set(document["components"]["schemas"]["WebSearchResponse"]["required"]) == {
        "query",
        "provider",
        "results",
        "request_id",
    }
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/WebSearchRequest"
    }
