"""`POST /v1/embeddings` (contract §5): deterministic vectors that rank sensibly.

Default mode embeds every input (`vectors.py`): same input, same unit vector; inputs
that share words are closer than inputs that do not, so retrieval code under test
ranks the way a reader expects. A rule may script the vectors instead
(`vocabulary.py`); the scripting face is `script.py`, the wire shapes `wire.py`.

Input forms: a string, a list of strings, a token-id array (one input), a list of
token-id arrays, or a list of content parts (one input per part; a text part embeds
like the same string, an image or video part by its URL). `encoding_format: base64`
sends little-endian float32 bytes, as OpenAI does (the `openai` SDK asks for it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp

from ...jsonbody import dumps
from ...responses import JSONBytes
from ..base import Endpoint, Operation, Response
from . import vectors
from .script import EmbeddingsScript
from .vocabulary import EmbeddingsContext, EmbeddingsMatch, EmbeddingsReply
from .wire import EmbeddingsRequest, EmbeddingsResponse

if TYPE_CHECKING:
    from ..base import Host

# Default mode answers every request with the blank reply: the renderer fills in the
# vectors, so a rule that scripts only `model` or `usage` keeps the default vectors too.
_DEFAULT = EmbeddingsReply()


def answer(ctx: EmbeddingsContext, state: Host) -> EmbeddingsReply:
    return _DEFAULT


def render(ctx: EmbeddingsContext, reply: EmbeddingsReply, state: Host) -> ASGIApp:
    return JSONBytes(body(ctx, reply))


def body(ctx: EmbeddingsContext, reply: EmbeddingsReply) -> bytes:
    """The `list` object, assembled from per-vector JSON fragments (cached per input)."""
    base64 = ctx.encoding_format == "base64"
    fragments: list[bytes]
    if reply.embeddings is not None:
        fragments = [_scripted(vector, base64) for vector in reply.embeddings]
    elif reply.embedding is not None:
        fragments = [_scripted(reply.embedding, base64)] * len(ctx.items)
    else:
        dimensions = ctx.dimensions
        fragments = [item.vector(dimensions).json(base64) for item in ctx.items]
    data = b",".join(
        b'{"object":"embedding","index":%d,"embedding":%s}' % (index, fragment)
        for index, fragment in enumerate(fragments)
    )
    model = reply.model or ctx.model
    return b'{"object":"list","data":[%s],"model":%s,"usage":%s}' % (
        data,
        dumps(model),
        dumps(_usage(ctx, reply)),
    )


def _scripted(vector: list[float], base64: bool) -> bytes:
    if base64:
        return b'"%s"' % vectors.encode_floats(vector).encode("ascii")
    return dumps(vector)


def _usage(ctx: EmbeddingsContext, reply: EmbeddingsReply) -> dict[str, Any]:
    prompt_tokens = sum(item.token_count for item in ctx.items)
    usage: dict[str, Any] = {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens}
    if reply.usage is not None:
        given = reply.usage.model_dump(exclude_none=True)
        if "prompt_tokens" in given and "total_tokens" not in given:
            given["total_tokens"] = given["prompt_tokens"]
        usage.update(given)
    return usage


ENDPOINT = Endpoint(
    name="embeddings",
    match=EmbeddingsMatch,
    reply=EmbeddingsReply,
    script=EmbeddingsScript,
    context=EmbeddingsContext,
    description="Embeddings: deterministic unit vectors, or scripted ones.",
    operations=(
        Operation(
            name="create",
            method="POST",
            path="/v1/embeddings",
            model_fields=("model",),
            summary="Create embeddings",
            request=EmbeddingsRequest,
            answer=answer,
            render=render,
            response=Response("One embedding per input, in order", EmbeddingsResponse),
            errors=(400, 401, 402, 413, 422, 429, 500, 503),
        ),
    ),
)
