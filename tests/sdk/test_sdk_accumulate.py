"""Accumulation: chunks fold into the reply a non-streaming call would have given."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from meshapi import (
    ChatCompletionAccumulator,
    ChatCompletionChunk,
    ChatCompletionResponse,
    MeshAPIError,
)

ENVELOPE = {"id": "chatcmpl-c9d0", "object": "chat.completion.chunk", "created": 1767225700}


def chunk(
    delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any
) -> dict[str, Any]:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {**ENVELOPE, "model": "openai/gpt-4o", "choices": choices, **extra}


def fragment(index: int, arguments: str, call_id: str = "", name: str = "") -> dict[str, Any]:
    """A tool-call fragment; the first one of a call carries its id and name."""
    head = {"id": call_id, "type": "function"} if call_id else {}
    function = {"name": name, "arguments": arguments} if name else {"arguments": arguments}
    return {"index": index, **head, "function": function}


def accumulate(chunks: list[dict[str, Any]]) -> ChatCompletionResponse:
    accumulator = ChatCompletionAccumulator()
    for payload in chunks:
        accumulator.add(ChatCompletionChunk.model_validate(payload))
    return accumulator.result()


TAIL = chunk(
    usage={"prompt_tokens": 64, "completion_tokens": 38, "total_tokens": 102},
    cost="0.00054",
)


def test_contract_example_two_interleaved_tool_calls() -> None:
    reply = accumulate(
        [
            chunk(
                {"role": "assistant", "tool_calls": [fragment(0, "", "call_p01", "get_weather")]}
            ),
            chunk({"tool_calls": [fragment(1, '{"city": ', "call_t02", "get_weather")]}),
            chunk({"tool_calls": [fragment(0, '{"city": "Paris"}')]}),
            chunk({"tool_calls": [fragment(1, '"Tokyo"}')]}),
            chunk({}, finish="tool_calls"),
            TAIL,
        ]
    )

    message = reply.choices[0].message
    assert reply.object == "chat.completion"
    assert (reply.id, reply.model, reply.created) == ("chatcmpl-c9d0", "openai/gpt-4o", 1767225700)
    assert reply.choices[0].finish_reason == "tool_calls"
    assert message.role == "assistant"
    assert message.content is None
    assert message.tool_calls is not None
    assert [(c.id, c.type, c.function.name) for c in message.tool_calls] == [
        ("call_p01", "function", "get_weather"),
        ("call_t02", "function", "get_weather"),
    ]
    assert [json.loads(c.function.arguments) for c in message.tool_calls] == [
        {"city": "Paris"},
        {"city": "Tokyo"},
    ]
    assert reply.usage is not None
    assert reply.usage.total_tokens == 102
    assert reply.cost == "0.00054"


def test_text_pieces_are_joined_in_order() -> None:
    reply = accumulate(
        [
            chunk({"role": "assistant", "content": "1, 2"}),
            chunk({"content": ", 3."}),
            chunk({}, finish="stop"),
            TAIL,
        ]
    )

    assert reply.choices[0].message.content == "1, 2, 3."
    assert reply.choices[0].message.tool_calls is None
    assert reply.choices[0].finish_reason == "stop"


def test_choices_are_kept_apart_by_index() -> None:
    def choice(index: int, content: str) -> dict[str, Any]:
        return {"index": index, "delta": {"content": content}, "finish_reason": None}

    reply = accumulate(
        [
            {**chunk(), "choices": [choice(1, "B"), choice(0, "A")]},
            {**chunk(), "choices": [choice(0, "a"), choice(1, "b")]},
        ]
    )

    assert [(c.index, c.message.content) for c in reply.choices] == [(0, "Aa"), (1, "Bb")]


def test_nothing_to_assemble_is_an_error() -> None:
    with pytest.raises(MeshAPIError) as caught:
        ChatCompletionAccumulator().result()

    assert caught.value.error_code == "parse_error"


# --------------------------------------------------------------------------- property


def split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({min(c, len(text)) for c in cuts})
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]


@given(
    text=st.text(max_size=40),
    text_cuts=st.lists(st.integers(0, 40), max_size=8),
    calls=st.lists(
        st.tuples(st.text(min_size=1, max_size=8), st.text(max_size=30)),
        max_size=3,
    ),
    argument_cuts=st.lists(st.integers(0, 30), max_size=6),
    order=st.randoms(use_true_random=False),
)
def test_accumulation_reproduces_text_and_arguments(
    text: str,
    text_cuts: list[int],
    calls: list[tuple[str, str]],
    argument_cuts: list[int],
    order: Any,
) -> None:
    """However text and arguments are cut and fragments of different calls interleave."""
    queues: list[list[dict[str, Any]]] = [[{"content": piece} for piece in split(text, text_cuts)]]
    for index, (name, arguments) in enumerate(calls):
        pieces = split(arguments, argument_cuts)
        queue = [{"tool_calls": [fragment(index, pieces[0], f"call_{index}", name)]}]
        queue += [{"tool_calls": [fragment(index, piece)]} for piece in pieces[1:]]
        queues.append(queue)
    deltas: list[dict[str, Any]] = []
    while any(queues):
        deltas.append(order.choice([q for q in queues if q]).pop(0))

    reply = accumulate([chunk({"role": "assistant"}), *map(chunk, deltas), TAIL])

    message = reply.choices[0].message
    assert (message.content or "") == text
    assert [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or []] == [
        (f"call_{i}", name, arguments) for i, (name, arguments) in enumerate(calls)
    ]
    assert reply.cost == "0.00054"
