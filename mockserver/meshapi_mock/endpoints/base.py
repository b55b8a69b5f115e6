"""What an endpoint module declares, and nothing it does not own.

An `Endpoint` is one area of the API under one rule key (`chat`, `embeddings`, …):
its match and reply vocabulary, its context, its Python scripting face and its
operations. An `Operation` is one method + path: how to read its request, its
default-mode answer, its renderer and its OpenAPI summary. The shared pipeline
(`pipeline.py`) runs every operation the same way; routes and `/openapi.json` are both
built from the registry of these declarations, so they cannot disagree.

What an endpoint may use of the fake serving it is `Host` (clock, ids, stores, settings,
catalogue, rules) and, for a WebSocket operation, `Socket`: narrow protocols that the
fake's state and the pipeline's socket session satisfy. Endpoints sit below the state,
the registry and the pipeline, so none of those is imported here or by an endpoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from pydantic import BaseModel
from starlette.types import ASGIApp

from ..scripting.context import CallContext
from ..scripting.spec import BaseMatch, BaseReply

if TYPE_CHECKING:
    from starlette.types import Scope

    from ..catalogue import Catalogue
    from ..clock import Clock
    from ..config import ServerConfig
    from ..delivery.plan import DeliveryPlan
    from ..errors import MeshError
    from ..ids import IdFactory
    from ..scripting.rulebook import Rule, RuleBook
    from ..scripting.script import Script

T = TypeVar("T")

DefaultAnswer = Callable[[Any, "Host"], BaseReply]
"""Default mode: the reply for a context when no rule matches (same request, same reply)."""
Renderer = Callable[[Any, Any, "Host"], ASGIApp | Awaitable[ASGIApp]]
"""Turns (context, reply, state) into the response that goes on the wire."""
Prepare = Callable[[Any, "Host"], CallContext]
"""Resolves a request against what the fake holds (a stored prompt template) before it is
matched: returns the context rules match and the answer reads (the same one when nothing
changed; a new one is journaled as the entry's `rendered` view)."""
BodyKind = Literal["json", "raw"]
"""How an operation's body is read: `json` (its `request` model, or a form) or `raw` bytes."""
SessionHandler = Callable[["Socket"], Awaitable[None]]
"""A WebSocket operation's session, from the endpoint module: the protocol spoken on the
socket once it is open (`sockets.SocketSession` runs the shared steps)."""
POLICY_VIOLATION = 1008
"""The WebSocket close code for a refused key, model or handshake."""


@dataclass(frozen=True)
class Response:
    """An OpenAPI description of a success response."""

    description: str
    schema: type[BaseModel] | dict[str, Any] | None = None
    array: bool = False
    stream_schema: type[BaseModel] | None = None
    media_type: str = "application/json"
    status: int = 200
    """201 for a create, 204 (and no schema) for a delete."""
    also: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, hash=False)
    """Other media types the same success may come as (a request field chooses), each
    with its JSON Schema: `{"text/plain": {"type": "string"}}`."""
    links: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, hash=False)
    """OpenAPI links from this response to the operations that use what it made (by
    `operationId`), so a stateful fuzzer can follow a create with a get, update and delete."""


@dataclass(frozen=True)
class Operation:
    """One method + path of an endpoint."""

    name: str
    method: str
    path: str
    summary: str
    answer: DefaultAnswer
    render: Renderer
    request: type[BaseModel] | None = None
    """The JSON body's model; None for operations without a body."""
    body: BodyKind = "json"
    """`raw`: the body is bytes the operation reads itself (a signed upload's `PUT`), not
    a model: read within `max_body_bytes`, journaled and handed over as the context's
    `raw_body`; `request` stays None and `query` validates the query string."""
    form: bool = False
    """The body may also come as `multipart/form-data` (uploads, as the `openai` SDK sends
    them), read into the same model (`forms.py`)."""
    query: type[BaseModel] | None = None
    """The query string's model (list fields take repeated keys)."""
    response: Response = field(default_factory=lambda: Response("Success"))
    errors: tuple[int, ...] = (401,)
    """Error statuses worth naming in `/openapi.json` beyond those the pipeline answers by
    itself (`openapi.error_statuses` adds 401, 408, 400/413/422, strict-mode 404, 4XX/5XX):
    what the real gateway answers here, so a rule scripting it is documented."""
    public: bool = False
    """No bearer token needed (signed URLs, the fake's own documents)."""
    synthetic: bool = True
    """The default answer is made up, so strict mode refuses it; False for answers that
    come from data the fake holds (the model catalogue, uploaded files)."""
    path_examples: Mapping[str, str] = field(default_factory=dict, hash=False)
    """A value per path parameter that finds something, for `/openapi.json` (and so for
    Schemathesis, which would otherwise only try ids that do not exist)."""
    prepare: Prepare | None = None
    """Run on the validated request before it is matched (see `Prepare`); None: as sent."""
    model_fields: tuple[str, ...] = ()
    """Where the request names models (`model`, `models`, `model_overrides.model`): the
    pipeline checks them against the catalogue (`model_check.py`) before matching."""
    model_kinds: tuple[str, ...] = ()
    """The catalogue kinds (`Model.model_type`: `text`, `embedding`, …) `model_fields` may
    name where the contract says a model the operation does not support is refused: a
    catalogue model of another kind is 501 `model_capability_not_supported`. Empty: any
    kind is answered (the contract says nothing)."""
    websocket: SessionHandler | None = None
    """A WebSocket operation (`method` GET, the upgrade): its route is a `WebSocketRoute`
    and this handler runs the session; the shared steps (key, query, model check, journal,
    rule selection per turn) are `sockets.SocketSession`'s. A plain GET of the path gets
    426 `upgrade_required`. Not in `/openapi.json`, which cannot describe a socket."""
    key_query: str | None = None
    """The query parameter that carries the key instead of `Authorization` (realtime's
    `api_key`), checked like a bearer token; a bearer header is taken when it is absent."""
    upstream_timeout: str | None = None
    """The request field that sets the gateway's upstream timeout (`timeout`, seconds;
    `delivery.UPSTREAM_TIMEOUT` when absent): a scripted answer slower than it ends in a
    `gateway_timeout` error, as the gateway's does (contract §1.9). None: no such limit."""

    @property
    def operation_id(self) -> str:
        """`get_templates_template_id`: its `operationId`, which OpenAPI links name."""
        words = [p.split(":")[0].strip("{}") for p in self.path.split("/") if p and p != "v1"]
        return "_".join([self.name, *(w.replace("-", "_") for w in words)])

    @property
    def openapi_path(self) -> str:
        """`/v1/models/{model_id:path}` → `/v1/models/{model_id}`."""
        parts = []
        for part in self.path.split("/"):
            if part.startswith("{") and ":" in part:
                part = part.split(":", 1)[0] + "}"
            parts.append(part)
        return "/".join(parts)


@dataclass(frozen=True)
class Endpoint:
    """One rule key: its vocabulary, context, scripting face and operations."""

    name: str
    match: type[BaseMatch]
    reply: type[BaseReply]
    script: type[Script[Any]]
    operations: tuple[Operation, ...]
    context: type[CallContext] = CallContext
    description: str = ""

    def __post_init__(self) -> None:
        # Its scripting face checks `when(operation=...)` against these names.
        self.script.operations = self.operation_names

    @property
    def operation_names(self) -> tuple[str, ...]:
        return tuple(op.name for op in self.operations)

    def operation(self, name: str) -> Operation | None:
        return next((op for op in self.operations if op.name == name), None)


def held_data_operations(
    answer: DefaultAnswer, param: str, example: str
) -> Callable[..., Operation]:
    """A maker of the operations of an area that serves what the fake holds (stored
    templates, uploaded files, jobs): their answers are not made up, so strict mode serves
    them, and a path naming `param` gets `example`, an id that exists, for `/openapi.json`."""

    def operation(
        name: str, method: str, path: str, summary: str, render: Renderer, **extra: Any
    ) -> Operation:
        examples = {param: example} if "{" + param + "}" in path else {}
        return Operation(
            name,
            method,
            path,
            summary,
            answer,
            render,
            synthetic=False,
            path_examples=examples,
            **extra,
        )

    return operation


class Host(Protocol):
    """What an endpoint uses of the fake serving it; `state.MockState` is one.

    Endpoint modules read and change the fake only through these, so they need nothing
    above them: compare's legs and a batch's items select rules with the rule book here
    (`answering.py`), and a batch finds the operations it answers among `endpoints`."""

    @property
    def config(self) -> ServerConfig: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def ids(self) -> IdFactory: ...
    @property
    def catalogue(self) -> Catalogue: ...
    @property
    def rules(self) -> RuleBook: ...
    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """Every endpoint the fake serves (`registry.ENDPOINTS`)."""
        ...

    def store(self, name: str, factory: Callable[[], T]) -> T:
        """The in-memory store of a stateful area (made on first use); reset empties it."""
        ...


class Socket(Protocol):
    """One WebSocket session as an endpoint's `SessionHandler` sees it; the pipeline's
    `sockets.SocketSession` is one (its docstrings say what each step does)."""

    @property
    def state(self) -> Host: ...
    @property
    def endpoint(self) -> Endpoint: ...
    @property
    def operation(self) -> Operation: ...
    @property
    def scope(self) -> Scope: ...
    @property
    def request_id(self) -> str: ...
    @property
    def subprotocols(self) -> list[str]: ...

    def open(self) -> CallContext: ...
    def note_error(self, error: MeshError) -> None: ...
    async def accept(self, subprotocol: str | None = None) -> None: ...
    async def receive(self) -> str | bytes | None: ...
    async def send_event(
        self, event: dict[str, Any], shown: dict[str, Any] | None = None
    ) -> bool: ...
    async def send_text(self, text: str) -> bool: ...
    async def close(self, code: int = 1000, reason: str = "") -> None: ...
    def record(self, side: str, event: dict[str, Any]) -> None: ...
    async def answer(self, ctx: CallContext) -> tuple[BaseReply, Rule | None]: ...
    def plan(self, rule: Rule | None) -> DeliveryPlan | None: ...
    async def pause(self, seconds: float) -> bool: ...
