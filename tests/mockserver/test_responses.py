"""`/v1/responses` over real HTTP: default mode, the event stream, scripting, background jobs
on the fake's clock, the list's cursor paging and lookups by id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshapi_mock import MockServer
from meshapi_mock.endpoints.responses import store_of
from meshapi_mock.endpoints.responses.store import ResponseStore
from support.wire import error_of, response_events

PATH = "/v1/responses"
WEATHER: dict[str, Any] = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather in a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
        "required": ["city", "unit"],
    },
}


def create(http: httpx.Client, **body: Any) -> httpx.Response:
    body.setdefault("model", "openai/gpt-4o-mini")
    body.setdefault("input", "What is the capital of France?")
    return http.post(PATH, json=body)


def created(http: httpx.Client, **body: Any) -> dict[str, Any]:
    response = create(http, **body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def streamed(http: httpx.Client, **body: Any) -> list[dict[str, Any]]:
    response = create(http, stream=True, **body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return response_events(response.content)


def text_of(response: dict[str, Any]) -> str:
    return "".join(
        part.get("text", "")
        for item in response["output"]
        if item["type"] == "message"
        for part in item["content"]
    )


def calls_of(response: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in response["output"] if item["type"] == "function_call"]


# --------------------------------------------------------------------------- default mode


def test_default_mode_answers_the_prompt_the_same_way_each_time(http: httpx.Client) -> None:
    first = created(http)
    second = created(http)

    assert first["object"] == "response" and first["status"] == "completed"
    assert "capital of France" in text_of(first)
    assert text_of(first) == text_of(second)
    assert first["id"] != second["id"], "two creates are two stored responses"
    assert first["id"].startswith("resp_") and first["output"][0]["id"].startswith("msg_")
    usage = first["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0
    assert first["completed_at"] == first["created_at"]


def test_instructions_and_reasoning_effort_are_accepted_and_echoed(http: httpx.Client) -> None:
    response = created(http, instructions="Be brief.", reasoning={"effort": "high"}, seed=7)

    assert response["instructions"] == "Be brief."
    assert response["reasoning"]["effort"] == "high"


def test_a_function_call_with_schema_valid_arguments_when_tools_are_offered(
    http: httpx.Client,
) -> None:
    response = created(http, input="What's the weather in Paris?", tools=[WEATHER])

    [call] = calls_of(response)
    assert call["name"] == "get_weather" and call["status"] == "completed"
    assert call["call_id"].startswith("call_") and call["id"].startswith("fc_")
    arguments = json.loads(call["arguments"])
    jsonschema_rs.validator_for(WEATHER["parameters"]).validate(arguments)
    assert arguments["city"] == "Paris"
    assert response["tools"] == [WEATHER]


def test_a_text_answer_after_the_tool_result(http: httpx.Client) -> None:
    first = created(http, input="What's the weather in Paris?", tools=[WEATHER])
    [call] = calls_of(first)
    conversation = [
        {"role": "user", "content": [{"type": "input_text", "text": "What's the weather?"}]},
        call,
        {"type": "function_call_output", "call_id": call["call_id"], "output": "Sunny, 21 °C"},
    ]

    answer = created(http, input=conversation, tools=[WEATHER])

    assert calls_of(answer) == []
    assert text_of(answer) == "Based on the tool results: get_weather returned Sunny, 21 °C."


def test_tool_choice_none_and_a_named_function(http: httpx.Client) -> None:
    search = {"type": "function", "name": "search", "parameters": {"type": "object"}}
    prose = created(http, input="Weather in Paris?", tools=[WEATHER, search], tool_choice="none")
    named = created(
        http,
        input="Weather in Paris?",
        tools=[WEATHER, search],
        tool_choice={"type": "function", "name": "search"},
    )
    unknown = create(
        http, input="Hi", tools=[WEATHER], tool_choice={"type": "function", "name": "nope"}
    )

    assert calls_of(prose) == [] and text_of(prose)
    assert [c["name"] for c in calls_of(named)] == ["search"]
    assert unknown.status_code == 400
    assert "'nope'" in error_of(unknown)["message"]


def test_required_tool_choice_calls_a_tool_not_yet_called_so_an_agent_loop_ends(
    http: httpx.Client,
) -> None:
    """Driven like pydantic-ai: `required`, a work tool and the output tool; the loop feeds
    each call's result back until the output tool is called."""
    final = {
        "type": "function",
        "name": "final_result",
        "description": "Give the final answer",
        "parameters": {"type": "object", "properties": {"answer": {"type": "string"}}},
    }
    conversation: list[dict[str, Any]] = [{"role": "user", "content": "Weather in Paris?"}]
    called = []
    for _ in range(4):
        response = created(http, input=conversation, tools=[WEATHER, final], tool_choice="required")
        [call] = calls_of(response)
        called.append(call["name"])
        if call["name"] == "final_result":
            break
        output = {"type": "function_call_output", "call_id": call["call_id"], "output": "ok"}
        conversation += [call, output]

    assert called == ["get_weather", "final_result"]


def test_previous_response_id_continues_the_stored_conversation(http: httpx.Client) -> None:
    search = {"type": "function", "name": "search", "parameters": {"type": "object"}}
    first = created(
        http, input="Weather in Paris?", tools=[WEATHER, search], tool_choice="required"
    )
    [call] = calls_of(first)
    result = {"type": "function_call_output", "call_id": call["call_id"], "output": "Sunny"}

    second = created(
        http,
        input=[result],
        previous_response_id=first["id"],
        tools=[WEATHER, search],
        tool_choice="required",
    )
    lost = create(http, input="Hi", previous_response_id="resp_unknown")

    assert [c["name"] for c in calls_of(second)] == ["search"], "get_weather was called before"
    assert second["previous_response_id"] == first["id"]
    assert lost.status_code == 404 and "resp_unknown" in error_of(lost)["message"]


SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "minLength": 2},
        "population": {"type": "integer", "minimum": 1},
        "tags": {"type": "array", "items": {"enum": ["big", "old"]}, "minItems": 1},
    },
    "required": ["city", "population", "tags"],
    "additionalProperties": False,
}


def test_text_format_json_schema_is_answered_with_valid_json(http: httpx.Client) -> None:
    fmt = {"type": "json_schema", "name": "place", "strict": True, "schema": SCHEMA}
    response = created(http, input="Describe Lyon", text={"format": fmt})
    legacy = created(
        http,
        input="Describe Lyon",
        response_format={"type": "json_schema", "json_schema": {"name": "p", "schema": SCHEMA}},
    )

    jsonschema_rs.validator_for(SCHEMA).validate(json.loads(text_of(response)))
    jsonschema_rs.validator_for(SCHEMA).validate(json.loads(text_of(legacy)))
    assert response["text"] == {"format": fmt}


def test_text_format_json_object_is_answered_with_an_object(http: httpx.Client) -> None:
    response = created(http, text={"format": {"type": "json_object"}})

    assert isinstance(json.loads(text_of(response)), dict)


leaf_schemas = st.one_of(
    st.just({"type": "string"}),
    st.builds(lambda n: {"type": "string", "minLength": n}, st.integers(0, 30)),
    st.builds(lambda n: {"type": "integer", "minimum": n}, st.integers(-5, 5)),
    st.just({"type": "number", "exclusiveMinimum": 0}),
    st.just({"type": "boolean"}),
    st.lists(st.text(max_size=5), min_size=1, max_size=3, unique=True).map(lambda e: {"enum": e}),
)
object_schemas = st.recursive(
    leaf_schemas,
    lambda inner: st.one_of(
        st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), inner, max_size=4).map(
            lambda props: {"type": "object", "properties": props, "required": sorted(props)}
        ),
        st.builds(lambda items: {"type": "array", "items": items, "minItems": 1}, inner),
    ),
    max_leaves=6,
).map(lambda s: {"type": "object", "properties": {"value": s}, "required": ["value"]})


def test_any_schema_of_common_keywords_gets_valid_json(
    session_server: MockServer, session_http: httpx.Client
) -> None:
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(schema=object_schemas, stream=st.booleans())
    def check(schema: dict[str, Any], stream: bool) -> None:
        text = {"format": {"type": "json_schema", "name": "out", "schema": schema}}
        if stream:
            done = streamed(session_http, input="Answer", text=text)[-1]["response"]
        else:
            done = created(session_http, input="Answer", text=text)
        jsonschema_rs.validator_for(schema).validate(json.loads(text_of(done)))

    session_server.reset()
    check()


def test_max_output_tokens_cuts_the_answer_and_marks_it_incomplete(http: httpx.Client) -> None:
    response = created(http, input="Tell me a long story " * 10, max_output_tokens=3)

    assert response["status"] == "incomplete"
    assert response["incomplete_details"] == {"reason": "max_output_tokens"}
    assert len(text_of(response)) <= 12
    assert response["completed_at"] is None
    assert streamed(http, input="Tell me a story " * 10, max_output_tokens=3)[-1]["type"] == (
        "response.incomplete"
    )


@pytest.mark.parametrize(
    "body",
    [
        {"model": "m"},
        {"input": 3},
        {"input": "x", "max_output_tokens": 0},
        {"input": "x", "temperature": 3},
        {"input": "x", "tools": [{"type": "function"}]},
        {"input": "x", "tools": [{"type": "shell"}]},
        {"input": "x", "text": {"format": {"type": "yaml"}}},
        {"input": "x", "max_tool_calls": 11},
        {"input": "x", "stream": "true"},
    ],
)
def test_bodies_the_contract_refuses_are_422(http: httpx.Client, body: dict[str, Any]) -> None:
    response = http.post(PATH, json=body)

    assert response.status_code == 422, response.text
    assert error_of(response)["code"] == "validation_error"


def test_unknown_item_types_in_input_are_kept_and_skipped(http: httpx.Client) -> None:
    items = [
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"role": "user", "content": "Hello there"},
        {"type": "item_reference", "id": "msg_1"},
    ]
    response = created(http, input=items)

    assert "Hello there" in text_of(response)


# --------------------------------------------------------------------------- the stream


def test_the_stream_builds_the_same_response_event_by_event(http: httpx.Client) -> None:
    events = streamed(http, input="Count to three")
    kinds = [e["type"] for e in events]

    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
    final = events[-1]["response"]
    assert len(deltas) > 1 and "".join(deltas) == text_of(final)
    assert (
        events[0]["response"]["status"] == "in_progress" and events[0]["response"]["output"] == []
    )
    assert {e["response"]["id"] for e in events if "response" in e} == {final["id"]}
    same = created(http, input="Count to three")
    assert text_of(same) == text_of(final)
    assert set(same) == set(final)


def test_function_call_arguments_stream_in_fragments(
    server: MockServer, http: httpx.Client
) -> None:
    server.responses.function_call(
        "get_weather", {"city": "Paris", "unit": "c"}, stream={"argument_chunks": 5}
    )

    events = streamed(http, tools=[WEATHER])

    added = next(e for e in events if e["type"] == "response.output_item.added")
    assert added["item"]["type"] == "function_call" and added["item"]["arguments"] == ""
    deltas = [e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta"]
    done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    assert all(len(d) <= 5 for d in deltas) and "".join(deltas) == done["arguments"]
    assert json.loads(done["arguments"]) == {"city": "Paris", "unit": "c"}
    assert done["name"] == "get_weather"


# --------------------------------------------------------------------------- scripting


def test_scripted_text_objects_calls_and_overrides(server: MockServer, http: httpx.Client) -> None:
    server.responses.when(last_user="capital").reply(
        "Paris", id="resp_fixed", model="openai/gpt-4o", usage={"input_tokens": 5}
    )
    server.responses.when(text_format="json_schema").reply({"city": "Lyon"})
    server.responses.when(tools=["get_weather"]).function_calls(
        [{"name": "get_weather", "arguments": "{broken", "call_id": "call_x"}], text="Checking."
    )

    first = created(http)
    structured = created(http, text={"format": {"type": "json_schema", "schema": SCHEMA}})
    with_calls = created(http, input="Hi", tools=[WEATHER])

    assert text_of(first) == "Paris" and first["id"] == "resp_fixed"
    assert first["model"] == "openai/gpt-4o" and first["usage"]["input_tokens"] == 5
    assert json.loads(text_of(structured)) == {"city": "Lyon"}
    assert text_of(with_calls) == "Checking."
    assert calls_of(with_calls)[0]["arguments"] == "{broken"
    assert calls_of(with_calls)[0]["call_id"] == "call_x"


def test_a_refusal_and_a_failed_response(server: MockServer, http: httpx.Client) -> None:
    server.responses.refuse("I can't help with that.")
    server.responses.fail("server_error", "Upstream broke.", times=2)

    refused = created(http)
    failed = created(http)
    events = streamed(http)

    assert refused["output"][0]["content"] == [
        {"type": "refusal", "refusal": "I can't help with that."}
    ]
    assert failed["status"] == "failed"
    assert failed["error"] == {"code": "server_error", "message": "Upstream broke."}
    assert events[-1]["type"] == "response.failed"


def test_a_scripted_http_error(server: MockServer, http: httpx.Client) -> None:
    server.responses.when(stream=True).error(429, retry_after=2, message="Slow down")

    response = create(http, stream=True)

    assert response.status_code == 429 and response.headers["retry-after"] == "2"
    assert error_of(response)["message"] == "Slow down"


def test_explicit_chunks_cut_the_streamed_text(server: MockServer, http: httpx.Client) -> None:
    server.responses.reply_with(stream={"chunks": ["Hel", "lo ", "🦜"]})

    events = streamed(http)

    deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
    assert deltas == ["Hel", "lo ", "🦜"] and text_of(events[-1]["response"]) == "Hello 🦜"


def test_rules_match_tool_results_and_instructions(server: MockServer, http: httpx.Client) -> None:
    server.responses.when(tool_result="get_weather").reply("It is sunny.")
    server.responses.when(instructions="pirate").reply("Arr.")
    call = {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{}"}
    result = {"type": "function_call_output", "call_id": "c1", "output": "sun"}

    assert text_of(created(http, input=[call, result])) == "It is sunny."
    assert text_of(created(http, instructions="Talk like a pirate")) == "Arr."


def test_rules_answer_create_unless_they_name_another_operation(
    server: MockServer, http: httpx.Client
) -> None:
    rule = server.responses.reply("Scripted")
    server.responses.when(operation="get").error(503, message="Store down")
    job = created(http, background=True)

    listed = http.get(PATH)
    polled = http.get(f"{PATH}/{job['id']}")

    assert listed.status_code == 200, "a create rule is not used up by a listing"
    assert rule.call_count == 1
    assert polled.status_code == 503 and error_of(polled)["message"] == "Store down"


def test_scenario_files_and_the_admin_api_script_responses(
    server: MockServer, http: httpx.Client, tmp_path: Path
) -> None:
    path = tmp_path / "responses.json"
    rule = {
        "endpoint": "responses",
        "match": {"last_user": "file"},
        "reply": {"text": "From a file"},
    }
    path.write_text(json.dumps({"rules": [rule]}), encoding="utf-8")
    server.load(path)
    added = http.post(
        "/_mock/rules",
        json={
            "endpoint": "responses",
            "match": {"background": True},
            "reply": {"text": "Later", "progress": {"queued": 0, "in_progress": 10}},
        },
    )

    assert added.status_code == 201, added.text
    assert text_of(created(http, input="from a file")) == "From a file"
    job = created(http, background=True)
    assert job["status"] == "in_progress"
    server.clock.advance(10)
    assert text_of(http.get(f"{PATH}/{job['id']}").json()) == "Later"


def test_bad_rules_are_refused(server: MockServer, http: httpx.Client) -> None:
    for reply in (
        {},
        {"text": "x", "error": {"status": 500}},
        {"status": "completed", "failure": {"code": "x"}},
        {"text": "ab", "stream": {"chunks": ["a"]}},
        {"function_calls": [{"name": "f", "arguments": {"x": float("nan")}}]},
        {"text": "x", "progress": {"queued": -1}},
    ):
        response = http.post(
            "/_mock/rules",
            content=json.dumps({"endpoint": "responses", "reply": reply}),
            headers={"content-type": "application/json"},
        )
        assert response.status_code in (400, 422), (reply, response.text)
    assert server.rules == []


def test_journal_near_misses_and_strict_mode(server: MockServer, http: httpx.Client) -> None:
    server.responses.when(last_user="weather", stream=True).reply("Sunny")
    server.strict = True

    refused = create(http, input="Hello")
    job_list = http.get(PATH)

    assert refused.status_code == 404
    error = error_of(refused)
    assert error["code"] == "no_matching_rule"
    assert "last_user: expected text containing 'weather'" in error["message"]
    assert "stream: expected True, got False" in error["message"]
    assert job_list.status_code == 200, "listing serves stored data, strict or not"
    entries = server.responses.requests
    assert [(e.operation, e.status) for e in entries] == [("create", 404), ("list", 200)]
    assert entries[0].body["input"] == "Hello"


# --------------------------------------------------------------------------- background jobs


def test_a_background_job_moves_on_the_fakes_clock(server: MockServer, http: httpx.Client) -> None:
    job = created(http, background=True, input="Summarise the report")
    url = f"{PATH}/{job['id']}"

    assert job["status"] == "queued" and job["background"] is True
    assert job["output"] == [] and job["usage"] is None and job["completed_at"] is None
    assert http.get(url).json()["status"] == "queued"
    server.clock.advance(1)
    assert http.get(url).json()["status"] == "in_progress"
    server.clock.advance(1.5)
    assert http.get(url).json()["status"] == "in_progress"
    server.clock.advance(0.5)
    done = http.get(url).json()
    assert done["status"] == "completed"
    assert "Summarise the report" in text_of(done) and done["usage"]["total_tokens"] > 0
    assert done["completed_at"] == job["created_at"] + 3


def test_the_admin_api_advances_the_clock(server: MockServer, http: httpx.Client) -> None:
    job = created(http, background=True)
    before = http.get("/_mock/clock").json()

    moved = http.post("/_mock/clock/advance", json={"seconds": 3})
    bad = http.post("/_mock/clock/advance", json={"seconds": -1})

    assert moved.status_code == 200 and moved.json()["offset"] == 3
    assert moved.json()["now"] >= before["now"] + 3
    assert http.get(f"{PATH}/{job['id']}").json()["status"] == "completed"
    assert bad.status_code == 422 and error_of(bad)["code"] == "validation_error"


def test_a_streamed_background_job_is_stored_complete(http: httpx.Client) -> None:
    events = streamed(http, background=True)

    assert [e["type"] for e in events[:3]] == [
        "response.created",
        "response.queued",
        "response.in_progress",
    ]
    final = events[-1]["response"]
    assert http.get(f"{PATH}/{final['id']}").json() == final


def test_reset_forgets_responses_and_rewinds_the_clock(
    server: MockServer, http: httpx.Client
) -> None:
    job = created(http, background=True)
    server.clock.advance(60)

    server.reset()

    assert server.clock.offset == 0
    assert http.get(f"{PATH}/{job['id']}").status_code == 404
    assert http.get(PATH).json()["data"] == []


# --------------------------------------------------------------------------- list and get


def test_an_empty_list(http: httpx.Client) -> None:
    assert http.get(PATH).json() == {
        "object": "list",
        "data": [],
        "has_more": False,
        "first_id": None,
        "last_id": None,
    }


def test_pages_follow_the_cursor_newest_first(http: httpx.Client) -> None:
    ids = [created(http, background=True, input=f"job {n}")["id"] for n in range(5)]
    created(http, input="not a background job")

    pages, after = [], None
    while True:
        page = http.get(PATH, params={"limit": 2, **({"after": after} if after else {})}).json()
        pages.append([item["id"] for item in page["data"]])
        assert page["first_id"] == page["data"][0]["id"]
        assert page["last_id"] == page["data"][-1]["id"]
        if not page["has_more"]:
            break
        after = page["last_id"]

    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[:1]]
    item = http.get(PATH, params={"limit": 1}).json()["data"][0]
    assert item["object"] == "response" and item["provider"] == "openai"
    assert item["status"] == "queued" and item["usage_synced"] is False


def test_an_exact_page_has_no_more(http: httpx.Client) -> None:
    ids = [created(http, background=True)["id"] for _ in range(3)]

    page = http.get(PATH, params={"limit": 3}).json()
    after_last = http.get(PATH, params={"after": ids[0]}).json()

    assert page["has_more"] is False and len(page["data"]) == 3
    assert after_last["data"] == [] and after_last["has_more"] is False
    assert after_last["first_id"] is None and after_last["last_id"] is None


def test_an_unknown_cursor_or_id_is_a_404_and_bad_limits_422(http: httpx.Client) -> None:
    created(http, background=True)

    unknown_after = http.get(PATH, params={"after": "resp_nope"})
    unknown_id = http.get(f"{PATH}/resp_nope")

    assert unknown_after.status_code == 404 and error_of(unknown_after)["code"] == "not_found"
    assert unknown_id.status_code == 404 and "resp_nope" in error_of(unknown_id)["message"]
    for limit in ("0", "101", "x"):
        assert http.get(PATH, params={"limit": limit}).status_code == 422


def test_stored_responses_are_retrievable_unless_store_is_false(http: httpx.Client) -> None:
    kept = created(http)
    dropped = created(http, store=False)

    assert http.get(f"{PATH}/{kept['id']}").json() == kept
    assert http.get(f"{PATH}/{dropped['id']}").status_code == 404
    assert dropped["store"] is False


def test_the_store_forgets_the_oldest_past_its_limit(server: MockServer) -> None:
    with (
        MockServer() as small,
        httpx.Client(base_url=small.url, headers={"Authorization": "Bearer rsk_x"}) as client,
    ):
        small.state.store("responses", lambda: ResponseStore(limit=3))
        ids = [created(client, background=True)["id"] for _ in range(4)]

        listed = [item["id"] for item in client.get(PATH).json()["data"]]

        assert listed == ids[:0:-1]
        assert client.get(f"{PATH}/{ids[0]}").status_code == 404


@pytest.mark.parametrize(
    "bulk",
    ["lorem ipsum " * 4_000, "😀 " * 9_600],  # 48 kB of UTF-8 each: a few fit, eight do not
    ids=["ascii", "four-byte characters"],
)
def test_the_store_forgets_the_oldest_past_its_bytes(bulk: str) -> None:
    # 30 creates of a 20 MiB input once held ~700 MiB: the store counted entries only (and
    # then characters, where an emoji is four bytes).
    bound = 200_000
    with (
        MockServer(responses_max_bytes=bound) as small,
        httpx.Client(base_url=small.url, headers={"Authorization": "Bearer rsk_x"}) as client,
    ):
        ids = [created(client, input=f"{n} {bulk}")["id"] for n in range(8)]
        found = [client.get(f"{PATH}/{i}").status_code for i in ids]
        store = store_of(small.state)
        held, kept_entries = store.held_bytes, len(store)
        continued = create(client, input="And then?", previous_response_id=ids[0])
        config = client.get("/_mock/config").json()

    kept = found.count(200)
    assert found == [404] * (8 - kept) + [200] * kept, "the oldest go first"
    assert 2 <= kept < 8 and kept_entries == kept
    assert kept * len(bulk.encode()) < held <= bound
    assert continued.status_code == 404, "a forgotten response is unknown"
    assert error_of(continued)["code"] == "not_found"
    assert config["responses_max_bytes"] == bound


def test_the_newest_response_is_kept_even_past_the_bytes() -> None:
    with (
        MockServer(responses_max_bytes=1000) as small,
        httpx.Client(base_url=small.url, headers={"Authorization": "Bearer rsk_x"}) as client,
    ):
        first = created(client, input="x" * 5000, background=True)
        first_found = client.get(f"{PATH}/{first['id']}").status_code
        second = created(client, input="y" * 5000, background=True)
        found = [client.get(f"{PATH}/{r['id']}").status_code for r in (first, second)]

    assert first["status"] == "queued" and first_found == 200, "a job is read back at once"
    assert found == [404, 200]


def test_the_store_is_bounded_by_default(server: MockServer, http: httpx.Client) -> None:
    created(http)

    assert store_of(server.state).max_bytes == 64 * 1024 * 1024
    assert http.get("/_mock/config").json()["responses_max_bytes"] == 64 * 1024 * 1024


def test_a_hosted_tool_choice_is_accepted_and_calls_no_function(http: httpx.Client) -> None:
    response = created(http, tools=[WEATHER], tool_choice={"type": "file_search"})
    nameless = create(http, tools=[WEATHER], tool_choice={"type": "function"})

    assert calls_of(response) == [] and text_of(response)
    assert response["tool_choice"] == {"type": "file_search"}
    assert nameless.status_code == 422


def test_a_reply_function_builds_the_answer_from_the_request(
    server: MockServer, http: httpx.Client
) -> None:
    server.responses.when(nth=2).respond(lambda request: [{"name": "f", "arguments": {"n": 2}}])
    server.responses.respond(lambda request: f"You said {request.input}", times=None)

    first = created(http, input="one")
    second = created(http, input="two")
    third = created(http, input="three")

    assert text_of(first) == "You said one" and text_of(third) == "You said three"
    assert [(c["name"], c["arguments"]) for c in calls_of(second)] == [("f", '{"n": 2}')]
