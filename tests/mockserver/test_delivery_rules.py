"""Rule-level `timing` and `fault`: refused with a clear reason wherever a rule comes
from (admin API, scenario file, Python), and scripted from every endpoint's face."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import httpx
import pytest
from meshapi_mock import MockServer
from meshapi_mock.scripting.scenarios import ScenarioError
from pydantic import ValidationError
from support.delivery import CHAT, chat_body, delivery_of, raw_exchange

TEXT = {"text": "x"}


def faulty(**fault: Any) -> dict[str, Any]:
    return {"reply": TEXT, "fault": fault}


def timed(**timing: Any) -> dict[str, Any]:
    return {"reply": TEXT, "timing": timing}


# (rule, where the problem is, words the reason contains)
BAD_RULES = [
    (
        faulty(kind="disconnect", seconds=1),
        "fault",
        "'seconds' does not apply to a disconnect fault",
    ),
    (faulty(kind="no_done", status=503), "fault", "'status' does not apply to a no_done fault"),
    (faulty(kind="reset", code="x"), "fault", "'code' does not apply to a reset fault"),
    (faulty(kind="stall", message="x"), "fault", "'message' does not apply to a stall fault"),
    (
        faulty(kind="disconnect", retry_after=1),
        "fault",
        "'retry_after' does not apply to a disconnect fault",
    ),
    (
        faulty(kind="no_done", done_after=True),
        "fault",
        "'done_after' does not apply to a no_done fault",
    ),
    (
        faulty(kind="reset", before_headers=True, after_chunks=1),
        "fault",
        "give 'before_headers' or 'after_chunks', not both",
    ),
    (
        faulty(kind="error_frame", before_headers=True),
        "fault",
        "'before_headers' applies to disconnect, reset, stall, not error_frame",
    ),
    (
        faulty(kind="html_502", after_chunks=2),
        "fault",
        "a html_502 fault replaces the whole response",
    ),
    (faulty(kind="explode"), "fault.kind", "Input should be 'error_frame'"),
    (faulty(kind="reset", after_chunks=-1), "fault.after_chunks", "greater than or equal to 0"),
    (faulty(kind="stall", seconds=3601), "fault.seconds", "less than or equal to 3600"),
    (faulty(kind="non_json_error", status=200), "fault.status", "greater than or equal to 400"),
    (faulty(kind="reset", colour="red"), "fault.colour", "Extra inputs are not permitted"),
    (
        timed(interval=1, tokens_per_second=5),
        "timing",
        "give 'interval' or 'tokens_per_second', not both",
    ),
    (timed(delay=-1), "timing.delay", "greater than or equal to 0"),
    (timed(first_chunk=3600.5), "timing.first_chunk", "less than or equal to 3600"),
    (timed(interval=-0.1), "timing.interval", "greater than or equal to 0"),
    (timed(tokens_per_second=0), "timing.tokens_per_second", "greater than 0"),
    (timed(jitter=1.5), "timing.jitter", "less than or equal to 1"),
    (timed(keep_alive=0), "timing.keep_alive", "greater than 0"),
    (timed(pace=1), "timing.pace", "Extra inputs are not permitted"),
    ({"match": {"last_user": "x"}}, "", "a rule needs a 'reply', a 'timing' or a 'fault'"),
]
IDS = [f"{where or 'rule'}:{words[:28]}" for _, where, words in BAD_RULES]


@pytest.mark.parametrize(("rule", "where", "words"), BAD_RULES, ids=IDS)
def test_the_admin_api_refuses_a_bad_rule(
    server: MockServer, http: httpx.Client, rule: dict[str, Any], where: str, words: str
) -> None:
    response = http.post("/_mock/rules", json=rule)

    assert response.status_code == 422, response.text
    [detail] = response.json()["error"]["details"]
    assert detail["loc"] == ["body", "rules[0]", *filter(None, where.split("."))]
    assert words in detail["msg"]
    assert server.rules == []


@pytest.mark.parametrize(("rule", "where", "words"), BAD_RULES, ids=IDS)
def test_a_scenario_file_with_a_bad_rule_is_refused(
    server: MockServer, tmp_path: Path, rule: dict[str, Any], where: str, words: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"rules": [rule]}), encoding="utf-8")

    with pytest.raises(ScenarioError) as refused:
        server.load(path)

    [problem] = refused.value.problems
    assert problem.where == ".".join(filter(None, ["rules[0]", where]))
    assert words in problem.message


def test_a_scenario_file_may_not_wait_for_ever(server: MockServer, tmp_path: Path) -> None:
    path = tmp_path / "inf.yaml"
    path.write_text("rules:\n  - reply: {text: x}\n    timing: {delay: .inf}\n", encoding="utf-8")

    with pytest.raises(ScenarioError, match=r"rules\[0\]\.timing\.delay: Input should be a finite"):
        server.load(path)


@pytest.mark.parametrize(
    ("timing", "words"),
    [
        ({"delay": math.inf}, "finite number"),
        ({"first_chunk": math.nan}, "finite number"),
        ({"interval": 3601}, "less than or equal to 3600"),
        ({"interval": 1, "tokens_per_second": 5}, "give 'interval' or 'tokens_per_second'"),
        ({"jitter": -0.1}, "greater than or equal to 0"),
    ],
)
def test_python_refuses_a_bad_timing(
    server: MockServer, timing: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValidationError, match=words):
        server.chat.timing(**timing)


@pytest.mark.parametrize(
    ("kind", "options", "words"),
    [
        ("disconnect", {"seconds": 1}, "'seconds' does not apply to a disconnect fault"),
        ("reset", {"before_headers": True, "after_chunks": 0}, "not both"),
        ("half_frame", {"before_headers": True}, "'before_headers' applies to"),
        ("non_json_error", {"after_chunks": 1}, "replaces the whole response"),
        ("stall", {"seconds": math.inf}, "finite number"),
        ("explode", {}, "Input should be 'error_frame'"),
    ],
)
def test_python_refuses_a_bad_fault(
    server: MockServer, kind: Any, options: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValidationError, match=words):
        server.chat.with_fault(kind, **options)
    with pytest.raises(ValidationError, match=words):
        server.embeddings.fault(kind, **options)
    assert server.rules == []


# --- the Python faces -------------------------------------------------------------------


def test_timing_and_fault_combine_on_a_scripted_reply(
    server: MockServer, http: httpx.Client
) -> None:
    server.time_scale = 0.01
    server.chat.when(stream=True).timing(first_chunk=2).with_fault(
        "disconnect", after_chunks=1
    ).reply("cut short")
    server.chat.reply("whole")  # the non-streamed request falls through to this one

    exchange = raw_exchange(server.url, CHAT, chat_body(stream=True))
    record = delivery_of(http)
    plain = http.post(CHAT, json=chat_body())

    assert not exchange.complete and b'"content":"cut"' in exchange.body
    assert record["intended"]["first_chunk_ms"] == 20.0 and record["fault"]["kind"] == "disconnect"
    assert plain.json()["choices"][0]["message"]["content"] == "whole"


def test_fault_breaks_the_default_answer_of_any_endpoint(
    server: MockServer, http: httpx.Client
) -> None:
    server.responses.fault("html_502")
    server.embeddings.fault("non_json_error", status=503)
    server.moderations.fault("reset", before_headers=True)

    responses = http.post("/v1/responses", json={"model": "openai/gpt-4o-mini", "input": "hi"})
    embeddings = http.post(
        "/v1/embeddings", json={"model": "openai/text-embedding-3-small", "input": "x"}
    )
    with pytest.raises(httpx.TransportError):
        http.post("/v1/moderations", json={"input": "x"})

    assert responses.status_code == 502 and "Bad Gateway" in responses.text
    assert (
        embeddings.status_code == 503 and embeddings.text == "The upstream provider is unavailable."
    )
    assert [
        e.delivery.fault["kind"] for e in server.requests if e.delivery and e.delivery.fault
    ] == [
        "html_502",
        "non_json_error",
        "reset",
    ]


def test_default_with_a_timing_slows_every_answer(server: MockServer, http: httpx.Client) -> None:
    server.time_scale = 0.01
    server.router.timing(delay=1).default(times=None)

    for _ in range(3):
        response = http.post(
            "/v1/router/select", json={"messages": [{"role": "user", "content": "hi"}]}
        )
        assert response.status_code == 200, response.text
        assert delivery_of(http)["intended"]["headers_ms"] == 10.0
    assert server.rules[0].call_count == 3


def test_the_admin_api_shows_each_rule_s_timing_and_fault(
    server: MockServer, http: httpx.Client
) -> None:
    server.chat.timing(first_chunk=0.2, interval=0.05).reply("slow")
    server.chat.with_fault("error_frame", after_chunks=2, code="boom").reply("broken")
    server.embeddings.fault("stall", seconds=2, name="hang")
    http.post(
        "/_mock/rules",
        json={"endpoint": "responses", "timing": {"tokens_per_second": 20, "jitter": 0.1}},
    )

    listed = http.get("/_mock/rules").json()

    assert [(r["endpoint"], r.get("timing"), r.get("fault"), r["reply"]) for r in listed] == [
        ("chat", {"first_chunk": 0.2, "interval": 0.05}, None, {"text": "slow"}),
        (
            "chat",
            None,
            {"kind": "error_frame", "after_chunks": 2, "code": "boom"},
            {"text": "broken"},
        ),
        ("embeddings", None, {"kind": "stall", "seconds": 2.0}, None),
        ("responses", {"tokens_per_second": 20.0, "jitter": 0.1}, None, None),
    ]
    assert listed[2]["name"] == "hang"
