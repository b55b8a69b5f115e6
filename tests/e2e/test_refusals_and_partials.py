"""Refusals and partial answers, for chat and the Responses API, as clients read them.

An app must tell "the model declined" and "the model was cut off" from an answer, streamed
or not; these are scripted with one verb each and read back through the `openai` SDK and
the bundled SDK.
"""

from __future__ import annotations

import pytest
from meshapi import MeshAPI
from meshapi_mock import MockServer
from openai import OpenAI
from openai.types.chat import ChatCompletionMessageParam

MODEL = "openai/gpt-4o-mini"
ASK: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Tell me a long story"}]


def openai_client(server: MockServer) -> OpenAI:
    return OpenAI(base_url=server.url + "/v1", api_key="rsk_openai", max_retries=0)


@pytest.mark.parametrize("stream", [False, True])
def test_a_chat_partial_answer_reads_as_cut_off(server: MockServer, stream: bool) -> None:
    server.chat.partial("Once upon a time, there", times=2)
    client = openai_client(server)

    if stream:
        chunks = list(client.chat.completions.create(model=MODEL, messages=ASK, stream=True))
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        reasons = [c.choices[0].finish_reason for c in chunks if c.choices]
        finish = next(r for r in reasons if r is not None)
    else:
        completion = client.chat.completions.create(model=MODEL, messages=ASK)
        text = completion.choices[0].message.content or ""
        finish = completion.choices[0].finish_reason

    assert (text, finish) == ("Once upon a time, there", "length")
    with MeshAPI(token="rsk_ours", base_url=server.url) as ours:
        response = ours.chat.completions.create(
            {"model": MODEL, "messages": [{"role": "user", "content": "again"}]}
        )
    assert response.choices[0].finish_reason == "length"


def test_a_chat_partial_can_name_another_stop(server: MockServer) -> None:
    server.chat.partial("I was stopp", finish_reason="content_filter")

    completion = openai_client(server).chat.completions.create(model=MODEL, messages=ASK)

    assert completion.choices[0].finish_reason == "content_filter"


@pytest.mark.parametrize("stream", [False, True])
def test_a_chat_refusal_has_no_content(server: MockServer, stream: bool) -> None:
    server.chat.refuse("I can't help with that.")
    client = openai_client(server)

    if stream:
        chunks = list(client.chat.completions.create(model=MODEL, messages=ASK, stream=True))
        refusal = "".join(c.choices[0].delta.refusal or "" for c in chunks if c.choices)
        content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    else:
        message = client.chat.completions.create(model=MODEL, messages=ASK).choices[0].message
        refusal, content = message.refusal or "", message.content or ""

    assert (refusal, content) == ("I can't help with that.", "")


@pytest.mark.parametrize("stream", [False, True])
def test_a_responses_partial_answer_is_incomplete(server: MockServer, stream: bool) -> None:
    server.responses.partial("Once upon a time")
    client = openai_client(server)

    if stream:  # as OpenAI does, the stream ends with `response.incomplete`
        events = list(client.responses.create(model=MODEL, input="A long story", stream=True))
        assert events[-1].type == "response.incomplete"
        response = events[-1].response
    else:
        response = client.responses.create(model=MODEL, input="Tell me a long story")

    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.output_text == "Once upon a time"


def test_a_responses_refusal_reads_as_a_refusal_part(server: MockServer) -> None:
    server.responses.refuse("I can't help with that.")

    response = openai_client(server).responses.create(model=MODEL, input="Do something bad")

    parts = [part for item in response.output for part in getattr(item, "content", [])]
    assert [(p.type, getattr(p, "refusal", None)) for p in parts] == [
        ("refusal", "I can't help with that.")
    ]
    assert response.output_text == ""
