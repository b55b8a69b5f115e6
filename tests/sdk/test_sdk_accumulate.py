"""Accumulation: chunks fold into the reply a non-streaming call would have given."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from meshapi import (
    AsyncMeshAPI,
    ChatCompletionAccumulator,
    ChatCompletionChunk,
    ChatCompletionParams,
    ChatCompletionResponse,
    ChatMessage,
    MeshAPI,
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


# --------------------------------------------------------------------------- edge cases


def test_empty_text_deltas_give_empty_content_and_no_text_at_all_gives_none() -> None:
    """As in a non-streamed reply: "" for an empty answer, None when no text was ever sent."""
    empty = accumulate([chunk({"role": "assistant", "content": ""}), chunk({"content": ""})])
    silent = accumulate([chunk({"role": "assistant"}), chunk({}, finish="stop")])

    assert empty.choices[0].message.content == ""
    assert silent.choices[0].message.content is None


def test_a_tool_call_turn_with_empty_text_has_no_content() -> None:
    reply = accumulate(
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"tool_calls": [fragment(0, "{}", "call_1", "now")]}),
        ]
    )

    message = reply.choices[0].message
    assert message.content is None
    assert message.tool_calls is not None
    assert [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls] == [
        ("call_1", "now", "{}")
    ]


def test_text_and_tool_calls_in_one_turn_keep_both() -> None:
    reply = accumulate(
        [
            chunk({"role": "assistant", "content": "Checking."}),
            chunk({"tool_calls": [fragment(0, "{}", "call_1", "now")]}),
        ]
    )

    message = reply.choices[0].message
    assert message.content == "Checking."
    assert message.tool_calls is not None and len(message.tool_calls) == 1


def test_tool_call_fragments_without_a_function_part_keep_the_call_whole() -> None:
    """A fragment may carry only the index and id; name and arguments come in later ones."""
    reply = accumulate(
        [
            chunk({"role": "assistant", "tool_calls": [{"index": 0}]}),
            chunk({"tool_calls": [{"index": 0, "id": "call_late", "type": "function"}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"name": "now", "arguments": "{"}}]}),
            chunk({"tool_calls": [{"index": 0, "id": "call_other", "function": {"name": "x"}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": "}"}}]}),
        ]
    )

    calls = reply.choices[0].message.tool_calls
    assert calls is not None
    # The first id and name seen stick; later fragments only add arguments.
    assert [(c.id, c.type, c.function.name, c.function.arguments) for c in calls] == [
        ("call_late", "function", "now", "{}")
    ]


def test_a_call_whose_id_and_name_never_came_still_assembles() -> None:
    reply = accumulate([chunk({"tool_calls": [fragment(0, '{"a": 1}')]})])

    calls = reply.choices[0].message.tool_calls
    assert calls is not None
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [("", "", '{"a": 1}')]


def test_tool_calls_are_ordered_by_index_not_by_arrival() -> None:
    reply = accumulate(
        [
            chunk({"tool_calls": [fragment(2, "{}", "call_c", "c")]}),
            chunk({"tool_calls": [fragment(0, "{}", "call_a", "a")]}),
            chunk({"tool_calls": [fragment(1, "{}", "call_b", "b")]}),
        ]
    )

    calls = reply.choices[0].message.tool_calls
    assert calls is not None
    assert [c.id for c in calls] == ["call_a", "call_b", "call_c"]


def test_the_last_finish_reason_wins_and_a_later_null_does_not_erase_it() -> None:
    reply = accumulate(
        [
            chunk({"role": "assistant", "content": "a"}),
            chunk({}, finish="length"),
            chunk({"content": "b"}, finish="stop"),
            chunk({}),
            TAIL,
        ]
    )

    assert reply.choices[0].finish_reason == "stop"
    assert reply.choices[0].message.content == "ab"


def test_a_choice_without_a_delta_still_reports_its_finish_reason() -> None:
    reply = accumulate(
        [
            chunk({"role": "assistant", "content": "hi"}),
            {**chunk(), "choices": [{"index": 0, "delta": None, "finish_reason": "stop"}]},
        ]
    )

    assert reply.choices[0].finish_reason == "stop"
    assert reply.choices[0].message.content == "hi"


def test_the_role_comes_from_the_stream_and_the_first_one_sticks() -> None:
    announced = accumulate([chunk({"role": "tool", "content": "x"}), chunk({"role": "user"})])
    unannounced = accumulate([chunk({"content": "x"})])

    assert announced.choices[0].message.role == "tool"
    assert unannounced.choices[0].message.role == "assistant"


def test_usage_cost_and_fingerprint_survive_later_chunks_without_them() -> None:
    early = chunk(
        {"role": "assistant", "content": "a"},
        usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        cost="0.001",
        system_fingerprint="fp_early",
    )

    reply = accumulate([early, chunk({"content": "b"}), chunk({}, finish="stop")])

    assert reply.usage is not None and reply.usage.total_tokens == 3
    assert reply.cost == "0.001"
    assert reply.system_fingerprint == "fp_early"


def test_later_usage_cost_and_fingerprint_replace_earlier_ones() -> None:
    reply = accumulate(
        [
            chunk({"role": "assistant"}, system_fingerprint="fp_1", cost="0.5"),
            chunk({"content": "a"}, system_fingerprint="fp_2"),
            TAIL,
        ]
    )

    assert reply.system_fingerprint == "fp_2"
    assert reply.cost == "0.00054"
    assert reply.usage is not None and reply.usage.total_tokens == 102


def test_a_stream_without_tail_has_no_usage_cost_or_fingerprint() -> None:
    reply = accumulate([chunk({"role": "assistant", "content": "a"}), chunk({}, finish="stop")])

    assert (reply.usage, reply.cost, reply.system_fingerprint) == (None, None, None)


def test_the_envelope_comes_from_the_first_chunk() -> None:
    reply = accumulate(
        [
            chunk({"role": "assistant"}),
            {**chunk({"content": "x"}), "id": "chatcmpl-other", "created": 2, "model": "other"},
        ]
    )

    assert (reply.id, reply.object, reply.created, reply.model) == (
        "chatcmpl-c9d0",
        "chat.completion",
        1767225700,
        "openai/gpt-4o",
    )


def test_each_choice_keeps_its_own_role_text_calls_and_finish_reason() -> None:
    def choice(index: int, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"index": index, "delta": delta, "finish_reason": finish}

    reply = accumulate(
        [
            {**chunk(), "choices": [choice(0, {"role": "assistant"}), choice(1, {"role": "tool"})]},
            {**chunk(), "choices": [choice(1, {"tool_calls": [fragment(0, "{}", "call_1", "f")]})]},
            {**chunk(), "choices": [choice(0, {"content": "zero"}, "stop")]},
            {**chunk(), "choices": [choice(1, {}, "tool_calls")]},
        ]
    )

    first, second = reply.choices
    assert (first.index, first.message.role, first.message.content) == (0, "assistant", "zero")
    assert (first.finish_reason, first.message.tool_calls) == ("stop", None)
    assert (second.index, second.message.role, second.message.content) == (1, "tool", None)
    assert second.finish_reason == "tool_calls"
    assert second.message.tool_calls is not None
    assert [c.id for c in second.message.tool_calls] == ["call_1"]


def test_chunks_with_no_choices_only_give_an_empty_choice_list() -> None:
    reply = accumulate([TAIL])

    assert reply.choices == []
    assert reply.cost == "0.00054"


# --------------------------------------------------------------------------- through a stream

STREAMED = [
    chunk({"role": "assistant", "content": ""}, system_fingerprint="fp_9"),
    chunk(
        {"content": "Hi"},
        usage={"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
        cost="0.00001",
    ),
    chunk({"content": ""}),
    chunk({}, finish="length"),
    chunk({}, finish="stop"),
    chunk(),
]
STREAM_BODY = (
    b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in STREAMED) + b"data: [DONE]\n\n"
)
PARAMS = ChatCompletionParams(model="m", messages=[ChatMessage(role="user", content="hi")])


def serve(body: bytes) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(200, content=body)


def check_streamed_reply(reply: ChatCompletionResponse) -> None:
    assert (reply.id, reply.model, reply.created) == ("chatcmpl-c9d0", "openai/gpt-4o", 1767225700)
    assert reply.system_fingerprint == "fp_9"
    assert reply.usage is not None and reply.usage.total_tokens == 6
    assert reply.cost == "0.00001"
    [choice] = reply.choices
    assert choice.finish_reason == "stop"
    assert (choice.message.role, choice.message.content) == ("assistant", "Hi")


def test_final_response_of_a_stream_keeps_early_usage_and_the_last_finish(
    sync_client: Callable[..., MeshAPI],
) -> None:
    reply = sync_client(serve(STREAM_BODY)).chat.completions.stream(PARAMS).final_response()

    check_streamed_reply(reply)


@pytest.mark.anyio
async def test_async_final_response_assembles_the_same_reply(
    async_client: Callable[..., AsyncMeshAPI],
) -> None:
    reply = await async_client(serve(STREAM_BODY)).chat.completions.stream(PARAMS).final_response()

    check_streamed_reply(reply)


def test_final_response_of_an_empty_answer_has_empty_content(
    sync_client: Callable[..., MeshAPI],
) -> None:
    body = STREAM_BODY.replace(b'"content": "Hi"', b'"content": ""')

    reply = sync_client(serve(body)).chat.completions.stream(PARAMS).final_response()

    assert reply.choices[0].message.content == ""
