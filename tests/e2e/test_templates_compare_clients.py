"""Templates and compare through real clients over a real port: the bundled SDK (sync and
async) and the official `meshapi` 0.1.11 SDK in its own environment (a subprocess)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from meshapi import (
    AsyncMeshAPI,
    ChatCompletionParams,
    ChatMessage,
    CompareParams,
    CreateTemplateParams,
    MeshAPI,
    MeshAPIError,
    ModelOverride,
    UpdateTemplateParams,
)
from meshapi_mock import MockServer
from support.official_sdk import official_python, run_script

TOKEN = "rsk_clients"
MODELS = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4.5"]
ASK = [ChatMessage(role="user", content="How do I reset my password?")]
SUPPORT = CreateTemplateParams(
    name="support-agent",
    system="You are a support agent for {{company}}. Be concise and friendly.",
    model="openai/gpt-4o",
    params={"temperature": 0.2},
    variables=["company"],
)


@pytest.fixture
def client(server: MockServer) -> Iterator[MeshAPI]:
    with MeshAPI(base_url=server.url, token=TOKEN, max_retries=0) as sdk:
        yield sdk


# --------------------------------------------------------------------------- bundled, sync


def test_template_crud_with_the_bundled_sdk(client: MeshAPI, server: MockServer) -> None:
    created = client.templates.create(SUPPORT)
    listed = client.templates.list()
    updated = client.templates.update(created.id, UpdateTemplateParams(model="openai/gpt-4o-mini"))
    fetched = client.templates.get(created.id)
    with pytest.raises(MeshAPIError) as taken:
        client.templates.create(CreateTemplateParams(name="support-agent"))
    client.templates.delete(created.id)
    with pytest.raises(MeshAPIError) as gone:
        client.templates.get(created.id)

    assert [t.id for t in listed] == [created.id] and created.is_global is False
    assert updated.model == "openai/gpt-4o-mini" and updated.system == SUPPORT.system
    assert fetched == updated and updated.updated_at > created.updated_at
    assert (taken.value.status, taken.value.error_code) == (409, "conflict")
    assert (gone.value.status, gone.value.error_code) == (404, "not_found")
    assert client.templates.list() == []
    assert [e.status for e in server.templates.requests] == [201, 200, 200, 200, 409, 204, 404, 200]


def test_chat_with_a_template_and_variables(client: MeshAPI, server: MockServer) -> None:
    client.templates.create(SUPPORT)
    server.chat.when(system="support agent for Acme").reply("Use the reset link.")

    reply = client.chat.completions.create(
        ChatCompletionParams(messages=ASK, template="support-agent", variables={"company": "Acme"})
    )
    with pytest.raises(MeshAPIError) as missing:
        client.chat.completions.create(ChatCompletionParams(messages=ASK, template="support-agent"))

    assert reply.choices[0].message.content == "Use the reset link."
    assert reply.model == "openai/gpt-4o"
    rendered = server.chat.requests[0].rendered
    assert rendered is not None and rendered["temperature"] == 0.2
    assert rendered["messages"][0]["content"].startswith("You are a support agent for Acme.")
    assert (missing.value.status, missing.value.error_code) == (422, "validation_error")
    assert "'company'" in missing.value.message


def test_compare_create_and_stream_with_the_bundled_sdk(
    client: MeshAPI, server: MockServer
) -> None:
    server.chat.when(model="openai/*").reply("Click 'Forgot password'.", times=None)
    server.chat.when(model="anthropic/*").error(503, times=None)
    server.compare.comparison("Only GPT answered.", times=None)
    params = CompareParams(
        models=MODELS,
        messages=ASK,
        model_overrides=[ModelOverride(model=MODELS[0], temperature=0.1)],
    )

    result = client.compare.create(params)
    events = list(client.compare.stream(params))

    assert [r.model for r in result.results] == MODELS
    assert result.results[0].content == "Click 'Forgot password'."
    assert result.results[1].error_code == "upstream_error" and result.results[1].content is None
    assert result.partial is True and result.comparison == "Only GPT answered."
    names = [e.event for e in events]
    assert names[0] == "start" and names[-1] == "summary"
    text = "".join(e.delta or "" for e in events if e.event == "delta" and e.model == MODELS[0])
    assert text == result.results[0].content
    done = {e.model: e.error_code for e in events if e.event == "model_done"}
    assert done == {MODELS[0]: None, MODELS[1]: "upstream_error"}
    assert events[-1].data is not None and events[-1].data["comparison"] == "Only GPT answered."


def test_skip_comparison_with_the_bundled_sdk(client: MeshAPI, server: MockServer) -> None:
    result = client.compare.create(CompareParams(models=MODELS, messages=ASK, skip_comparison=True))

    assert result.skip_comparison is True and result.comparison is None
    assert all(r.content for r in result.results)


# --------------------------------------------------------------------------- bundled, async


@pytest.mark.anyio
async def test_templates_and_compare_with_the_async_sdk(server: MockServer) -> None:
    server.chat.when(model="anthropic/*").error(429)
    async with AsyncMeshAPI(base_url=server.url, token=TOKEN, max_retries=0) as client:
        created = await client.templates.create(SUPPORT)
        await client.templates.update(created.id, UpdateTemplateParams(description="v2"))
        listed = await client.templates.list()
        compared = await client.compare.create(
            CompareParams(
                models=MODELS, messages=ASK, template="support-agent", variables={"company": "X"}
            )
        )
        events = [
            event
            async for event in client.compare.stream(
                CompareParams(models=MODELS, messages=ASK, skip_comparison=True)
            )
        ]
        await client.templates.delete(created.id)
        with pytest.raises(MeshAPIError) as gone:
            await client.templates.get(created.id)

    assert listed[0].description == "v2"
    assert compared.results[1].error_code == "rate_limit_exceeded" and compared.partial
    assert compared.comparison is not None
    assert {e.event for e in events} == {"start", "delta", "model_done", "summary"}
    assert gone.value.status == 404
    rendered = server.compare.requests[0].rendered
    assert rendered is not None and rendered["messages"][0]["content"].startswith(
        "You are a support agent for X."
    )


# --------------------------------------------------------------------------- official SDK


@pytest.fixture(scope="module")
def official() -> Path:
    return official_python()


def drive(official: Path, server: MockServer, code: str) -> Any:
    prelude = """
        from meshapi import (
            MeshAPI, MeshAPIError, ChatCompletionParams, ChatMessage, CompareParams,
            CreateTemplateParams, ModelOverride, UpdateTemplateParams,
        )
        client = MeshAPI(base_url=URL, token="rsk_official", max_retries=0)
    """
    return run_script(official, textwrap.dedent(prelude) + textwrap.dedent(code), URL=server.url)


def test_templates_with_the_official_sdk(official: Path, server: MockServer) -> None:
    server.chat.when(system="agent for Acme").reply("Use the reset link.")

    seen = drive(
        official,
        server,
        """
        made = client.templates.create(CreateTemplateParams(
            name="support-agent", system="You are a support agent for {{company}}.",
            model="openai/gpt-4o", variables=["company"]))
        reply = client.chat.completions.create(ChatCompletionParams(
            messages=[ChatMessage(role="user", content="Help")],
            template="support-agent", variables={"company": "Acme"}))
        updated = client.templates.update(made.id, UpdateTemplateParams(description="v2"))
        errors = []
        for call in (
            lambda: client.templates.create(CreateTemplateParams(name="support-agent")),
            lambda: client.chat.completions.create(ChatCompletionParams(
                messages=[ChatMessage(role="user", content="Help")], template="support-agent")),
        ):
            try:
                call()
            except MeshAPIError as exc:
                errors.append([exc.status, exc.error_code])
        listed = client.templates.list()
        client.templates.delete(made.id)
        try:
            client.templates.get(made.id)
        except MeshAPIError as exc:
            errors.append([exc.status, exc.error_code])
        emit({
            "id": made.id, "owner": made.owner, "created_at": made.created_at,
            "text": reply.choices[0].message.content, "model": reply.model,
            "description": updated.description, "listed": [t.name for t in listed],
            "errors": errors, "after": [t.id for t in client.templates.list()],
        })
        """,
    )

    assert seen["text"] == "Use the reset link." and seen["model"] == "openai/gpt-4o"
    assert seen["description"] == "v2" and seen["listed"] == ["support-agent"]
    assert seen["errors"] == [[409, "conflict"], [422, "validation_error"], [404, "not_found"]]
    assert seen["after"] == [] and seen["owner"] and seen["created_at"].endswith("Z")


def test_compare_with_the_official_sdk(official: Path, server: MockServer) -> None:
    server.chat.when(model="openai/*").reply("Reset it from settings.", times=None)
    server.chat.when(model="anthropic/*").error(502, times=None)

    seen = drive(
        official,
        server,
        """
        params = CompareParams(
            models=["openai/gpt-4o-mini", "anthropic/claude-sonnet-4.5"],
            messages=[ChatMessage(role="user", content="How do I reset my password?")],
            model_overrides=[ModelOverride(model="openai/gpt-4o-mini", max_tokens=50)],
            comparison_instructions="Which is more useful?",
        )
        result = client.compare.create(params)
        events = list(client.compare.stream(params))
        skipped = client.compare.create(CompareParams(
            models=["openai/gpt-4o-mini"], skip_comparison=True,
            messages=[ChatMessage(role="user", content="Hi")]))
        emit({
            "results": [[r.model, r.content, r.error_code, r.latency_ms] for r in result.results],
            "partial": result.partial, "comparison": result.comparison,
            "events": [e.event for e in events],
            "deltas": "".join(e.delta or "" for e in events
                              if e.event == "delta" and e.model == "openai/gpt-4o-mini"),
            "delta_data": [e.data for e in events if e.event == "delta"][:1],
            "done": [[e.model, e.error_code] for e in events if e.event == "model_done"],
            "summary": events[-1].data["partial"],
            "skipped": [skipped.skip_comparison, skipped.comparison],
        })
        """,
    )

    (ok, failed) = seen["results"]
    assert ok[:3] == ["openai/gpt-4o-mini", "Reset it from settings.", None] and ok[3] > 0
    assert failed[1:3] == [None, "upstream_error"]
    assert seen["partial"] is True and "Which is more useful?" in seen["comparison"]
    assert seen["events"][0] == "start" and seen["events"][-1] == "summary"
    assert seen["deltas"] == "Reset it from settings."
    assert seen["delta_data"] == [{"model": "openai/gpt-4o-mini", "delta": "Reset"}]
    assert sorted(seen["done"]) == [
        ["anthropic/claude-sonnet-4.5", "upstream_error"],
        ["openai/gpt-4o-mini", None],
    ]
    assert seen["summary"] is True and seen["skipped"] == [True, None]


def test_a_whole_conversation_template_with_the_official_sdk(
    official: Path, server: MockServer
) -> None:
    """The official SDK always sends `messages`; `[]` beside a template is how it asks for
    the template's conversation alone, on chat and on compare."""
    server.templates.add(
        "faq",
        system="You answer questions about {{product}}.",
        messages=[{"role": "user", "content": "How do I install {{product}}?"}],
        model="openai/gpt-4o",
    )
    server.chat.when(last_user="install Widget").reply("Run the installer.", times=None)

    seen = drive(
        official,
        server,
        """
        chat = client.chat.completions.create(ChatCompletionParams(
            messages=[], template="faq", variables={"product": "Widget"}))
        compared = client.compare.create(CompareParams(
            models=["openai/gpt-4o-mini"], messages=[], skip_comparison=True,
            template="faq", variables={"product": "Widget"}))
        try:
            client.chat.completions.create(ChatCompletionParams(messages=[]))
            refused = None
        except MeshAPIError as exc:
            refused = [exc.status, exc.error_code]
        emit({
            "chat": [chat.model, chat.choices[0].message.content],
            "compared": [r.content for r in compared.results],
            "refused": refused,
        })
        """,
    )

    assert seen["chat"] == ["openai/gpt-4o", "Run the installer."]
    assert seen["compared"] == ["Run the installer."]
    assert seen["refused"] == [422, "validation_error"]
