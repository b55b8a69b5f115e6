"""RAG files on the wire (contract §10): what clients send and what the fake answers.

Requests validate as the gateway's schema says (strict JSON types, unknown fields kept);
the response models document what the fake renders (as plain dicts) and feed
`/openapi.json`. Timestamps: ISO-8601 strings on a file's status, Unix seconds on a
search hit, as the contract has them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from ...contract import Integral, WireModel

MAX_TOP_K = 100
MAX_EMBED_FILES = 100
MAX_PAGE = 100

NonEmpty = Annotated[str, Field(min_length=1)]


class InitUploadRequest(WireModel):
    """`POST /v1/files`: name the file to come; its bytes go to the signed URL answered."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"file_name": "handbook.txt", "mime_type": "text/plain", "metadata": {"team": "hr"}}
            ]
        }
    )

    file_name: Annotated[str, Field(min_length=1, max_length=1024)]
    mime_type: Annotated[
        str,
        Field(
            min_length=3,
            max_length=255,
            pattern=r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$",
            description="The bytes' media type (`type/subtype`); the `PUT` must send it.",
        ),
    ]
    embed: bool | None = Field(
        default=None, description="Embed as soon as the upload is processed (no embed call)."
    )
    metadata: dict[str, Any] | None = Field(
        default=None, description="Kept on the file; search hits carry it and `filter` reads it."
    )


class InitUploadResponse(BaseModel):
    file_id: str
    signed_url: str = Field(description="Absolute; `PUT` the bytes there, without a token.")
    expires_at: str = Field(description="When the signed URL stops working (ISO-8601).")


class UploadQuery(BaseModel):
    """The signed URL's query: when it expires and its signature."""

    model_config = ConfigDict(extra="ignore")

    expires: Annotated[int, Field(ge=0), Integral] = Field(
        description="Unix seconds on the fake's clock after which the URL is refused."
    )
    sig: NonEmpty = Field(description="The signature of the file id and `expires`.")


class UploadAccepted(BaseModel):
    """What the signed `PUT` answers (clients only read its status)."""

    file_id: str
    size_bytes: int
    upload_status: str


class FileStatus(BaseModel):
    """A file as `GET /v1/files/{file_id}` shows it at this moment of the fake's clock."""

    file_id: str
    upload_status: str = Field(description="pending → processing → ready (or failed).")
    file_name: str
    file_type: str = Field(description="The file name's extension, else the mime subtype.")
    mime_type: str
    size_bytes: int | None = None
    asset_url: str | None = None
    signed_url: str | None = Field(default=None, description="While the upload is pending.")
    signed_url_expires_at: str | None = None
    embedding_status: str = Field(
        description="not_started → pending (waiting for the upload) → processing → ready "
        "(or failed, with `last_error_code`)."
    )
    created_at: str
    updated_at: str
    total_tokens: int | None = None
    total_cost_usd: float | None = None
    last_error_code: str | None = None


class FileList(BaseModel):
    files: list[FileStatus]
    total: int
    limit: int
    offset: int


class ListQuery(BaseModel):
    """`GET /v1/files?limit=&offset=`: oldest first."""

    model_config = ConfigDict(extra="ignore")

    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 20
    offset: Annotated[int, Field(ge=0)] = 0


class BulkEmbedRequest(WireModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"file_ids": ["file-id"], "wait": False}]}
    )

    file_ids: Annotated[list[NonEmpty], Field(min_length=1, max_length=MAX_EMBED_FILES)]
    wait: bool | None = Field(
        default=None, description="Answer once every file's embedding has ended."
    )
    metadata: dict[str, Any] | None = None


class BulkEmbedResult(BaseModel):
    file_id: str
    embedding_status: str
    chunk_count: int | None = None
    error: str | None = Field(default=None, description="Why this file cannot be embedded.")


class BulkEmbedResponse(BaseModel):
    results: list[BulkEmbedResult]


class SearchRequest(WireModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"query": "onboarding process", "top_k": 3}]}
    )

    query: Annotated[str, Field(min_length=1, max_length=8192)]
    top_k: Annotated[int, Field(ge=1, le=MAX_TOP_K), Integral] | None = Field(
        default=None, description="Hits to answer at most (5 when absent)."
    )
    file_ids: list[str] | None = Field(default=None, description="Only these files.")
    filter: dict[str, Any] | None = Field(
        default=None,
        description="Metadata every hit's file must have: each key equal to the value, or "
        "to one of the values of a list.",
    )
    date_from: Annotated[int, Integral] | None = Field(
        default=None, description="Files created at or after (Unix seconds)."
    )
    date_to: Annotated[int, Integral] | None = Field(
        default=None, description="Files created at or before (Unix seconds)."
    )


class SearchHit(BaseModel):
    score: float = Field(description="Cosine similarity of the query and the chunk, in [-1, 1].")
    text: str
    parent_text: str
    file_id: str | None = None
    file_name: str | None = None
    file_type: str | None = None
    mime_type: str | None = None
    chunk_index: int | None = None
    created_at: int | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class SearchResponse(BaseModel):
    results: list[SearchHit]
