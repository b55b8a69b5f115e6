"""Request bodies are standard JSON (RFC 8259), and a body that is not gets a 400 that
says what is wrong and where — on every endpoint and on the admin API. The journal only
ever serves standard JSON back."""

from __future__ import annotations

import json
import math
from typing import Any, NoReturn

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshapi_mock import MockServer
from meshapi_mock.jsonbody import InvalidJson, loads
from meshapi_mock.registry import ENDPOINTS
from support.strategies import json_values

CHAT = "/v1/chat/completions"
BODY_OPERATIONS = sorted(
    {
        (op.method, op.path)
        for endpoint in ENDPOINTS
        for op in endpoint.operations
        if op.request is not None
    }
)
NON_STANDARD = [
    (b'{"temperature": NaN}', "NaN", 17),
    (b'{"temperature": Infinity}', "Infinity", 17),
    (b'{"temperature": -Infinity}', "-Infinity", 17),
    (b'{"temperature": 1e400}', "1e400", 17),
    (b'{"temperature": -1E+400}', "-1E+400", 17),
    (b'{"temperature": 1' + b"0" * 400 + b".5}", "1000000000", 17),
]


def _refuse(constant: str) -> NoReturn:
    raise ValueError(f"non-standard JSON constant {constant}")


def strict_json(text: str | bytes) -> Any:
    """A parser that takes only standard JSON: Python's, refusing NaN and the infinities."""
    value = json.loads(text, parse_constant=_refuse)
    assert all_finite(value), "a number overflowed to infinity"
    return value


def all_finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(all_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(all_finite(v) for v in value)
    return True


def error_of(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = strict_json(response.text)["error"]
    return error


# --- Non-standard numbers are a 400 everywhere -------------------------------------------


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS)
@pytest.mark.parametrize(("body", "literal", "column"), NON_STANDARD)
def test_non_standard_numbers_are_a_400_on_every_endpoint(
    http: httpx.Client, method: str, path: str, body: bytes, literal: str, column: int
) -> None:
    headers = {"content-type": "application/json"}
    response = http.request(method, path, content=body, headers=headers)
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert error["code"] == "invalid_request"
    assert error["message"].startswith("Request body is not valid JSON: ")
    assert literal in error["message"]
    assert error["message"].endswith(f" at line 1, column {column}.")
    (detail,) = error["details"]
    assert detail["type"] == "json_invalid" and detail["loc"] == ["body"]
    assert (detail["ctx"]["line"], detail["ctx"]["column"]) == (1, column)


def test_a_non_finite_number_deep_in_a_valid_request_is_refused(
    server: MockServer, http: httpx.Client
) -> None:
    # Tool parameters are free-form JSON: the model lets anything through, the parser not.
    tool = {"type": "function", "function": {"name": "f", "parameters": {"x": "NAN_HERE"}}}
    request = {"model": "openai/gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    text = json.dumps({**request, "tools": [tool]}, indent=2)
    for literal in ("NaN", "Infinity", "-Infinity", "1e999"):
        at = text.index('"NAN_HERE"')
        line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        body = text.replace('"NAN_HERE"', literal).encode()
        response = http.post(CHAT, content=body)
        assert response.status_code == 400, (literal, response.text)
        message = error_of(response)["message"]
        assert literal in message and "JSON numbers must be finite" in message
        assert message.endswith(f" at line {line}, column {column}."), message
    assert server.call_count == 0


JSON = {"content-type": "application/json"}  # the admin API takes nothing else


@pytest.mark.parametrize(
    ("path", "method", "body"),
    [
        ("/_mock/rules", "POST", b'{"reply": {"text": "hi"}, "times": NaN}'),
        ("/_mock/rules", "POST", b'[{"reply": {"text": "hi"}, "delay": 1e400}]'),
        ("/_mock/config", "PATCH", b'{"strict": Infinity}'),
    ],
)
def test_non_standard_numbers_are_a_400_on_the_admin_api(
    server: MockServer, http: httpx.Client, path: str, method: str, body: bytes
) -> None:
    response = http.request(method, path, content=body, headers=JSON)
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert error["code"] == "invalid_request"
    assert error["message"].startswith("Request body is not valid JSON: ")
    assert "JSON numbers must be finite" in error["message"]
    assert server.rules == []


def test_the_journal_serves_only_standard_json(server: MockServer, http: httpx.Client) -> None:
    for body, _, _ in NON_STANDARD:
        http.post(CHAT, content=body)
    http.post("/v1/embeddings", content=b'{"model": "m", "input": "x", "dimensions": NaN}')
    listing = http.get("/_mock/requests")
    entries = strict_json(listing.text)
    assert len(entries) == len(NON_STANDARD) + 1
    assert [e["body"] for e in entries] == [None] * len(entries)
    assert [e["status"] for e in entries] == [400] * len(entries)
    assert all(e.body is None for e in server.requests)


def test_standard_json_that_looks_non_standard_is_accepted(
    server: MockServer, http: httpx.Client
) -> None:
    # Text and numbers that resemble the refused ones, and numbers at the float range's edge.
    content = 'NaN, Infinity, -Infinity, "1e400" and 12345678901234567890'
    body = (
        '{"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": CONTENT}],'
        ' "temperature": 1e-400, "top_p": 0.1E+001, "max_tokens": 1000000000000000000000,'
        ' "stop": ["1.7976931348623157e308"], "seed": 12345678901234567890}'
    ).replace("CONTENT", json.dumps(content))
    response = http.post(CHAT, content=body.encode())
    assert response.status_code == 200, response.text
    (entry,) = strict_json(http.get("/_mock/requests").text)
    assert entry["body"] == json.loads(body)
    assert server.last_request.body["messages"][0]["content"] == content


# --- Invalid JSON gets a message a person can act on -------------------------------------

MESSAGES = [
    (b"{x", "unexpected character 'x' (object keys must be strings in double quotes)", 1, 2),
    (b'{"a": 1,}', "trailing comma before character '}'", 1, 8),
    (b'{"a" 1}', "unexpected character '1' (':' was expected after an object key)", 1, 6),
    (b"[1 2]", "unexpected character '2' (',' or ']' was expected after a list item)", 1, 4),
    (b'{"a": 1} x', "unexpected character 'x' (the JSON value has already ended)", 1, 10),
    (b'{"a": tru', "the body ends inside 'tru'", 1, 10),
    (b'{"a": [1, 2', "the body ends inside a list", 1, 12),
    (
        b'{\n  "a": "\xc3\xa9t\xc3\xa9",\n  "b": nan\n}',
        "invalid literal 'nan' (JSON's literals are true, false and null)",
        3,
        8,
    ),
    (b'{"caf\xc3\xa9": x}', "unexpected character 'x' (a JSON value was expected)", 1, 10),
    (b'{"a": 01}', "invalid number '01'", 1, 7),
    (b'{"a": "\xff"}', "invalid UTF-8 (byte 0xFF)", 1, 8),
    (b'\xef\xbb\xbf{"a": 1}', "the body starts with a byte order mark (BOM)", 1, 1),
    (b'{"a": "\\q"}', "invalid escape sequence in a string", 1, 9),
]


@pytest.mark.parametrize("path", [CHAT, "/_mock/rules"])
@pytest.mark.parametrize(("body", "reason", "line", "column"), MESSAGES)
def test_invalid_json_says_what_and_where(
    http: httpx.Client, path: str, body: bytes, reason: str, line: int, column: int
) -> None:
    response = http.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert error["code"] == "invalid_request"
    assert error["message"] == (
        f"Request body is not valid JSON: {reason} at line {line}, column {column}."
    )
    (detail,) = error["details"]
    assert detail["msg"] == reason
    assert (detail["ctx"]["line"], detail["ctx"]["column"]) == (line, column)
    assert isinstance(detail["ctx"]["offset"], int) and detail["ctx"]["error"]
    assert " at line " in detail["ctx"]["error"]  # the parser's own words, for the record


def test_an_empty_body_is_still_a_missing_body(http: httpx.Client) -> None:
    for path in (CHAT, "/_mock/rules"):
        response = http.post(path, content=b" \n", headers=JSON)
        assert response.status_code == 422
        assert error_of(response)["details"][0]["type"] == "missing"


# --- Properties of the strict parser -----------------------------------------------------

NON_FINITE_TEXT = st.sampled_from(["NaN", "Infinity", "-Infinity"]) | st.builds(
    lambda sign, mantissa, exponent: f"{sign}{mantissa}e{exponent}",
    st.sampled_from(["", "-"]),
    st.sampled_from(["1", "9.99", "17976931348623159", "0.5"]),
    st.integers(min_value=310, max_value=99999),
)
MARK = "\u0000MARK\u0000"  # a string no strategy value equals: where to put the literal


def _with_marker(value: Any, path: list[int]) -> Any:
    """`value` with one leaf (chosen by `path`) replaced by MARK, or wrapped if none."""
    if isinstance(value, list) and value:
        i = path[0] % len(value) if path else 0
        return [_with_marker(v, path[1:]) if j == i else v for j, v in enumerate(value)]
    if isinstance(value, dict) and value:
        keys = list(value)
        k = keys[path[0] % len(keys)] if path else keys[0]
        return {key: _with_marker(v, path[1:]) if key == k else v for key, v in value.items()}
    return [value, MARK]


@settings(max_examples=200, deadline=None)
@given(value=json_values, indent=st.sampled_from([None, 0, 2]))
def test_every_standard_document_parses_as_pythons_parser_does(value: Any, indent: Any) -> None:
    raw = json.dumps(value, indent=indent, ensure_ascii=False).encode()
    assert loads(raw) == json.loads(raw)


@settings(max_examples=200, deadline=None)
@given(
    value=json_values,
    path=st.lists(st.integers(min_value=0, max_value=10), max_size=6),
    literal=NON_FINITE_TEXT,
    indent=st.sampled_from([None, 2]),
)
def test_a_non_finite_number_anywhere_is_refused_and_located(
    value: Any, path: list[int], literal: str, indent: Any
) -> None:
    marked = json.dumps(_with_marker(value, path), indent=indent, ensure_ascii=False)
    text = marked.replace(json.dumps(MARK), literal, 1)
    raw = text.encode()
    with pytest.raises(InvalidJson) as caught:
        loads(raw)
    problem = caught.value
    assert problem.line is not None and problem.column is not None
    line_text = text.split("\n")[problem.line - 1]
    assert line_text[problem.column - 1 :].startswith(literal), (text, str(problem))
    assert raw[problem.offset :].startswith(literal.encode())


JSONISH = st.text(alphabet='{}[]":,0123456789.eE+- aNInfty\n\\').map(str.encode)


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=40) | JSONISH)
def test_any_bytes_parse_or_fail_with_a_located_message(raw: bytes) -> None:
    try:
        value = loads(raw)
    except InvalidJson as problem:
        assert problem.reason and problem.error
        if problem.line is not None:
            assert problem.offset is not None and 0 <= problem.offset <= len(raw)
            assert problem.line == raw.count(b"\n", 0, problem.offset) + 1
            assert problem.column is not None and problem.column >= 1
    else:
        assert strict_json(raw) == value


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=json_values,
    path=st.lists(st.integers(min_value=0, max_value=10), max_size=6),
    literal=NON_FINITE_TEXT,
)
def test_over_http_the_journal_stays_standard_json(
    session_server: MockServer,
    session_http: httpx.Client,
    value: Any,
    path: list[int],
    literal: str,
) -> None:
    session_server.reset()
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "x": value}
    text = json.dumps(_with_marker(request, path)).replace(json.dumps(MARK), literal, 1)
    response = session_http.post(CHAT, content=text.encode())
    assert response.status_code == 400, response.text
    listing = session_http.get("/_mock/requests")
    (entry,) = strict_json(listing.text)
    assert entry["body"] is None and entry["error_code"] == "invalid_request"
