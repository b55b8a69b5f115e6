"""Compare's rule vocabulary: which compares a rule answers and what it scripts.

A compare rule scripts the whole comparison — the judge's text, a judge that failed, or
an error for the whole request. Each model's own answer comes from chat rules (see
`legs.py`), so `mock.chat.when(model="openai/gpt-4o").error(503)` fails that leg.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Annotated

from pydantic import Field, model_validator

from ...scripting.context import CallContext, clip
from ...scripting.conversation import (
    AnyMessageCriterion,
    ConversationContext,
    LastUserCriterion,
    SystemCriterion,
    conversation_differences,
)
from ...scripting.matching import stream_difference
from ...scripting.spec import BaseMatch, BaseReply
from .wire import CompareRequest


@dataclass
class CompareContext(ConversationContext):
    request: CompareRequest

    @property
    def stream(self) -> bool:
        return self.request.stream

    @property
    def model(self) -> str | None:
        """The judge: what the shared `model` criterion matches for a compare."""
        return self.request.comparison_model

    def summary(self) -> str:
        parts = [f"models={self.request.models}", f"stream={self.stream}"]
        if self.last_user is not None:
            parts.append(f"last user message={clip(self.last_user)!r}")
        return ", ".join(parts)


class CompareMatch(BaseMatch):
    """Which compares a rule answers. `model` matches the comparison (judge) model."""

    models: list[str] | None = Field(
        default=None,
        description="Each of these (exact ids or globs) is among the compared models.",
    )
    last_user: LastUserCriterion = None
    any_message: AnyMessageCriterion = None
    system: SystemCriterion = None
    stream: bool | None = None
    skip_comparison: bool | None = None

    def differences(self, ctx: CallContext) -> list[str]:
        assert isinstance(ctx, CompareContext)
        out = super().differences(ctx)
        compared = ctx.request.models
        for wanted in self.models or ():
            if not any(fnmatchcase(model, wanted) for model in compared):
                out.append(f"models: expected {wanted!r} among {compared}")
        out.extend(stream_difference(self.stream, ctx))
        out.extend(conversation_differences(self, ctx))
        skip = self.skip_comparison
        if skip is not None and skip != ctx.request.skip_comparison:
            out.append(f"skip_comparison: expected {skip}, got {ctx.request.skip_comparison}")
        return out


class CompareReply(BaseReply):
    """What a compare rule answers; every field is optional (the rest as default mode)."""

    text_field = "comparison"

    comparison: str | None = Field(
        default=None, description="The judge's text (unless `skip_comparison` asks for none)."
    )
    comparison_model: Annotated[str, Field(min_length=1)] | None = Field(
        default=None, description="The judge; defaults to the request's or the default model."
    )
    comparison_fallback_used: bool | None = Field(
        default=None,
        description="The judge failed: no `comparison`, and `comparison_fallback_used` true.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> CompareReply:
        scripted = (self.comparison, self.comparison_model, self.comparison_fallback_used)
        if self.error is not None and any(value is not None for value in scripted):
            raise ValueError("an error reply cannot also script the comparison")
        if self.comparison_fallback_used and self.comparison is not None:
            raise ValueError("a judge that fell back has no comparison text")
        return self
