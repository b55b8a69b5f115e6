"""`/v1/batches` over real HTTP: inline requests answered as the live operations they
name, the progression on the fake's clock, results, cursor paging, cancel, rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshapi.types.batches import BatchListResponse, BatchObject
from meshapi_mock import MockServer
from meshapi_mock.endpoints.batches.store import BatchStore, StoredBatch
from meshapi_mock.endpoints.batches.wire import MAX_REQUESTS

MODEL = "openai/gpt-4o-mini"
FINAL = ("completed", "failed", "expired", "cancelled")


def chat(custom_id: str, text: str = "Hi", **body: Any) -> dict[str, Any]:
    message = {"role": "user", "content": text}
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": MODEL, "messages": [message], **body},
    }


def create(http: httpx.Client, requests: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    response = http.post("/v1/batches", json={"requests": requests, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    BatchObject.model_validate(body)
    return body


def get(http: httpx.Client, batch_id: str) -> dict[str, Any]:
    response = http.get(f"/v1/batches/{batch_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error_of(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    return error


def results(batch: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["custom_id"]: r["response"] for r in batch["results"]}


# --------------------------------------------------------------------------- the flow


def test_a_batch_moves_through_its_states_on_the_clock(server: MockServer, http: Any) -> None:
    batch = create(http, [chat("a"), chat("b"), chat("c"), chat("d")], metadata={"job": "x"})
    assert batch["status"] == "validating" and batch["object"] == "batch"
    assert batch["request_counts"] == {"total": 4, "completed": 0, "failed": 0}
    assert batch["results"] is None and batch["metadata"] == {"job": "x"}
    assert batch["endpoint"] == "/v1/chat/completions" and batch["model"] == MODEL
    assert batch["provider"] == "openai" and batch["completion_window"] == "24h"
    assert batch["expires_at"] == batch["created_at"] + 24 * 3600
    assert batch["usage_synced"] is False and batch["in_progress_at"] is None

    server.clock.advance(1.5)  # 0.5 s into the 2 s run: a quarter of the requests
    running = get(http, batch["id"])
    assert running["status"] == "in_progress"
    assert running["in_progress_at"] == batch["created_at"] + 1
    assert running["request_counts"] == {"total": 4, "completed": 1, "failed": 0}
    assert running["results"] is None

    server.clock.advance(1)
    assert get(http, batch["id"])["request_counts"]["completed"] == 3
    server.clock.advance(0.5)
    finalizing = get(http, batch["id"])
    assert finalizing["status"] == "finalizing" and finalizing["request_counts"]["completed"] == 4
    assert finalizing["finalizing_at"] == batch["created_at"] + 3 and finalizing["results"] is None

    server.clock.advance(1)
    done = get(http, batch["id"])
    assert done["status"] == "completed" and done["usage_synced"] is True
    assert done["completed_at"] == batch["created_at"] + 4
    assert [r["custom_id"] for r in done["results"]] == ["a", "b", "c", "d"]
    for result in done["results"]:
        assert result["response"]["status_code"] == 200
        assert result["response"]["body"]["object"] == "chat.completion"
        assert result["id"].startswith("batch_req_") and result["response"]["request_id"]
    assert done["failed_at"] is None and done["cancelled_at"] is None


def test_each_request_is_answered_as_the_live_call_would_be(server: MockServer, http: Any) -> None:
    server.chat.when(last_user="Paris").reply("Bonjour")
    server.embeddings.reply_with(embeddings=[[0.5, 0.5]])
    live = http.post("/v1/chat/completions", json=chat("x", "Other")["body"]).json()
    server.reset()
    server.chat.when(last_user="Paris").reply("Bonjour")
    embed = {"custom_id": "e", "url": "/v1/embeddings", "body": {"input": "hello", "dimensions": 2}}
    batch = create(http, [chat("p", "Paris?"), chat("o", "Other"), embed])
    server.clock.advance(10)

    answers = results(get(http, batch["id"]))
    assert answers["p"]["body"]["choices"][0]["message"]["content"] == "Bonjour"
    assert answers["o"]["body"] == live, "default mode: the same bytes as the live call"
    vector = answers["e"]["body"]["data"][0]["embedding"]
    assert len(vector) == 2 and answers["e"]["status_code"] == 200
    assert server.rules[0].call_count == 1, "the rule's use counts as a live call's"
    again = http.post("/v1/chat/completions", json=chat("x", "Paris")["body"]).json()
    assert again["choices"][0]["message"]["content"] != "Bonjour", "the rule was used up"


def test_rules_count_batch_requests_like_live_calls(server: MockServer, http: Any) -> None:
    server.chat.when(nth=2).reply("second")
    server.chat.reply("first", times=1)
    batch = create(http, [chat("1"), chat("2"), chat("3")])
    server.clock.advance(10)
    texts = [
        r["response"]["body"]["choices"][0]["message"]["content"]
        for r in get(http, batch["id"])["results"]
    ]
    assert texts[0] == "first" and texts[1] == "second" and texts[2] not in ("first", "second")


def test_bad_requests_inside_fail_alone(server: MockServer, http: Any) -> None:
    server.chat.when(last_user="boom").error(429, code="rate_limit_exceeded", retry_after=2)
    requests = [
        chat("ok"),
        {"custom_id": "invalid", "body": {"messages": []}},
        {"custom_id": "nowhere", "url": "/v1/nope", "body": {}},
        {"custom_id": "get", "method": "GET", "url": "/v1/models", "body": {}},
        {"custom_id": "nested", "url": "/v1/batches", "body": {"requests": []}},
        chat("stream", stream=True),
        chat("scripted", "boom"),
        chat("model", model="nobody/unknown-model"),
        chat("ok", "a repeated custom_id"),
    ]
    batch = create(http, requests)
    assert batch["status"] == "validating"
    server.clock.advance(10)
    done = get(http, batch["id"])
    answers = {r["custom_id"]: r["response"] for r in done["results"][:-1]}
    assert done["status"] == "completed"
    assert done["request_counts"] == {"total": 9, "completed": 1, "failed": 8}
    repeated = done["results"][-1]["response"]
    assert (
        repeated["status_code"] == 400 and "earlier request" in repeated["body"]["error"]["message"]
    )
    assert answers["ok"]["status_code"] == 200
    expected = {
        "invalid": (422, "validation_error"),
        "nowhere": (404, "not_found"),
        "get": (400, "invalid_request"),
        "nested": (400, "invalid_request"),
        "stream": (400, "invalid_request"),
        "scripted": (429, "rate_limit_exceeded"),
        "model": (404, "model_not_found"),
    }
    for custom_id, (status, code) in expected.items():
        answer = answers[custom_id]
        assert (answer["status_code"], answer["body"]["error"]["code"]) == (status, code), answer
        assert answer["body"]["request_id"] == answer["request_id"]
    assert answers["invalid"]["body"]["error"]["details"][0]["loc"] == ["body", "messages"]
    assert answers["scripted"]["body"]["error"]["retry_after_seconds"] == 2


def test_strict_mode_refuses_each_unscripted_request(server: MockServer, http: Any) -> None:
    server.strict = True
    server.chat.when(last_user="known").reply("scripted")
    batch = create(http, [chat("known", "known"), chat("unknown", "other")])
    server.clock.advance(10)
    answers = results(get(http, batch["id"]))
    assert answers["known"]["status_code"] == 200
    assert answers["unknown"]["status_code"] == 404
    assert answers["unknown"]["body"]["error"]["code"] == "no_matching_rule"


def test_only_the_batch_call_is_journaled(server: MockServer, http: Any) -> None:
    create(http, [chat("a"), chat("b")])
    entries = [e for e in server.requests if e.path.startswith("/v1/")]
    assert [(e.endpoint, e.operation) for e in entries] == [("batches", "create")]
    assert entries[0].body["requests"][1]["custom_id"] == "b"
    server.chat.assert_not_called()


def test_ids_follow_the_seed_and_reset_empties_the_store(server: MockServer, http: Any) -> None:
    first = create(http, [chat("a")])["id"]
    second = create(http, [chat("a")])["id"]
    assert first != second
    server.reset()
    assert http.get(f"/v1/batches/{first}").status_code == 404
    assert create(http, [chat("a")])["id"] == first, "ids come from the seed and a counter"


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"requests": []}, ["body", "requests"]),
        ({}, ["body", "requests"]),
        ({"requests": [{"custom_id": "a"}]}, ["body", "requests", 0, "body"]),
        ({"requests": [{"custom_id": "", "body": {}}]}, ["body", "requests", 0, "custom_id"]),
        ({"requests": [{"custom_id": "a", "body": []}]}, ["body", "requests", 0, "body"]),
        ({"requests": [chat("a")], "completion_window": "soon"}, ["body", "completion_window"]),
    ],
)
def test_a_malformed_batch_is_a_422(http: Any, body: dict[str, Any], where: list[Any]) -> None:
    response = http.post("/v1/batches", json=body)
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "validation_error" and error["details"][0]["loc"] == where


def test_size_limits(server: MockServer, http: Any) -> None:
    too_many = [chat(str(i)) for i in range(MAX_REQUESTS + 1)]
    response = http.post("/v1/batches", json={"requests": too_many})
    assert response.status_code == 422 and error_of(response)["details"][0]["type"] == "too_long"
    limit = server.state.config.max_body_bytes
    huge = chat("a", "x" * (limit + 1))
    response = http.post("/v1/batches", json={"requests": [huge]})
    assert response.status_code == 413 and error_of(response)["code"] == "payload_too_large"
    assert http.post("/v1/batches", content=b"{").status_code == 400
    assert httpx.post(server.url + "/v1/batches", json={"requests": [chat("a")]}).status_code == 401


def test_unknown_ids(http: Any) -> None:
    for response in (
        http.get("/v1/batches/batch_missing"),
        http.post("/v1/batches/batch_missing/cancel", json={}),
    ):
        assert response.status_code == 404
        error = error_of(response)
        assert error["code"] == "not_found" and "batch_missing" in error["message"]


# --------------------------------------------------------------------------- paging


def test_cursor_paging(server: MockServer, http: Any) -> None:
    empty = http.get("/v1/batches").json()
    assert empty == {
        "object": "list",
        "data": [],
        "has_more": False,
        "first_id": None,
        "last_id": None,
    }
    ids = [create(http, [chat("a")])["id"] for _ in range(5)]
    newest_first = ids[::-1]

    seen: list[str] = []
    after = None
    while True:
        params = {"limit": 2, **({"after": after} if after else {})}
        page = http.get("/v1/batches", params=params).json()
        BatchListResponse.model_validate(page)
        seen += [b["id"] for b in page["data"]]
        assert page["first_id"] == page["data"][0]["id"]
        assert page["last_id"] == page["data"][-1]["id"]
        if not page["has_more"]:
            break
        after = page["last_id"]
    assert seen == newest_first

    last = http.get("/v1/batches", params={"after": newest_first[-2], "limit": 5}).json()
    assert [b["id"] for b in last["data"]] == [newest_first[-1]] and last["has_more"] is False
    past = http.get("/v1/batches", params={"after": newest_first[-1]}).json()
    assert past["data"] == [] and past["first_id"] is None and past["has_more"] is False
    exact = http.get("/v1/batches", params={"limit": 5}).json()
    assert len(exact["data"]) == 5 and exact["has_more"] is False

    bad = http.get("/v1/batches", params={"after": "batch_nope"})
    assert bad.status_code == 404 and "batch_nope" in error_of(bad)["message"]
    for limit in ("0", "101", "x"):
        response = http.get("/v1/batches", params={"limit": limit})
        assert response.status_code == 422 and error_of(response)["details"][0]["loc"] == [
            "query",
            "limit",
        ]


def test_the_store_forgets_the_oldest_past_its_bounds() -> None:
    def batch(number: int, size: int = 0) -> StoredBatch:
        from meshapi_mock.endpoints.batches.store import ItemAnswer

        answers = (ItemAnswer("a", 200, {}, "r", "b", size),)
        return StoredBatch(f"b{number}", 0, "/v1/chat/completions", None, "24h", None, answers, 1)

    store = BatchStore(limit=3, max_bytes=10_000)
    for number in range(5):
        store.add(batch(number))
    assert [b["id"] for b in store.page(None, 10, 0)["data"]] == ["b4", "b3", "b2"]
    store.add(batch(9, size=9_000))
    assert [b["id"] for b in store.page(None, 10, 0)["data"]] == ["b9"], "bytes bound it too"
    store.add(batch(10, size=20_000))
    assert len(store) == 1, "the newest batch is always kept"


# --------------------------------------------------------------------------- cancel


def test_cancel_while_running_keeps_what_was_done(server: MockServer, http: Any) -> None:
    batch = create(http, [chat(str(i)) for i in range(4)])
    server.clock.advance(2)  # half-way: two answered
    cancelling = http.post(f"/v1/batches/{batch['id']}/cancel", json={})
    assert cancelling.status_code == 200
    body = cancelling.json()
    assert body["status"] == "cancelling" and body["cancelling_at"] == batch["created_at"] + 2
    assert body["request_counts"]["completed"] == 2 and body["results"] is None
    again = http.post(f"/v1/batches/{batch['id']}/cancel", json={}).json()
    assert again["status"] == "cancelling", "a second cancel changes nothing"

    server.clock.advance(5)
    cancelled = get(http, batch["id"])
    assert (
        cancelled["status"] == "cancelled" and cancelled["cancelled_at"] == batch["created_at"] + 3
    )
    assert cancelled["request_counts"] == {"total": 4, "completed": 2, "failed": 0}
    assert [r["custom_id"] for r in cancelled["results"]] == ["0", "1"]
    assert cancelled["completed_at"] is None and cancelled["finalizing_at"] is None


def test_cancel_while_validating(server: MockServer, http: Any) -> None:
    batch = create(http, [chat("a")])
    body = http.post(f"/v1/batches/{batch['id']}/cancel").json()  # no body at all is fine
    assert body["status"] == "cancelling"
    server.clock.advance(1)
    done = get(http, batch["id"])
    assert done["status"] == "cancelled" and done["in_progress_at"] is None
    assert done["results"] == [] and done["request_counts"]["completed"] == 0


@pytest.mark.parametrize("advance", [3.5, 10])
def test_a_finished_batch_cannot_be_cancelled(
    server: MockServer, http: Any, advance: float
) -> None:
    batch = create(http, [chat("a")])
    server.clock.advance(advance)  # finalizing, then completed
    response = http.post(f"/v1/batches/{batch['id']}/cancel", json={})
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict" and "can be cancelled" in error["message"]


# --------------------------------------------------------------------------- rules


def test_rules_script_durations_by_metadata_and_count(server: MockServer, http: Any) -> None:
    server.batches.when(metadata={"job": "slow"}, count={"min": 2}).reply(
        durations={"validating": 0, "in_progress": 100, "finalizing": 0}
    )
    quick = create(http, [chat("a"), chat("b")], metadata={"job": "fast"})
    slow = create(http, [chat("a"), chat("b")], metadata={"job": "slow", "x": 1})
    server.clock.advance(50)
    assert get(http, quick["id"])["status"] == "completed"
    assert get(http, slow["id"])["status"] == "in_progress"
    assert get(http, slow["id"])["request_counts"]["completed"] == 1
    server.clock.advance(50)
    assert get(http, slow["id"])["status"] == "completed"


def test_a_scripted_validation_failure(server: MockServer, http: Any) -> None:
    server.chat.reply("never used")
    server.batches.fail("invalid_request", "Line 2 is bad", line=2, param="body")
    batch = create(http, [chat("a"), chat("b")])
    assert server.rules[0].call_count == 0, "a failed batch answers none of its requests"
    server.clock.advance(1)
    failed = get(http, batch["id"])
    assert failed["status"] == "failed" and failed["failed_at"] == batch["created_at"] + 1
    assert failed["errors_detail"] == [
        {"code": "invalid_request", "message": "Line 2 is bad", "line": 2, "param": "body"}
    ]
    assert failed["results"] is None and failed["in_progress_at"] is None
    assert failed["request_counts"] == {"total": 2, "completed": 0, "failed": 0}
    assert http.post(f"/v1/batches/{batch['id']}/cancel").status_code == 409


def test_a_scripted_expiry_keeps_the_finished_requests(server: MockServer, http: Any) -> None:
    server.batches.expire(finished=1)
    batch = create(http, [chat("a"), chat("b"), chat("c")])
    server.clock.advance(3)
    expired = get(http, batch["id"])
    assert expired["status"] == "expired" and expired["expired_at"] == batch["created_at"] + 3
    assert [r["custom_id"] for r in expired["results"]] == ["a"]
    assert expired["request_counts"] == {"total": 3, "completed": 1, "failed": 0}


def test_rules_from_files_and_the_admin_api(server: MockServer, http: Any) -> None:
    rule = {
        "endpoint": "batches",
        "match": {"url": "/v1/embeddings", "count": 1},
        "reply": {"expire": True, "id": "batch_custom"},
    }
    assert http.post(server.url + "/_mock/rules", json=rule).status_code == 201
    embed = {"custom_id": "e", "url": "/v1/embeddings", "body": {"input": "x"}}
    batch = create(http, [embed])
    assert batch["id"] == "batch_custom"
    server.clock.advance(10)
    assert get(http, "batch_custom")["status"] == "expired"
    bad: dict[str, Any]
    for bad in (
        {"failure": []},
        {"failure": {"code": ""}},
        {"failure": {}, "expire": True},
        {"error": {"status": 500}, "durations": {"validating": 1}},
        {"durations": {"validating": -1}},
        {"expire": {"finished": -1}},
    ):
        refused = http.post(server.url + "/_mock/rules", json={"endpoint": "batches", "reply": bad})
        assert refused.status_code == 422, bad
    refused = http.post(
        server.url + "/_mock/rules",
        json={"endpoint": "batches", "match": {"count": {"min": 3, "max": 2}}, "reply": {}},
    )
    assert refused.status_code == 422


def test_scripted_errors_on_each_operation(server: MockServer, http: Any) -> None:
    batch = create(http, [chat("a")])
    server.batches.when(operation="get").error(503, retry_after=1)
    server.batches.when(operation="cancel").error(500, code="upstream_error")
    server.batches.when(operation="list").error(429)
    server.batches.error(402)
    assert http.get(f"/v1/batches/{batch['id']}").status_code == 503
    assert http.post(f"/v1/batches/{batch['id']}/cancel").status_code == 500
    assert http.get("/v1/batches").status_code == 429
    assert http.post("/v1/batches", json={"requests": [chat("a")]}).status_code == 402
    assert get(http, batch["id"])["status"] == "validating", "the cancel never happened"


def test_a_rule_needs_every_criterion(server: MockServer, http: Any) -> None:
    server.strict = True  # a batch is no made-up answer: strict mode lets it through
    rule = server.batches.when(
        metadata={"job": "a"}, count=2, url="/v1/chat/completions", model=MODEL
    ).reply(id="batch_matched")
    misses = [
        ([chat("a"), chat("b")], {"job": "b"}),
        ([chat("a")], {"job": "a"}),
        ([chat("a"), chat("b")], None),
        ([chat("a", model="openai/gpt-4.1"), chat("b")], {"job": "a"}),
    ]
    for requests, metadata in misses:
        extra = {} if metadata is None else {"metadata": metadata}
        assert create(http, requests, **extra)["id"] != "batch_matched"
    assert rule.call_count == 0
    assert create(http, [chat("a"), chat("b")], metadata={"job": "a"})["id"] == "batch_matched"


# --------------------------------------------------------------------------- invariants


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    durations=st.fixed_dictionaries(
        {k: st.sampled_from([0, 0.5, 1, 3]) for k in ("validating", "in_progress", "finalizing")}
    ),
    size=st.integers(1, 6),
    steps=st.lists(st.sampled_from([0, 0.25, 0.5, 1, 2]), min_size=1, max_size=8),
    cancel_at=st.one_of(st.none(), st.integers(0, 7)),
)
def test_counts_and_states_only_move_forward(
    session_server: MockServer,
    session_http: httpx.Client,
    durations: dict[str, float],
    size: int,
    steps: list[float],
    cancel_at: int | None,
) -> None:
    session_server.reset()
    session_server.batches.reply(durations=durations)
    http = session_http
    batch = create(http, [chat(str(i)) for i in range(size)])
    order = ["validating", "in_progress", "finalizing", "completed"]
    last_rank, last_done, cancelled = 0, 0, False
    frozen: int | None = None
    """Requests done when the cancel was first seen: the clock moved on before the cancel,
    so some may have been done since the last look, but none after it."""
    for index, step in enumerate(steps):
        session_server.clock.advance(step)
        if index == cancel_at:
            cancelled = http.post(f"/v1/batches/{batch['id']}/cancel").status_code == 200
        now = get(http, batch["id"])
        counts = now["request_counts"]
        done = counts["completed"] + counts["failed"]
        assert counts["total"] == size and last_done <= done <= size
        if cancelled:
            assert now["status"] in ("cancelling", "cancelled")
            frozen = done if frozen is None else frozen
            assert done == frozen, "nothing more is done once the batch is cancelled"
        else:
            rank = order.index(now["status"])
            assert rank >= last_rank
            last_rank = rank
        if now["status"] in FINAL:
            assert len(now["results"]) == done
        else:
            assert now["results"] is None
        if now["status"] == "completed":
            assert done == size
        last_done = done
