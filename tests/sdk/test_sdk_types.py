"""Models: requests refuse typos, responses survive server additions, shapes match §2."""

from __future__ import annotations

from typing import Any

import meshapi
import pytest
from meshapi import (
    ChatCompletionChunk,
    ChatCompletionParams,
    ChatCompletionResponse,
    ChatMessage,
    ImageUrlContentPart,
    InputAudioContentPart,
    TextContentPart,
    Tool,
    ToolFunction,
    VideoUrlContentPart,
)
from pydantic import ValidationError

COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-7f3a91c2",
    "object": "chat.completion",
    "created": 1767225600,
    "model": "openai/gpt-4o-mini",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Paris is the capital of France."},
            "finish_reason": "stop",
            "logprobs": None,
        }
    ],
    "usage": {
        "prompt_tokens": 18,
        "completion_tokens": 8,
        "total_tokens": 26,
        "prompt_tokens_details": {"cached_tokens": 0},
    },
    "system_fingerprint": None,
}
CHUNK: dict[str, Any] = {
    "id": "chatcmpl-c9d0",
    "object": "chat.completion.chunk",
    "created": 1767225700,
    "model": "openai/gpt-4o",
    "choices": [],
    "usage": {"prompt_tokens": 64, "completion_tokens": 38, "total_tokens": 102},
    "cost": "0.00054",
}


def test_the_issue_names_are_importable_from_the_package() -> None:
    names = [
        "MeshAPI",
        "AsyncMeshAPI",
        "ChatCompletionParams",
        "ChatMessage",
        "Tool",
        "ToolFunction",
        "ToolCall",
        "ToolChoiceObject",
        "ToolChoiceFunction",
        "ChatCompletionResponse",
        "ChatCompletionChunk",
        "MeshAPIError",
        "TextContentPart",
        "ImageUrlContentPart",
        "InputAudioContentPart",
        "VideoUrlContentPart",
    ]

    assert [name for name in names if not hasattr(meshapi, name)] == []
    assert set(names) <= set(meshapi.__all__)
    assert meshapi.__version__ == "0.1.11"


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (ChatCompletionParams, {"messages": [], "temprature": 0.7}),
        (ChatMessage, {"role": "user", "content": "hi", "rol": "user"}),
        (ChatMessage, {"role": "user", "content": [{"type": "text", "text": "hi", "x": 1}]}),
        (Tool, {"function": {"name": "f"}, "strict": True}),
        (ToolFunction, {"name": "f", "parameter": {}}),
        (TextContentPart, {"text": "hi", "txt": "hi"}),
    ],
)
def test_request_models_refuse_unknown_fields(model: type[Any], fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        model(**fields)


def test_stream_is_a_field_as_in_the_official_sdk() -> None:
    """Official code passes ``stream=``; the method still decides what is sent (test_resources)."""
    params = ChatCompletionParams(messages=[], stream=True)

    assert params.stream is True
    assert ChatCompletionParams(messages=[]).stream is None


def test_request_models_check_values() -> None:
    with pytest.raises(ValidationError):
        ChatMessage(role="robot", content="hi")
    with pytest.raises(ValidationError):
        ChatCompletionParams(messages=[], timeout=0)
    with pytest.raises(ValidationError):
        ChatCompletionParams(messages=[], tool_choice="sometimes")


def test_content_parts_are_chosen_by_type() -> None:
    message = ChatMessage(
        role="user",
        content=[
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}},
            {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
            {"type": "video_url", "video_url": {"url": "https://x/v.mp4"}, "fps": "1"},
        ],
    )

    assert isinstance(message.content, list)
    assert [type(part) for part in message.content] == [
        TextContentPart,
        ImageUrlContentPart,
        InputAudioContentPart,
        VideoUrlContentPart,
    ]
    assert message.model_dump(exclude_none=True)["content"][2] == {
        "type": "input_audio",
        "input_audio": {"data": "AAAA", "format": "wav"},
    }


def test_contract_completion_parses() -> None:
    reply = ChatCompletionResponse.model_validate(COMPLETION)

    assert reply.choices[0].message.content == "Paris is the capital of France."
    assert reply.usage is not None and reply.usage.prompt_tokens_details is not None
    assert reply.usage.prompt_tokens_details.cached_tokens == 0


def test_response_models_keep_fields_the_server_adds() -> None:
    payload = {
        **COMPLETION,
        "provider": "openai",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "x",
                    "annotations": [],
                    "reasoning": "r",
                },
                "native_finish_reason": "stop",
            }
        ],
    }

    reply = ChatCompletionResponse.model_validate(payload)

    assert reply.model_extra == {"provider": "openai"}
    assert reply.choices[0].model_extra == {"native_finish_reason": "stop"}
    assert reply.choices[0].message.model_extra == {"annotations": [], "reasoning": "r"}


def test_a_choice_without_message_reads_as_an_empty_assistant_turn() -> None:
    reply = ChatCompletionResponse.model_validate({**COMPLETION, "choices": [{"index": 0}]})

    assert reply.choices[0].message.role == "assistant"
    assert reply.choices[0].message.content is None


def test_cost_is_a_decimal_string_and_created_an_integer() -> None:
    assert ChatCompletionChunk.model_validate(CHUNK).cost == "0.00054"
    with pytest.raises(ValidationError):
        ChatCompletionChunk.model_validate({**CHUNK, "cost": 0.00054})
    with pytest.raises(ValidationError):
        ChatCompletionChunk.model_validate({**CHUNK, "created": 1.5})


def test_tool_calls_from_a_reply_can_be_sent_back() -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        "thought_signature": "sig",
        "provider_extra": {"k": 1},
    }
    reply = ChatCompletionResponse.model_validate(
        {
            **COMPLETION,
            "choices": [{"index": 0, "message": {"role": "assistant", "tool_calls": [call]}}],
        }
    )

    replay = ChatMessage(role="assistant", tool_calls=reply.choices[0].message.tool_calls)

    assert replay.model_dump(mode="json", exclude_none=True) == {
        "role": "assistant",
        "tool_calls": [call],
    }
