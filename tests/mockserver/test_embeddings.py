"""`POST /v1/embeddings` over real HTTP: default-mode vectors (deterministic, unit length,
ranking by shared words), every input form, base64, scripting from Python, scenario
files and the admin API, errors, strict mode, the journal, and the `openai` SDK."""

from __future__ import annotations

import base64
import math
import struct
from hashlib import sha256
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshapi_mock import MockServer
from meshapi_mock.endpoints.embeddings.vectors import text_vector
from meshapi_mock.scripting.scenarios import ScenarioError
from pydantic import ValidationError
from pydantic_core import to_json

EMBEDDINGS = "/v1/embeddings"
DEFAULT_MODEL = "openai/text-embedding-3-small"

PROPERTY = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def post(http: httpx.Client, body: Any, **headers: str) -> httpx.Response:
    return http.post(EMBEDDINGS, json=body, headers=headers)


def embed(http: httpx.Client, input: Any, **extra: Any) -> dict[str, Any]:
    response = post(http, {"input": input, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def vectors(body: dict[str, Any]) -> list[list[float]]:
    return [item["embedding"] for item in body["data"]]


def decode(text: str) -> list[float]:
    """OpenAI's base64 form: little-endian float32."""
    raw = base64.b64decode(text)
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def float32(values: list[float]) -> list[float]:
    return list(struct.unpack(f"<{len(values)}f", struct.pack(f"<{len(values)}f", *values)))


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(x * x for x in vector))


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / (norm(a) * norm(b))


def check_envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["error"]["code"] == code
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def locs(response: httpx.Response) -> list[list[Any]]:
    return [detail["loc"] for detail in response.json()["error"]["details"]]


# --- default mode: shape ---------------------------------------------------------------


def test_default_answer_has_the_openai_shape(http: httpx.Client) -> None:
    response = post(
        http, {"input": ["first text", "second text"], "model": "openai/text-embedding-ada-002"}
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["object", "data", "model", "usage"]
    assert body["object"] == "list"
    assert body["model"] == "openai/text-embedding-ada-002", "the requested model is echoed"
    assert [list(item) for item in body["data"]] == [["object", "index", "embedding"]] * 2
    assert [item["object"] for item in body["data"]] == ["embedding", "embedding"]
    assert [item["index"] for item in body["data"]] == [0, 1]
    first, second = vectors(body)
    assert len(first) == len(second) == 1536
    assert all(isinstance(x, float) for x in first)
    assert first != second
    # "first text" and "second text": 10 and 11 characters, about four a token
    assert body["usage"] == {"prompt_tokens": 6, "total_tokens": 6}


def test_without_a_model_the_catalogue_embedding_model_answers(http: httpx.Client) -> None:
    catalogue = http.get("/v1/models", params={"type": "embedding"}).json()
    assert catalogue[0]["id"] == DEFAULT_MODEL

    body = embed(http, "hello")

    assert body["model"] == DEFAULT_MODEL
    assert len(vectors(body)[0]) == 1536


@pytest.mark.parametrize(
    ("model", "size"),
    [
        ("openai/text-embedding-3-large", 3072),
        ("openai/text-embedding-3-small", 1536),
        ("openai/text-embedding-ada-002", 1536),
        ("google/text-embedding-004", 768),
        ("google/gemini-embedding-001", 3072),
        ("mistralai/mistral-embed", 1024),
        ("cohere/embed-english-v3.0", 1024),
        ("cohere/embed-multilingual-v3.0", 1024),
        ("voyageai/voyage-3", 1024),
        ("voyageai/voyage-3-large", 1024),
        ("baai/bge-m3", 1024),
        ("nomic-ai/nomic-embed-text", 768),
        ("sentence-transformers/all-MiniLM-L6-v2", 384),
        ("openai/not-in-the-catalogue", 1536),
    ],
)
def test_dimensions_default_to_the_models_native_size(
    http: httpx.Client, model: str, size: int
) -> None:
    [vector] = vectors(embed(http, "size me", model=model))
    assert len(vector) == size
    assert norm(vector) == pytest.approx(1, abs=1e-5)


def test_dimensions_are_honoured_and_vectors_stay_unit_length(http: httpx.Client) -> None:
    for size in (1, 2, 3, 256, 3000):
        body = embed(http, ["a text", "another text"], dimensions=size, model=DEFAULT_MODEL)
        assert [len(v) for v in vectors(body)] == [size, size]
        assert all(norm(v) == pytest.approx(1, abs=1e-5) for v in vectors(body))


def test_vectors_are_dense(http: httpx.Client) -> None:
    [vector] = vectors(embed(http, "plausible looking numbers"))
    assert sum(1 for x in vector if x == 0) < 20
    assert max(abs(x) for x in vector) < 0.5, "no single dimension dominates"


# --- default mode: determinism ---------------------------------------------------------


def test_same_request_same_bytes_whatever_the_seed(server: MockServer, http: httpx.Client) -> None:
    request = {"input": ["deterministic", "vectors"], "dimensions": 64}
    first = post(http, request).content
    assert post(http, request).content == first

    server.state.reseed(7)

    assert post(http, request).content == first, "vectors do not depend on the seed"


def test_a_text_embeds_the_same_alone_in_a_batch_and_under_any_model(
    http: httpx.Client, server: MockServer
) -> None:
    [alone] = vectors(embed(http, "the same text"))
    batch = vectors(
        embed(
            http, ["other", "the same text", "the same text"], model="openai/text-embedding-ada-002"
        )
    )

    assert batch[1] == batch[2] == alone
    assert batch[0] != alone
    assert server.embeddings.default_vector("the same text") == alone
    assert (
        server.embeddings.default_vector("the same text", dimensions=8)
        == vectors(embed(http, "the same text", dimensions=8))[0]
    )
    large = server.embeddings.default_vector("x", model="openai/text-embedding-3-large")
    assert len(large) == 3072


LONG_TEXT = " ".join(f"w{i}" for i in range(2050))
LONG_URL = "https://img.example/" + "a/" * 1100 + "tail.png"


def image(url: str) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url}}


def video(url: str) -> dict[str, Any]:
    return {"type": "video_url", "video_url": {"url": url}}


@pytest.mark.parametrize(
    ("body", "digests"),
    [
        ({"input": ["hello world", ""], "dimensions": 8}, ["5848c77427913b37", "ec6a9cc902b0539b"]),
        ({"input": "The capital of France is Paris.", "dimensions": 64}, ["68d049222a128ade"]),
        ({"input": "naïve café"}, ["aad246726ce9b373"]),
        ({"input": [[1, 2, 3]], "dimensions": 16}, ["ceceef087bb991b0"]),
        ({"input": [0, 4, 1], "dimensions": 1}, ["860f3b4a4166c3fa"]),
        ({"input": [image("https://img.example/cat.png")], "dimensions": 32}, ["09bb159d93a6df2e"]),
        ({"input": [video("https://v.example/clip.mp4")], "dimensions": 2}, ["cc1ff200c47ffcdc"]),
        # the caps: features from the first 2048 words, trigrams from a word's first 64
        # characters, words from a URL's first 2048 characters
        ({"input": LONG_TEXT, "dimensions": 16}, ["e440ece92e30c9e7"]),
        ({"input": "x" * 70, "dimensions": 16}, ["67877dff701cd60b"]),
        ({"input": [image(LONG_URL)], "dimensions": 16}, ["9cb492365c0d5e2d"]),
    ],
)
def test_vectors_never_change(http: httpx.Client, body: dict[str, Any], digests: list[str]) -> None:
    """Stored vectors stay valid: the same input gives the same bytes in every version.
    (Changing the embedding on purpose means updating these digests, and saying so.)"""
    answer = embed(http, encoding_format="base64", **body)
    got = [sha256(item["embedding"].encode()).hexdigest()[:16] for item in answer["data"]]
    assert got == digests


def test_a_stored_vector_reads_back(http: httpx.Client) -> None:
    assert vectors(embed(http, "hello world", dimensions=4)) == [
        [0.25162994861602783, -0.8006407618522644, -0.13725270330905914, -0.5261353850364685]
    ]
    # tiny sizes where the features cancel out: still a unit vector
    assert vectors(embed(http, [0, 4, 1], dimensions=1)) == [[1.0]]
    assert vectors(embed(http, [0, 3, 9], dimensions=2)) == [[1.0, 0.0]]


@PROPERTY
@given(text=st.text(max_size=200), size=st.none() | st.integers(min_value=1, max_value=48))
def test_any_text_gets_one_unit_vector_of_the_asked_size(
    session_server: MockServer, session_http: httpx.Client, text: str, size: int | None
) -> None:
    session_server.reset()
    extra = {} if size is None else {"dimensions": size}
    floats = embed(session_http, [text, text], **extra)
    encoded = embed(session_http, text, encoding_format="base64", **extra)

    first, again = vectors(floats)
    assert len(first) == (size or 1536)
    assert norm(first) == pytest.approx(1, abs=1e-5)
    assert again == first
    assert all(math.isfinite(x) for x in first)
    assert decode(encoded["data"][0]["embedding"]) == first
    assert floats["usage"]["prompt_tokens"] == 2 * ((len(text) + 3) // 4)


# --- default mode: similarity ----------------------------------------------------------

DOCUMENTS = [
    "Paris is the capital and largest city of France.",
    "Bananas are rich in potassium and easy to digest.",
    "The Python programming language was created by Guido van Rossum.",
    "Mount Everest is the highest mountain on Earth.",
]


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("What is the capital of France?", 0),
        ("how much potassium is in a banana", 1),
        ("who created the Python language", 2),
        ("the highest mountain", 3),
    ],
)
def test_retrieval_ranks_the_document_sharing_the_querys_words_first(
    http: httpx.Client, query: str, best: int
) -> None:
    [question, *documents] = vectors(embed(http, [query, *DOCUMENTS]))
    scores = [cosine(question, document) for document in documents]
    assert max(range(len(scores)), key=scores.__getitem__) == best, scores


def test_related_words_are_closer_than_unrelated_ones(http: httpx.Client) -> None:
    cat, cats, dog = vectors(embed(http, ["cat", "cats", "dog"]))
    assert cosine(cat, cats) > cosine(cat, dog) + 0.05


FIRST_HALF = st.from_regex(r"[a-m]{3,10}", fullmatch=True).filter(lambda w: w not in {"and", "did"})
SECOND_HALF = st.from_regex(r"[n-z]{3,10}", fullmatch=True)


@PROPERTY
@given(
    query=st.lists(FIRST_HALF, min_size=1, max_size=4),
    extra=st.lists(SECOND_HALF, max_size=8),
    unrelated=st.lists(SECOND_HALF, min_size=1, max_size=8),
    cut=st.integers(min_value=0, max_value=8),
)
def test_a_text_containing_the_query_beats_one_sharing_nothing(
    session_server: MockServer,
    session_http: httpx.Client,
    query: list[str],
    extra: list[str],
    unrelated: list[str],
    cut: int,
) -> None:
    session_server.reset()
    related = [*extra[:cut], *query, *extra[cut:]]
    texts = [" ".join(query), " ".join(related), " ".join(unrelated)]

    question, near, far = vectors(embed(session_http, texts))

    assert cosine(question, near) > cosine(question, far)


# --- input forms -----------------------------------------------------------------------


def test_token_arrays_are_embedded_by_their_ids(http: httpx.Client) -> None:
    one = embed(http, [5, 6, 7, 8])
    assert len(one["data"]) == 1, "an int[] is one input"
    assert one["usage"] == {"prompt_tokens": 4, "total_tokens": 4}

    many = embed(http, [[5, 6, 7, 8], [5, 6, 7, 9], [100, 200, 300]])
    assert [item["index"] for item in many["data"]] == [0, 1, 2]
    assert many["usage"]["prompt_tokens"] == 11
    first, close, far = vectors(many)
    assert first == vectors(one)[0]
    assert cosine(first, close) > cosine(first, far) + 0.3
    assert all(norm(v) == pytest.approx(1, abs=1e-5) for v in vectors(many))


def test_content_parts_embed_one_vector_each(http: httpx.Client) -> None:
    parts = [
        {"type": "text", "text": "red apple"},
        {"type": "image_url", "image_url": {"url": "https://img.example/red-apple.png"}},
        {"type": "video_url", "video_url": {"url": "https://video.example/clip.mp4"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]
    body = embed(http, parts)
    text, image, video, inline = vectors(body)
    [plain, red, blue] = vectors(embed(http, ["red apple", "red apple", "blue ocean"]))

    assert text == plain, "a text part embeds like the same string"
    assert len({tuple(v) for v in (text, image, video, inline)}) == 4
    assert all(norm(v) == pytest.approx(1, abs=1e-5) for v in (image, video, inline))
    assert cosine(image, red) > cosine(image, blue) + 0.1, "an image relates to its URL's words"
    # "red apple" is 3 tokens; an image counts 85, a video 256
    assert body["usage"]["prompt_tokens"] == 3 + 85 + 256 + 85


def test_fields_the_official_sdk_sends_are_accepted(http: httpx.Client) -> None:
    body = embed(
        http,
        "accept me",
        model="openai/text-embedding-3-small",
        input_type="query",
        provider={"order": ["openai"], "allow_fallbacks": False, "data_collection": "deny"},
        user="user-1",
        instructions="Represent the query for retrieval.",
        sparse_embedding={"enabled": True},
        something_new=1,
    )
    assert len(body["data"]) == 1
    assert embed(http, "accept me", provider="openai")["data"] == body["data"]


def test_base64_is_little_endian_float32_of_the_same_vector(http: httpx.Client) -> None:
    floats = vectors(embed(http, ["one", "two"], dimensions=32))
    encoded = embed(http, ["one", "two"], dimensions=32, encoding_format="base64")

    assert all(isinstance(item["embedding"], str) for item in encoded["data"])
    assert [decode(item["embedding"]) for item in encoded["data"]] == floats
    assert [len(base64.b64decode(item["embedding"])) for item in encoded["data"]] == [128, 128]
    assert floats == [float32(v) for v in floats], "float answers carry float32 values"


# --- validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"model": DEFAULT_MODEL}, ["body", "input"]),
        ({"input": 5}, ["body", "input"]),
        ({"input": None}, ["body", "input"]),
        ({"input": []}, ["body", "input", "strings"]),
        ({"input": ["a", 1]}, ["body", "input", "strings", 1]),
        ({"input": [1, -2]}, ["body", "input", "tokens", 1]),
        ({"input": [1, 2.5]}, ["body", "input", "tokens", 1]),
        ({"input": [True]}, ["body", "input", "tokens", 0]),
        ({"input": [[1], []]}, ["body", "input", "token_lists", 1]),
        ({"input": [{"type": "image_url"}]}, ["body", "input", "parts", 0]),
        ({"input": [{"type": "audio", "text": "x"}]}, ["body", "input", "parts", 0, "type"]),
        ({"input": "x", "dimensions": 0}, ["body", "dimensions"]),
        ({"input": "x", "dimensions": 16385}, ["body", "dimensions"]),
        ({"input": "x", "encoding_format": "hex"}, ["body", "encoding_format"]),
        ({"input": "x", "user": "u" * 257}, ["body", "user"]),
        ({"input": "x", "model": 3}, ["body", "model"]),
    ],
)
def test_bad_bodies_are_422_with_details(
    server: MockServer, http: httpx.Client, body: dict[str, Any], loc: list[Any]
) -> None:
    rule = server.embeddings.reply_vector([1.0], times=None)

    response = post(http, body)

    check_envelope(response, 422, "validation_error")
    assert loc in locs(response)
    assert rule.call_count == 0
    assert server.requests[-1].status == 422


@pytest.mark.parametrize(
    ("body", "count"),
    [
        ({"input": ""}, 1),
        ({"input": ["solo"]}, 1),
        ({"input": [0]}, 1),
        ({"input": [[0], [1, 2]]}, 2),
        ({"input": [{"type": "text", "text": ""}]}, 1),
        ({"input": "x", "dimensions": 16384, "encoding_format": "base64"}, 1),
    ],
)
def test_smallest_and_largest_valid_inputs(
    http: httpx.Client, body: dict[str, Any], count: int
) -> None:
    response = post(http, body)

    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert len(data) == count
    for item in data:
        vector = item["embedding"]
        vector = decode(vector) if isinstance(vector, str) else vector
        assert len(vector) == body.get("dimensions", 1536)
        assert norm(vector) == pytest.approx(1, abs=1e-5)


def test_malformed_json_is_400(http: httpx.Client) -> None:
    response = http.post(
        EMBEDDINGS, content=b'{"input": ', headers={"content-type": "application/json"}
    )
    check_envelope(response, 400, "invalid_request")


def test_401_without_a_key(server: MockServer) -> None:
    response = httpx.post(server.url + EMBEDDINGS, json={"input": "x"})

    check_envelope(response, 401, "unauthorized")
    assert server.requests[-1].endpoint == "embeddings"
    assert server.requests[-1].authorized is False
    assert server.embeddings.call_count == 0
    server.embeddings.assert_not_called()


# --- scripting from Python -------------------------------------------------------------


def test_reply_scripts_one_vector_per_input(server: MockServer, http: httpx.Client) -> None:
    rule = server.embeddings.reply([[1, 0, 0], [0, 0.6, 0.8]], model="custom/model")

    body = embed(http, ["a", "b"])

    assert vectors(body) == [[1.0, 0.0, 0.0], [0.0, 0.6, 0.8]]
    assert body["model"] == "custom/model"
    assert body["usage"] == {"prompt_tokens": 2, "total_tokens": 2}
    assert rule.call_count == 1
    assert server.requests[-1].matched == rule.id
    assert len(vectors(embed(http, ["a", "b"]))[0]) == 1536, "used once, then default mode"


def test_reply_vector_answers_every_input(server: MockServer, http: httpx.Client) -> None:
    server.embeddings.reply_vector([0.6, 0.8])

    body = embed(http, ["a", "b", "c"])

    assert vectors(body) == [[0.6, 0.8]] * 3
    assert [item["index"] for item in body["data"]] == [0, 1, 2]


def test_scripted_vectors_are_sent_as_scripted(server: MockServer, http: httpx.Client) -> None:
    server.embeddings.reply([[3.0, 4.0]], times=None)

    fewer = embed(http, ["a", "b", "c"])
    other_size = embed(http, "a", dimensions=8)

    assert vectors(fewer) == [[3.0, 4.0]], "neither normalised nor matched to the inputs"
    assert vectors(other_size) == [[3.0, 4.0]], "a scripted size wins over `dimensions`"


def test_scripted_vectors_in_base64_are_float32(server: MockServer, http: httpx.Client) -> None:
    server.embeddings.reply_vector([0.1, -2.5], times=None)

    body = embed(http, ["a", "b"], encoding_format="base64")

    assert [decode(item["embedding"]) for item in body["data"]] == [float32([0.1, -2.5])] * 2


def test_usage_and_model_alone_keep_the_default_vectors(
    server: MockServer, http: httpx.Client
) -> None:
    expected = vectors(embed(http, ["keep", "these"]))
    server.embeddings.reply_with(
        model="renamed/model", usage={"prompt_tokens": 42, "byok_used": True}, times=2
    )
    server.embeddings.reply_with(usage={"prompt_tokens": 1, "total_tokens": 9})

    first = embed(http, ["keep", "these"])
    assert vectors(first) == expected
    assert first["model"] == "renamed/model"
    assert first["usage"] == {"prompt_tokens": 42, "total_tokens": 42, "byok_used": True}
    assert embed(http, "x")["usage"]["prompt_tokens"] == 42
    assert embed(http, "x")["usage"] == {"prompt_tokens": 1, "total_tokens": 9}


@pytest.mark.parametrize(
    "reply",
    [
        {"embedding": [float("nan")]},
        {"embedding": [1.0, float("inf")]},
        {"embedding": [True]},
        {"embedding": ["0.5"]},
        {"embedding": []},
        {"embedding": 0.5},
        {"embeddings": [[1.0], []]},
        {"embeddings": [[1.0], [float("-inf")]]},
        {"embeddings": [1.0, 2.0]},
        {"embeddings": [[1.0]], "embedding": [1.0]},
        {"error": {"status": 500}, "embedding": [1.0]},
        {"usage": {"prompt_tokens": -1}},
        {"model": ""},
        {"text": "chat's field"},
    ],
)
def test_nonsense_replies_are_refused_when_scripted(
    server: MockServer, reply: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        server.embeddings.reply_with(**reply)
    assert server.rules == []


def test_a_flat_vector_given_as_embeddings_points_to_reply_vector(server: MockServer) -> None:
    with pytest.raises(ValidationError, match="reply_vector"):
        server.embeddings.reply([0.1, 0.2])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="numbers only"):
        server.embeddings.reply_vector([[0.1], [0.2]])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="must be a list of vectors"):
        server.embeddings.reply_with(embeddings=0.5)


def test_nonsense_criteria_are_refused_when_scripted(server: MockServer) -> None:
    with pytest.raises(ValidationError):
        server.embeddings.when(dimensions=0)
    with pytest.raises(ValidationError):
        server.embeddings.when(encoding_format="hex")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        server.embeddings.when(input={"regex": "("})


def test_match_on_input_text(server: MockServer, http: httpx.Client) -> None:
    server.embeddings.when(input="refund").reply_vector([1.0], times=None)
    server.embeddings.when(input={"regex": "^ship", "ignore_case": True}).reply_vector(
        [2.0], times=None
    )
    server.embeddings.when(input={"equals": "exact"}).reply_vector([3.0], times=None)

    assert vectors(embed(http, ["hello", "a refund please"])) == [[1.0], [1.0]]
    assert vectors(embed(http, "Shipping times")) == [[2.0]]
    assert vectors(embed(http, [{"type": "text", "text": "exact"}])) == [[3.0]]
    assert vectors(embed(http, "exactly"))[0] != [3.0]
    assert vectors(embed(http, [[1, 2]]))[0] != [1.0], "token arrays have no text to match"


def test_match_on_model_dimensions_format_type_and_headers(
    server: MockServer, http: httpx.Client
) -> None:
    server.embeddings.when(model="cohere/*").reply_vector([1.0], times=None)
    server.embeddings.when(dimensions=8).reply_vector([2.0], times=None)
    server.embeddings.when(encoding_format="base64").reply_vector([3.0], times=None)
    server.embeddings.when(input_type="query").reply_vector([4.0], times=None)
    server.embeddings.when(headers={"X-Tenant": "acme"}).reply_vector([5.0], times=None)
    server.embeddings.when(model="openai/*", encoding_format="float").reply_vector(
        [6.0], times=None
    )

    assert vectors(embed(http, "x", model="cohere/embed-english-v3.0")) == [[1.0]]
    assert vectors(embed(http, "x", model="voyageai/voyage-3", dimensions=8)) == [[2.0]]
    assert decode(
        embed(http, "x", model="voyageai/voyage-3", encoding_format="base64")["data"][0][
            "embedding"
        ]
    ) == [3.0]
    assert vectors(embed(http, "x", model="voyageai/voyage-3", input_type="query")) == [[4.0]]
    response = post(http, {"input": "x", "model": "voyageai/voyage-3"}, **{"x-tenant": "acme"})
    assert vectors(response.json()) == [[5.0]]
    # no model: the default (openai/…) answers; no encoding_format: float
    assert vectors(embed(http, "x")) == [[6.0]]
    assert len(vectors(embed(http, "x", model="voyageai/voyage-3"))[0]) == 1024


def test_nth_and_times(server: MockServer, http: httpx.Client) -> None:
    server.embeddings.when(input="count").reply_vector([1.0], times=2)
    server.embeddings.when(input="nth", nth=2).reply_vector([2.0])

    assert [vectors(embed(http, "count"))[0] == [1.0] for _ in range(3)] == [True, True, False]
    assert [vectors(embed(http, "nth"))[0] == [2.0] for _ in range(3)] == [False, True, False]


def test_predicate_and_respond_see_the_validated_request(
    server: MockServer, http: httpx.Client
) -> None:
    seen: list[Any] = []

    def reply(request: Any) -> dict[str, Any]:
        seen.append(request)
        return {"embeddings": [[float(len(text))] for text in request.input]}

    server.embeddings.when(predicate=lambda request: request.dimensions == 3).respond(reply)

    assert vectors(embed(http, ["ab", "abcd"], dimensions=3, user="u1")) == [[2.0], [4.0]]
    assert seen[0].user == "u1"
    assert seen[0].encoding_format is None


def test_respond_returning_nonsense_is_a_500_naming_the_rule(
    server: MockServer, http: httpx.Client
) -> None:
    server.embeddings.respond(lambda request: {"embedding": [float("nan")]}, name="broken")

    def explode(request: Any) -> dict[str, Any]:
        raise ZeroDivisionError("boom")

    server.embeddings.respond(explode)

    bad_reply = check_envelope(post(http, {"input": "x"}), 500, "mock_reply_error")
    assert "broken" in bad_reply["error"]["message"]
    raised = check_envelope(post(http, {"input": "x"}), 500, "mock_reply_error")
    assert "ZeroDivisionError" in raised["error"]["message"]


def test_error_with_retry_after(server: MockServer, http: httpx.Client) -> None:
    server.embeddings.when(input="busy").error(429, retry_after=2, message="Slow down.")

    response = post(http, {"input": "busy"})

    body = check_envelope(response, 429, "rate_limit_exceeded")
    assert response.headers["retry-after"] == "2"
    assert body["error"]["message"] == "Slow down."
    assert body["error"]["retry_after_seconds"] == 2
    assert server.requests[-1].error_code == "rate_limit_exceeded"
    assert post(http, {"input": "busy"}).status_code == 200, "once by default"


def test_rules_of_other_endpoints_do_not_answer(server: MockServer, http: httpx.Client) -> None:
    chat_rule = server.chat.reply("hello", times=None)
    server.embeddings.when(operation="create").reply_vector([7.0])

    assert vectors(embed(http, "x")) == [[7.0]]
    assert len(vectors(embed(http, "x"))[0]) == 1536
    assert chat_rule.call_count == 0
    assert server.requests[-1].matched == "default"


# --- strict mode -----------------------------------------------------------------------


def test_strict_mode_refuses_default_vectors_and_reports_near_misses(
    server: MockServer, http: httpx.Client
) -> None:
    server.strict = True
    server.embeddings.when(input="refund", dimensions=8).reply_vector([1.0], name="refunds")
    server.chat.reply("unrelated")

    response = post(http, {"input": ["hello", "world"], "encoding_format": "base64"})

    body = check_envelope(response, 404, "no_matching_rule")
    message = body["error"]["message"]
    assert f"model='{DEFAULT_MODEL}'" in message
    assert "inputs=2" in message
    assert "first text='hello'" in message
    assert "encoding_format=base64" in message
    first = body["error"]["details"][0]
    assert first["type"] == "near_miss"
    assert "input: no input containing 'refund'" in first["msg"]
    assert "dimensions: expected 8, got None" in first["msg"]
    assert "refunds" in message
    assert server.unmatched_requests()[-1].endpoint == "embeddings"

    asked = check_envelope(
        post(http, {"input": [[1, 2]], "dimensions": 4}), 404, "no_matching_rule"
    )
    assert "inputs=1, dimensions=4, encoding_format=float" in asked["error"]["message"]
    assert vectors(embed(http, "refund", dimensions=8)) == [[1.0]]


def test_strict_near_miss_names_format_and_input_type(
    server: MockServer, http: httpx.Client
) -> None:
    server.strict = True
    server.embeddings.when(encoding_format="base64", input_type="document").reply_vector([1.0])

    body = check_envelope(
        post(http, {"input": "x", "input_type": "query"}), 404, "no_matching_rule"
    )

    detail = body["error"]["details"][0]["msg"]
    assert "encoding_format: expected 'base64', got 'float'" in detail
    assert "input_type: expected 'document', got 'query'" in detail


# --- scenario files and the admin API -------------------------------------------------


def test_rules_from_a_scenario_file(server: MockServer, http: httpx.Client, tmp_path: Path) -> None:
    path = tmp_path / "embeddings.yaml"
    path.write_text(
        """
name: embeddings
rules:
  - endpoint: embeddings
    name: weather
    match: {input: weather, model: "openai/*"}
    reply:
      embeddings: [[0.0, 1.0], [1.0, 0.0]]
    times: unlimited
  - endpoint: embeddings
    match: {dimensions: 3}
    reply: {error: {status: 503, message: upstream down}}
  - endpoint: embeddings
    match: {input: {regex: "^same"}}
    reply: {embedding: [0.5, 0.5], model: scripted/model, usage: {prompt_tokens: 9}}
""",
        encoding="utf-8",
    )

    loaded = server.load(path)

    assert [rule.endpoint for rule in loaded] == ["embeddings"] * 3
    assert vectors(embed(http, ["weather today", "sun"])) == [[0.0, 1.0], [1.0, 0.0]]
    assert vectors(embed(http, "weather")) == [[0.0, 1.0], [1.0, 0.0]]
    check_envelope(post(http, {"input": "x", "dimensions": 3}), 503, "upstream_error")
    same = embed(http, ["same one", "same two"])
    assert vectors(same) == [[0.5, 0.5], [0.5, 0.5]]
    assert same["model"] == "scripted/model"
    assert same["usage"] == {"prompt_tokens": 9, "total_tokens": 9}


def test_a_scenario_file_with_a_bad_vector_is_refused(server: MockServer, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "rules:\n  - endpoint: embeddings\n    reply: {embedding: [0.1, .inf]}\n", encoding="utf-8"
    )

    with pytest.raises(ScenarioError, match="finite"):
        server.load(path)
    assert server.rules == []


def test_rules_from_the_admin_api(http: httpx.Client) -> None:
    posted = http.post(
        "/_mock/rules",
        json={
            "endpoint": "embeddings",
            "name": "hello",
            "match": {"input": "hello", "encoding_format": "float"},
            "reply": {"embedding": [0.6, 0.8]},
            "times": 2,
        },
    )

    assert posted.status_code == 201, posted.text
    [rule] = posted.json()
    assert rule["endpoint"] == "embeddings"
    assert rule["match"] == {"input": {"contains": "hello"}, "encoding_format": "float"}
    assert rule["reply"] == {"embedding": [0.6, 0.8]}
    assert vectors(embed(http, ["hello", "x"])) == [[0.6, 0.8], [0.6, 0.8]]
    journal = http.get("/_mock/requests").json()
    assert journal[-1]["matched"] == rule["id"]
    assert http.get("/_mock/rules").json()[0]["remaining"] == 1


@pytest.mark.parametrize(
    "rule",
    [
        {"endpoint": "embeddings", "reply": {"embedding": []}},
        {"endpoint": "embeddings", "reply": {"embeddings": [["x"]]}},
        {"endpoint": "embeddings", "reply": {"text": "chat's"}},
        {"endpoint": "embeddings", "match": {"dimensions": 0}, "reply": {}},
        {"endpoint": "embeddings", "match": {"last_user": "chat's"}, "reply": {}},
    ],
)
def test_the_admin_api_refuses_nonsense_rules(http: httpx.Client, rule: dict[str, Any]) -> None:
    response = http.post("/_mock/rules", json=rule)

    check_envelope(response, 422, "validation_error")
    assert response.json()["error"]["details"]
    assert http.get("/_mock/rules").json() == []


# --- the OpenAPI document --------------------------------------------------------------


def test_openapi_describes_the_operation(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    operation = document["paths"][EMBEDDINGS]["post"]
    schemas = document["components"]["schemas"]

    statuses = {"200", "400", "401", "402", "413", "422", "429", "500", "503"}
    assert statuses <= set(operation["responses"])
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    request_schema = schemas[request.rsplit("/", 1)[-1]]
    response_schema = schemas[response.rsplit("/", 1)[-1]]
    assert request_schema["required"] == ["input"]
    assert {"model", "dimensions", "encoding_format", "input_type", "provider", "user"} <= set(
        request_schema["properties"]
    )
    assert set(response_schema["required"]) == {"object", "data", "model"}


# --- the journal ----------------------------------------------------------------------


def test_the_journal_records_embeddings_calls(server: MockServer, http: httpx.Client) -> None:
    rule = server.embeddings.when(input="scripted").reply_vector([1.0])

    embed(http, "scripted")
    embed(http, "default", stream=True)  # an extra field: embeddings never stream

    scripted, default = server.embeddings.requests
    assert (scripted.endpoint, scripted.operation) == ("embeddings", "create")
    assert (scripted.method, scripted.path, scripted.status) == ("POST", EMBEDDINGS, 200)
    assert scripted.matched == rule.id
    assert default.matched == "default"
    assert default.stream is False
    assert default.body == {"input": "default", "stream": True}
    assert server.embeddings.call_count == 2
    server.embeddings.assert_called()
    server.embeddings.assert_called(times=2)
    with pytest.raises(AssertionError, match="Expected 3 embeddings request"):
        server.embeddings.assert_called(times=3)
    server.chat.assert_not_called()

    wire = http.get("/_mock/requests").json()
    assert [(e["endpoint"], e["operation"], e["matched"]) for e in wire] == [
        ("embeddings", "create", rule.id),
        ("embeddings", "create", "default"),
    ]


# --- the openai SDK --------------------------------------------------------------------


@pytest.fixture
def client(server: MockServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="rsk_test", max_retries=0)


def test_openai_sdk_asks_for_base64_and_decodes_the_default_vectors(
    server: MockServer, client: openai.OpenAI, http: httpx.Client
) -> None:
    result = client.embeddings.create(model=DEFAULT_MODEL, input=["first", "second"])

    assert server.requests[-1].body["encoding_format"] == "base64", "the SDK's default"
    assert result.model == DEFAULT_MODEL
    assert [item.index for item in result.data] == [0, 1]
    assert result.usage.prompt_tokens == result.usage.total_tokens == 4
    as_floats = vectors(embed(http, ["first", "second"]))
    assert [item.embedding for item in result.data] == as_floats
    assert result.data[0].embedding == server.embeddings.default_vector("first")


def test_openai_sdk_with_float_format_and_dimensions(
    server: MockServer, client: openai.OpenAI
) -> None:
    result = client.embeddings.create(
        model="openai/text-embedding-3-large", input="short", dimensions=8, encoding_format="float"
    )

    [item] = result.data
    assert len(item.embedding) == 8
    assert item.embedding == server.embeddings.default_vector("short", dimensions=8)
    assert server.requests[-1].body["encoding_format"] == "float"


def test_openai_sdk_token_arrays_and_scripted_vectors(
    server: MockServer, client: openai.OpenAI
) -> None:
    server.embeddings.when(encoding_format="base64").reply([[0.5, -0.25], [1.0, 0.0]])

    result = client.embeddings.create(model=DEFAULT_MODEL, input=[[1, 2], [3]])

    assert [item.embedding for item in result.data] == [[0.5, -0.25], [1.0, 0.0]]
    assert result.usage.prompt_tokens == 3


def test_openai_sdk_sees_scripted_errors(server: MockServer, client: openai.OpenAI) -> None:
    server.embeddings.error(429, retry_after=2)
    server.embeddings.error(400, code="invalid_request", message="Input too long.")

    with pytest.raises(openai.RateLimitError) as limited:
        client.embeddings.create(model=DEFAULT_MODEL, input="x")
    assert limited.value.response.headers["retry-after"] == "2"
    with pytest.raises(openai.BadRequestError, match="Input too long"):
        client.embeddings.create(model=DEFAULT_MODEL, input="x")
    stranger = openai.OpenAI(base_url=server.url + "/v1", api_key="sk-not-meshapi", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        stranger.embeddings.create(model=DEFAULT_MODEL, input="x")


@given(text=st.text(max_size=80), dimensions=st.integers(1, 3072))
def test_a_vector_s_json_is_its_float32_values_encoded(text: str, dimensions: int) -> None:
    """Vectors join precomputed texts of the dense direction's values rather than format
    every float: the bytes must be those of encoding the values themselves."""
    vector = text_vector(text, dimensions)

    assert vector.json(False) == to_json(vector.values.tolist())
    assert len(vector.values) == dimensions
