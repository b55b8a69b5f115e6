"""`/openapi.json` and the fake agree: Schemathesis drives every documented operation.

Every operation of the document gets a bounded, derandomised run of positive and
negative cases (examples, coverage and fuzzing phases) over real HTTP to a fake on a
loopback port, with every Schemathesis check on but the timing one (speed is for
`bench/`): a request the document allows must be accepted, one it forbids refused,
and every answer (status, content type, headers, JSON body, each SSE event) must be
one the document declares.

The schema is built from `openapi_document()` at import, so pytest can show one test
per operation; `test_the_document_under_test_is_the_one_served` proves it is the very
document the fake serves. (`schemathesis.pytest.from_fixture`, which would load it
from the running fake, fails on pytest 9.2: it writes `Function._nodeid`, gone there.)
Set `MESHAPI_SCHEMATHESIS_EXAMPLES` (and `MESHAPI_SCHEMATHESIS_SEED`) for a deeper or
different run on demand.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from meshapi_mock import MockServer
from meshapi_mock.endpoints.images.wire import TINY_PNG
from meshapi_mock.openapi import openapi_document
from schemathesis import Case
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.schemas import OpenApiSchema

TOKEN = "rsk_schemathesis"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_EXAMPLES = int(os.environ.get("MESHAPI_SCHEMATHESIS_EXAMPLES", "25"))
"""Fuzzing cases per operation (the examples and coverage phases are bounded by the
document): about 20 s of CPU for the whole document."""
SEED = int(os.environ.get("MESHAPI_SCHEMATHESIS_SEED", "0"))
"""Another seed explores other cases, still reproducibly."""


def _config() -> SchemathesisConfig:
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "headers": AUTH,
            "request-timeout": 10,
            # A failure shows what was sent (the key is a throwaway `rsk_` one).
            "output": {"sanitization": {"enabled": False}},
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
        }
    )
    # `--checks all`, less the one that times responses (10 s by default): speed is for
    # `bench/`, never an assertion of the suite.
    config.projects.override.checks.update(
        included_check_names=["all"], excluded_check_names=["max_response_time"]
    )
    return config


def _load(document: dict[str, Any]) -> OpenApiSchema:
    return schemathesis.openapi.from_dict(copy.deepcopy(document), config=_config())


schema = _load(openapi_document())
each_operation: Callable[[Callable[..., None]], Callable[..., None]] = schema.parametrize()


@pytest.fixture(scope="module")
def fake() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


def offer_the_chosen_tool(case: Case[Any]) -> None:
    """Make a `tool_choice` object name an offered tool.

    That rule relates two fields, which JSON Schema cannot say, so the document states it
    in prose and a generated body that breaks it would be "valid" yet answered 400.
    """
    body = case.body
    if not isinstance(body, dict):
        return
    tools, choice = body.get("tools"), body.get("tool_choice")
    if not (isinstance(tools, list) and tools and isinstance(choice, dict)):
        return
    chosen, first = choice.get("function"), tools[0]
    offered = first.get("function") if isinstance(first, dict) else None
    if isinstance(chosen, dict) and isinstance(offered, dict) and "name" in offered:
        chosen["name"] = offered["name"]
    # The Responses API's flat shape: {"type": "function", "name": …} among flat tools.
    functions = [t for t in tools if isinstance(t, dict) and t.get("type") == "function"]
    if choice.get("type") == "function" and "name" in choice and functions:
        choice["name"] = functions[0].get("name")


def inline_real_images(case: Case[Any]) -> None:
    """Put a real image in every string an images operation reads as one.

    Whether a string holds an image is read from its bytes (a 400 when not), which JSON
    Schema cannot say. Only strings are replaced, and the document constrains them no
    further, so a case that breaks the schema still does.
    """
    body = case.body
    if case.operation.path.startswith("/v1/images/") and isinstance(body, dict):
        for name in ("image", "mask", "reference_images"):
            if name in body:
                body[name] = _real_image(body[name])


def _real_image(value: Any) -> Any:
    if isinstance(value, str):
        return TINY_PNG
    if isinstance(value, dict) and isinstance(value.get("url"), str):
        return {**value, "url": TINY_PNG}
    if isinstance(value, list):
        return [_real_image(item) for item in value]
    return value


@each_operation
def test_the_fake_answers_as_its_openapi_document_says(fake: MockServer, case: Case[Any]) -> None:
    offer_the_chosen_tool(case)
    inline_real_images(case)
    case.call_and_validate(base_url=fake.url)


def test_the_document_under_test_is_the_one_served(fake: MockServer) -> None:
    served = httpx.get(f"{fake.url}/openapi.json")
    assert served.status_code == 200
    assert served.json() == openapi_document()


# --------------------------------------------------------------------------- the harness


def test_every_check_but_timing_is_on() -> None:
    load_all_checks()
    checks = schema.config.checks
    names = {check.__name__ for check in CHECKS.get_all()}
    assert {"negative_data_rejection", "ignored_auth", "unsupported_method"} <= names
    assert {name for name in names if not checks.get_by_name(name=name).enabled} == set()
    assert not checks.max_response_time.enabled


def test_the_checks_run_against_the_fake(fake: MockServer) -> None:
    """The same configuration fails a response the document does not declare, so the run
    above passes because the fake agrees, not because nothing was checked."""
    document = copy.deepcopy(openapi_document())
    responses = document["paths"]["/v1/chat/completions"]["post"]["responses"]
    for status in ("422", "4XX"):
        del responses[status]
    operation = _load(document)["/v1/chat/completions"]["POST"]
    case = operation.Case(body={"messages": []}, headers=AUTH)

    with pytest.raises(FailureGroup, match=r"Undocumented (HTTP )?status code"):
        case.call_and_validate(base_url=fake.url)


def test_stream_events_are_checked_one_by_one(fake: MockServer) -> None:
    """Each SSE event's `data` is parsed and validated, so a wrong chunk schema fails."""
    document = copy.deepcopy(openapi_document())
    chunk = document["components"]["schemas"]["ChatCompletionChunk"]
    chunk["properties"]["cost"] = {"type": "number"}  # the fake sends a decimal string
    operation = _load(document)["/v1/chat/completions"]["POST"]
    messages = [{"role": "user", "content": "Count to three"}]
    body: dict[str, Any] = {"messages": messages, "stream": True}

    response = operation.Case(body=body, headers=AUTH).call(base_url=fake.url)
    assert response.status_code == 200
    assert response.headers["content-type"][0].startswith("text/event-stream")
    with pytest.raises(FailureGroup, match="SSE event"):
        operation.Case(body=body, headers=AUTH).call_and_validate(base_url=fake.url)
