"""The conversation facts chat-style endpoints (chat, compare, router) ask about.

Their requests all carry `messages`; the last user message, the system prompt and the
text-criteria on them are read one way here, so a rule means the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Protocol

from pydantic import Field

from ..memo import cached_attribute
from .context import CallContext
from .matching import any_text_difference, text_difference
from .spec import TextMatch, string_shorthand

LastUserCriterion = Annotated[
    TextMatch | None,
    Field(
        description="The latest user message. A plain string means 'contains'.",
        json_schema_extra=string_shorthand,
    ),
]
AnyMessageCriterion = Annotated[
    TextMatch | None,
    Field(description="Any message of any role.", json_schema_extra=string_shorthand),
]
SystemCriterion = Annotated[
    TextMatch | None,
    Field(
        description="The system prompt (system messages joined).",
        json_schema_extra=string_shorthand,
    ),
]


@dataclass
class ConversationContext(CallContext):
    """A call whose request has `messages` (each with a `role` and `text()`)."""

    @cached_attribute
    def last_user(self) -> str | None:
        for message in reversed(self.request.messages):
            if message.role == "user":
                text: str = message.text()
                return text
        return None

    @cached_attribute
    def system(self) -> str:
        return "\n".join(m.text() for m in self.request.messages if m.role == "system")


class ConversationCriteria(Protocol):
    """The text criteria a match has on the conversation."""

    last_user: TextMatch | None
    any_message: TextMatch | None
    system: TextMatch | None


def conversation_differences(match: ConversationCriteria, ctx: ConversationContext) -> list[str]:
    """Why the conversation misses the match's `last_user`, `any_message` and `system`."""
    out: list[str] = []
    if match.last_user is not None:
        out = text_difference("last_user", match.last_user, ctx.last_user, "no user message")
    if match.any_message is not None:
        texts = [m.text() for m in ctx.request.messages]
        out.extend(any_text_difference("any_message", match.any_message, texts))
    if match.system is not None:
        out.extend(text_difference("system", match.system, ctx.system))
    return out
