"""Batches on the wire (contract §9): what clients send and what the fake sends.

Requests are inline: each item names a `method` and `url` of the API and carries the
`body` that operation takes. The item's own shape (`custom_id`, `body` an object) is the
batch's to check, so a malformed item is a 422 for the whole batch; whether the body
suits the operation it names is that operation's to say, in the item's result.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...contract import WireModel

MAX_REQUESTS = 1000
"""Requests one batch may hold: each is answered when the batch is created."""
MAX_CUSTOM_ID = 512

Status = Literal[
    "validating",
    "in_progress",
    "finalizing",
    "completed",
    "failed",
    "expired",
    "cancelling",
    "cancelled",
]


class BatchRequestItem(WireModel):
    custom_id: Annotated[str, Field(min_length=1, max_length=MAX_CUSTOM_ID)] = Field(
        description="The caller's id for this request; unique within the batch (a request "
        "that repeats an earlier one's fails alone)."
    )
    method: Annotated[str, Field(min_length=1, max_length=16)] = "POST"
    url: Annotated[str, Field(min_length=1, max_length=2048)] = Field(
        default="/v1/chat/completions",
        description="The path of the operation that answers it, e.g. `/v1/embeddings`.",
    )
    body: dict[str, Any] = Field(description="The body that operation takes.")


class BatchCreateRequest(WireModel):
    """`POST /v1/batches`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "requests": [
                        {
                            "custom_id": "q1",
                            "method": "POST",
                            "url": "/v1/chat/completions",
                            "body": {
                                "model": "openai/gpt-4o-mini",
                                "messages": [{"role": "user", "content": "Hi"}],
                            },
                        }
                    ],
                    "metadata": {"job": "nightly"},
                }
            ]
        }
    )

    requests: Annotated[list[BatchRequestItem], Field(min_length=1, max_length=MAX_REQUESTS)]
    completion_window: Annotated[str, Field(pattern=r"^[1-9][0-9]{0,3}h$")] | None = Field(
        default=None, description="How long the batch may run: hours, as `24h` (the default)."
    )
    metadata: dict[str, Any] | None = None


class BatchListQuery(BaseModel):
    """`GET /v1/batches?after=&limit=`: a page of batches, newest first."""

    model_config = ConfigDict(extra="ignore")

    after: str | None = Field(default=None, description="The `last_id` of the previous page.")
    limit: Annotated[int, Field(ge=1, le=100)] = 20


# --------------------------------------------------------------------------- what is sent


class RequestCounts(WireModel):
    total: int
    completed: int
    failed: int


class BatchResponse(WireModel):
    status_code: int
    request_id: str
    body: Any


class BatchResult(WireModel):
    id: str
    custom_id: str
    response: BatchResponse
    error: dict[str, Any] | None = None


class BatchObject(WireModel):
    """A batch as it stands on the fake's clock."""

    id: str
    object: Literal["batch"]
    endpoint: str
    input_file_id: None = None
    output_file_id: None = None
    error_file_id: None = None
    completion_window: str
    status: Status
    model: str | None
    provider: str | None
    created_at: int
    in_progress_at: int | None
    expires_at: int
    finalizing_at: int | None
    completed_at: int | None
    failed_at: int | None
    expired_at: int | None
    cancelling_at: int | None
    cancelled_at: int | None
    usage_synced: bool
    request_counts: RequestCounts
    results: list[BatchResult] | None = Field(
        description="Once the batch is over (completed, cancelled or expired): the answer "
        "to each request that was answered, in the order sent."
    )
    errors_detail: list[dict[str, Any]] | None = Field(
        description="Why a failed batch failed: `{code, message, line?, param?}` each."
    )
    metadata: dict[str, Any] | None


class BatchList(WireModel):
    object: Literal["list"]
    data: list[BatchObject]
    has_more: bool
    first_id: str | None
    last_id: str | None
