"""RAG files over real HTTP: init, the signed PUT, list, get, embed and search.

The signed URL is the fake's own and takes one upload of that file, unsigned by a
token; files move through their steps on the fake's clock (advanced by hand here, so
nothing waits); search ranks chunks by the embeddings area's vectors, deterministically;
rules script each step's length and failure, the hits, and errors like anywhere else.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshapi.types.rag import (
    BulkEmbedResponse,
    InitUploadResponse,
    RagFileListResponse,
    RagFileStatus,
    SearchResponse,
)
from meshapi_mock import MockServer, ScenarioError
from meshapi_mock.endpoints.files import FIRST_ID
from meshapi_mock.endpoints.files.store import MAX_UPLOAD_BYTES, SIGNED_URL_TTL
from meshapi_mock.endpoints.files.text import CHUNK_CHARS, MAX_CHUNKS, chunk_text, extract_text
from pydantic import ValidationError
from support.wire import error_of

FILES = "/v1/files"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FAQ = (
    b"Refunds are paid within five days of the return.\n\n"
    b"Our office is in Paris, near the river Seine.\n\n"
    b"Shipping by sea takes two weeks; air freight takes three days."
)


def init(
    http: httpx.Client, name: str = "faq.txt", mime: str = "text/plain", **extra: Any
) -> InitUploadResponse:
    response = http.post(FILES, json={"file_name": name, "mime_type": mime, **extra})
    assert response.status_code == 200, response.text
    return InitUploadResponse.model_validate(response.json())


def put(url: str, content: bytes, mime: str | None = "text/plain") -> httpx.Response:
    headers = {} if mime is None else {"content-type": mime}
    return httpx.put(url, content=content, headers=headers, timeout=10)


def status(http: httpx.Client, file_id: str) -> RagFileStatus:
    response = http.get(f"{FILES}/{file_id}")
    assert response.status_code == 200, response.text
    return RagFileStatus.model_validate(response.json())


def embed(http: httpx.Client, *file_ids: str, **extra: Any) -> BulkEmbedResponse:
    response = http.post(f"{FILES}/embed", json={"file_ids": list(file_ids), **extra})
    assert response.status_code == 200, response.text
    return BulkEmbedResponse.model_validate(response.json())


def search(http: httpx.Client, query: str, **extra: Any) -> SearchResponse:
    response = http.post(f"{FILES}/search", json={"query": query, **extra})
    assert response.status_code == 200, response.text
    return SearchResponse.model_validate(response.json())


def ready_file(
    server: MockServer,
    http: httpx.Client,
    content: bytes = FAQ,
    name: str = "faq.txt",
    mime: str = "text/plain",
    **extra: Any,
) -> str:
    """A file uploaded and embedded, on the clock moved on by hand."""
    upload = init(http, name, mime, **extra)
    assert put(upload.signed_url, content, mime).status_code == 200
    embed(http, upload.file_id)
    server.clock.advance(3)
    assert status(http, upload.file_id).embedding_status == "ready"
    return upload.file_id


# --------------------------------------------------------------------------- the flow


def test_a_file_moves_from_init_to_searchable_on_the_clock(
    server: MockServer, http: httpx.Client
) -> None:
    upload = init(http, metadata={"team": "support"})
    assert upload.file_id == FIRST_ID, "ids follow the seed"
    assert upload.signed_url.startswith(f"{server.url}/v1/files/{upload.file_id}/upload?")
    assert ISO.match(upload.expires_at)
    fresh = status(http, upload.file_id)
    assert (fresh.upload_status, fresh.embedding_status) == ("pending", "not_started")
    assert fresh.signed_url == upload.signed_url and fresh.file_type == "txt"
    assert fresh.size_bytes is None and ISO.match(fresh.created_at)

    accepted = put(upload.signed_url, FAQ)  # no token: the signature is the credential
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["size_bytes"] == len(FAQ)
    uploaded = status(http, upload.file_id)
    assert (uploaded.upload_status, uploaded.size_bytes) == ("processing", len(FAQ))
    assert uploaded.signed_url is None
    [queued] = embed(http, upload.file_id).results  # asked while processing: it waits
    assert queued.embedding_status == "pending" and queued.error is None

    server.clock.advance(1)
    assert status(http, upload.file_id).embedding_status == "processing"
    assert search(http, "refunds").results == [], "nothing is searchable before ready"
    server.clock.advance(2)
    done = status(http, upload.file_id)
    assert (done.upload_status, done.embedding_status) == ("ready", "ready")
    assert done.total_tokens and done.total_cost_usd and done.last_error_code is None
    assert done.updated_at > done.created_at
    [again] = embed(http, upload.file_id).results
    assert (again.embedding_status, again.chunk_count) == ("ready", 3)

    [best, *_] = search(http, "How long until refunds are paid?").results
    assert best.text.startswith("Refunds are paid") and best.chunk_index == 0
    assert best.file_id == upload.file_id and best.metadata == {"team": "support"}
    assert best.file_name == "faq.txt" and best.mime_type == "text/plain"
    assert isinstance(best.created_at, int)


def test_embed_at_init_embeds_once_the_upload_is_processed(
    server: MockServer, http: httpx.Client
) -> None:
    upload = init(http, embed=True)
    assert status(http, upload.file_id).embedding_status == "pending"
    put(upload.signed_url, FAQ)
    server.clock.advance(1)
    assert status(http, upload.file_id).embedding_status == "processing"
    server.clock.advance(2)
    assert status(http, upload.file_id).embedding_status == "ready"


def test_embed_with_wait_answers_when_the_steps_have_ended(
    server: MockServer, http: httpx.Client
) -> None:
    server.time_scale = 0.001  # 3 s of the fake's clock in 3 ms
    upload = init(http)
    put(upload.signed_url, FAQ)
    [result] = embed(http, upload.file_id, wait=True).results
    assert (result.embedding_status, result.chunk_count) == ("ready", 3)


def test_embed_reports_each_file_it_cannot_embed(server: MockServer, http: httpx.Client) -> None:
    waiting = init(http)
    ready = ready_file(server, http, name="b.txt")
    results = embed(http, waiting.file_id, "no-such-file", ready).results
    assert [r.file_id for r in results] == [waiting.file_id, "no-such-file", ready]
    assert results[0].embedding_status == "not_started"
    assert results[0].error and results[0].error.startswith("file_not_uploaded")
    assert results[1].embedding_status == "failed" and "no-such-file" in (results[1].error or "")
    assert results[2].embedding_status == "ready" and results[2].error is None
    assert status(http, waiting.file_id).embedding_status == "not_started"


@pytest.mark.parametrize(
    "body",
    [{"file_ids": []}, {"file_ids": ["x"] * 101}, {"file_ids": "x"}, {"file_ids": [""]}, {}],
)
def test_embed_takes_one_to_a_hundred_ids(http: httpx.Client, body: dict[str, Any]) -> None:
    response = http.post(f"{FILES}/embed", json=body)
    assert response.status_code == 422 and error_of(response)["code"] == "validation_error"


def test_an_unknown_file_is_a_404_naming_it(http: httpx.Client) -> None:
    response = http.get(f"{FILES}/nope")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found" and "'nope'" in error_of(response)["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"file_name": "a.txt"},
        {"mime_type": "text/plain"},
        {"file_name": "", "mime_type": "text/plain"},
        {"file_name": "a", "mime_type": "plain"},
        {"file_name": "a", "mime_type": "text/plain", "embed": "yes"},
        {"file_name": "a", "mime_type": "text/plain", "metadata": []},
    ],
)
def test_bad_inits_are_validation_errors(http: httpx.Client, body: dict[str, Any]) -> None:
    response = http.post(FILES, json=body)
    assert response.status_code == 422 and error_of(response)["code"] == "validation_error"


def test_every_call_but_the_signed_put_needs_a_key(server: MockServer) -> None:
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer rsk_a"}) as keyed:
        upload = init(keyed)
    for method, path in [("POST", FILES), ("GET", FILES), ("GET", f"{FILES}/{upload.file_id}")]:
        assert httpx.request(method, server.url + path, json={}).status_code == 401
    assert put(upload.signed_url, b"hi").status_code == 200


# --------------------------------------------------------------------------- the signed URL


def test_the_signature_authorises_only_its_file_once(
    server: MockServer, http: httpx.Client
) -> None:
    first, second = init(http, "a.txt"), init(http, "b.txt")
    query = parse_qs(urlsplit(first.signed_url).query)
    other = f"{server.url}/v1/files/{second.file_id}/upload?" + urlsplit(first.signed_url).query
    tampered = first.signed_url.replace(query["sig"][0], "0" * len(query["sig"][0]))
    later = first.signed_url.replace(query["expires"][0], str(int(query["expires"][0]) + 60))

    for url in (other, tampered, later):
        refused = put(url, b"x")
        assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
    missing = put(first.signed_url.split("?")[0], b"x")
    assert missing.status_code == 422
    unknown = put(first.signed_url.replace(first.file_id, "nope"), b"x")
    assert unknown.status_code == 404
    wrong_type = put(first.signed_url, b"x", "application/pdf")
    assert wrong_type.status_code == 403 and "text/plain" in error_of(wrong_type)["message"]
    assert put(first.signed_url, b"x", None).status_code == 403

    assert put(first.signed_url, b"x", "text/plain; charset=utf-8").status_code == 200
    twice = put(first.signed_url, b"y")
    assert twice.status_code == 409 and error_of(twice)["code"] == "conflict"
    assert status(http, first.file_id).size_bytes == 1, "the first upload stands"
    assert status(http, second.file_id).upload_status == "pending"


def test_a_signed_url_expires_on_the_clock(server: MockServer, http: httpx.Client) -> None:
    upload = init(http)
    server.clock.advance(SIGNED_URL_TTL + 1)
    expired = put(upload.signed_url, b"x")
    assert expired.status_code == 403 and "expired" in error_of(expired)["message"]
    assert status(http, upload.file_id).upload_status == "pending"


def test_the_put_is_journaled_without_its_signature(server: MockServer, http: httpx.Client) -> None:
    upload = init(http)
    put(upload.signed_url, b"raw bytes \x00\xff")
    entry = server.files.requests[-1]
    assert (entry.method, entry.operation, entry.status) == ("PUT", "upload", 200)
    assert entry.raw_body == b"raw bytes \x00\xff" and entry.body is None
    assert "sig=[redacted]" in entry.query and "authorization" not in entry.headers


def test_an_upload_over_the_limit_is_a_413(server: MockServer, http: httpx.Client) -> None:
    assert server.files.store.max_upload_bytes == MAX_UPLOAD_BYTES == 25 * 1024 * 1024
    big = init(http)
    too_big = put(big.signed_url, b"x" * (MAX_UPLOAD_BYTES + 1))
    assert too_big.status_code == 413 and error_of(too_big)["code"] == "payload_too_large"

    server.files.store.max_upload_bytes = 10  # until the next reset
    small, edge = init(http, "s.txt"), init(http, "e.txt")
    assert put(small.signed_url, b"x" * 11).status_code == 413
    assert put(small.signed_url, b"x" * 10).status_code == 200, "a refused PUT can be retried"
    assert put(edge.signed_url, b"").status_code == 200, "an empty file is a file"
    server.reset()
    assert server.files.store.max_upload_bytes == MAX_UPLOAD_BYTES


# --------------------------------------------------------------------------- list


def test_list_pages_by_offset_newest_first(server: MockServer, http: httpx.Client) -> None:
    empty = http.get(FILES).json()
    assert empty == {"files": [], "total": 0, "limit": 20, "offset": 0}
    ids = [init(http, f"{n}.txt").file_id for n in range(3)]

    first = RagFileListResponse.model_validate(http.get(FILES, params={"limit": 2}).json())
    last = RagFileListResponse.model_validate(
        http.get(FILES, params={"limit": 2, "offset": 2}).json()
    )
    past = http.get(FILES, params={"offset": 3}).json()
    assert [f.file_id for f in first.files] == ids[:0:-1] and first.total == 3
    assert [f.file_id for f in last.files] == ids[:1] and (last.limit, last.offset) == (2, 2)
    assert past["files"] == [] and past["total"] == 3


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"offset": "x"}, {"limit": "2.5"}]
)
def test_a_bad_page_is_a_validation_error(http: httpx.Client, params: dict[str, Any]) -> None:
    response = http.get(FILES, params=params)
    assert response.status_code == 422 and error_of(response)["details"][0]["loc"][0] == "query"


def test_the_store_is_bounded_and_reset_empties_it(server: MockServer, http: httpx.Client) -> None:
    store = server.files.store
    store.max_files, store.max_total_bytes = 3, 1500  # a 6-byte file holds ~1 KB of index
    ids = [init(http, f"{n}.txt").file_id for n in range(4)]
    assert [f.id for f in server.files.stored] == ids[1:], "the oldest is forgotten first"
    for file_id in ids[1:3]:
        put(next(f for f in server.files.stored if f.id == file_id).signed_url, b"x" * 6)
    assert [f.id for f in server.files.stored] == ids[2:], "over the bytes: oldest out"
    assert http.get(f"{FILES}/{ids[0]}").status_code == 404
    server.reset()
    assert server.files.stored == [] and http.get(FILES).json()["total"] == 0


# --------------------------------------------------------------------------- scripted steps


def test_scripted_durations_move_the_steps(server: MockServer, http: httpx.Client) -> None:
    server.files.durations(upload=5, embedding=10)
    upload = init(http, embed=True)
    put(upload.signed_url, FAQ)
    server.clock.advance(4)
    assert status(http, upload.file_id).upload_status == "processing"
    server.clock.advance(1)
    assert status(http, upload.file_id).embedding_status == "processing"
    server.clock.advance(10)
    assert status(http, upload.file_id).embedding_status == "ready"


def test_a_failed_upload_says_why(server: MockServer, http: httpx.Client) -> None:
    server.files.when(file_name="scan.pdf").fail_upload("unsupported_file_type")
    bad, good = init(http, "scan.pdf", "application/pdf"), init(http, "ok.txt")
    put(bad.signed_url, b"%PDF-1.4", "application/pdf")
    put(good.signed_url, FAQ)
    [asked] = embed(http, bad.file_id).results
    server.clock.advance(1)

    failed = status(http, bad.file_id)
    assert (failed.upload_status, failed.embedding_status) == ("failed", "failed")
    assert failed.last_error_code == "unsupported_file_type"
    assert asked.embedding_status == "pending"
    [result] = embed(http, bad.file_id).results
    assert result.embedding_status == "failed" and result.error == "unsupported_file_type"
    assert status(http, good.file_id).upload_status == "ready", "the rule was for one file"


def test_a_failed_embedding_says_why_and_can_be_retried(
    server: MockServer, http: httpx.Client
) -> None:
    server.files.when(mime_type="text/csv").fail_embedding("embedding_failed", seconds=0.5)
    upload = init(http, "rows.csv", "text/csv")
    put(upload.signed_url, b"a,b\n1,2\n", "text/csv")
    embed(http, upload.file_id)
    server.clock.advance(1.5)
    failed = status(http, upload.file_id)
    assert (failed.upload_status, failed.embedding_status) == ("ready", "failed")
    assert failed.last_error_code == "embedding_failed" and failed.total_tokens is None

    [retried] = embed(http, upload.file_id).results
    assert retried.embedding_status == "processing"
    server.clock.advance(1)
    assert status(http, upload.file_id).embedding_status == "ready"
    assert status(http, upload.file_id).last_error_code is None


def test_an_embed_rule_fails_the_files_of_that_call(server: MockServer, http: httpx.Client) -> None:
    server.files.when(operation="embed").fail_embedding("quota_exceeded", seconds=0)
    upload = init(http)
    put(upload.signed_url, FAQ)
    server.clock.advance(1)
    [result] = embed(http, upload.file_id).results
    assert (result.embedding_status, result.error) == ("failed", "quota_exceeded")


def test_steps_from_the_admin_api_and_files(
    server: MockServer, http: httpx.Client, tmp_path: Any
) -> None:
    rule = {
        "endpoint": "files",
        "match": {"operation": "upload"},
        "reply": {"upload": {"seconds": 0, "fail": "virus_found"}},
    }
    assert http.post("/_mock/rules", json=rule).status_code == 201
    upload = init(http)
    put(upload.signed_url, FAQ)
    assert status(http, upload.file_id).last_error_code == "virus_found"

    path = tmp_path / "files.json"
    hits = {"endpoint": "files", "match": {"operation": "search"}, "reply": {"hits": []}}
    path.write_text(json.dumps({"rules": [hits]}))
    server.load(path)
    assert search(http, "anything").results == []
    path.write_text(json.dumps({"rules": [{**hits, "reply": {"hits": [{"txt": "typo"}]}}]}))
    with pytest.raises(ScenarioError, match="txt"):
        server.load(path)


def test_errors_are_scripted_like_any_rule(server: MockServer, http: httpx.Client) -> None:
    server.files.when(operation="search").error(503, retry_after=1)
    server.files.when(operation="upload").error(500, code="storage_down")
    down = http.post(f"{FILES}/search", json={"query": "x"})
    assert down.status_code == 503 and down.headers["retry-after"] == "1"
    upload = init(http)
    broken = put(upload.signed_url, FAQ)
    assert broken.status_code == 500 and error_of(broken)["code"] == "storage_down"
    assert status(http, upload.file_id).upload_status == "pending"
    assert put(upload.signed_url, FAQ).status_code == 200


def test_replies_are_checked_when_added(server: MockServer, http: httpx.Client) -> None:
    for reply in (
        {},
        {"hits": ["a"], "upload": {"seconds": 1}},
        {"hits": [{"text": "a", "score": 1.5}]},
        {"upload": {"seconds": -1}},
        {"embedding": {"fail": ""}},
        {"error": {"status": 500}, "hits": []},
    ):
        response = http.post("/_mock/rules", json={"endpoint": "files", "reply": reply})
        assert response.status_code == 422, reply
    with pytest.raises(ValidationError):
        server.files.durations()
    with pytest.raises(ValueError, match="operation"):
        server.files.when(operation="delete")  # type: ignore[arg-type]
    assert server.rules == []


def test_init_criteria_never_match_other_operations(server: MockServer, http: httpx.Client) -> None:
    rule = server.files.when(file_name="a").error(418)
    assert http.get(FILES).status_code == 200
    assert rule.call_count == 0
    assert (
        http.post(FILES, json={"file_name": "a.txt", "mime_type": "text/plain"}).status_code == 418
    )


def test_strict_mode_serves_the_store(server: MockServer, http: httpx.Client) -> None:
    server.strict = True
    file_id = ready_file(server, http)
    assert search(http, "refunds").results[0].file_id == file_id


# --------------------------------------------------------------------------- search


def test_search_narrows_by_file_metadata_and_date(server: MockServer, http: httpx.Client) -> None:
    hr = ready_file(server, http, b"Holidays: 25 days a year.", "hr.txt", metadata={"team": "hr"})
    server.clock.advance(100)
    ops = ready_file(
        server,
        http,
        b"Holidays are booked in the portal.",
        "ops.md",
        "text/markdown",
        metadata={"team": "ops", "level": 2},
    )
    created = {f.id: int(f.created) for f in server.files.stored}

    def found(**extra: Any) -> list[str | None]:
        return [hit.file_id for hit in search(http, "holidays", **extra).results]

    assert set(found()) == {hr, ops}
    assert found(file_ids=[hr]) == [hr] and found(file_ids=["nope"]) == []
    assert found(filter={"team": "ops"}) == [ops]
    assert set(found(filter={"team": ["ops", "hr"]})) == {hr, ops}
    assert found(filter={"team": "ops", "level": 3}) == [] and found(filter={"x": 1}) == []
    assert found(date_from=created[ops]) == [ops] and found(date_to=created[hr]) == [hr]
    assert found(top_k=1) and len(found(top_k=1)) == 1


def test_search_is_deterministic_to_the_byte(server: MockServer, http: httpx.Client) -> None:
    ready_file(server, http)
    body = {"query": "air freight days", "top_k": 3}
    first = http.post(f"{FILES}/search", json=body).content
    assert http.post(f"{FILES}/search", json=body).content == first
    hits = json.loads(first)["results"]
    assert hits[0]["text"].startswith("Shipping by sea")


@pytest.mark.parametrize(
    "body", [{"query": ""}, {"query": "x", "top_k": 0}, {"query": "x", "top_k": 101}, {"query": 1}]
)
def test_bad_searches_are_validation_errors(http: httpx.Client, body: dict[str, Any]) -> None:
    assert http.post(f"{FILES}/search", json=body).status_code == 422


def test_scripted_hits(server: MockServer, http: httpx.Client) -> None:
    server.files.hits(
        ["Refunds take five days.", {"text": "Other", "score": -0.5, "metadata": {"a": 1}}, "x"]
    )
    hits = search(http, "refunds", top_k=2).results
    assert [h.text for h in hits] == ["Refunds take five days.", "Other"]
    assert 0 < hits[0].score <= 1 and hits[1].score == -0.5 and hits[1].metadata == {"a": 1}
    assert hits[0].parent_text == hits[0].text and hits[0].file_id is None
    assert search(http, "refunds").results == [], "the rule was used once; no files"


def test_a_reply_function_may_return_the_hits(server: MockServer, http: httpx.Client) -> None:
    server.files.when(operation="search").respond(lambda request: [request.query.upper()])
    assert [h.text for h in search(http, "echo").results] == ["ECHO"]


def test_other_file_types_are_read_best_effort(server: MockServer, http: httpx.Client) -> None:
    pdf = b"%PDF-1.4\n1 0 obj <<>> stream\nBT (Warranty lasts two years\\.) Tj ET\n"
    pdf += b"endstream\n\xff\xfe"
    blob = b"\x00\x01\x02binary header\x00\x9fthe manual says reboot twice\x00\xff"
    ready_file(server, http, pdf, "w.pdf", "application/pdf")
    ready_file(server, http, blob, "m.bin", "application/octet-stream")
    texts = [h.text for h in search(http, "warranty years", top_k=1).results]
    assert texts == ["Warranty lasts two years."]
    assert "reboot twice" in search(http, "reboot", top_k=1).results[0].text


def test_a_large_file_is_indexed_off_the_event_loop(server: MockServer, http: httpx.Client) -> None:
    filler = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 2000  # 114 KB
    file_id = ready_file(server, http, filler + b"\n\nThe needle is under the blue rug.")
    [hit] = search(http, "where is the needle", top_k=1).results
    assert hit.file_id == file_id and hit.text == "The needle is under the blue rug."


def test_text_is_chunked_within_bounds() -> None:
    sentence = "Word " * 30 + "ends here. "
    chunks = chunk_text(sentence * 10 + "\n\n" + "x" * (CHUNK_CHARS * 2 + 5))
    assert all(0 < len(c.text) <= CHUNK_CHARS for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert chunks[-1].text == "x" * 5 and chunks[0].parent_text.startswith("Word Word")
    assert chunk_text(" \n\n \t") == []
    assert len(chunk_text("a.\n\n" * (MAX_CHUNKS + 5))) == MAX_CHUNKS
    assert extract_text("é".encode(), "text/plain") == "é"
    assert extract_text(b"\xff\xfeab", "text/plain") == "\ufffd\ufffdab"


CORPUS = [
    b"Refunds are paid within five days.\n\nReturns need the receipt.",
    b"The office is in Paris.\n\nParking is free on weekends.",
    b"Invoices are sent monthly by email.\n\nLate payments cost a fee.",
]


@pytest.fixture
def corpus(server: MockServer, http: httpx.Client) -> list[str]:
    return [ready_file(server, http, text, f"{n}.txt") for n, text in enumerate(CORPUS)]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    query=st.text(min_size=1, max_size=40).filter(str.strip)
    | st.sampled_from(["refunds", "Paris office", "late fee", "receipt returns"]),
    top_k=st.integers(1, 8),
)
def test_search_ranks_by_score_within_bounds_and_repeats(
    http: httpx.Client, corpus: list[str], query: str, top_k: int
) -> None:
    body = {"query": query, "top_k": top_k}
    first = http.post(f"{FILES}/search", json=body)
    assert first.status_code == 200, first.text
    hits = first.json()["results"]
    scores = [hit["score"] for hit in hits]
    assert len(hits) == min(top_k, 6)  # six chunks in all
    assert scores == sorted(scores, reverse=True)
    assert all(-1 <= score <= 1 for score in scores)
    assert {hit["file_id"] for hit in hits} <= set(corpus)
    assert http.post(f"{FILES}/search", json=body).content == first.content
