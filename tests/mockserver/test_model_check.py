"""Model ids are checked like the gateway checks them (`model_check.py`), over a real port.

A missing `provider/` prefix or an unknown provider is a 404 `model_not_found` naming the
closest catalogue ids; a known provider's model the catalogue lacks is answered and marked
in the journal; `models="strict"` and `models="any"` tighten and loosen that; the catalogue
grows from Python, from files and from the command line. Every model id the official SDK
(README and sources) and the shared MeshAPI docs mention is in the catalogue, of the kind
its area takes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import meshapi
import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st
from meshapi import MeshAPI
from meshapi_mock import MockServer
from meshapi_mock.catalogue import MODELS, UNKNOWN_MODEL_PRICES, Catalogue, CatalogueError
from meshapi_mock.model_check import check_models
from support.realtime import receive, session, ws_url
from support.wire import chat, error_of

ASK = [{"role": "user", "content": "Hello"}]
KEY = {"Authorization": "Bearer rsk_test"}
CATALOGUE_MODEL_TYPES = {model.id: model.model_type for model in MODELS}

# One request per operation that names models, with the model id at `{}`.
REQUESTS: dict[str, tuple[str, Any]] = {
    "chat": ("/v1/chat/completions", lambda m: {"model": m, "messages": ASK}),
    "responses": ("/v1/responses", lambda m: {"model": m, "input": "Hi"}),
    "embeddings": ("/v1/embeddings", lambda m: {"model": m, "input": "Hi"}),
    "images": ("/v1/images/generations", lambda m: {"model": m, "prompt": "a cat"}),
    "audio speech": ("/v1/audio/speech", lambda m: {"model": m, "input": "Hi"}),
    "audio transcribe": ("/v1/audio/transcriptions", lambda m: {"model": m, "file": "aGk="}),
    "compare models": (
        "/v1/chat/compare",
        lambda m: {"models": ["openai/gpt-4o", m], "messages": ASK},
    ),
    "compare judge": (
        "/v1/chat/compare",
        lambda m: {"models": ["openai/gpt-4o"], "comparison_model": m, "messages": ASK},
    ),
    "compare overrides": (
        "/v1/chat/compare",
        lambda m: {
            "models": ["openai/gpt-4o"],
            "model_overrides": [{"model": m, "temperature": 0.5}],
            "messages": ASK,
        },
    ),
}


def send(http: httpx.Client, operation: str, model: str) -> httpx.Response:
    path, body = REQUESTS[operation]
    return http.post(path, json=body(model))


@pytest.mark.parametrize("operation", REQUESTS)
def test_an_id_without_provider_is_404_naming_the_closest_ids(
    http: httpx.Client, server: MockServer, operation: str
) -> None:
    response = send(http, operation, "gpt-4o-mini")

    assert response.status_code == 404, response.text
    error = error_of(response)
    assert error["code"] == "model_not_found"
    assert "Model 'gpt-4o-mini' not found: model ids are `provider/name`." in error["message"]
    assert "Closest models: openai/gpt-4o-mini, " in error["message"]
    (entry,) = server.requests
    assert entry.model_status == "rejected"
    assert entry.error_code == "model_not_found"


@pytest.mark.parametrize("operation", REQUESTS)
def test_an_unknown_provider_is_404(http: httpx.Client, operation: str) -> None:
    response = send(http, operation, "acme/gpt-4o")

    assert response.status_code == 404, response.text
    error = error_of(response)
    assert error["code"] == "model_not_found"
    assert "no catalogue model is served by provider 'acme'" in error["message"]
    assert "Closest models: openai/gpt-4o" in error["message"]


@pytest.mark.parametrize("operation", REQUESTS)
@pytest.mark.parametrize(
    "model", ["openai/gpt-4o-mini ", " openai/gpt-4o-mini", "openai/gpt-4o-mini\n"]
)
def test_an_id_with_whitespace_is_404_naming_the_id_without_it(
    http: httpx.Client, server: MockServer, operation: str, model: str
) -> None:
    """Not a well-formed id, though its provider is known: the gateway does not trim it."""
    response = send(http, operation, model)

    assert response.status_code == 404, response.text
    error = error_of(response)
    assert error["code"] == "model_not_found"
    assert f"Model {model!r} not found: model ids hold no whitespace." in error["message"]
    assert "Closest models: openai/gpt-4o-mini, " in error["message"]
    assert server.requests[-1].model_status == "rejected"


@pytest.mark.parametrize("operation", REQUESTS)
def test_a_known_providers_unlisted_model_is_answered_and_marked(
    http: httpx.Client, server: MockServer, operation: str
) -> None:
    response = send(http, operation, "openai/gpt-9-preview")

    assert response.status_code == 200, response.text
    (entry,) = server.requests
    assert entry.model_status == "unknown"
    (wire,) = http.get("/_mock/requests").json()
    assert wire["model_status"] == "unknown"


@pytest.mark.parametrize(
    ("model", "kind"),
    [
        ("openai/text-embedding-3-small", "an embedding"),
        ("openai/gpt-image-1", "an image"),
        ("openai/whisper-1", "an audio"),
        ("openai/gpt-4o-realtime-preview", "a realtime"),
    ],
)
def test_responses_refuse_a_catalogue_model_of_another_kind_with_501(
    http: httpx.Client, server: MockServer, model: str, kind: str
) -> None:
    """Contract §4: the Responses API answers 501 for a model it does not support."""
    server.responses.reply("never sent")

    response = http.post("/v1/responses", json={"model": model, "input": "Hi"})

    assert response.status_code == 501, response.text
    error = error_of(response)
    assert error["code"] == "model_capability_not_supported"
    assert error["message"].startswith(
        f"Model {model!r} is not supported here: it is {kind} model and this endpoint serves "
        "text models. Closest text models: "
    )
    closest = error["message"].rsplit(": ", 1)[1].removesuffix(".").split(", ")
    assert len(closest) == 3 and all(CATALOGUE_MODEL_TYPES[i] == "text" for i in closest)
    assert error["details"][0]["loc"] == ["body", "model"]
    (entry,) = server.requests
    assert (entry.model_status, entry.error_code) == ("rejected", "model_capability_not_supported")
    assert server.rules[0].call_count == 0


def test_a_model_of_a_kind_the_fake_does_not_know_is_served(
    http: httpx.Client, server: MockServer
) -> None:
    """Only the kinds the fake tells apart are refused: a test's own `multimodal` model,
    once in the catalogue, is answered as well as an id the catalogue lacks would be."""
    server.models.add({"id": "acme/omni-1", "model_type": "multimodal"})
    server.responses.reply("Hello.", times=None)

    for model in ("acme/omni-1", "openai/gpt-4o-mini"):
        response = http.post("/v1/responses", json={"model": model, "input": "Hi"})
        assert response.status_code == 200, response.text


def test_the_openapi_document_names_the_501(http: httpx.Client) -> None:
    responses = http.get("/openapi.json").json()["paths"]["/v1/responses"]["post"]["responses"]
    assert "`model_capability_not_supported`" in responses["501"]["description"]


def test_a_template_s_model_of_another_kind_is_refused_by_responses(
    http: httpx.Client, server: MockServer
) -> None:
    server.templates.add("embedder", system="Be brief.", model="openai/text-embedding-3-small")

    filled = http.post("/v1/responses", json={"template": "embedder", "input": "Hi"})
    overridden = http.post(
        "/v1/responses", json={"template": "embedder", "input": "Hi", "model": "openai/gpt-4o"}
    )

    assert filled.status_code == 501
    assert error_of(filled)["code"] == "model_capability_not_supported"
    assert overridden.status_code == 200


def test_any_models_answers_a_model_of_another_kind() -> None:
    with MockServer(models="any") as server, httpx.Client(base_url=server.url, headers=KEY) as http:
        answered = http.post(
            "/v1/responses", json={"model": "openai/text-embedding-3-small", "input": "Hi"}
        )
    assert answered.status_code == 200, answered.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat/completions", {"model": "openai/text-embedding-3-small", "messages": ASK}),
        ("/v1/embeddings", {"model": "openai/gpt-4o-mini", "input": "Hi"}),
    ],
)
def test_where_the_contract_is_silent_any_kind_is_answered(
    http: httpx.Client, path: str, body: dict[str, Any]
) -> None:
    """The contract names no answer for a chat or embeddings call with a model of another
    kind, so the fake does not invent one."""
    assert http.post(path, json=body).status_code == 200


def test_a_templates_model_is_checked_when_a_request_uses_it(http: httpx.Client) -> None:
    """Storing a template does not check its model; filling it into a request does."""
    stored = http.post("/v1/templates", json={"name": "t", "system": "Hi", "model": "gpt-4o"})
    used = http.post("/v1/chat/completions", json={"template": "t", "messages": ASK})
    overridden = chat(http, template="t", model="openai/gpt-4o")

    assert stored.status_code == 201
    assert used.status_code == 404
    assert error_of(used)["code"] == "model_not_found"
    assert overridden.status_code == 200


def test_catalogue_models_are_marked_as_such(http: httpx.Client, server: MockServer) -> None:
    assert chat(http, model="openai/gpt-4o").status_code == 200
    no_model = http.post("/v1/chat/completions", json={"messages": ASK})
    assert no_model.status_code == 200
    assert http.get("/v1/models").status_code == 200

    assert [e.model_status for e in server.requests] == ["catalogue", None, None]


def test_an_unlisted_model_is_priced_at_the_documented_default(http: httpx.Client) -> None:
    body = chat(http, model="anthropic/claude-opus-9").json()
    usage = body["usage"]
    prompt, completion = (float(p) / 1e6 for p in UNKNOWN_MODEL_PRICES)
    expected = usage["prompt_tokens"] * prompt + usage["completion_tokens"] * completion
    streamed = chat(http, stream=True, model="anthropic/claude-opus-9").text
    assert f'"cost":"{expected:.7f}'.rstrip("0") in streamed


def test_strict_models_refuses_unlisted_ids_of_known_providers() -> None:
    with (
        MockServer(models="strict") as server,
        httpx.Client(base_url=server.url, headers=KEY) as http,
    ):
        refused = chat(http, model="openai/gpt-9-preview")
        listed = chat(http, model="openai/gpt-4o")

    assert refused.status_code == 404
    assert "`--models strict`" in error_of(refused)["message"]
    assert listed.status_code == 200


def test_any_model_accepts_anything_and_still_marks_it() -> None:
    with MockServer(models="any") as server, httpx.Client(base_url=server.url, headers=KEY) as http:
        answered = chat(http, model="m")
        shown = http.get("/_mock/config").json()

        assert answered.status_code == 200
        assert answered.json()["model"] == "m"
        assert [e.model_status for e in server.requests] == ["unknown"]
    assert shown["models"] == "any"


def test_the_config_view_shows_the_default_mode(http: httpx.Client) -> None:
    shown = http.get("/_mock/config").json()
    assert shown["models"] == "known-providers"
    assert shown["model_catalogue"] == []


def test_python_adds_models_until_reset(http: httpx.Client, server: MockServer) -> None:
    server.models.add(
        "acme/house-model",
        {"id": "acme/priced", "prompt_per_1m": "1000", "completion_per_1m": "0"},
    )

    assert chat(http, model="acme/house-model").status_code == 200
    assert chat(http, model="acme/other").status_code == 200, "acme is a known provider now"
    listed = {m["id"]: m for m in http.get("/v1/models").json()}
    assert listed["acme/priced"]["pricing"]["prompt_usd_per_1m"] == "1000"
    streamed = chat(http, stream=True, model="acme/priced").text
    assert '"cost":"0.009"' in streamed  # 9 prompt tokens at $1000 per 1M
    assert [e.model_status for e in server.requests if e.model_status] == [
        "catalogue",
        "unknown",
        "catalogue",
    ]

    server.reset()
    assert chat(http, model="acme/house-model").status_code == 404
    assert "acme/priced" not in {m["id"] for m in http.get("/v1/models").json()}


def test_python_refuses_a_bad_entry_and_adds_nothing(server: MockServer) -> None:
    with pytest.raises(CatalogueError, match="not `provider/name`"):
        server.models.add("acme/fine", "no-prefix")
    with pytest.raises(CatalogueError, match="holds whitespace"):
        server.models.add("acme/fine", "acme/padded ")
    with pytest.raises(CatalogueError, match="unknown fields"):
        server.models.add({"id": "acme/x", "price": "1"})
    assert server.state.catalogue.find("acme/fine") is None


def test_a_catalogue_file_extends_every_reset(tmp_path: Path) -> None:
    path = tmp_path / "models.yaml"
    path.write_text(
        "models:\n  - acme/house-model\n  - id: acme/embedder\n    model_type: embedding\n"
    )
    with (
        MockServer(model_catalogue=[str(path)]) as server,
        httpx.Client(base_url=server.url, headers=KEY) as http,
    ):
        server.reset()
        embedded = http.post("/v1/embeddings", json={"model": "acme/embedder", "input": "x"})
        listed = {m["id"]: m for m in http.get("/v1/models").json()}
        shown = http.get("/_mock/config").json()

    assert embedded.status_code == 200
    assert listed["acme/embedder"]["model_type"] == "embedding"
    assert "acme/house-model" in listed
    assert shown["model_catalogue"] == [str(path)]


def test_a_bad_catalogue_file_stops_start_up(tmp_path: Path) -> None:
    path = tmp_path / "models.json"
    path.write_text('[{"id": "acme/x", "prompt_per_1m": "-1"}]')
    with pytest.raises(CatalogueError, match="prompt_per_1m must be a non-negative decimal"):
        MockServer(model_catalogue=[str(path)])


# --- clients --------------------------------------------------------------------------------


def test_the_bundled_sdk_raises_not_found(server: MockServer) -> None:
    with MeshAPI(base_url=server.url, token="rsk_test") as client:
        with pytest.raises(meshapi.NotFoundError) as raised:
            client.chat.completions.create({"model": "gpt-4o", "messages": ASK})
        answered = client.chat.completions.create({"model": "openai/gpt-9", "messages": ASK})

    assert raised.value.status == 404
    assert raised.value.error_code == "model_not_found"
    assert "Closest models: openai/gpt-4o" in str(raised.value)
    assert answered.model == "openai/gpt-9"


def test_the_openai_sdk_raises_not_found(server: MockServer) -> None:
    with openai.OpenAI(base_url=server.url + "/v1", api_key="rsk_test", max_retries=0) as client:
        with pytest.raises(openai.NotFoundError) as raised:
            client.embeddings.create(model="text-embedding-3-small", input="x")
        answered = client.embeddings.create(model="openai/text-embedding-3-small", input="x")

    assert raised.value.status_code == 404
    assert "Closest models: openai/text-embedding-3-small" in str(raised.value)
    assert answered.model == "openai/text-embedding-3-small"


def test_the_official_sdk_raises_on_a_bare_model_id(server: MockServer) -> None:
    from support.official_sdk import official_python, run_script

    seen = run_script(
        official_python(),
        """
import meshapi
from meshapi import MeshAPI, ChatCompletionParams, ChatMessage
client = MeshAPI(base_url=URL, token="rsk_official", max_retries=1)
try:
    client.chat.completions.create(ChatCompletionParams(
        model="gpt-4o-mini", messages=[ChatMessage(role="user", content="Hi")]))
except meshapi.MeshAPIError as exc:
    emit([exc.status, exc.error_code, str(exc)])
""",
        URL=server.url,
    )

    status, code, message = seen
    assert (status, code) == (404, "model_not_found")
    assert "openai/gpt-4o-mini" in message


# --- the models the documentation names ------------------------------------------------

MENTIONED = re.compile(r"[\"'`]([a-z0-9][a-z0-9.-]*/[a-z][\w.:-]*)[\"'`]")
"""A quoted or backticked `provider/name`, as code samples and prose write model ids."""
MEDIA_TYPES = frozenset(
    {"application", "audio", "font", "image", "message", "model", "multipart", "text", "video"}
)
"""Quoted `audio/pcm` or `application/pdf` are media types, not models."""
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SHARED_DOCS = ("meshapi-wire-contract.md", "sdk-docs-chat-completions.txt")
"""The MeshAPI documentation the project works from (the wire contract and the SDK docs
page): beside the checkout, in `../shared`, not in it."""


def mentioned_ids(text: str) -> set[str]:
    """The model ids `text` mentions. A bare id (the moderations default,
    `omni-moderation-latest`) is not one: catalogue ids are `provider/name`."""
    return {i for i in MENTIONED.findall(text) if i.split("/", 1)[0] not in MEDIA_TYPES}


@pytest.fixture(scope="module")
def official_sdk_texts() -> dict[str, str]:
    """The official SDK's README (its METADATA) and source files, by name, read by its own
    python from the cached environment (built if missing, as the other official-SDK tests)."""
    from support.official_sdk import official_python, run_script

    texts: dict[str, str] = run_script(
        official_python(),
        """
import importlib.metadata, pathlib, meshapi
package = pathlib.Path(meshapi.__file__).parent
texts = {"README (METADATA)": importlib.metadata.distribution("meshapi").read_text("METADATA")}
texts.update((str(p.relative_to(package.parent)), p.read_text()) for p in package.rglob("*.py"))
emit(texts)
""",
    )
    return texts


def served_by_id(ids: set[str]) -> dict[str, int]:
    """`GET /v1/models/{id}` of each id from a `--models strict` fake: 200 or 404."""
    with (
        MockServer(models="strict") as server,
        httpx.Client(base_url=server.url, headers=KEY) as http,
    ):
        return {i: http.get(f"/v1/models/{quote(i, safe='/')}").status_code for i in sorted(ids)}


def missing_from_the_catalogue(texts: dict[str, str]) -> dict[str, list[str]]:
    """Each id the texts mention that the fake does not serve, with where it is mentioned."""
    where: dict[str, list[str]] = {}
    for name, text in texts.items():
        for model_id in mentioned_ids(text):
            where.setdefault(model_id, []).append(name)
    served = served_by_id(set(where))
    return {i: where[i] for i, status in served.items() if status != 200}


def test_every_model_the_official_sdk_mentions_is_in_the_catalogue(
    official_sdk_texts: dict[str, str],
) -> None:
    readme = mentioned_ids(official_sdk_texts["README (METADATA)"])
    assert {"openai/gpt-4o-mini", "sarvam/bulbul:v2", "openai/gpt-realtime-mini"} <= readme, (
        "the README's model ids are not found any more: check `MENTIONED`"
    )

    assert missing_from_the_catalogue(official_sdk_texts) == {}


DOCUMENTED_IDS = {
    "meshapi-wire-contract.md": {
        "meta-llama/llama-3.3-70b-instruct:free",
        "openai/gpt-4o",
        "openai/gpt-4o-mini",
    },
    "sdk-docs-chat-completions.txt": {"openai/gpt-4o", "openai/gpt-4o-mini"},
}
"""The ids the shared docs mention, kept here so a clone without `../shared` checks them too."""


def test_every_model_the_shared_docs_mention_is_in_the_catalogue() -> None:
    texts = {
        name: (SHARED / name).read_text(encoding="utf-8")
        for name in SHARED_DOCS
        if (SHARED / name).is_file()
    }
    for name, text in texts.items():  # beside a checkout of the docs: the list is current
        assert mentioned_ids(text) == DOCUMENTED_IDS[name], f"{name} mentions other ids now"

    documented = {name: "\n".join(f"'{i}'" for i in ids) for name, ids in DOCUMENTED_IDS.items()}
    assert missing_from_the_catalogue(documented) == {}


AUDIO = {"file": ("hello.wav", b"RIFF....WAVE", "audio/wav")}

# The official SDK README's calls with its models: each is the catalogue kind its area takes.
README_CALLS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "openai/gpt-5-nano": ("text", "/v1/chat/completions", {"messages": ASK}),
    "sarvam/bulbul:v2": ("audio", "/v1/audio/speech", {"input": "Hello!"}),
    "sarvam/saaras:v3": ("audio", "/v1/audio/transcriptions", {"language_code": "en-IN"}),
    "openai/whisper-large-v3": ("audio", "/v1/audio/translations", {}),
    "byteplus/dreamina-seedance-2-0": (
        "video",
        "/v1/video/generations",
        {"content": [{"type": "text", "text": "A cat chasing a ball"}]},
    ),
}


@pytest.fixture(scope="module")
def strict_fake() -> Iterator[MockServer]:
    with MockServer(models="strict") as fake:
        yield fake


@pytest.mark.parametrize("model", README_CALLS)
def test_the_readme_s_calls_are_answered_under_strict_models(
    strict_fake: MockServer, model: str
) -> None:
    kind, path, body = README_CALLS[model]
    with httpx.Client(base_url=strict_fake.url, headers=KEY) as http:
        if path.startswith("/v1/audio/transcriptions") or path == "/v1/audio/translations":
            fields = {"model": model, **body}
            answered = http.post(path, data=fields, files=AUDIO)
        else:
            answered = http.post(path, json={"model": model, **body})
        listed = http.get(f"/v1/models/{quote(model, safe='/')}")

    assert answered.status_code == 200, answered.text
    assert listed.json()["model_type"] == kind


def test_the_readme_s_realtime_model_opens_a_session_under_strict_models(
    strict_fake: MockServer,
) -> None:
    with session(strict_fake, url=ws_url(strict_fake, model="openai/gpt-realtime-mini")) as ws:
        first = receive(ws)

    assert first["type"] == "session.created", json.dumps(first)
    with httpx.Client(base_url=strict_fake.url, headers=KEY) as http:
        listed = http.get("/v1/models/openai/gpt-realtime-mini").json()
    assert listed["model_type"] == "realtime"


def test_the_official_sdk_raises_on_a_model_responses_do_not_support(server: MockServer) -> None:
    from support.official_sdk import official_python, run_script

    seen = run_script(
        official_python(),
        """
import meshapi
from meshapi import MeshAPI, ResponsesParams
client = MeshAPI(base_url=URL, token="rsk_official", max_retries=1)
seen = []
for stream in (False, True):
    params = ResponsesParams(model="openai/text-embedding-3-small", input="Hi")
    try:
        list(client.responses.stream(params)) if stream else client.responses.create(params)
    except meshapi.MeshAPIError as exc:
        seen.append([exc.status, exc.error_code])
emit(seen)
""",
        URL=server.url,
    )

    assert seen == [[501, "model_capability_not_supported"]] * 2


# --- the command line -------------------------------------------------------------------------


@pytest.fixture
def cli_fake(tmp_path: Path) -> Iterator[str]:
    """`serve --models strict --model-catalogue FILE` as a process; yields its URL."""
    path = tmp_path / "models.yaml"
    path.write_text("- acme/house-model\n")
    argv = [sys.executable, "-m", "meshapi_mock", "serve", "--host", "127.0.0.1", "--port", "0"]
    argv += ["--models", "strict", "--model-catalogue", str(path)]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert "serving on" in banner, process.stderr.read() if process.stderr else banner
        yield banner.split("serving on ", 1)[1].split(" ", 1)[0]
    finally:
        process.kill()
        process.communicate()


def test_the_cli_flags_set_the_mode_and_the_catalogue(cli_fake: str) -> None:
    with httpx.Client(base_url=cli_fake, headers=KEY) as http:
        house = chat(http, model="acme/house-model")
        unlisted = chat(http, model="openai/gpt-9")
        shown = http.get("/_mock/config").json()

    assert house.status_code == 200
    assert unlisted.status_code == 404
    assert shown["models"] == "strict"


def test_the_cli_refuses_an_unknown_mode() -> None:
    argv = [sys.executable, "-m", "meshapi_mock", "serve", "--models", "lenient"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--models: invalid choice: 'lenient'" in result.stderr


# --- the check itself -----------------------------------------------------------------------

CATALOGUE = Catalogue()


@given(st.sampled_from(MODELS))
def test_a_bare_name_finds_its_model_first(model: Any) -> None:
    bare = model.id.split("/", 1)[1]
    status, refusal = check_models({"model": bare}, (), CATALOGUE, "known-providers")
    assert (status, refusal) == (None, None), "no declared fields: nothing is checked"

    class Request:
        pass

    request = Request()
    request.model = bare  # type: ignore[attr-defined]
    status, refusal = check_models(request, ("model",), CATALOGUE, "known-providers")
    assert status == "rejected" and refusal is not None
    assert f"Closest models: {model.id}" in refusal.message


@given(st.sampled_from(MODELS), st.sampled_from(["strict", "known-providers", "any"]))
def test_every_catalogue_id_passes_in_every_mode(model: Any, mode: str) -> None:
    class Request:
        def __init__(self) -> None:
            self.models = ["openai/gpt-4o", model.id]

    assert check_models(Request(), ("models",), CATALOGUE, mode) == ("catalogue", None)


@given(
    st.one_of(
        st.text(max_size=30),
        st.builds(
            "{}/{}".format,
            st.sampled_from(["openai", "anthropic", "acme", ""]),
            st.text(max_size=20),
        ),
        st.builds(  # a catalogue id, perhaps padded: padded is not well-formed
            "{}{}{}".format,
            st.sampled_from(["", " ", "\t"]),
            st.sampled_from([model.id for model in MODELS]),
            st.sampled_from(["", " ", "\n"]),
        ),
    ),
    st.sampled_from(["strict", "known-providers", "any"]),
)
def test_the_mode_decides_every_id(model_id: str, mode: str) -> None:
    """Rejected exactly when the mode says so, and a refusal always names three ids."""

    class Request:
        def __init__(self) -> None:
            self.model = model_id

    status, refusal = check_models(Request(), ("model",), CATALOGUE, mode)
    listed = CATALOGUE.find(model_id) is not None
    provider, slash, name = model_id.partition("/")
    spaced = any(c.isspace() for c in model_id)
    well_formed_known = bool(slash and name) and not spaced and CATALOGUE.knows_provider(provider)
    refused = not listed and (
        mode == "strict" or (mode == "known-providers" and not well_formed_known)
    )
    assert (refusal is not None) == refused
    assert status == ("rejected" if refused else "catalogue" if listed else "unknown")
    if refusal is not None:
        assert refusal.status == 404 and refusal.code == "model_not_found"
        closest = refusal.message.rsplit("Closest models: ", 1)[1].removesuffix(".").split(", ")
        assert len(closest) == 3 and all(CATALOGUE.find(i) for i in closest)


# --- models listed in scenario files ------------------------------------------------------

SCENARIO_WITH_MODELS = """\
models:
  - acme/house-model
  - {id: acme/priced, prompt_per_1m: "2.5", completion_per_1m: "10"}
rules:
  - match: {model: acme/house-model}
    reply: {text: from the house model}
"""


def chat_with(http: httpx.Client, model: str) -> httpx.Response:
    return http.post("/v1/chat/completions", json={"model": model, "messages": ASK})


def test_a_scenario_files_models_join_the_catalogue_at_start(tmp_path: Path) -> None:
    path = tmp_path / "house.yaml"
    path.write_text(SCENARIO_WITH_MODELS, encoding="utf-8")

    with (
        MockServer(fixtures=[str(path)], models="strict") as server,
        httpx.Client(base_url=server.url, headers=KEY) as http,
    ):
        house = chat_with(http, "acme/house-model")
        priced = chat_with(http, "acme/priced")
        server.reset()
        after_reset = chat_with(http, "acme/priced")
        listed = {m["id"] for m in http.get("/v1/models").json()}

    assert house.json()["choices"][0]["message"]["content"] == "from the house model"
    assert priced.status_code == after_reset.status_code == 200, "kept across resets"
    assert server.requests[-2].model_status == "catalogue"
    assert {"acme/house-model", "acme/priced"} <= listed


def test_a_scenario_file_loaded_by_a_test_adds_its_models_until_reset(
    server: MockServer, http: httpx.Client, tmp_path: Path
) -> None:
    path = tmp_path / "house.yaml"
    path.write_text(SCENARIO_WITH_MODELS, encoding="utf-8")
    refused_before = chat_with(http, "acme/house-model")

    server.load(path)
    answered = chat_with(http, "acme/house-model")
    server.reset()
    refused_after = chat_with(http, "acme/house-model")

    assert refused_before.status_code == refused_after.status_code == 404
    assert answered.json()["choices"][0]["message"]["content"] == "from the house model"


def test_a_bad_model_entry_in_a_scenario_file_names_file_and_entry(tmp_path: Path) -> None:
    from meshapi_mock import ScenarioError

    path = tmp_path / "bad.yaml"
    path.write_text("models: [acme/ok, no-provider]\nrules: []\n", encoding="utf-8")

    with pytest.raises(ScenarioError) as caught:
        MockServer(fixtures=[str(path)])

    assert f"{path}: models[1]:" in str(caught.value) and "provider/name" in str(caught.value)


def test_the_admin_api_does_not_take_models(http: httpx.Client) -> None:
    refused = http.post("/_mock/rules", json={"models": ["acme/x"], "rules": []})

    assert refused.status_code == 422
    assert "server.models.add" in error_of(refused)["message"]
