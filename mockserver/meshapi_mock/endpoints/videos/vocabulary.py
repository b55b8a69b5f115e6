"""The video context and rule vocabulary: what a rule can match on and answer.

A rule answers `create` unless its match names another `operation` (`list`, `get`,
`content`, `last_frame`), so a client polling a task never uses up the rule that shaped
it. It matches on the prompt, whether images are given, the resolution and ratio; it
scripts how long the task stays queued and running on the fake's clock, whether it
fails (with `error {code, message}`) or expires, its usage, and any echoed field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ...scripting.context import CallContext, clip
from ...scripting.matching import text_difference
from ...scripting.spec import BaseMatch, BaseReply, Spec, TextMatch, string_shorthand
from ...scripting.wire_values import MAX_RETRY_AFTER, EncodableText, TokenCount, UnixTime
from .wire import Duration, Frames, Ratio, Resolution, Seed, VideoGenerationRequest

Operation = Literal["create", "list", "get", "content", "last_frame"]


@dataclass
class VideosContext(CallContext):
    """A video call; for `create`, the facts rules ask about the task."""

    @property
    def create(self) -> VideoGenerationRequest | None:
        return self.request if isinstance(self.request, VideoGenerationRequest) else None

    @property
    def model(self) -> str | None:
        return self.create.model if self.create is not None else None

    @property
    def prompt(self) -> str | None:
        """The `text` items, joined by newlines; None when there is none."""
        if self.create is None:
            return None
        texts = [item.text or "" for item in self.create.content if item.type == "text"]
        return "\n".join(texts) if texts else None

    @property
    def has_image(self) -> bool:
        return self.create is not None and any(
            item.type == "image_url" for item in self.create.content
        )

    def summary(self) -> str:
        if self.create is None:
            return f"operation={self.operation}"
        parts = [f"model={self.model!r}"]
        if self.prompt is not None:
            parts.append(f"prompt={clip(self.prompt)!r}")
        if self.has_image:
            parts.append("image=True")
        return ", ".join(parts)


class VideosMatch(BaseMatch):
    """Which video calls a rule answers. Every field given must hold."""

    operation: Operation | None = Field(
        default="create",
        description="Which operation: 'create' (the default), 'list', 'get', 'content' or "
        "'last_frame'; null for any.",
    )
    prompt: TextMatch | None = Field(
        default=None,
        description="The text items of `content`. A plain string means 'contains'.",
        json_schema_extra=string_shorthand,
    )
    image: bool | None = Field(default=None, description="Whether an image_url item is given.")
    resolution: Resolution | None = None
    ratio: Ratio | None = None

    def differences(self, ctx: CallContext) -> list[str]:
        assert isinstance(ctx, VideosContext)
        out = super().differences(ctx)
        request = ctx.create
        if request is None:  # list, get and the files: only the shared criteria apply
            return out
        out.extend(text_difference("prompt", self.prompt, ctx.prompt, "no text item"))
        if self.image is not None and self.image != ctx.has_image:
            out.append(f"image: expected {self.image}, got {ctx.has_image}")
        if self.resolution is not None and self.resolution != request.resolution:
            out.append(f"resolution: expected {self.resolution!r}, got {request.resolution!r}")
        if self.ratio is not None and self.ratio != request.ratio:
            out.append(f"ratio: expected {self.ratio!r}, got {request.ratio!r}")
        return out


# --------------------------------------------------------------------------- replies

Seconds = Annotated[float, Field(ge=0, le=MAX_RETRY_AFTER, allow_inf_nan=False)]


class TaskDurations(Spec):
    """Seconds of the fake's clock a task spends in each state."""

    queued: Seconds = 1.0
    running: Seconds = 3.0


class TaskFailure(Spec):
    """The task's `error` when it fails."""

    code: Annotated[str, Field(min_length=1)] = "generation_failed"
    message: EncodableText = "The video could not be generated."


class TaskUsageSpec(Spec):
    completion_tokens: TokenCount | None = None
    total_tokens: TokenCount | None = None


class VideosReply(BaseReply):
    """How a task runs and what it reports. Empty: as default mode (1 s queued, 3 s
    running, then succeeded with a video the fake serves)."""

    durations: TaskDurations | None = None
    status: Literal["succeeded", "failed", "expired"] | None = Field(
        default=None, description="How it ends; 'failed' with `failure` (or a default one)."
    )
    failure: TaskFailure | None = Field(default=None, description="Implies status 'failed'.")
    usage: TaskUsageSpec | None = Field(
        default=None, description="Token counts instead of width * height * frames / 1024."
    )
    id: Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^/?#\s]+$")] | None = None
    model: Annotated[str, Field(min_length=1)] | None = None
    created_at: UnixTime | None = None
    seed: Seed | None = None
    resolution: Resolution | None = None
    ratio: Ratio | None = None
    duration: Duration | None = None
    frames: Frames | None = None
    framespersecond: Annotated[int, Field(ge=1, le=60)] | None = None
    video_url: Annotated[str, Field(min_length=1)] | None = Field(
        default=None, description="A URL of your own instead of the one the fake serves."
    )
    last_frame_url: Annotated[str, Field(min_length=1)] | None = Field(
        default=None, description="Sent even when the request did not ask for it."
    )

    @model_validator(mode="after")
    def _consistent(self) -> VideosReply:
        scripted = self.model_fields_set - {"error"}
        if self.error is not None and scripted:
            raise ValueError("an error reply cannot also script the task")
        if self.failure is not None:
            if self.status not in (None, "failed"):
                raise ValueError(f"a failure goes with status 'failed', not {self.status!r}")
            self.status = "failed"
        if self.status == "failed" and self.failure is None:
            self.failure = TaskFailure()
        if self.status in ("failed", "expired") and (
            self.video_url is not None or self.last_frame_url is not None
        ):
            raise ValueError(f"a {self.status} task has no video_url nor last_frame_url")
        return self
