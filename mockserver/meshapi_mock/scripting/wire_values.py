"""What a scripted value must be before the fake accepts it: something the wire can carry.

A rule is checked once, when it is added, so that it always renders a complete response:
numbers are finite and in range, free-form values are JSON, text is encodable and headers
are fields HTTP can frame. Rendering then trusts the rule and stays on the fast path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

MAX_COUNT = 2**31 - 1
"""Token counts and chunk sizes: what a 32-bit signed integer holds, as gateways count."""
MAX_RETRY_AFTER = 86_400
"""Seconds: a day is the longest wait a test would script."""
MAX_UNIX_TIME = 2**32 - 1
"""`created` is Unix seconds; larger values are usually milliseconds by mistake."""

TokenCount = Annotated[int, Field(ge=0, le=MAX_COUNT)]
ChunkSize = Annotated[int, Field(ge=1, le=MAX_COUNT)]
UnixTime = Annotated[int, Field(ge=0, le=MAX_UNIX_TIME)]
RetryAfter = Annotated[float, Field(ge=0, le=MAX_RETRY_AFTER, allow_inf_nan=False)]


# --------------------------------------------------------------------------- decimal amounts

MAX_DECIMAL = 1_000_000
"""Costs and prices are below a million (USD); larger is a typo, not a test."""
MAX_DECIMAL_PLACES = 18


def decimal_text(value: Any, what: str) -> str:
    """`value` as the wire's decimal string (`'0.00054'`, never an exponent): finite,
    non-negative, below `MAX_DECIMAL`, at most `MAX_DECIMAL_PLACES` places. Chat's `cost`
    and a scripted model's prices share it; raises ValueError naming `what`."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError(f"{what} must be a decimal number such as '0.00054'")
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{what} {value!r} is not a decimal number") from exc
    if not number.is_finite() or number < 0:
        raise ValueError(f"{what} must be a non-negative decimal")
    if number >= MAX_DECIMAL:
        raise ValueError(f"{what} {value!r} is not below {MAX_DECIMAL}")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
        raise ValueError(f"{what} {value!r} has more than {MAX_DECIMAL_PLACES} decimal places")
    return format(number, "f")


# --------------------------------------------------------------------------- text and JSON


def text_problem(text: str) -> str | None:
    """Why `text` cannot be sent as UTF-8 (a lone surrogate), or None."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"holds a lone surrogate {text[exc.start]!r} at index {exc.start}, not valid Unicode"
    return None


MAX_JSON_DEPTH = 64
"""Levels of arrays and objects a free-form scripted value may nest. Encoders and clients
stop somewhere (pydantic-core at 255 levels, with the envelope around the value counted);
no test needs more than a handful."""


def json_problem(value: Any, where: str = "") -> str | None:
    """Why `value` is not a JSON value the fake can send as scripted, or None."""
    return _json_problem(value, where, MAX_JSON_DEPTH, where or "the value")


def _json_problem(value: Any, where: str, levels_left: int, root: str) -> str | None:
    here = where or "the value"
    if value is None or isinstance(value, bool | int):
        return None
    if isinstance(value, str):
        problem = text_problem(value)
        return f"{here} {problem}" if problem else None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{here} is {value!r}, not a JSON number"
    if isinstance(value, list | tuple | Mapping) and levels_left == 0:
        at = where if len(where) <= 40 else where[:39] + "…"
        return f"{root} nests arrays and objects deeper than {MAX_JSON_DEPTH} levels (at {at})"
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if problem := _json_problem(item, f"{where}[{index}]", levels_left - 1, root):
                return problem
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{here} has the key {key!r}; JSON object keys are strings"
            if problem := _json_problem(key, f"{where} key {key!r}", levels_left, root):
                return problem
            if problem := _json_problem(item, _join(where, key), levels_left - 1, root):
                return problem
        return None
    return f"{here} is a {type(value).__name__}, not a JSON value"


def _json(value: Any) -> Any:
    if problem := json_problem(value):
        raise ValueError(problem)
    return value


JsonValue = Annotated[Any, AfterValidator(_json)]
"""Any JSON value: null, booleans, numbers (finite), strings, arrays and objects."""
JsonObject = Annotated[dict[str, Any], AfterValidator(_json)]


def encodable(text: str) -> str:
    if problem := text_problem(text):
        raise ValueError(f"text {problem}")
    return text


EncodableText = Annotated[str, AfterValidator(encodable)]


def model_text_problem(model: BaseModel) -> str | None:
    """The first string anywhere in `model` that cannot be sent, as `path: problem`."""
    return _walk(model, "")


def _walk(value: Any, where: str) -> str | None:
    if isinstance(value, str):
        problem = text_problem(value)
        return f"{where or 'text'} {problem}" if problem else None
    children: list[tuple[str, Any]]
    if isinstance(value, BaseModel):
        children = [(_join(where, k), v) for k, v in value.__dict__.items()]
    elif isinstance(value, Mapping):
        children = []
        for key, item in value.items():
            if isinstance(key, str) and (problem := text_problem(key)):
                return f"a key of {where or 'the value'} {problem}"
            children.append((_join(where, str(key)), item))
    elif isinstance(value, list | tuple):
        children = [(f"{where}[{i}]", item) for i, item in enumerate(value)]
    else:
        return None
    for path, item in children:
        if problem := _walk(item, path):
            return problem
    return None


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


# --------------------------------------------------------------------------- headers

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE_CHARS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_NAMED_CONTROLS = {"\r": "CR", "\n": "LF", "\x00": "NUL"}
MAX_HEADER_VALUE = 8192
MAX_HEADERS = 64

FRAMING_HEADERS = frozenset(
    {
        "connection",
        "content-encoding",
        "content-length",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
"""Headers that say how the body is framed or the connection kept: the fake sets those
itself, and a scripted one would cut the reply short or make clients misread it."""

SERVER_HEADERS = frozenset({"date", "server"})
"""Headers the HTTP server (uvicorn) adds to every response, scripted or not."""
RETRY_HEADERS = frozenset({"retry-after", "retry-after-ms"})
"""Headers an error's `retry_after` sets (see `errors.MeshError.response`)."""


def header_name_problem(name: str) -> str | None:
    """Why `name` cannot be a header's name (so no request has it, no response sends it)."""
    if not name:
        return "a header name cannot be empty"
    if not _TOKEN.fullmatch(name):
        return f"header name {name!r} is not an HTTP token (letters, digits, !#$%&'*+-.^_`|~)"
    return None


def header_problem(name: str, value: str) -> str | None:
    """Why `name: value` cannot be sent as a response header, or None."""
    if problem := header_name_problem(name):
        return problem
    lowered = name.lower()
    if lowered in FRAMING_HEADERS:
        return f"header {lowered!r} frames the response; the fake sets it itself"
    if lowered == "content-type":
        return "header 'content-type' is the fake's own: the error envelope is JSON"
    if lowered in SERVER_HEADERS:
        return (
            f"header {lowered!r} is the server's own: it is set on every response, and a "
            "scripted one would arrive twice"
        )
    if lowered == "x-request-id":
        return (
            "header 'x-request-id' is the fake's own (the request's x-request-id, or a fresh "
            "id); send x-request-id with the request to choose it"
        )
    if bad := _BAD_VALUE_CHARS.search(value):
        char = bad.group()
        label = _NAMED_CONTROLS.get(char, f"control character {char!r}")
        return f"header {name!r}: a value cannot hold {label}"
    if value != value.strip(" \t"):
        return f"header {name!r}: a value cannot start or end with whitespace"
    if len(value) > MAX_HEADER_VALUE:
        return f"header {name!r}: a value is at most {MAX_HEADER_VALUE} characters"
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return f"header {name!r}: a value must be latin-1 text (HTTP sends headers as bytes)"
    return None


def _headers(headers: dict[str, str]) -> dict[str, str]:
    if len(headers) > MAX_HEADERS:
        raise ValueError(f"at most {MAX_HEADERS} headers")
    out: dict[str, str] = {}
    for name, value in headers.items():
        if problem := header_problem(name, value):
            raise ValueError(problem)
        lowered = name.lower()
        if lowered in out:
            raise ValueError(f"header {lowered!r} is given twice (names ignore case)")
        out[lowered] = value
    return out


ResponseHeaders = Annotated[dict[str, str], AfterValidator(_headers)]
"""Extra response headers, names lower-cased: valid HTTP fields that do not touch framing."""
