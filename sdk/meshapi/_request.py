"""The sans-IO half of the transport: what a call sends and how its answer is read.

Nothing here touches the network, so one description of each endpoint serves the sync and the
async client alike: a resource method builds a :class:`Call` (or :class:`StreamCall`) and hands
it to its transport, which only sends, retries and returns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from meshapi._config import MeshAPIConfig
from meshapi._errors import MeshAPIError, ResponseParseError, error_from_response

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

FileTuple = tuple[Any, ...]
"""``(filename, content, content_type)`` for one multipart file part, as httpx takes it."""


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class APIRequest:
    """One HTTP request, before it is bound to a client.

    At most one body kind is set: ``json`` (a JSON object; None fields already dropped),
    ``files`` with optional ``form`` fields (multipart), or raw ``content``. ``headers`` replaces
    the SDK headers entirely; it is used for the signed-URL upload, which must carry no token.
    """

    method: str
    path: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    form: Mapping[str, str] | None = None
    files: Mapping[str, FileTuple] | None = None
    content: bytes | None = None
    headers: Mapping[str, str] | None = None
    retry: bool = True
    """False: sent once, whatever the answer (signed-URL and multipart uploads, as contract
    1.8 says)."""


def build_request(
    client: httpx.Client | httpx.AsyncClient, config: MeshAPIConfig, request: APIRequest
) -> httpx.Request:
    """Bind a request to a client: absolute URL, headers, query, body and timeout."""
    if request.headers is not None:
        headers = dict(request.headers)
    else:
        headers = config.headers()
        if request.files is not None:
            del headers["Content-Type"]  # httpx sets multipart/form-data with its boundary
    body: dict[str, Any] = {}
    if request.json is not None:
        body["content"] = encode_json(request.json)
    elif request.files is not None:
        body["files"] = dict(request.files)
        body["data"] = dict(request.form or {})
    elif request.content is not None:
        body["content"] = request.content
    timeout = config.httpx_timeout
    return client.build_request(
        request.method,
        config.url(request.path),
        params=query(request.params),
        headers=headers,
        timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        **body,
    )


def encode_json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def query(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Query parameters without the None ones; httpx writes ``true``/``false`` and repeats keys
    for lists. None when nothing is left, so the URL gets no ``?``."""
    if not params:
        return None
    cleaned = {key: value for key, value in params.items() if value is not None}
    return cleaned or None


def segment(value: str) -> str:
    """A path segment with everything escaped, ``/`` included (batch and file ids)."""
    return quote(value, safe="")


def model_path(value: str) -> str:
    """A model id in a path: escaped, but ``/`` kept, since ids look like ``openai/gpt-4o``."""
    return quote(value, safe="/")


def coerce(params: M | Mapping[str, Any], model: type[M]) -> M:
    """Params as the model; a mapping (a convenience the official SDK lacks) is validated."""
    return params if isinstance(params, model) else model.model_validate(params)


def dump(params: M | Mapping[str, Any] | None, model: type[M]) -> dict[str, Any]:
    """The JSON body for params given as a model or a mapping: None fields dropped, nested too.

    Fields with non-None defaults are always sent, as in the official SDK.
    """
    if params is None:
        return {}
    return coerce(params, model).model_dump(mode="json", exclude_none=True)


def form_fields(params: M | Mapping[str, Any] | None, model: type[M]) -> dict[str, str]:
    """Multipart text parts, stringified the way the official SDK does (``str(value)``).

    That makes booleans ``True``/``False`` and lists Python reprs: the wire contract (§14).
    """
    if params is None:
        return {}
    dumped = coerce(params, model).model_dump(exclude_none=True)
    return {key: str(value) for key, value in dumped.items()}


# --------------------------------------------------------------------------- answers


def _parse_error(response: httpx.Response, what: str, exc: Exception) -> ResponseParseError:
    """A success body that does not fit is the server's fault, reported as parse_error."""
    return ResponseParseError(
        f"unexpected response body for {what}: {exc}",
        status=response.status_code,
        error_code="parse_error",
        request_id=response.headers.get("x-request-id"),
    )


def parse_json(response: httpx.Response, model: type[M]) -> M:
    """Validate a success body as ``model``."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise _parse_error(response, model.__name__, exc) from exc


def as_model(model: type[M]) -> Callable[[httpx.Response], M]:
    return lambda response: parse_json(response, model)


def as_model_list(model: type[M]) -> Callable[[httpx.Response], list[M]]:
    """A bare JSON array of ``model``; an empty body (204) or ``null`` reads as ``[]``."""
    adapter = TypeAdapter(list[model])  # type: ignore[valid-type]

    def parse(response: httpx.Response) -> list[M]:
        data = raw_json(response)
        try:
            return adapter.validate_python(data if data is not None else [])
        except ValidationError as exc:
            raise _parse_error(response, f"list[{model.__name__}]", exc) from exc

    return parse


def raw_json(response: httpx.Response) -> Any:
    """The decoded body as is; None for an empty body (204)."""
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except ValueError as exc:
        raise _parse_error(response, "JSON", exc) from exc


def raw_bytes(response: httpx.Response) -> bytes:
    return response.content


def nothing(response: httpx.Response) -> None:
    """For calls whose answer carries nothing (DELETE's 204, the signed-URL PUT)."""
    return None


def api_error(response: httpx.Response) -> Exception:
    return error_from_response(response.status_code, response.headers, response.content)


def http_status_error(response: httpx.Response) -> Exception:
    """What ``httpx``'s ``raise_for_status`` raises: the signed-URL PUT is not a MeshAPI call."""
    return httpx.HTTPStatusError(
        f"{response.status_code} {response.reason_phrase} for PUT {response.request.url}",
        request=response.request,
        response=response,
    )


# --------------------------------------------------------------------------- calls


@dataclass(frozen=True)
class Call(Generic[T]):
    """A request plus how to read its answer (``parse``) and its failure (``error``)."""

    request: APIRequest
    parse: Callable[[httpx.Response], T]
    error: Callable[[httpx.Response], Exception] = field(default=api_error)


@dataclass(frozen=True)
class StreamCall(Generic[T]):
    """A request answered with Server-Sent Events, each data frame read by ``parse``.

    ``event_names`` puts each frame's ``event:`` name into its payload as ``"event"`` (compare
    and responses streams).
    """

    request: APIRequest
    parse: Callable[[Mapping[str, Any]], T]
    event_names: bool = False


def get(
    path: str, parse: Callable[[httpx.Response], T], params: Mapping[str, Any] | None = None
) -> Call[T]:
    return Call(APIRequest("GET", path, params=params), parse)


def post(path: str, body: Any, parse: Callable[[httpx.Response], T]) -> Call[T]:
    return Call(APIRequest("POST", path, json=body), parse)


def patch(path: str, body: Any, parse: Callable[[httpx.Response], T]) -> Call[T]:
    return Call(APIRequest("PATCH", path, json=body), parse)


def delete(path: str) -> Call[None]:
    return Call(APIRequest("DELETE", path), nothing)


def multipart(
    path: str,
    fields: Mapping[str, str],
    files: Mapping[str, FileTuple],
    parse: Callable[[httpx.Response], T],
) -> Call[T]:
    """A multipart upload: never retried (contract 1.8), the upload may be large."""
    return Call(APIRequest("POST", path, form=fields, files=files, retry=False), parse)


def sse(
    path: str,
    body: Any,
    parse: Callable[[Mapping[str, Any]], T],
    *,
    event_names: bool = False,
) -> StreamCall[T]:
    return StreamCall(APIRequest("POST", path, json=body), parse, event_names=event_names)


def event_parser(model: type[M]) -> Callable[[Mapping[str, Any]], M]:
    """Validate one stream frame as ``model``; a frame that does not fit is a parse_error."""

    def parse(payload: Mapping[str, Any]) -> M:
        try:
            return model.model_validate(payload)
        except ValidationError as exc:
            raise MeshAPIError(
                f"stream frame is not a {model.__name__}: {exc}", error_code="parse_error"
            ) from exc

    return parse
