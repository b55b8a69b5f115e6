"""One chat call against a broken answer, told as plain data: what came back or what was raised.

Standard library only and no ``from __future__`` import: the official SDK's subprocess runs
this very file's source (see ``fault_clients.official_outcomes``), so the bundled and the
official ``meshapi`` packages are driven and described by the same code. Both packages have
the same surface, so the module under test is a parameter.
"""

import json
from typing import Any

MODEL = "openai/gpt-4o-mini"
TOKEN = "rsk_fault_matrix"


def error_name(exc: BaseException) -> str:
    """``package.Class`` of an exception: ``httpx.ReadTimeout``, ``meshapi.RateLimitError``;
    an error that is also an httpx exception names both: ``meshapi.APITimeoutError /
    httpx.ReadTimeout``."""
    kind = type(exc)
    name = f"{kind.__module__.split('.')[0]}.{kind.__name__}"
    also = [
        f"httpx.{base.__name__}"
        for base in kind.__bases__
        if base.__module__.split(".")[0] == "httpx" and not name.startswith("httpx.")
    ]
    return " / ".join([name, *also])


def describe(exc: BaseException | None, text: str) -> dict[str, Any]:
    """The outcome: the error's class, HTTP status and API code (where it has them) and the
    text received before it (all of it when nothing was raised)."""
    if exc is None:
        return {"raised": None, "status": None, "code": None, "text": text}
    status = getattr(exc, "status", getattr(exc, "status_code", None))
    code = getattr(exc, "error_code", getattr(exc, "code", None))
    return {
        "raised": error_name(exc),
        "status": status if isinstance(status, int) else None,
        "code": code if isinstance(code, str) else None,
        "text": text,
    }


def chunk_text(chunk: Any) -> str:
    delta = chunk.choices[0].delta if chunk.choices else None
    return (delta.content or "") if delta is not None else ""


def params(meshapi: Any, marker: str) -> Any:
    message = meshapi.ChatMessage(role="user", content=marker)
    return meshapi.ChatCompletionParams(model=MODEL, messages=[message])


def drive(meshapi: Any, url: str, case: dict[str, Any], **options: Any) -> dict[str, Any]:
    """Run ``case`` (``marker``, ``stream``, ``timeout``, ``max_retries``) with ``MeshAPI``."""
    client = meshapi.MeshAPI(
        base_url=url,
        token=TOKEN,
        timeout=case["timeout"],
        max_retries=case["max_retries"],
        **options,
    )
    received: list[str] = []
    try:
        with client:
            ask = params(meshapi, case["marker"])
            if case["stream"]:
                for chunk in client.chat.completions.stream(ask):
                    received.append(chunk_text(chunk))
            else:
                received.append(client.chat.completions.create(ask).choices[0].message.content)
    except Exception as exc:
        return describe(exc, "".join(received))
    return describe(None, "".join(received))


async def drive_async(
    meshapi: Any, url: str, case: dict[str, Any], **options: Any
) -> dict[str, Any]:
    """:func:`drive` with ``meshapi.AsyncMeshAPI``."""
    received: list[str] = []
    try:
        async with meshapi.AsyncMeshAPI(
            base_url=url,
            token=TOKEN,
            timeout=case["timeout"],
            max_retries=case["max_retries"],
            **options,
        ) as client:
            ask = params(meshapi, case["marker"])
            if case["stream"]:
                async for chunk in client.chat.completions.stream(ask):
                    received.append(chunk_text(chunk))
            else:
                reply = await client.chat.completions.create(ask)
                received.append(reply.choices[0].message.content)
    except Exception as exc:
        return describe(exc, "".join(received))
    return describe(None, "".join(received))


def drive_all(meshapi: Any, url: str, cases: list[dict[str, Any]]) -> str:
    """Every case in turn, as one JSON object keyed by marker (the subprocess's answer)."""
    return json.dumps({case["marker"]: drive(meshapi, url, case) for case in cases})
