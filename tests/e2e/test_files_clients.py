"""RAG files end to end over a real port: the bundled `meshapi` SDK (sync and async) and
the official `meshapi` 0.1.11 SDK in its own environment, each through its `upload_file`
convenience, a polling loop, embed, another polling loop and search.

The loops poll as apps do; the fake's clock runs at a time scale of 0.001 here, so the
default 1 s of processing and 2 s of embedding take 30 ms and no test sleeps for real
seconds. Which state a poll sees first depends on the machine's speed, so only the end
of each loop is asserted (`test_files.py` checks each state on a hand-moved clock).
"""

from __future__ import annotations

import asyncio
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from meshapi import AsyncMeshAPI, MeshAPI, MeshAPIError
from meshapi.types.rag import BulkEmbedRequest, SearchRequest
from meshapi_mock import MockServer
from support.official_sdk import official_python, run_script

HANDBOOK = (
    "Welcome to Acme. Onboarding starts with a laptop and a badge on your first day.\n\n"
    "Holidays: everyone has 25 days a year, booked in the HR portal.\n\n"
    "Expenses are refunded within five working days of the claim."
)
SCALE = 0.01
"""Seconds of real time per second of the fake's clock in these tests."""
POLLS = 5000


def poll(check: Any) -> int:
    """Call `check` until it is true, a few milliseconds apart; how many calls it took."""
    for count in range(1, POLLS):
        if check():
            return count
        time.sleep(0.001)
    raise AssertionError("the file never got there")


async def apoll(check: Any) -> int:
    for count in range(1, POLLS):
        if await check():
            return count
        await asyncio.sleep(0.001)
    raise AssertionError("the file never got there")


def test_bundled_sync_upload_poll_embed_poll_search(server: MockServer) -> None:
    server.time_scale = SCALE
    client = MeshAPI(base_url=server.url, token="rsk_files")

    upload = client.rag.upload_file(
        file_name="handbook.txt",
        mime_type="text/plain",
        content=HANDBOOK.encode(),
        metadata={"team": "hr"},
    )
    poll(lambda: client.rag.get(upload.file_id).upload_status == "ready")
    [asked] = client.rag.embed({"file_ids": [upload.file_id]}).results
    poll(lambda: client.rag.get(upload.file_id).embedding_status == "ready")
    hits = client.rag.search(SearchRequest(query="How many holiday days?", top_k=2)).results
    page = client.rag.list(limit=10)

    assert asked.embedding_status in ("processing", "ready")
    assert hits[0].text.startswith("Holidays") and hits[0].metadata == {"team": "hr"}
    assert len(hits) == 2 and hits[0].score >= hits[1].score
    assert page.total == 1 and page.files[0].embedding_status == "ready"
    put = server.files.requests[1]
    assert put.operation == "upload" and "authorization" not in put.headers
    with pytest.raises(MeshAPIError) as caught:
        client.rag.get("missing")
    assert (caught.value.status, caught.value.error_code) == (404, "not_found")


def test_bundled_sync_upload_errors_are_http_errors(server: MockServer) -> None:
    server.files.store.max_upload_bytes = 8
    server.files.when(operation="upload", nth=2).error(503)
    client = MeshAPI(base_url=server.url, token="rsk_files")

    with pytest.raises(httpx.HTTPStatusError) as too_big:
        client.rag.upload_file(file_name="a.txt", mime_type="text/plain", content=b"123456789")
    with pytest.raises(httpx.HTTPStatusError) as unavailable:
        client.rag.upload_file(file_name="b.txt", mime_type="text/plain", content=b"1")

    assert too_big.value.response.status_code == 413
    assert unavailable.value.response.status_code == 503
    assert len(server.files.requests) == 4, "a signed PUT is never retried"


def test_bundled_async_flow_with_embed_at_init_and_wait(server: MockServer) -> None:
    server.time_scale = SCALE
    server.files.when(file_name="broken").fail_embedding("embedding_failed")

    async def main() -> tuple[Any, ...]:
        async with AsyncMeshAPI(base_url=server.url, token="rsk_files") as client:
            auto = await client.rag.upload_file(
                file_name="handbook.txt",
                mime_type="text/plain",
                content=HANDBOOK.encode(),
                embed=True,
            )
            broken = await client.rag.upload_file(
                file_name="broken.txt", mime_type="text/plain", content=b"x"
            )

            async def embedded() -> bool:
                return (await client.rag.get(auto.file_id)).embedding_status == "ready"

            polls = await apoll(embedded)
            waited = await client.rag.embed(BulkEmbedRequest(file_ids=[broken.file_id], wait=True))
            failed = await client.rag.get(broken.file_id)
            hits = await client.rag.search({"query": "onboarding laptop", "top_k": 1})
            return polls, waited.results[0], failed, hits.results

    polls, waited, failed, hits = asyncio.run(main())
    assert polls >= 1
    assert (waited.embedding_status, waited.error) == ("failed", "embedding_failed")
    assert failed.last_error_code == "embedding_failed"
    assert [hit.text[:10] for hit in hits] == ["Welcome to"]


# --------------------------------------------------------------------------- official SDK


@pytest.fixture(scope="module")
def official() -> Path:
    return official_python()


def drive(official: Path, server: MockServer, code: str, **variables: Any) -> Any:
    prelude = """
        import asyncio, time
        import httpx
        from meshapi import (MeshAPI, AsyncMeshAPI, MeshAPIError, InitUploadRequest,
                             BulkEmbedRequest, SearchRequest)
        client = MeshAPI(base_url=URL, token="rsk_official", max_retries=0)

        def poll(check):
            for count in range(1, 5000):
                if check():
                    return count
                time.sleep(0.001)
            raise AssertionError("never ready")
    """
    source = textwrap.dedent(prelude) + textwrap.dedent(code)
    return run_script(official, source, URL=server.url, **variables)


def test_official_sync_flow_as_its_readme_writes_it(official: Path, server: MockServer) -> None:
    server.time_scale = SCALE
    server.files.when(file_name="scan").fail_upload("unsupported_file_type")
    seen = drive(
        official,
        server,
        """
        up = client.rag.upload_file(file_name="handbook.txt", mime_type="text/plain",
                                    content=DOC.encode(), metadata={"team": "hr"})
        asked = client.rag.embed(BulkEmbedRequest(file_ids=[up.file_id]))  # no wait first
        polls = poll(lambda: client.rag.get(up.file_id).embedding_status == "ready")
        hits = client.rag.search(SearchRequest(query="onboarding process", top_k=2))
        page = client.rag.list(limit=1, offset=0)
        status = client.rag.get(up.file_id)

        manual = client.rag.init_upload(
            InitUploadRequest(file_name="notes.txt", mime_type="text/plain"))
        forged = httpx.put(manual.signed_url + "0", content=b"x",
                           headers={"Content-Type": "text/plain"})
        httpx.put(manual.signed_url, content=b"Parking is free on weekends.",
                  headers={"Content-Type": "text/plain"}).raise_for_status()
        twice = httpx.put(manual.signed_url, content=b"x", headers={"Content-Type": "text/plain"})
        waited = client.rag.embed(BulkEmbedRequest(file_ids=[manual.file_id], wait=True))

        scan = client.rag.upload_file(file_name="scan.pdf", mime_type="application/pdf",
                                      content=b"%PDF-1.4")
        scan_status = client.rag.get(scan.file_id)
        poll(lambda: client.rag.get(scan.file_id).upload_status != "processing")
        failed = client.rag.get(scan.file_id)
        try:
            client.rag.get("missing")
            missing = None
        except MeshAPIError as exc:
            missing = [exc.status, exc.error_code]
        emit({
            "asked": asked.results[0].embedding_status,
            "polls": polls,
            "hits": [[h.text, h.score, h.metadata, h.file_id] for h in hits.results],
            "page": [page.total, page.limit, page.offset, len(page.files)],
            "status": [status.upload_status, status.embedding_status, status.size_bytes,
                       status.total_tokens],
            "forged": forged.status_code,
            "twice": twice.status_code,
            "waited": [waited.results[0].embedding_status, waited.results[0].chunk_count],
            "scan": [scan_status.upload_status, failed.upload_status, failed.last_error_code],
            "missing": missing,
            "file_id": up.file_id,
        })
        """,
        DOC=HANDBOOK,
    )
    assert seen["asked"] in ("pending", "processing") and seen["polls"] >= 1
    assert seen["hits"][0][0].startswith("Welcome to Acme. Onboarding")
    assert seen["hits"][0][2] == {"team": "hr"} and seen["hits"][0][3] == seen["file_id"]
    assert seen["hits"][0][1] >= seen["hits"][1][1]
    assert seen["page"] == [1, 1, 0, 1]
    assert seen["status"] == ["ready", "ready", len(HANDBOOK), (len(HANDBOOK) + 3) // 4]
    assert (seen["forged"], seen["twice"]) == (403, 409)
    assert seen["waited"] == ["ready", 1]
    assert seen["scan"][1:] == ["failed", "unsupported_file_type"]
    assert seen["missing"] == [404, "not_found"]
    sdk = [e.headers.get("x-meshapi-sdk") for e in server.files.requests]
    assert sdk[0] == "python/0.1.11" and sdk[1] is None, "the PUT carries no SDK header"


def test_official_async_flow_and_upload_limit(official: Path, server: MockServer) -> None:
    server.time_scale = SCALE
    server.files.store.max_upload_bytes = 1000
    seen = drive(
        official,
        server,
        """
        async def main():
            async with AsyncMeshAPI(base_url=URL, token="rsk_official") as aclient:
                up = await aclient.rag.upload_file(file_name="h.md", mime_type="text/markdown",
                                                   content=DOC.encode(), embed=True)
                for count in range(1, 5000):
                    status = await aclient.rag.get(up.file_id)
                    if status.embedding_status == "ready":
                        break
                    await asyncio.sleep(0.001)
                hits = await aclient.rag.search(
                    SearchRequest(query="refunded expenses", top_k=1, file_ids=[up.file_id]))
                try:
                    await aclient.rag.upload_file(file_name="big.txt", mime_type="text/plain",
                                                  content=b"x" * 1001)
                    too_big = None
                except httpx.HTTPStatusError as exc:
                    too_big = exc.response.status_code
                return [count, status.file_type, hits.results[0].text, too_big]

        emit(asyncio.run(main()))
        """,
        DOC=HANDBOOK,
    )
    polls, file_type, text, too_big = seen
    assert polls >= 1 and file_type == "md"
    assert text.startswith("Expenses are refunded")
    assert too_big == 413
