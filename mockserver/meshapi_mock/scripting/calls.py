"""The tool-call vocabulary chat and Responses share, so both check and match calls alike.

A scripted call's arguments are an object (JSON-encoded on the wire) or a raw string sent
as-is; matching on the tools offered and on the tool results that end the conversation
reads the same in both, only the nouns differ (tools vs function tools).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import Field, field_validator

from .spec import Spec
from .wire_values import json_problem


class CallSpec(Spec):
    """A scripted call: the endpoint's subclass adds its ids (and its docstring)."""

    name: Annotated[str, Field(min_length=1)]
    arguments: Any = Field(
        default_factory=dict,
        description="An object (JSON-encoded on the wire) or a raw string sent as-is.",
    )

    @field_validator("arguments", mode="after")
    @classmethod
    def _json_arguments(cls, value: Any) -> Any:
        if not isinstance(value, str) and (problem := json_problem(value, "arguments")):
            raise ValueError(f"{problem} (give a string to send arguments as-is)")
        return value

    def arguments_json(self) -> str:
        """The `arguments` string on the wire: a raw string as given, else its JSON."""
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, ensure_ascii=False)


def tool_name_shorthand(value: Any) -> Any:
    """`tool_result: "get_weather"` is short for `tool_result: {name: get_weather}`."""
    return {"name": value} if isinstance(value, str) else value


def tools_differences(
    expected: bool | list[str] | None, offered: list[str], noun: str = "tools"
) -> list[str]:
    """Why the tools offered (`noun` names them in the message) miss `expected`."""
    if expected is True and not offered:
        return [f"tools: expected {noun} to be offered, none were"]
    if expected is False and offered:
        return [f"tools: expected no {noun}, got {offered}"]
    if isinstance(expected, list):
        missing = [name for name in expected if name not in offered]
        if missing:
            return [f"tools: expected {missing} to be offered, got {offered}"]
    return []


def tool_result_differences(
    expected: bool | Spec | None,
    results: Sequence[tuple[str, str | None, Any]],
    *,
    id_field: str,
    subject: str,
    item: str,
) -> list[str]:
    """Why the pending (call id, name, output) results miss `expected`.

    `id_field` is the endpoint's name for the call id; `subject` and `item` word the
    message ("the request" ends with "a tool result").
    """
    if expected is True and not results:
        return [f"tool_result: expected {subject} to end with a {item}"]
    if expected is False and results:
        return [f"tool_result: expected no pending {item}"]
    if isinstance(expected, Spec):
        want = expected.model_dump(exclude_none=True)
        pending = [{id_field: call_id, "name": name} for call_id, name, _ in results]
        if any(all(got.get(key) == value for key, value in want.items()) for got in pending):
            return []
        return [f"tool_result: expected {want}, got {pending or 'none'}"]
    return []
