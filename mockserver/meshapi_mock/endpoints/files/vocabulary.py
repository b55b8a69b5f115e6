"""The files rule vocabulary: what a rule can match on and what it can answer.

Operations: `init` (`POST /v1/files`), `upload` (the signed `PUT`), `list`, `get`,
`embed` and `search`. A reply scripts the steps a file goes through — `upload` (its
processing after the `PUT`) and `embedding` — each with how long it takes on the fake's
clock and whether it ends `failed` with a `last_error_code`; or the `hits` a search
answers; or, like any rule, an `error`. Steps are read where they apply: `init` and
`upload` take both (the plan of the file being made or uploaded), `embed` takes
`embedding` (for every file of the call); `search` takes `hits`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from ...scripting.context import CallContext, clip
from ...scripting.matching import text_difference
from ...scripting.spec import BaseMatch, BaseReply, Spec, TextMatch, string_shorthand
from ...scripting.wire_values import MAX_RETRY_AFTER, EncodableText, JsonObject, UnixTime
from .wire import BulkEmbedRequest, InitUploadRequest, SearchRequest

Operation = Literal["init", "upload", "list", "get", "embed", "search"]
OPERATIONS: tuple[Operation, ...] = ("init", "upload", "list", "get", "embed", "search")

DEFAULT_UPLOAD_SECONDS = 1.0
"""Seconds a file stays `processing` after its bytes arrive, unless a rule says."""
DEFAULT_EMBEDDING_SECONDS = 2.0
"""Seconds a file's embedding stays `processing`, unless a rule says."""

# --------------------------------------------------------------------------- context


@dataclass
class FilesContext(CallContext):
    """A files call: the validated body (init, embed, search), query (upload, list) or
    nothing (get), and the file id of the path."""

    @property
    def init(self) -> InitUploadRequest | None:
        return self.request if isinstance(self.request, InitUploadRequest) else None

    @property
    def search(self) -> SearchRequest | None:
        return self.request if isinstance(self.request, SearchRequest) else None

    @property
    def file_ids(self) -> list[str]:
        """The files the call is about: the path's, or those an embed or search names."""
        if "file_id" in self.path_params:
            return [self.path_params["file_id"]]
        if isinstance(self.request, BulkEmbedRequest):
            return list(self.request.file_ids)
        if self.search is not None:
            return list(self.search.file_ids or ())
        return []

    def summary(self) -> str:
        parts = [f"operation={self.operation}"]
        if self.init is not None:
            parts += [
                f"file_name={clip(self.init.file_name)!r}",
                f"mime_type={self.init.mime_type!r}",
            ]
        if self.search is not None:
            parts.append(f"query={clip(self.search.query)!r}")
        if self.file_ids:
            parts.append(f"file_ids={[clip(i, 40) for i in self.file_ids[:5]]}")
        return ", ".join(parts)


# --------------------------------------------------------------------------- match


class FilesMatch(BaseMatch):
    """Which files calls a rule answers. Every field given must hold; `file_name` and
    `mime_type` hold only for `init`, `query` only for `search`."""

    operation: Operation | None = Field(
        default=None,
        description="Which operation: 'init', 'upload', 'list', 'get', 'embed' or "
        "'search'; absent: any (the Python verbs name theirs).",
    )
    file_name: TextMatch | None = Field(
        default=None,
        description="The `file_name` an init names. A plain string means 'contains'.",
        json_schema_extra=string_shorthand,
    )
    mime_type: TextMatch | None = Field(
        default=None,
        description="The `mime_type` an init names. A plain string means 'contains'.",
        json_schema_extra=string_shorthand,
    )
    query: TextMatch | None = Field(
        default=None,
        description="A search's `query`. A plain string means 'contains'.",
        json_schema_extra=string_shorthand,
    )
    file_id: str | None = Field(
        default=None,
        description="A file the call is about: the path's (upload, get), or one an embed "
        "or a search names in `file_ids`.",
    )

    def differences(self, ctx: CallContext) -> list[str]:
        assert isinstance(ctx, FilesContext)
        out = super().differences(ctx)
        init = ctx.init
        for label, spec in (("file_name", self.file_name), ("mime_type", self.mime_type)):
            if spec is not None:
                value = None if init is None else getattr(init, label)
                out.extend(text_difference(label, spec, value, f"no {label} (not an init)"))
        if self.query is not None:
            query = ctx.search.query if ctx.search is not None else None
            out.extend(text_difference("query", self.query, query, "no query (not a search)"))
        if self.file_id is not None and self.file_id not in ctx.file_ids:
            out.append(f"file_id: expected {self.file_id!r}, got {ctx.file_ids[:5]!r}")
        return out


# --------------------------------------------------------------------------- reply

Seconds = Annotated[float, Field(ge=0, le=MAX_RETRY_AFTER, allow_inf_nan=False)]
ErrorCode = Annotated[EncodableText, Field(min_length=1, max_length=200)]


class StepSpec(Spec):
    """One step of a file (its upload's processing, or its embedding) on the fake's clock."""

    seconds: Seconds | None = Field(
        default=None,
        description="Seconds it stays `processing` (1 for the upload, 2 for the embedding "
        "by default).",
    )
    fail: ErrorCode | None = Field(
        default=None,
        description="End `failed` with this `last_error_code` instead of `ready`.",
    )


class HitSpec(Spec):
    """One scripted search hit; what is left out is filled in."""

    text: EncodableText
    score: Annotated[float, Field(ge=-1, le=1, allow_inf_nan=False)] | None = Field(
        default=None, description="In [-1, 1]; absent: the query's similarity to `text`."
    )
    parent_text: EncodableText | None = Field(default=None, description="`text` when absent.")
    file_id: EncodableText | None = None
    file_name: EncodableText | None = None
    file_type: EncodableText | None = None
    mime_type: EncodableText | None = None
    chunk_index: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    created_at: UnixTime | None = None
    metadata: JsonObject | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value

    @field_validator("score", mode="before")
    @classmethod
    def _finite(cls, value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("score must be a finite number in [-1, 1]")
        return value


class FilesReply(BaseReply):
    """What a files rule answers: the steps of the files it makes, uploads or embeds, the
    hits of a search, or an error. It must say one of them."""

    list_field = "hits"

    upload: StepSpec | None = Field(
        default=None,
        description="init, upload: how the upload's processing goes (after the PUT).",
    )
    embedding: StepSpec | None = Field(
        default=None, description="init, upload, embed: how the embedding goes."
    )
    hits: list[HitSpec] | None = Field(
        default=None,
        description="search: the hits, in this order (cut to `top_k`); a string is a hit's text.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> FilesReply:
        steps = self.upload is not None or self.embedding is not None
        if self.error is not None and (steps or self.hits is not None):
            raise ValueError("an error reply cannot also script steps or hits")
        if steps and self.hits is not None:
            raise ValueError(
                "'hits' answer a search; 'upload' and 'embedding' script init, upload and "
                "embed: give them in separate rules"
            )
        if self.error is None and not steps and self.hits is None:
            raise ValueError("a files reply needs 'upload', 'embedding', 'hits' or an 'error'")
        return self


PROCEED = FilesReply.model_construct()
"""Default mode's reply: the store answers (every operation serves what the fake holds)."""
