"""The batches context and rule vocabulary: what a rule can match on and answer.

A rule answers `create` unless its match names another `operation` (`list`, `get`,
`cancel`), so polling a batch never uses up the rule that shaped it. It matches on the
batch (its metadata, how many requests, which url, the model of the first request) and
scripts how the batch runs: how long each state lasts on the fake's clock, or that it
fails validation or expires. The requests inside are answered by the rules of the
endpoint each names, as live calls are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from ...scripting.context import CallContext
from ...scripting.spec import BaseMatch, BaseReply, Spec
from ...scripting.wire_values import MAX_RETRY_AFTER, EncodableText, JsonValue
from .wire import MAX_REQUESTS, BatchCreateRequest

Operation = Literal["create", "list", "get", "cancel"]


@dataclass
class BatchesContext(CallContext):
    """A batches call; for `create`, the facts rules ask about the batch."""

    @property
    def create(self) -> BatchCreateRequest | None:
        return self.request if isinstance(self.request, BatchCreateRequest) else None

    @property
    def model(self) -> str | None:
        """The model the first request names (the batch's `model`)."""
        if self.create is None:
            return None
        model = self.create.requests[0].body.get("model")
        return model if isinstance(model, str) else None

    @property
    def url(self) -> str | None:
        return self.create.requests[0].url if self.create is not None else None

    @property
    def count(self) -> int:
        return len(self.create.requests) if self.create is not None else 0

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self.create.metadata or {}) if self.create is not None else {}

    def summary(self) -> str:
        if self.create is None:
            return f"operation={self.operation}"
        parts = [f"requests={self.count}", f"url={self.url!r}", f"model={self.model!r}"]
        if self.metadata:
            parts.append(f"metadata={self.metadata}")
        return ", ".join(parts)


class CountRange(Spec):
    """How many requests the batch holds: at least `min`, at most `max`."""

    min: Annotated[int, Field(ge=1, le=MAX_REQUESTS)] | None = None
    max: Annotated[int, Field(ge=1, le=MAX_REQUESTS)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> CountRange:
        if self.min is None and self.max is None:
            raise ValueError("give 'min', 'max' or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}: no batch matches")
        return self

    def holds(self, count: int) -> bool:
        return (self.min is None or count >= self.min) and (self.max is None or count <= self.max)


class BatchesMatch(BaseMatch):
    """Which batches calls a rule answers. Every field given must hold."""

    operation: Operation | None = Field(
        default="create",
        description="Which operation: 'create' (the default), 'list', 'get' or 'cancel'; "
        "null for any.",
    )
    metadata: dict[str, JsonValue] | None = Field(
        default=None, description="Metadata entries the batch carries, each equal."
    )
    count: Annotated[int, Field(ge=1, le=MAX_REQUESTS)] | CountRange | None = Field(
        default=None, description="How many requests: an exact number or `{min, max}`."
    )
    url: str | None = Field(
        default=None, description="The url its first request names (the batch's `endpoint`)."
    )

    def differences(self, ctx: CallContext) -> list[str]:
        assert isinstance(ctx, BatchesContext)
        out = super().differences(ctx)
        if ctx.create is None:  # list, get and cancel: only the shared criteria apply
            return out
        for key, value in (self.metadata or {}).items():
            if key not in ctx.metadata:
                out.append(f"metadata: no {key!r}")
            elif ctx.metadata[key] != value:
                out.append(f"metadata.{key}: expected {value!r}, got {ctx.metadata[key]!r}")
        if isinstance(self.count, int) and self.count != ctx.count:
            out.append(f"count: expected {self.count} requests, got {ctx.count}")
        if isinstance(self.count, CountRange) and not self.count.holds(ctx.count):
            bounds = f"between {self.count.min or 1} and {self.count.max or MAX_REQUESTS}"
            out.append(f"count: expected {bounds} requests, got {ctx.count}")
        if self.url is not None and self.url != ctx.url:
            out.append(f"url: expected {self.url!r}, got {ctx.url!r}")
        return out


# --------------------------------------------------------------------------- replies

Seconds = Annotated[float, Field(ge=0, le=MAX_RETRY_AFTER, allow_inf_nan=False)]


class BatchDurations(Spec):
    """Seconds of the fake's clock the batch spends in each state."""

    validating: Seconds = 1.0
    in_progress: Seconds = Field(
        default=2.0, description="Requests finish one by one, evenly, over this time."
    )
    finalizing: Seconds = 1.0
    cancelling: Seconds = Field(default=1.0, description="From a cancel to `cancelled`.")


class BatchError(Spec):
    """One entry of a failed batch's `errors_detail`."""

    code: Annotated[str, Field(min_length=1)] = "invalid_request"
    message: EncodableText = "The batch failed validation."
    line: Annotated[int, Field(ge=1, le=MAX_REQUESTS)] | None = Field(
        default=None, description="The request it is about, 1-based."
    )
    param: str | None = None


class Expiry(Spec):
    """The batch runs out of its window: `expired`, with the requests done by then."""

    finished: Annotated[int, Field(ge=0, le=MAX_REQUESTS)] = Field(
        default=0, description="Requests answered before it expired (at most all of them)."
    )


class BatchesReply(BaseReply):
    """How a batch runs. Empty: as default mode (1 s validating, 2 s in progress, 1 s
    finalizing, then completed)."""

    durations: BatchDurations | None = None
    failure: list[BatchError] | None = Field(
        default=None,
        description="The batch fails validation (`failed`, with these `errors_detail`); "
        "one error or a list. Its requests are not answered.",
    )
    expire: Expiry | None = Field(
        default=None, description="The batch expires (`true`, or `{finished: n}`)."
    )
    id: Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^/?#\s]+$")] | None = Field(
        default=None, description="The batch's id (no `/`, `?`, `#` or spaces)."
    )

    @field_validator("failure", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    @field_validator("expire", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        if value is True:
            return {}
        return None if value is False else value

    @model_validator(mode="after")
    def _consistent(self) -> BatchesReply:
        if self.failure is not None and not self.failure:
            raise ValueError("failure needs at least one error")
        if self.error is not None and (
            self.failure is not None or self.expire is not None or self.durations is not None
        ):
            raise ValueError("an error reply cannot also script how the batch runs")
        if self.failure is not None and self.expire is not None:
            raise ValueError("a batch either fails validation or expires, not both")
        return self
