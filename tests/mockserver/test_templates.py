"""Prompt templates over real HTTP: the `/v1/templates` store and `template` + `variables`.

CRUD answers as the contract says (201, bare array, partial update, 204, 404, 409);
the store is deterministic, bounded and reset with the fake; a chat request that names
a template is matched, answered and journaled as the conversation the model would see.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections import Counter
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshapi_mock import MockServer
from meshapi_mock.config import ServerConfig
from meshapi_mock.endpoints.templates.store import MAX_TEMPLATE_BYTES, MAX_TEMPLATES
from meshapi_mock.openapi import openapi_document
from schemathesis.config import SchemathesisConfig
from support.wire import chat, error_of

TEMPLATES = "/v1/templates"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
SUPPORT = {
    "name": "support-agent",
    "description": "Support answers",
    "system": "You are a support agent for {{company}}. Be {{ tone }}.",
    "messages": [{"role": "user", "content": "My order number is {{order}}."}],
    "model": "openai/gpt-4o",
    "params": {"temperature": 0.3, "max_tokens": 50},
    "variables": ["company", "tone", "order"],
}
VALUES = {"company": "Acme", "tone": "brief", "order": "A-17"}


def create(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = http.post(TEMPLATES, json=fields or SUPPORT)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# --------------------------------------------------------------------------- CRUD


def test_create_answers_201_with_a_template_summary(server: MockServer, http: httpx.Client) -> None:
    created = create(http, **SUPPORT, team_id="team-1")

    assert uuid.UUID(created["id"]).version == 4
    assert uuid.UUID(created["owner"]).version == 4
    assert created["is_global"] is False
    assert ISO.match(created["created_at"]) and created["updated_at"] == created["created_at"]
    for field, value in SUPPORT.items():
        assert created[field] == value, field
    assert "team_id" not in created
    assert http.get(f"{TEMPLATES}/{created['id']}").json() == created


def test_list_is_a_bare_array_oldest_first(server: MockServer, http: httpx.Client) -> None:
    assert http.get(TEMPLATES).json() == []
    first, second = create(http, name="one"), create(http, name="two", system="Hi")

    assert http.get(TEMPLATES).json() == [first, second]
    assert first["created_at"] < second["created_at"]


def test_update_changes_only_what_it_is_given(server: MockServer, http: httpx.Client) -> None:
    created = create(http)

    response = http.patch(
        f"{TEMPLATES}/{created['id']}", json={"model": "openai/gpt-4o-mini", "description": None}
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["model"] == "openai/gpt-4o-mini"
    assert updated["description"] is None, "null clears a field"
    unchanged = {k: v for k, v in created.items() if k not in ("model", "description")}
    assert {k: updated[k] for k in unchanged if k != "updated_at"} == {
        k: v for k, v in unchanged.items() if k != "updated_at"
    }
    assert updated["updated_at"] > created["updated_at"] == updated["created_at"]
    assert http.get(f"{TEMPLATES}/{created['id']}").json() == updated


def test_a_name_cannot_be_cleared(server: MockServer, http: httpx.Client) -> None:
    created = create(http)

    response = http.patch(f"{TEMPLATES}/{created['id']}", json={"name": None})

    assert response.status_code == 422
    assert error_of(response)["details"][0]["loc"] == ["body", "name"]
    assert http.get(f"{TEMPLATES}/{created['id']}").json()["name"] == SUPPORT["name"]


def test_delete_answers_204_and_the_template_is_gone(
    server: MockServer, http: httpx.Client
) -> None:
    created = create(http)
    item = f"{TEMPLATES}/{created['id']}"

    deleted = http.delete(item)

    assert deleted.status_code == 204 and deleted.content == b""
    for response in (http.get(item), http.patch(item, json={}), http.delete(item)):
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    assert http.get(TEMPLATES).json() == []


def test_unknown_ids_are_404(server: MockServer, http: httpx.Client) -> None:
    create(http)
    for response in (
        http.get(f"{TEMPLATES}/{uuid.uuid4()}"),
        http.get(f"{TEMPLATES}/{SUPPORT['name']}"),  # by id only: names are for requests
        http.patch(f"{TEMPLATES}/nope", json={"model": "x"}),
        http.delete(f"{TEMPLATES}/nope"),
    ):
        assert response.status_code == 404, response.request
        assert error_of(response)["code"] == "not_found"


def test_a_taken_name_is_a_409_conflict(server: MockServer, http: httpx.Client) -> None:
    first = create(http, name="greeting")
    second = create(http, name="farewell")

    again = http.post(TEMPLATES, json={"name": "greeting", "system": "other"})
    renamed = http.patch(f"{TEMPLATES}/{second['id']}", json={"name": "greeting"})

    for response in (again, renamed):
        assert response.status_code == 409
        assert error_of(response)["code"] == "conflict"
        assert first["id"] in error_of(response)["message"]
    assert [t["name"] for t in http.get(TEMPLATES).json()] == ["greeting", "farewell"]
    assert http.patch(f"{TEMPLATES}/{first['id']}", json={"name": "greeting"}).status_code == 200


def test_bodies_are_checked(server: MockServer, http: httpx.Client) -> None:
    bad = [
        {},
        {"name": ""},
        {"name": "x", "messages": [{"role": "robot", "content": "hi"}]},
        {"name": "x", "variables": "company"},
        {"name": "x", "params": [1]},
    ]
    for body in bad:
        response = http.post(TEMPLATES, json=body)
        assert response.status_code == 422, body
        assert error_of(response)["code"] == "validation_error"
    assert http.get(TEMPLATES).json() == []


def test_global_templates_are_listed_and_read_only(server: MockServer, http: httpx.Client) -> None:
    shared = server.templates.add("house-style", system="Write plainly.", is_global=True)

    (listed,) = http.get(TEMPLATES).json()
    assert listed["is_global"] is True and listed["owner"] is None
    for response in (
        http.patch(f"{TEMPLATES}/{shared.id}", json={"system": "Shout."}),
        http.delete(f"{TEMPLATES}/{shared.id}"),
    ):
        assert response.status_code == 403
        assert error_of(response)["code"] == "forbidden"
    assert http.get(f"{TEMPLATES}/{shared.id}").json()["system"] == "Write plainly."


# --------------------------------------------------------------------------- the store


def test_ids_and_times_follow_the_seed_and_reset_starts_over() -> None:
    def ids(seed: int) -> list[str]:
        auth = {"Authorization": "Bearer rsk_x"}
        with (
            MockServer(ServerConfig(seed=seed)) as fake,
            httpx.Client(base_url=fake.url, headers=auth) as h,
        ):
            made = [create(h, name=name)["id"] for name in ("a", "b")]
            fake.reset()
            assert h.get(TEMPLATES).json() == []
            assert create(h, name="c")["id"] == made[0], "ids start over after a reset"
            return made

    assert ids(0) == ids(0)
    assert ids(0) != ids(7)
    assert len(set(ids(0))) == 2


def test_python_adds_templates_checked_like_the_api(server: MockServer, http: httpx.Client) -> None:
    added = server.templates.add("greeting", system="Hello {{name}}", variables=["name"])

    assert http.get(f"{TEMPLATES}/{added.id}").json() == added.to_wire()
    assert server.templates.find("greeting") == added == server.templates.find(added.id)
    assert server.templates.stored == [added]
    with pytest.raises(ValueError, match="already exists"):
        server.templates.add("greeting")
    with pytest.raises(ValueError, match="role"):
        server.templates.add("bad", messages=[{"role": "robot", "content": "x"}])
    server.reset()
    assert server.templates.stored == []


def test_the_store_is_bounded(server: MockServer, http: httpx.Client) -> None:
    huge = http.post(TEMPLATES, json={"name": "huge", "system": "x" * MAX_TEMPLATE_BYTES})
    assert huge.status_code == 413
    assert error_of(huge)["code"] == "payload_too_large"

    for index in range(MAX_TEMPLATES):
        server.templates.add(f"t{index}")
    full = http.post(TEMPLATES, json={"name": "one-more"})

    assert full.status_code == 400
    assert "at most 1000 templates" in error_of(full)["message"]
    assert len(http.get(TEMPLATES).json()) == MAX_TEMPLATES
    http.delete(f"{TEMPLATES}/{server.templates.stored[0].id}")
    assert http.post(TEMPLATES, json={"name": "one-more"}).status_code == 201


# --------------------------------------------------------------------------- scripting


def test_template_calls_can_be_scripted_to_fail(server: MockServer, http: httpx.Client) -> None:
    rule = server.templates.when(operation="create").error(409, message="taken upstream")
    server.templates.when(operation="list").error(503, retry_after=1)

    refused = http.post(TEMPLATES, json={"name": "x"})
    unavailable = http.get(TEMPLATES)

    assert refused.status_code == 409 and error_of(refused)["message"] == "taken upstream"
    assert unavailable.status_code == 503 and unavailable.headers["retry-after"] == "1"
    assert rule.call_count == 1
    assert server.templates.stored == [], "a scripted error stores nothing"
    assert create(http, name="x")["name"] == "x", "the rule was used up"
    assert [e.operation for e in server.templates.requests] == ["create", "list", "create"]


def test_template_rules_come_from_files_and_the_admin_api(
    server: MockServer, http: httpx.Client
) -> None:
    added = http.post(
        "/_mock/rules",
        json={
            "endpoint": "templates",
            "match": {"operation": "delete"},
            "reply": {"error": {"status": 500}},
        },
    )
    assert added.status_code == 201, added.text
    created = create(http)

    assert http.delete(f"{TEMPLATES}/{created['id']}").status_code == 500
    assert http.delete(f"{TEMPLATES}/{created['id']}").status_code == 204


# --------------------------------------------------------------------------- use in chat


def test_chat_fills_the_template_and_journals_what_the_model_saw(
    server: MockServer, http: httpx.Client
) -> None:
    create(http)

    response = chat(
        http,
        model=None,
        template="support-agent",
        variables=VALUES,
        messages=[{"role": "user", "content": "Where is it?"}],
    )

    assert response.status_code == 200, response.text
    assert response.json()["model"] == "openai/gpt-4o", "the template's model"
    entry = server.chat.requests[-1]
    assert entry.body["messages"] == [{"role": "user", "content": "Where is it?"}]
    assert entry.rendered is not None
    assert entry.rendered["messages"] == [
        {"role": "system", "content": "You are a support agent for Acme. Be brief."},
        {"role": "user", "content": "My order number is A-17."},
        {"role": "user", "content": "Where is it?"},
    ]
    assert entry.rendered["temperature"] == 0.3 and entry.rendered["max_tokens"] == 50
    assert http.get("/_mock/requests").json()[-1]["rendered"] == entry.rendered
    server.assert_called_with("support agent for Acme", role="system")


def test_rules_match_the_rendered_conversation(server: MockServer, http: httpx.Client) -> None:
    create(http)
    server.chat.when(system="agent for Acme", last_user="Where").reply("In transit")
    server.chat.when(any_message="A-17").reply("Order A-17")

    first = chat(http, template="support-agent", variables=VALUES, messages=[_ask("Where?")])
    second = chat(http, template="support-agent", variables=VALUES, messages=[_ask("Status?")])

    assert first.json()["choices"][0]["message"]["content"] == "In transit"
    assert second.json()["choices"][0]["message"]["content"] == "Order A-17"


def test_the_request_s_own_settings_win_over_the_template_s(
    server: MockServer, http: httpx.Client
) -> None:
    template = create(http)

    response = chat(
        http,
        model="openai/gpt-4o-mini",
        template=template["id"],  # by id works too
        variables=VALUES,
        temperature=1.5,
        messages=[_ask("hi")],
    )

    assert response.json()["model"] == "openai/gpt-4o-mini"
    rendered = server.chat.requests[-1].rendered
    assert rendered is not None
    assert rendered["temperature"] == 1.5 and rendered["max_tokens"] == 50


def test_a_missing_variable_is_a_422_naming_it(server: MockServer, http: httpx.Client) -> None:
    create(http)

    response = chat(
        http, template="support-agent", variables={"company": "Acme"}, messages=[_ask("hi")]
    )

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert "'tone'" in error["message"] and "'order'" in error["message"]
    assert [d["loc"] for d in error["details"]] == [
        ["body", "variables", "tone"],
        ["body", "variables", "order"],
    ]
    assert server.chat.requests[-1].error_code == "validation_error"


def test_an_unknown_template_is_a_404(server: MockServer, http: httpx.Client) -> None:
    server.chat.reply("never")

    response = chat(http, template="nope", messages=[_ask("hi")])

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert "'nope'" in error_of(response)["message"]
    assert server.rules[0].call_count == 0


def test_params_that_break_the_request_are_the_template_s_422(
    server: MockServer, http: httpx.Client
) -> None:
    server.templates.add("hot", params={"temperature": 5})

    response = chat(http, template="hot", messages=[_ask("hi")])

    assert response.status_code == 422
    error = error_of(response)
    assert error["message"].startswith("Template 'hot' makes the request invalid: temperature")
    assert error["details"][0]["loc"] == ["template", "hot", "temperature"]


def test_strict_mode_reports_the_rendered_request(server: MockServer, http: httpx.Client) -> None:
    create(http)
    server.strict = True
    server.chat.when(system="Globex").reply("never")

    response = chat(
        http, model=None, template="support-agent", variables=VALUES, messages=[_ask("hi")]
    )

    assert response.status_code == 404
    message = error_of(response)["message"]
    assert error_of(response)["code"] == "no_matching_rule"
    assert "model='openai/gpt-4o'" in message
    assert "got 'You are a support agent for Acme. Be brief.'" in message


CONVERSATIONS = {
    "chat": ("/v1/chat/completions", {}),
    "compare": ("/v1/chat/compare", {"models": ["openai/gpt-4o", "openai/gpt-4o-mini"]}),
}


@pytest.mark.parametrize("operation", CONVERSATIONS)
def test_a_template_that_holds_the_whole_conversation_needs_no_messages(
    server: MockServer, http: httpx.Client, operation: str
) -> None:
    """`messages: []` is what the official SDK sends when the template says it all; the
    check that a conversation is not empty runs on the filled-in request."""
    create(http)
    path, extra = CONVERSATIONS[operation]

    response = http.post(
        path, json={**extra, "template": "support-agent", "variables": VALUES, "messages": []}
    )

    assert response.status_code == 200, response.text
    rendered = server.requests[-1].rendered
    assert rendered is not None
    assert rendered["messages"] == [
        {"role": "system", "content": "You are a support agent for Acme. Be brief."},
        {"role": "user", "content": "My order number is A-17."},
    ]


@pytest.mark.parametrize("operation", CONVERSATIONS)
def test_no_messages_and_nothing_from_a_template_is_a_422(
    server: MockServer, http: httpx.Client, operation: str
) -> None:
    server.templates.add("bare", model="openai/gpt-4o")  # no system prompt, no messages
    path, extra = CONVERSATIONS[operation]

    no_template = http.post(path, json={**extra, "messages": []})
    null_template = http.post(path, json={**extra, "messages": [], "template": None})
    empty_template = http.post(path, json={**extra, "messages": [], "template": "bare"})

    for response in (no_template, null_template):
        assert response.status_code == 422, response.text
        (detail,) = error_of(response)["details"]
        assert (detail["type"], detail["loc"]) == ("too_short", ["body", "messages"])
    assert empty_template.status_code == 422, empty_template.text
    error = error_of(empty_template)
    assert error["message"] == (
        "Template 'bare' makes the request invalid: messages: the template has no system "
        "prompt or messages and the request no messages, so the conversation is empty"
    )
    assert error["details"][0]["loc"] == ["template", "bare", "messages"]


def _ask(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


slot_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
plain_text = st.text(
    alphabet=st.characters(exclude_characters="{}", exclude_categories=["Cs"]), max_size=12
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    pieces=st.lists(st.tuples(plain_text, slot_names, st.booleans()), min_size=1, max_size=4),
    values=st.dictionaries(slot_names, st.text(max_size=8)),
)
def test_every_slot_is_filled_with_its_value_verbatim(
    session_server: MockServer,
    session_http: httpx.Client,
    pieces: list[tuple[str, str, bool]],
    values: dict[str, str],
) -> None:
    """Text around the slots is kept; each slot becomes its value, never expanded again;
    a slot without a value is a 422 naming it."""
    session_server.reset()
    system = "".join(
        f"{text}{{{{ {name} }}}}" if spaced else f"{text}{{{{{name}}}}}"
        for text, name, spaced in pieces
    )
    session_server.templates.add("t", system=system)
    values = {name: f"{{{{{name}}}}}{value}" for name, value in values.items()}  # slot-like values

    response = chat(session_http, template="t", variables=values, messages=[_ask("x")])

    missing = [name for _, name, _ in pieces if name not in values]
    if missing:
        assert response.status_code == 422
        assert repr(missing[0]) in error_of(response)["message"]
        return
    assert response.status_code == 200, response.text
    rendered = session_server.chat.requests[-1].rendered
    assert rendered is not None
    expected = "".join(text + values[name] for text, name, _ in pieces)
    assert rendered["messages"][0] == {"role": "system", "content": expected}


# --------------------------------------------------------------------------- stateful


def test_schemathesis_follows_the_links_from_create_to_get_update_delete() -> None:
    """Stateful checks (`use_after_free`, `ensure_resource_availability`, …) with every
    other check on, over scenarios that start from a create and use what it made."""
    document = copy.deepcopy(openapi_document())
    # Schemathesis reads `team_id` as a reference to a Team resource nothing creates and so
    # would never start a scenario with a create; the fake ignores the field anyway.
    del document["components"]["schemas"]["CreateTemplateRequest"]["properties"]["team_id"]
    config = SchemathesisConfig.from_dict(
        {
            "seed": 0,
            "headers": {"Authorization": "Bearer rsk_stateful"},
            "generation": {"deterministic": True, "database": "none"},
        }
    )
    config.projects.override.checks.update(
        included_check_names=["all"], excluded_check_names=["max_response_time"]
    )
    schema = schemathesis.openapi.from_dict(document, config=config).include(
        path_regex="^/v1/templates"
    )
    seen: Counter[tuple[str, int]] = Counter()

    with MockServer() as fake:

        class Workflow(schema.as_state_machine()):  # type: ignore[misc]
            def setup(self) -> None:
                fake.reset()  # each scenario starts from an empty store: reproducible

            def get_call_kwargs(self, case: Any) -> dict[str, Any]:
                return {"base_url": fake.url}

            def after_call(self, response: Any, case: Any) -> None:
                super().after_call(response, case)
                seen[(case.operation.label, response.status_code)] += 1

        Workflow.run(
            settings=hypothesis.settings(
                max_examples=40,
                stateful_step_count=8,
                deadline=None,
                database=None,
                derandomize=True,
            )
        )

    item = "/v1/templates/{template_id}"
    for done in [("POST /v1/templates", 201), (f"GET {item}", 200), (f"PATCH {item}", 200)]:
        assert seen[done] > 0, seen
    assert seen[(f"DELETE {item}", 204)] > 0, seen


def test_the_unused_rule_report_explains_against_the_rendered_request(
    server: MockServer, http: httpx.Client
) -> None:
    from meshapi_mock.report import unused_rules_report

    create(http)
    server.chat.when(system="Globex").reply("never")
    chat(http, template="support-agent", variables=VALUES, messages=[_ask("hi")])

    report = unused_rules_report(server) or ""

    assert "got 'You are a support agent for Acme. Be brief.'" in report, report


def test_responses_fill_the_template_ahead_of_the_input(
    server: MockServer, http: httpx.Client
) -> None:
    create(http)
    server.responses.when(instructions="agent for Acme", last_user="Where").reply("In transit")

    response = http.post(
        "/v1/responses",
        json={"input": "Where is it?", "template": "support-agent", "variables": VALUES},
    )
    missing = http.post("/v1/responses", json={"input": "x", "template": "support-agent"})

    assert response.status_code == 200, response.text
    assert response.json()["model"] == "openai/gpt-4o"
    assert response.json()["output"][0]["content"][0]["text"] == "In transit"
    rendered = server.responses.requests[0].rendered
    assert rendered is not None
    assert rendered["input"] == [
        {"role": "system", "content": "You are a support agent for Acme. Be brief."},
        {"role": "user", "content": "My order number is A-17."},
        {"role": "user", "content": "Where is it?"},
    ]
    assert rendered["temperature"] == 0.3
    assert missing.status_code == 422 and "'company'" in error_of(missing)["message"]
