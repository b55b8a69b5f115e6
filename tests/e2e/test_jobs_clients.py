"""Batches and video tasks through real clients over a real port: the bundled `meshapi`
SDK (sync and async) and the official `meshapi` 0.1.11 SDK in its own environment, each
polling until the job is done while the fake's clock runs at a hundredth of real time."""

from __future__ import annotations

import asyncio
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from meshapi import AsyncMeshAPI, MeshAPI, MeshAPIError
from meshapi.types.batches import BatchObject, CreateBatchParams
from meshapi.types.videos import ListVideoGenerationsParams, VideoGenerationParams
from meshapi_mock import MockServer
from support.official_sdk import official_python, run_script

MODEL = "openai/gpt-4o-mini"
VIDEO_MODEL = "openai/sora-2"
TOKEN = "rsk_jobs"
POLL = 0.01
"""Seconds between polls; at a time scale of 0.01 that is a second of the fake's clock."""


def requests(*texts: str) -> list[dict[str, Any]]:
    return [
        {
            "custom_id": f"q{i}",
            "body": {"model": MODEL, "messages": [{"role": "user", "content": t}]},
        }
        for i, t in enumerate(texts)
    ]


def poll(get: Any, done: tuple[str, ...], limit: float = 5.0) -> list[str]:
    """Call `get` until its status is in `done`; the statuses seen, in order."""
    seen: list[str] = []
    deadline = time.monotonic() + limit
    while True:
        status = get().status
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in done:
            return seen
        assert time.monotonic() < deadline, f"still {status} after {limit} s"
        time.sleep(POLL)


# --------------------------------------------------------------------------- bundled SDK


def test_bundled_sync_batch_and_video(server: MockServer) -> None:
    server.time_scale = 0.01
    server.chat.when(last_user="capital").reply("Paris")
    with MeshAPI(base_url=server.url, token=TOKEN, max_retries=0) as client:
        batch = client.batches.create(
            CreateBatchParams.model_validate(
                {"requests": requests("The capital?", "Hi"), "metadata": {"run": "sync"}}
            )
        )
        assert batch.status == "validating" and batch.request_counts == {
            "total": 2,
            "completed": 0,
            "failed": 0,
        }
        seen = poll(lambda: client.batches.get(batch.id), ("completed",))
        assert seen[0] == "validating" and seen[-1] == "completed"
        done = client.batches.get(batch.id)
        assert done.results is not None
        answer = done.results[0]["response"]["body"]["choices"][0]["message"]["content"]
        assert answer == "Paris" and done.metadata == {"run": "sync"}
        page = client.batches.list(limit=1)
        assert [b.id for b in page.data] == [batch.id] and page.has_more is False

        task = client.videos.generate(
            VideoGenerationParams.model_validate(
                {
                    "model": VIDEO_MODEL,
                    "content": [{"type": "text", "text": "waves"}],
                    "return_last_frame": True,
                    "duration": 2,
                }
            )
        )
        seen = poll(lambda: client.videos.retrieve(task.id), ("succeeded", "failed"))
        assert seen[-1] == "succeeded"
        finished = client.videos.retrieve(task.id)
        assert finished.content is not None and finished.content.video_url is not None
        video = httpx.get(finished.content.video_url)
        assert video.content[4:8] == b"ftyp" and video.headers["content-type"] == "video/mp4"
        assert finished.content.last_frame_url is not None
        listed = client.videos.list(ListVideoGenerationsParams(status="succeeded", limit=5))
        assert [t.id for t in listed.data] == [task.id] and listed.total == 1


def test_bundled_async_cancel_and_failures(server: MockServer) -> None:
    server.time_scale = 0.01
    server.batches.when(metadata={"slow": True}).reply(durations={"in_progress": 10_000})
    server.videos.fail("quota_exceeded", "No credits left")

    async def main() -> None:
        async with AsyncMeshAPI(base_url=server.url, token=TOKEN, max_retries=0) as client:
            batch = await client.batches.create(
                {"requests": requests("a", "b"), "metadata": {"slow": True}}
            )
            while (await client.batches.get(batch.id)).status == "validating":
                await asyncio.sleep(POLL)
            cancelling = await client.batches.cancel(batch.id)
            assert cancelling.status == "cancelling"
            while (current := await client.batches.get(batch.id)).status != "cancelled":
                await asyncio.sleep(POLL)
            assert current.results is not None and (current.model_extra or {})["cancelled_at"]
            with pytest.raises(MeshAPIError) as raised:
                await client.batches.cancel(batch.id + "x")
            assert raised.value.status == 404 and raised.value.error_code == "not_found"

            task = await client.videos.generate(
                {"model": VIDEO_MODEL, "content": [{"type": "text", "text": "x"}]}
            )
            while (state := await client.videos.retrieve(task.id)).status not in (
                "succeeded",
                "failed",
            ):
                await asyncio.sleep(POLL)
            assert state.status == "failed" and state.error is not None
            assert (state.error.code, state.error.message) == ("quota_exceeded", "No credits left")
            with pytest.raises(MeshAPIError) as raised:
                await client.videos.generate({"model": VIDEO_MODEL, "content": []})
            assert raised.value.status == 422 and raised.value.error_code == "validation_error"

    asyncio.run(main())


def test_bundled_sdk_a_finished_batch_refuses_a_cancel(server: MockServer) -> None:
    with MeshAPI(base_url=server.url, token=TOKEN, max_retries=0) as client:
        batch = client.batches.create({"requests": requests("a")})
        server.clock.advance(10)
        with pytest.raises(MeshAPIError) as raised:
            client.batches.cancel(batch.id)
        assert raised.value.status == 409 and raised.value.error_code == "conflict"
        assert isinstance(client.batches.get(batch.id), BatchObject)


# --------------------------------------------------------------------------- official SDK


@pytest.fixture(scope="module")
def official() -> Path:
    return official_python()


def test_official_sdk_batches_and_videos(official: Path, server: MockServer) -> None:
    server.time_scale = 0.01
    server.chat.when(last_user="capital").reply("Paris")
    server.batches.when(metadata={"cancel": "yes"}).reply(durations={"in_progress": 10_000})
    server.videos.when(prompt="bad").fail("content_policy", "Refused")
    code = """
    import asyncio, time, urllib.request
    from meshapi import AsyncMeshAPI, MeshAPI
    from meshapi._types import (
        BatchRequestItem, CreateBatchParams, ListVideoGenerationsParams, VideoGenerationParams,
    )
    out = {}

    def until(get, done):
        seen = []
        for _ in range(2000):
            status = get().status
            if not seen or seen[-1] != status:
                seen.append(status)
            if status in done:
                return seen
            time.sleep(0.01)
        raise AssertionError(seen)

    def item(i, text):
        body = {"model": MODEL, "messages": [{"role": "user", "content": text}]}
        return BatchRequestItem(custom_id=f"q{i}", body=body)

    with MeshAPI(base_url=URL, token="rsk_official", max_retries=0) as client:
        batch = client.batches.create(CreateBatchParams(requests=[item(0, "The capital?")]))
        out["batch_seen"] = until(lambda: client.batches.get(batch.id), ("completed",))
        done = client.batches.get(batch.id)
        out["answer"] = done.results[0]["response"]["body"]["choices"][0]["message"]["content"]
        out["counts"] = done.request_counts
        slow = client.batches.create(
            CreateBatchParams(requests=[item(0, "a"), item(1, "b")], metadata={"cancel": "yes"})
        )
        until(lambda: client.batches.get(slow.id), ("in_progress",))
        out["cancel"] = client.batches.cancel(slow.id).status
        out["cancel_seen"] = until(lambda: client.batches.get(slow.id), ("cancelled",))
        page = client.batches.list(limit=1)
        out["page"] = [page.has_more, page.first_id == slow.id, page.last_id == slow.id]
        rest = client.batches.list(after=page.last_id, limit=5)
        out["rest"] = [b.id == batch.id for b in rest.data]
        try:
            client.batches.list(after="batch_nope")
        except Exception as exc:
            out["bad_cursor"] = [exc.status, exc.error_code]

        params = VideoGenerationParams(
            model=VIDEO_MODEL,
            content=[{"type": "text", "text": "a calm sea"}],
            return_last_frame=True,
            resolution="480p",
        )
        task = client.videos.generate(params)
        out["video_seen"] = until(lambda: client.videos.retrieve(task.id), ("succeeded",))
        got = client.videos.retrieve(task.id)
        with urllib.request.urlopen(got.content.video_url) as answer:
            data = answer.read()
            out["video"] = [answer.headers["content-type"], data[4:8].decode(), len(data) > 1000]
        with urllib.request.urlopen(got.content.last_frame_url) as answer:
            out["frame"] = answer.read()[:4].decode("latin-1")
        out["usage"] = got.usage.total_tokens
        bad = client.videos.generate(
            VideoGenerationParams(model=VIDEO_MODEL, content=[{"type": "text", "text": "bad"}])
        )
        until(lambda: client.videos.retrieve(bad.id), ("failed",))
        failed = client.videos.retrieve(bad.id)
        out["failure"] = [failed.error.code, failed.error.message]
        listed = client.videos.list(ListVideoGenerationsParams(status="failed", limit=10))
        out["list"] = [listed.total, [t.id == bad.id for t in listed.data], listed.has_more]
        paged = client.videos.list(ListVideoGenerationsParams(limit=1, offset=1))
        out["paged"] = [paged.total, len(paged.data), paged.has_more, paged.offset]
        since = client.videos.list(ListVideoGenerationsParams(created_after="2026-01-01T00:00:00Z"))
        out["since"] = since.total

    async def run_async():
        async with AsyncMeshAPI(base_url=URL, token="rsk_official", max_retries=0) as client:
            batch = await client.batches.create(CreateBatchParams(requests=[item(0, "x")]))
            while (await client.batches.get(batch.id)).status != "completed":
                await asyncio.sleep(0.01)
            task = await client.videos.generate(
                VideoGenerationParams(model=VIDEO_MODEL, content=[{"type": "text", "text": "x"}])
            )
            while (await client.videos.retrieve(task.id)).status != "succeeded":
                await asyncio.sleep(0.01)
            listed = await client.videos.list()
            return [(await client.batches.list()).data[0].id == batch.id, listed.total]

    out["async"] = asyncio.run(run_async())
    emit(out)
    """
    seen = run_script(
        official, textwrap.dedent(code), URL=server.url, MODEL=MODEL, VIDEO_MODEL=VIDEO_MODEL
    )
    assert seen["batch_seen"][0] == "validating" and seen["batch_seen"][-1] == "completed"
    assert seen["answer"] == "Paris"
    assert seen["counts"] == {"total": 1, "completed": 1, "failed": 0}
    assert seen["cancel"] == "cancelling" and seen["cancel_seen"][-1] == "cancelled"
    assert seen["page"] == [True, True, True] and seen["rest"] == [True]
    assert seen["bad_cursor"] == [404, "not_found"]
    assert seen["video_seen"][-1] == "succeeded" and "queued" in seen["video_seen"][:1]
    assert seen["video"] == ["video/mp4", "ftyp", True] and seen["frame"] == "\x89PNG"
    assert seen["usage"] > 0
    assert seen["failure"] == ["content_policy", "Refused"]
    assert seen["list"] == [1, [True], False]
    assert seen["paged"] == [2, 1, False, 1] and seen["since"] == 2
    assert seen["async"] == [True, 3]
