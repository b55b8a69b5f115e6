"""Structured output for ``chat.completions.parse()``, with no I/O: the ``response_format``
built from a Python type, and each reply's content validated as that type.

The sync and async resources share it, so both send the same request and read the reply the
same way; only the sending differs.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, TypeAdapter, ValidationError

from meshapi import _request as rq
from meshapi._errors import StructuredOutputParseError
from meshapi.types.chat import (
    ChatCompletionChoice,
    ChatCompletionParams,
    ChatCompletionResponse,
    ParsedChatCompletion,
    ParsedChatCompletionChoice,
    ParsedChatCompletionMessage,
    TextContentPart,
)

T = TypeVar("T")
Params = ChatCompletionParams | Mapping[str, Any]

_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class StructuredOutput(Generic[T]):
    """What ``parse()`` asks for and how it reads the answer, for one output type."""

    adapter: TypeAdapter[T]
    name: str
    schema: dict[str, Any]
    strict: bool

    @classmethod
    def of(cls, output_type: type[T], *, strict: bool = False) -> StructuredOutput[T]:
        """A pydantic model is named after its class; any other type is named "response"."""
        adapter: TypeAdapter[T] = TypeAdapter(output_type)
        is_model = isinstance(output_type, type) and issubclass(output_type, BaseModel)
        name = output_type.__name__ if is_model else "response"
        schema = adapter.json_schema()
        if strict:
            schema = strict_schema(schema)
        return cls(adapter, _NAME_CHARACTERS.sub("_", name)[:64], schema, strict)

    def response_format(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"name": self.name, "schema": self.schema}
        if self.strict:
            spec["strict"] = True
        return {"type": "json_schema", "json_schema": spec}

    def body(self, params: Params) -> dict[str, Any]:
        """The request: the caller's params, this ``response_format``, never streamed."""
        return {
            **rq.dump(params, ChatCompletionParams),
            "response_format": self.response_format(),
            "stream": False,
        }

    def parse(self, completion: ChatCompletionResponse) -> ParsedChatCompletion[T]:
        """Every choice's content validated; raises :class:`StructuredOutputParseError`."""
        choices = [self._parse_choice(choice, completion) for choice in completion.choices]
        parsed = ParsedChatCompletion.model_construct(**{**dict(completion), "choices": choices})
        return cast("ParsedChatCompletion[T]", parsed)

    def _parse_choice(
        self, choice: ChatCompletionChoice, completion: ChatCompletionResponse
    ) -> ParsedChatCompletionChoice[T]:
        message = choice.message
        value: T | None = None
        if message.refusal is None:
            text = _text(message.content)
            if text or not message.tool_calls:
                value = self._validate(text, choice, completion)
        parsed_message = ParsedChatCompletionMessage.model_construct(**dict(message), parsed=value)
        parsed = ParsedChatCompletionChoice.model_construct(
            **{**dict(choice), "message": parsed_message}
        )
        return cast("ParsedChatCompletionChoice[T]", parsed)

    def _validate(
        self, text: str | None, choice: ChatCompletionChoice, completion: ChatCompletionResponse
    ) -> T:
        why, cause = "the reply has no content", None
        if text:
            try:
                return self.adapter.validate_json(text)
            except ValidationError as exc:
                why, cause = _first_problem(exc), exc
        message = f"choice {choice.index}: content is not a valid {self.name}: {why}"
        if choice.finish_reason == "length":
            message += " (finish_reason 'length': the reply was cut at its token limit)"
        error = StructuredOutputParseError(message, content=text, completion=completion)
        raise error from cause

    def retry_body(self, body: dict[str, Any], error: StructuredOutputParseError) -> dict[str, Any]:
        """The request again, with the bad reply and a correction appended to the messages."""
        correction = (
            f"That reply was not valid: {error.message}. Answer again with only a JSON value "
            f"matching the {self.name} schema."
        )
        messages = [
            *body["messages"],
            {"role": "assistant", "content": error.content or ""},
            {"role": "user", "content": correction},
        ]
        return {**body, "messages": messages}


def _text(content: Any) -> str | None:
    if isinstance(content, list):
        return "".join(part.text for part in content if isinstance(part, TextContentPart))
    return content if isinstance(content, str) else None


def _first_problem(error: ValidationError) -> str:
    problem = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in problem["loc"])
    more = error.error_count() - 1
    text = f"{where}: {problem['msg']}" if where else str(problem["msg"])
    return text + (f" (and {more} more)" if more else "")


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema as strict structured output wants it: every object closed
    (``additionalProperties: false``) with all its properties required (optional ones stay
    nullable through their type), no ``default: null``, no keywords beside a ``$ref``."""
    root = copy.deepcopy(schema)
    _close(root, root)
    return root


def _close(node: Any, root: dict[str, Any]) -> None:
    if isinstance(node, list):
        for item in node:
            _close(item, root)
        return
    if not isinstance(node, dict):
        return
    if "$ref" in node and len(node) > 1:
        target = _resolve(root, node.pop("$ref"))
        for key, value in copy.deepcopy(target).items():
            node.setdefault(key, value)
    if node.get("type") == "object" or "properties" in node:
        properties = node.get("properties")
        node["required"] = list(properties) if isinstance(properties, dict) else []
        node.setdefault("additionalProperties", False)
    if "default" in node and node["default"] is None:
        del node["default"]
    for key in ("properties", "$defs", "definitions", "patternProperties"):
        if isinstance(node.get(key), dict):
            for child in node[key].values():
                _close(child, root)
    for key in ("items", "additionalProperties", "contains", "not", "anyOf", "allOf", "oneOf"):
        _close(node.get(key), root)
    _close(node.get("prefixItems"), root)


def _resolve(root: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = root
    for part in ref.removeprefix("#/").split("/") if ref != "#" else ():
        node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) if node else {}
    return node if isinstance(node, dict) else {}
