"""Base classes that fix how strict each direction of the wire is."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """What we send: a misspelt field is a bug in the caller, so it fails loudly."""

    model_config = ConfigDict(extra="forbid")


class ResponseModel(BaseModel):
    """What we receive: the server may add fields at any time, so they are kept, not rejected."""

    model_config = ConfigDict(extra="allow")
