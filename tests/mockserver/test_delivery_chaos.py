"""Chaos: faults and error statuses drawn per request from a seeded generator, set from
Python, the admin API or at start, and what each draw puts on the wire and in the journal."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from meshapi_mock import MockServer
from support.delivery import CHAT, chat_body, delivery_of, frames, last_entry, raw_exchange
from support.wire import error_of


def outcome_of(entry: dict[str, Any]) -> str:
    """What chaos did to one request: a fault kind, a status, or `-` for nothing."""
    record = entry["delivery"]
    if record is None:
        return "-"
    fault = record["fault"]
    assert fault["source"] == "chaos"
    return str(fault.get("kind", fault.get("status")))


def drawn(url: str, http: httpx.Client, count: int, stream: bool = False) -> list[str]:
    """`count` requests on fresh sockets (a drawn fault may break any of them)."""
    for _ in range(count):
        raw_exchange(url, CHAT, chat_body(stream=stream))
    entries: list[dict[str, Any]] = http.get("/_mock/requests").json()
    return [outcome_of(entry) for entry in entries[-count:]]


FAULTS = {"disconnect": 0.2, "no_done": 0.2}
STATUSES = {429: 0.2}


def test_the_same_seed_draws_the_same_faults(server: MockServer, http: httpx.Client) -> None:
    server.chaos(FAULTS, statuses=STATUSES, seed=3)
    first = drawn(server.url, http, 30)
    server.reset()
    server.chaos(FAULTS, statuses=STATUSES, seed=3)
    again = drawn(server.url, http, 30)
    server.reset()
    server.chaos(FAULTS, statuses=STATUSES, seed=4)
    other = drawn(server.url, http, 30)

    assert first == again
    assert other != first
    assert set(first) == {"disconnect", "no_done", "429", "-"}


def test_the_probabilities_are_roughly_honoured(server: MockServer, http: httpx.Client) -> None:
    server.chaos({"no_done": 0.3}, statuses={500: 0.1}, seed=11)

    counts = Counter(drawn(server.url, http, 400))

    # Binomial: 120 ± 9 and 40 ± 6 expected; these bounds are over 4 standard deviations.
    assert 80 <= counts["no_done"] <= 160, counts
    assert 15 <= counts["500"] <= 65, counts
    assert counts["-"] == 400 - counts["no_done"] - counts["500"]
    assert http.get("/_mock/chaos").json()["draws"] == 400


@pytest.mark.parametrize(("status", "retry_after"), [(429, "2"), (503, "2"), (500, None)])
def test_drawn_statuses_are_meshapi_errors(
    server: MockServer, http: httpx.Client, status: int, retry_after: str | None
) -> None:
    server.chaos(statuses={status: 1.0}, retry_after=2)

    response = http.post(CHAT, json=chat_body(stream=True))

    assert response.status_code == status
    error_of(response)  # the MeshAPI envelope, request id and all
    assert response.headers.get("retry-after") == retry_after
    entry = last_entry(http)
    assert entry["delivery"]["fault"] == {"status": status, "source": "chaos"}
    assert entry["delivery"]["outcome"] == "fault" and entry["status"] == status


def test_a_drawn_fault_strikes_where_chaos_says(server: MockServer, http: httpx.Client) -> None:
    server.chaos({"disconnect": 1.0}, after_chunks=1)

    exchange = raw_exchange(server.url, CHAT, chat_body(stream=True))

    assert len(frames(exchange.body)) == 1 and not exchange.complete
    assert delivery_of(http)["fault"] == {
        "kind": "disconnect",
        "after_chunks": 1,
        "source": "chaos",
    }


def test_only_the_chosen_endpoints_are_drawn_for(server: MockServer, http: httpx.Client) -> None:
    server.chaos({"html_502": 1.0}, endpoints=["embeddings"])

    chat = http.post(CHAT, json=chat_body())
    embeddings = http.post(
        "/v1/embeddings", json={"model": "openai/text-embedding-3-small", "input": "x"}
    )

    chat_entry, embeddings_entry = http.get("/_mock/requests").json()
    assert chat.status_code == 200 and chat_entry["delivery"] is None
    assert embeddings.status_code == 502
    assert embeddings_entry["delivery"]["fault"] == {"kind": "html_502", "source": "chaos"}
    assert http.get("/_mock/chaos").json()["draws"] == 1


def test_a_rule_s_own_fault_wins_over_chaos(server: MockServer, http: httpx.Client) -> None:
    server.chaos({"html_502": 1.0})
    server.chat.fault("no_done")

    exchange = raw_exchange(server.url, CHAT, chat_body(stream=True))

    assert exchange.status == 200 and not exchange.body.endswith(b"data: [DONE]\n\n")
    assert delivery_of(http)["fault"] == {"kind": "no_done", "source": "rule"}
    assert http.get("/_mock/chaos").json()["draws"] == 1  # drawn (one draw a request), unused
    assert http.post(CHAT, json=chat_body()).status_code == 502  # the next one gets it


def test_chaos_with_nothing_probable_is_no_chaos(server: MockServer, http: httpx.Client) -> None:
    assert server.chaos({"reset": 0.0}) is None
    server.chaos({"reset": 1.0})
    assert server.chaos() is None

    assert http.post(CHAT, json=chat_body()).status_code == 200
    assert last_entry(http)["delivery"] is None
    assert http.get("/_mock/chaos").json() == {"active": False}


def test_the_admin_api_sets_reads_and_ends_chaos(server: MockServer, http: httpx.Client) -> None:
    spec = {"faults": {"no_done": 0.5}, "statuses": {"503": 0.5}, "seed": 9, "retry_after": 4}
    put = http.put("/_mock/chaos", json=spec)
    assert put.status_code == 200, put.text
    assert put.json()["seed"] == 9 and put.json()["draws"] == 0

    outcomes = drawn(server.url, http, 10)
    shown = http.get("/_mock/chaos").json()
    deleted = http.delete("/_mock/chaos")

    assert set(outcomes) == {"no_done", "503"}
    assert shown["faults"] == {"no_done": 0.5} and shown["statuses"] == {"503": 0.5}
    assert shown["draws"] == 10 and shown["retry_after"] == 4
    assert deleted.status_code == 204
    assert http.get("/_mock/chaos").json() == {"active": False}
    assert http.post(CHAT, json=chat_body()).status_code == 200


@pytest.mark.parametrize(
    ("spec", "where"),
    [
        ({"faults": {"explode": 0.1}}, ["body", "faults", "explode", "[key]"]),
        ({"faults": {"reset": 0.6}, "statuses": {"429": 0.6}}, ["body"]),
        ({"faults": {"reset": 1.5}}, ["body", "faults", "reset"]),
        ({"statuses": {"200": 0.1}}, ["body", "statuses", "200", "[key]"]),
        ({"endpoints": ["chats"]}, ["body", "endpoints"]),
        ({"faults": {"reset": 0.1}, "after_chunks": -1}, ["body", "after_chunks"]),
        ({"faults": {"reset": 0.1}, "colour": "red"}, ["body", "colour"]),
    ],
)
def test_the_admin_api_refuses_bad_chaos(
    server: MockServer, http: httpx.Client, spec: dict[str, Any], where: list[str]
) -> None:
    http.put("/_mock/chaos", json={"faults": {"no_done": 0.1}})

    response = http.put("/_mock/chaos", json=spec)

    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert [str(part) for part in error["details"][0]["loc"]] == where
    assert http.get("/_mock/chaos").json()["faults"] == {"no_done": 0.1}  # unchanged


def test_the_messages_say_what_is_wrong(server: MockServer, http: httpx.Client) -> None:
    too_much = http.put("/_mock/chaos", json={"faults": {"reset": 0.6}, "statuses": {"429": 0.6}})
    endpoint = http.put("/_mock/chaos", json={"endpoints": ["chats"]})

    assert "add up to 1.2" in error_of(too_much)["details"][0]["msg"]
    assert "unknown endpoint 'chats'" in error_of(endpoint)["details"][0]["msg"]


@pytest.fixture(scope="module")
def chaotic() -> Iterator[MockServer]:
    with MockServer(chaos="no_done=0.5,503=0.25", seed=5) as fake:
        yield fake


def test_a_reset_restores_the_chaos_the_fake_started_with(chaotic: MockServer) -> None:
    with httpx.Client(base_url=chaotic.url, headers={"Authorization": "Bearer rsk_x"}) as http:
        first = drawn(chaotic.url, http, 12)
        chaotic.chaos()  # a test turns it off
        assert drawn(chaotic.url, http, 3) == ["-"] * 3
        chaotic.reset()
        again = drawn(chaotic.url, http, 12)
        started = http.get("/_mock/chaos").json()

    assert first == again  # the start's chaos, its draws afresh from its seed
    assert {"no_done", "503"} <= set(first)
    assert started["seed"] == 5 and started["faults"] == {"no_done": 0.5}
