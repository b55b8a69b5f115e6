"""`/v1/video/generations` over real HTTP: tasks on the fake's clock, the MP4 and PNG the
fake serves, filters and offset paging, scripted failures, bad input."""

from __future__ import annotations

import io
import struct
from typing import Any

import httpx
import pytest
from meshapi.types.videos import VideoTaskListResponse, VideoTaskResponse
from meshapi_mock import MockServer
from PIL import Image

MODEL = "openai/sora-2"
PATH = "/v1/video/generations"


def text(prompt: str = "a fox in the snow") -> list[dict[str, Any]]:
    return [{"type": "text", "text": prompt}]


def generate(http: httpx.Client, **body: Any) -> str:
    body.setdefault("model", MODEL)
    body.setdefault("content", text())
    response = http.post(PATH, json=body)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"id"}
    task_id: str = response.json()["id"]
    return task_id


def task(http: httpx.Client, task_id: str) -> dict[str, Any]:
    response = http.get(f"{PATH}/{task_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    VideoTaskResponse.model_validate(body)
    return body


def error_of(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    return error


# --------------------------------------------------------------------------- MP4 reading


def boxes(data: bytes, start: int = 0, end: int | None = None) -> dict[str, list[bytes]]:
    """ISO BMFF boxes at one level: type → payloads (sizes must tile the range exactly)."""
    end = len(data) if end is None else end
    found: dict[str, list[bytes]] = {}
    at = start
    while at < end:
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        assert size >= 8 and at + size <= end, (kind, size)
        found.setdefault(kind.decode("latin-1"), []).append(data[at + 8 : at + size])
        at += size
    assert at == end
    return found


def child(payload: bytes, *path: str) -> bytes:
    for name in path:
        payload = boxes(payload)[name][0]
    return payload


def read_mp4(data: bytes) -> dict[str, Any]:
    top = boxes(data)
    assert list(top) == ["ftyp", "moov", "mdat"]
    assert top["ftyp"][0][:4] == b"isom"
    moov = top["moov"][0]
    mvhd = child(moov, "mvhd")
    timescale, duration = struct.unpack(">II", mvhd[12:20])
    trak = child(moov, "trak")
    tkhd = child(trak, "tkhd")
    width, height = (v >> 16 for v in struct.unpack(">II", tkhd[-8:]))
    mdia = child(trak, "mdia")
    assert child(mdia, "hdlr")[8:12] == b"vide"
    track_scale, track_length = struct.unpack(">II", child(mdia, "mdhd")[12:20])
    stbl = child(mdia, "minf", "stbl")
    stsd = child(stbl, "stsd")
    entry = boxes(stsd, 8)["jpeg"][0]
    assert struct.unpack(">HH", entry[24:28]) == (width, height)
    count, delta = struct.unpack(">II", child(stbl, "stts")[8:16])
    stsz = child(stbl, "stsz")
    samples = struct.unpack(">I", stsz[8:12])[0]
    sizes = struct.unpack(f">{samples}I", stsz[12:])
    stco = child(stbl, "stco")
    offsets = struct.unpack(f">{samples}I", stco[8:])
    mdat_start = len(data) - len(top["mdat"][0])
    pictures = {
        offset: data[offset : offset + size] for offset, size in zip(offsets, sizes, strict=True)
    }
    for offset, size in zip(offsets, sizes, strict=True):
        assert mdat_start <= offset and offset + size <= len(data)
    return {
        "seconds": duration / timescale,
        "width": width,
        "height": height,
        "fps": track_scale / delta,
        "frames": samples,
        "track_seconds": track_length / track_scale,
        "stts_count": count,
        "pictures": list(pictures.values()),
    }


# --------------------------------------------------------------------------- the flow


def test_a_task_moves_to_succeeded_with_a_real_video(server: MockServer, http: Any) -> None:
    task_id = generate(http, return_last_frame=True, duration=3, seed=7, watermark=False)
    queued = task(http, task_id)
    assert queued["status"] == "queued" and queued["content"] is None
    assert queued["usage"] is None and queued["error"] is None
    assert queued["model"] == MODEL and queued["seed"] == 7 and queued["watermark"] is False
    assert (queued["resolution"], queued["ratio"], queued["duration"]) == ("720p", "16:9", 3)
    assert (queued["frames"], queued["framespersecond"]) == (72, 24)
    assert queued["updated_at"] == queued["created_at"]

    server.clock.advance(1)
    running = task(http, task_id)
    assert running["status"] == "running" and running["updated_at"] == queued["created_at"] + 1
    server.clock.advance(3)
    done = task(http, task_id)
    assert done["status"] == "succeeded" and done["updated_at"] == queued["created_at"] + 4
    assert done["usage"] == {"completion_tokens": 1280 * 720 * 72 // 1024} | {
        "total_tokens": 1280 * 720 * 72 // 1024
    }
    video_url, frame_url = done["content"]["video_url"], done["content"]["last_frame_url"]
    assert video_url == f"{server.url}{PATH}/{task_id}/content"

    video = httpx.get(video_url)  # no key: a signed link
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    mp4 = read_mp4(video.content)
    assert (mp4["width"], mp4["height"], mp4["fps"], mp4["frames"]) == (1280, 720, 24, 72)
    assert mp4["seconds"] == mp4["track_seconds"] == 3 and mp4["stts_count"] == 72
    assert len(mp4["pictures"]) == 3, "one picture a second"
    for picture in mp4["pictures"]:
        with Image.open(io.BytesIO(picture)) as image:
            assert image.format == "JPEG" and image.size == (1280, 720)
            image.load()

    frame = httpx.get(frame_url)
    assert frame.status_code == 200 and frame.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(frame.content)) as image:
        assert image.format == "PNG" and image.size == (1280, 720)
    assert httpx.get(video_url).content == video.content, "same task, same bytes"


def test_the_same_request_on_a_fresh_fake_gives_the_same_bytes(
    server: MockServer, http: Any
) -> None:
    def run() -> tuple[dict[str, Any], bytes]:
        server.reset()
        task_id = generate(http, duration=2, resolution="480p", ratio="9:16")
        server.clock.advance(10)
        body = task(http, task_id)
        return body, httpx.get(body["content"]["video_url"]).content

    first, second = run(), run()
    assert first == second
    assert read_mp4(first[1])["width"] == 480 and read_mp4(first[1])["height"] == 854


def test_sizes_frames_and_drafts(server: MockServer, http: Any) -> None:
    frames = generate(http, frames=50.0, ratio="1:1", resolution="480p")  # 50.0 is whole
    draft = generate(
        http,
        draft=True,
        ratio="adaptive",
        content=[*text(), {"type": "draft_task", "draft_task": {"id": "cgt-draft"}}],
    )
    no_frame = generate(http)
    server.clock.advance(10)
    body = task(http, frames)
    assert (body["frames"], body["duration"]) == (50, 3)
    mp4 = read_mp4(httpx.get(body["content"]["video_url"]).content)
    assert (mp4["width"], mp4["height"], mp4["frames"]) == (480, 480, 50)
    body = task(http, draft)
    assert (body["resolution"], body["ratio"], body["draft"]) == ("480p", "16:9", True)
    assert body["draft_task_id"] == "cgt-draft" and body["duration"] == 5
    body = task(http, no_frame)
    assert "last_frame_url" not in body["content"] and body["execution_expires_after"] == 172800
    assert body["seed"] >= 0 and body["service_tier"] == "default"


def test_files_before_success_and_unknown_tasks(server: MockServer, http: Any) -> None:
    task_id = generate(http)
    for suffix in ("/content", "/last_frame"):
        early = httpx.get(f"{server.url}{PATH}/{task_id}{suffix}")
        assert early.status_code == 404 and "queued" in error_of(early)["message"]
    for path in (f"{PATH}/cgt-missing", f"{PATH}/cgt-missing/content"):
        response = http.get(path)
        assert response.status_code == 404 and "cgt-missing" in error_of(response)["message"]
    assert httpx.get(f"{server.url}{PATH}/{task_id}").status_code == 401, "the task needs a key"


def test_execution_expires_after_expires_a_slow_task(server: MockServer, http: Any) -> None:
    task_id = generate(http, execution_expires_after=2)
    server.clock.advance(1.5)
    assert task(http, task_id)["status"] == "running"
    server.clock.advance(0.5)
    expired = task(http, task_id)
    assert expired["status"] == "expired" and expired["content"] is None
    assert expired["error"] is None and expired["updated_at"] == expired["created_at"] + 2


# --------------------------------------------------------------------------- rules


def test_a_scripted_failure(server: MockServer, http: Any) -> None:
    server.videos.when(prompt="violence").fail("OutputVideoSensitiveContentDetected", "Refused")
    ok = generate(http)
    bad = generate(http, content=text("some violence"))
    server.clock.advance(4)
    failed = task(http, bad)
    assert failed["status"] == "failed" and failed["content"] is None and failed["usage"] is None
    assert failed["error"] == {"code": "OutputVideoSensitiveContentDetected", "message": "Refused"}
    assert task(http, ok)["status"] == "succeeded"
    response = httpx.get(f"{server.url}{PATH}/{bad}/content")
    assert response.status_code == 404 and "failed" in error_of(response)["message"]


def test_rules_script_durations_usage_and_echoed_fields(server: MockServer, http: Any) -> None:
    server.videos.when(image=True, resolution="1080p").reply(
        durations={"queued": 10, "running": 20},
        usage={"completion_tokens": 5, "total_tokens": 6},
        seed=42,
        ratio="4:3",
        framespersecond=12,
        duration=2,
        model="acme/video",
        id="cgt-mine",
        last_frame_url="https://cdn.example/frame.png",
    )
    image = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    task_id = generate(http, content=[*text(), image], resolution="1080p")
    assert task_id == "cgt-mine"
    server.clock.advance(29)
    assert task(http, task_id)["status"] == "running"
    server.clock.advance(1)
    body = task(http, task_id)
    assert body["status"] == "succeeded" and body["usage"] == {
        "completion_tokens": 5,
        "total_tokens": 6,
    }
    assert (body["seed"], body["ratio"], body["framespersecond"], body["frames"]) == (
        42,
        "4:3",
        12,
        24,
    )
    assert body["model"] == "acme/video"
    assert body["content"]["last_frame_url"] == "https://cdn.example/frame.png"
    mp4 = read_mp4(httpx.get(body["content"]["video_url"]).content)
    assert (mp4["width"], mp4["height"], mp4["fps"], mp4["seconds"]) == (1440, 1080, 12, 2)


def test_scripted_expiry_video_url_and_errors(server: MockServer, http: Any) -> None:
    server.videos.expire(durations={"queued": 0, "running": 1})
    expired = generate(http)
    server.videos.reply(video_url="https://cdn.example/v.mp4")
    elsewhere = generate(http)
    server.videos.when(operation="get").error(503, retry_after=1)
    server.videos.when(operation="content").error(403, code="forbidden")
    server.clock.advance(5)
    assert http.get(f"{PATH}/{expired}").status_code == 503
    assert task(http, expired)["status"] == "expired"
    body = task(http, elsewhere)
    assert body["content"]["video_url"] == "https://cdn.example/v.mp4"
    assert httpx.get(f"{server.url}{PATH}/{elsewhere}/content").status_code == 403
    server.videos.error(429)
    assert http.post(PATH, json={"model": MODEL, "content": text()}).status_code == 429


@pytest.mark.parametrize(
    "reply",
    [
        {"failure": {"code": ""}},
        {"status": "succeeded", "failure": {}},
        {"status": "failed", "video_url": "https://x"},
        {"error": {"status": 500}, "seed": 1},
        {"durations": {"queued": -1}},
        {"resolution": "4k"},
        {"framespersecond": 0},
        {"id": "has/slash"},
    ],
)
def test_replies_that_could_not_render_are_refused(http: Any, reply: dict[str, Any]) -> None:
    response = http.post("/_mock/rules", json={"endpoint": "videos", "reply": reply})
    assert response.status_code == 422, response.text


# --------------------------------------------------------------------------- list


def test_list_filters_and_offset_paging(server: MockServer, http: Any) -> None:
    empty = http.get(PATH).json()
    assert empty == {
        "object": "list",
        "data": [],
        "has_more": False,
        "total": 0,
        "limit": 20,
        "offset": 0,
    }
    server.videos.when(prompt="fail").fail()
    first = generate(http)
    server.clock.advance(100)
    second = generate(http, content=text("fail"))
    third = generate(http, model="openai/sora-2-pro")
    server.clock.advance(4)

    page = http.get(PATH, params={"limit": 2}).json()
    VideoTaskListResponse.model_validate(page)
    assert [t["id"] for t in page["data"]] == [third, second], "newest first"
    assert (page["has_more"], page["total"], page["limit"], page["offset"]) == (True, 3, 2, 0)
    last = http.get(PATH, params={"limit": 2, "offset": 2}).json()
    assert [t["id"] for t in last["data"]] == [first] and last["has_more"] is False
    past = http.get(PATH, params={"offset": 10}).json()
    assert past["data"] == [] and past["total"] == 3 and past["has_more"] is False

    def ids(**params: Any) -> list[str]:
        return [t["id"] for t in http.get(PATH, params=params).json()["data"]]

    created = task(http, first)["created_at"]
    assert ids(status="failed") == [second]
    assert ids(status="succeeded") == [third, first]
    assert ids(model="openai/sora-2-pro") == [third]
    assert ids(created_after=str(created + 1)) == [third, second]
    assert ids(created_before=str(created)) == [first]
    assert ids(created_before="2026-01-01T00:00:00Z") == [first]
    assert ids(created_after="2026-01-01T01:01:40+01:00") == [third, second]
    assert ids(status="queued") == []
    assert ids(created_after="", created_before="") == [third, second, first], "empty: no bound"


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"offset": "-1"},
        {"status": "done"},
        {"created_after": "yesterday"},
    ],
)
def test_bad_list_queries(http: Any, params: dict[str, str]) -> None:
    response = http.get(PATH, params=params)
    assert response.status_code == 422
    assert error_of(response)["details"][0]["loc"] == ["query", next(iter(params))]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"content": text()}, ["body", "model"]),
        ({"model": MODEL}, ["body", "content"]),
        ({"model": MODEL, "content": []}, ["body", "content"]),
        ({"model": MODEL, "content": [{"type": "text"}]}, ["body", "content", 0]),
        (
            {"model": MODEL, "content": [{"type": "gif", "text": "x"}]},
            ["body", "content", 0, "type"],
        ),
        ({"model": MODEL, "content": text(), "resolution": "4k"}, ["body", "resolution"]),
        ({"model": MODEL, "content": text(), "duration": 0}, ["body", "duration"]),
        ({"model": MODEL, "content": text(), "duration": 2.5}, ["body", "duration"]),
        ({"model": MODEL, "content": text(), "frames": 100_000}, ["body", "frames"]),
        ({"model": MODEL, "content": text(), "seed": "7"}, ["body", "seed"]),
    ],
)
def test_bad_requests_are_422(http: Any, body: dict[str, Any], where: list[Any]) -> None:
    response = http.post(PATH, json=body)
    assert response.status_code == 422, response.text
    assert error_of(response)["details"][0]["loc"][: len(where)] == where


def test_unknown_providers_and_keys(server: MockServer, http: Any) -> None:
    response = http.post(PATH, json={"model": "nobody/video", "content": text()})
    assert response.status_code == 404 and error_of(response)["code"] == "model_not_found"
    anonymous = httpx.post(server.url + PATH, json={"model": MODEL, "content": text()})
    assert anonymous.status_code == 401
    assert http.post(PATH, content=b"{").status_code == 400
